/* brkloop.c - bench/stub.sh's guest for row 6: the guest's own `brk #0x77` in a loop, each
 * handled by its own vector table (brk_vectors.S: counts it in brk_count and skips it), with
 * `never_called()` as a place for a debugger's breakpoint that is never hit.  Runs for
 * `run_seconds` of its virtual time (CNTVCT_EL0; 0: forever, a debugger sets it), then prints
 *   GUEST-BRKLOOP count=<brks> ticks=<CNTVCT ticks> freq=<CNTFRQ>
 * and powers off.  brkloop-virt.c builds it for QEMU's virt machine. */
#include "guest_c.h"

extern volatile unsigned long brk_count;
void set_brk_vectors(void);
void never_called(void);
int main(void);

volatile unsigned long run_seconds = 3;

__attribute__((noinline)) void never_called(void)
{
    brk_count = 0;
}

int main(void)
{
    unsigned long freq = SYSREG_READ("cntfrq_el0");
    unsigned long start, now;

    set_brk_vectors();
    start = SYSREG_READ("cntvct_el0");
    for (;;) {
        __asm__ volatile("brk #0x77" ::: "memory");
        now = SYSREG_READ("cntvct_el0");
        if (run_seconds && now - start >= run_seconds * freq)
            break;
        if (now == start - 1)   /* never: keeps never_called() linked and reachable */
            never_called();
    }
    puts("GUEST-BRKLOOP count=");
    putdec(brk_count);
    puts(" ticks=");
    putdec(now - start);
    puts(" freq=");
    putdec(freq);
    puts("\r\n");
    return 0;
}
