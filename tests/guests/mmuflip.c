/* mmuflip.c - a guest that keeps changing what its addresses mean, for a debugger to follow.
 *
 * Stage-1 tables (4K granule, T0SZ = 32: a 4 GiB VA space starting at level 1, TTBR1 walks
 * off), one level-1 table of 1 GiB blocks: VA 0 -> PA 0 (Device: the UART), VA 0x80000000 ->
 * PA 0x80000000 (Normal write-back: RAM, identity), and VA 0x40000000 -> PA 0x80000000 (an
 * alias of RAM) present or not.  Each of ROUNDS rounds:
 *   - turns the MMU on (even rounds) or off (odd rounds), with the caches;
 *   - rewrites the alias entry (present when round % 3 != 0) and invalidates the TLB;
 *   - rewrites the first instruction of patch_fn (`mov w0, #1 + round % 3`), cleans it to the
 *     point of unification and invalidates the I-cache, calls it and adds the result to
 *     patch_sum (a debugger that restored a stale instruction would change the sum);
 *   - calls flip_target(round) (a debugger's breakpoint), which counts in `hits`.
 * The state of the round is in `state` (bit 0 MMU on, bit 1 alias present) when flip_target is
 * called, and `alias_probe` holds 0xa11a5000 + round, which the debugger may read through the
 * alias.  At the end:  GUEST-MMUFLIP rounds=N hits=N patch_sum=N  and power-off. */
#include "guest_c.h"

#define ROUNDS 24
#define RAM 0x80000000UL
#define ALIAS 0x40000000UL
#define BLOCK_DEV 0x401UL       /* AF | AttrIndx 0 (Device-nGnRnE) | block */
#define BLOCK_RAM 0x705UL       /* AF | SH inner | AttrIndx 1 (Normal WB) | block */
#define MAIR 0xff00UL           /* index 0: Device-nGnRnE, index 1: Normal WB RA WA */
/* T0SZ=32, IRGN0=ORGN0=WB, SH0=inner, TG0=4K, EPD1 (no TTBR1 walks), IPS=40 bits */
#define TCR (32UL | 1UL << 8 | 1UL << 10 | 3UL << 12 | 1UL << 23 | 2UL << 32)
#define SCTLR_M 1UL
#define SCTLR_C (1UL << 2)
#define SCTLR_I (1UL << 12)

static unsigned long l1[512] __attribute__((aligned(4096)));
volatile unsigned long hits, patch_sum, state, alias_probe, rounds_done;
unsigned long flip_target(unsigned long round);
unsigned long patch_fn(void);
int main(void);

__attribute__((noinline)) unsigned long flip_target(unsigned long round)
{
    hits = hits + 1;
    return round + hits;
}

/* patch_fn: its first word is rewritten each round (mov w0, #imm), then ret */
__asm__(".text\n"
        ".global patch_fn\n"
        ".balign 16\n"
        "patch_fn:\n"
        "    mov w0, #1\n"
        "    ret\n");

static void tlb_flush(void)
{
    __asm__ volatile("dsb ishst\n tlbi vmalle1\n dsb ish\n isb" ::: "memory");
}

static void set_mmu(int on)
{
    unsigned long sctlr = SYSREG_READ("sctlr_el1");

    if (on)
        sctlr |= SCTLR_M | SCTLR_C | SCTLR_I;
    else
        sctlr &= ~(SCTLR_M | SCTLR_C | SCTLR_I);
    __asm__ volatile("dsb sy" ::: "memory");
    SYSREG_WRITE("sctlr_el1", sctlr);
    __asm__ volatile("isb" ::: "memory");
    if (!on) /* whatever the caches hold of RAM must reach it before uncached accesses */
        __asm__ volatile("ic iallu\n dsb sy\n isb" ::: "memory");
}

static void patch(unsigned imm)
{
    volatile unsigned int *insn = (volatile unsigned int *)(unsigned long)patch_fn;

    *insn = 0x52800000U | (imm << 5); /* mov w0, #imm */
    __asm__ volatile("dc cvau, %0\n dsb ish\n ic ivau, %0\n dsb ish\n isb" ::"r"(insn) : "memory");
}

int main(void)
{
    l1[0] = 0x0UL | BLOCK_DEV;
    l1[2] = RAM | BLOCK_RAM;
    l1[1] = 0;
    SYSREG_WRITE("mair_el1", MAIR);
    SYSREG_WRITE("tcr_el1", TCR);
    SYSREG_WRITE("ttbr0_el1", (unsigned long)l1);
    __asm__ volatile("isb");
    puts("GUEST-MMUFLIP start\r\n");
    for (unsigned long r = 0; r < ROUNDS; r++) {
        int mmu = !(r & 1), alias = r % 3 != 0;

        l1[1] = alias ? RAM | BLOCK_RAM : 0;
        __asm__ volatile("dsb sy" ::: "memory");
        tlb_flush();
        set_mmu(mmu);
        alias_probe = 0xa11a5000UL + r;
        patch(1 + (unsigned)(r % 3));
        patch_sum = patch_sum + patch_fn();
        state = (unsigned long)mmu | (unsigned long)alias << 1;
        flip_target(r);
        rounds_done = r + 1;
    }
    set_mmu(0);
    puts("GUEST-MMUFLIP rounds=");
    putdec(rounds_done);
    puts(" hits=");
    putdec(hits);
    puts(" patch_sum=");
    putdec(patch_sum);
    puts("\r\n");
    return 0;
}
