/* guestbrk.c - a guest that uses BRK itself: its own vector table (brk_vectors.S) counts every
 * BRK and its immediate and skips it.  main() runs `brk #0x800`, `brk #0` and `brk #0x4` four
 * times each between calls to marker(), then prints
 *   GUEST-BRK count=12 markers=8 imms=800,0,4,800,0,4,800,0,4,800,0,4
 * A debugger must leave the guest's own BRKs to the guest (re-inject them), even `brk #0`, the
 * instruction its own software breakpoints use, and stop only at its breakpoints. */
#include "guest_c.h"

extern volatile unsigned long brk_count;
extern volatile unsigned long brk_imms[];
void set_brk_vectors(void);
void marker(unsigned long i);
int main(void);

volatile unsigned long markers;

__attribute__((noinline)) void marker(unsigned long i)
{
    markers = markers + 1 + (i & 0);
}

static void putshorthex(unsigned long v)
{
    char out[20];
    int n = 0;
    int shift = 60;

    while (shift > 0 && !((v >> shift) & 0xf))
        shift -= 4;
    for (; shift >= 0; shift -= 4)
        out[n++] = "0123456789abcdef"[(v >> shift) & 0xf];
    out[n] = 0;
    puts(out);
}

int main(void)
{
    set_brk_vectors();
    for (unsigned long i = 0; i < 4; i++) {
        marker(2 * i);
        __asm__ volatile("brk #0x800" ::: "memory");
        __asm__ volatile("brk #0" ::: "memory");
        marker(2 * i + 1);
        __asm__ volatile("brk #0x4" ::: "memory");
    }
    puts("GUEST-BRK count=");
    putdec(brk_count);
    puts(" markers=");
    putdec(markers);
    puts(" imms=");
    for (unsigned long i = 0; i < brk_count && i < 64; i++) {
        if (i)
            puts(",");
        putshorthex(brk_imms[i]);
    }
    puts("\r\n");
    return 0;
}
