/* smc.c - a guest that rewrites its own code (as Linux does with alternatives, jump labels or
 * ftrace): smc_f returns 1, then the guest patches its first instruction to `mov x0, #2`, cleans
 * the caches, and calls it again (twice, with marker() calls between for a debugger).  It prints
 * GUEST-SMC a=1 b=2 c=2 when every call ran the code that was in memory at the time. */
#include "guest_c.h"

unsigned long smc_f(void);
void marker(void);
void patch_smc_f(unsigned imm);
int main(void);

__attribute__((noinline)) void marker(void)
{
    __asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) void patch_smc_f(unsigned imm)
{
    volatile unsigned *p = (volatile unsigned *)(unsigned long)smc_f;

    *p = 0xd2800000u | (imm << 5); /* mov x0, #imm */
    __asm__ volatile("dc cvau, %0\n dsb ish\n ic ivau, %0\n dsb ish\n isb" ::"r"(p) : "memory");
}

int main(void)
{
    unsigned long a, b, c;

    a = smc_f();
    patch_smc_f(2);
    marker();
    b = smc_f();
    marker();
    c = smc_f();
    puts("GUEST-SMC a=");
    puthex(a);
    puts(" b=");
    puthex(b);
    puts(" c=");
    puthex(c);
    puts("\r\n");
    return 0;
}
