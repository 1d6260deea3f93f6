/* condsmp.c - two vCPUs calling one function, for breakpoint conditions (gdb-cond): vCPU 0
 * starts vCPU 1 (PSCI CPU_ON); in each of ROUNDS rounds both call hit(cpu, i) for i = 0..CALLS-1
 * at the same time, then vCPU 0 calls round_done(round) once vCPU 1 has finished its part.
 * Untouched it prints
 *   GUEST-CONDSMP rounds=6 calls=4800
 * and powers off.  Which (cpu, i) a conditional breakpoint on hit() stops at is the same in every
 * run, however the vCPUs interleave. */
#include "guest_c.h"

#define ROUNDS 6
#define CALLS 400
#define PSCI_CPU_ON 0xC4000003UL
#define PSCI_CPU_OFF 0x84000002UL

volatile unsigned long calls[2], last_i[2];
volatile unsigned long go, done; /* the round vCPU 1 may run / has finished, from 1 */
unsigned long secondary_stack[1024] __attribute__((aligned(16)));

void hit(unsigned long cpu, unsigned long i);
void round_done(unsigned long round);
void secondary_main(void);
void secondary_entry(void);
int main(void);

__attribute__((noinline)) void hit(unsigned long cpu, unsigned long i)
{
    calls[cpu] = calls[cpu] + 1;
    last_i[cpu] = i;
}

__attribute__((noinline)) void round_done(unsigned long round)
{
    __asm__ volatile("" ::"r"(round));
}

static void run(unsigned long cpu)
{
    for (unsigned long i = 0; i < CALLS; i++)
        hit(cpu, i);
}

void secondary_main(void)
{
    for (unsigned long r = 1; r <= ROUNDS; r++) {
        while (go < r)
            ;
        run(1);
        done = r;
    }
    register unsigned long x0 __asm__("x0") = PSCI_CPU_OFF;
    __asm__ volatile("hvc #0" : "+r"(x0)::"memory");
    for (;;)
        __asm__ volatile("wfi");
}

/* vCPU 1's first instruction: a stack, then C */
__asm__(".global secondary_entry\n"
        "secondary_entry:\n"
        "    adr x1, secondary_stack + 8192\n"
        "    mov sp, x1\n"
        "    bl secondary_main\n");

int main(void)
{
    register unsigned long x0 __asm__("x0") = PSCI_CPU_ON;
    register unsigned long x1 __asm__("x1") = 1;
    register unsigned long x2 __asm__("x2") = (unsigned long)secondary_entry;
    register unsigned long x3 __asm__("x3") = 0;

    /* SMCCC: the call may change x0-x3 */
    __asm__ volatile("hvc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)::"memory");
    if (x0) {
        puts("GUEST-CONDSMP-FAIL CPU_ON returned ");
        puthex(x0);
        puts("\r\n");
        return 1;
    }
    for (unsigned long r = 1; r <= ROUNDS; r++) {
        go = r;
        run(0);
        while (done < r)
            ;
        round_done(r);
    }
    puts("GUEST-CONDSMP rounds=");
    putdec(ROUNDS);
    puts(" calls=");
    putdec(calls[0] + calls[1]);
    puts("\r\n");
    return 0;
}
