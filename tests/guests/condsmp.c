/* condsmp.c - two vCPUs calling one function, for breakpoint conditions (gdb-cond): vCPU 0
 * starts vCPU 1 (PSCI CPU_ON); in each of ROUNDS rounds both call hit(cpu, i) for i = 0..CALLS-1
 * at the same time, then vCPU 0 calls round_done(round) once vCPU 1 has finished its part.
 * Untouched it prints
 *   GUEST-CONDSMP rounds=6 calls=4800
 * and powers off.  Which (cpu, i) a conditional breakpoint on hit() stops at is the same in every
 * run, however the vCPUs interleave. */
#include "guest_smp.h"

#define ROUNDS 6
#define CALLS 400
#define STACK_BYTES 8192

volatile unsigned long calls[2], last_i[2];
volatile unsigned long go, done; /* the round vCPU 1 may run / has finished, from 1 */
unsigned long secondary_stacks[2][STACK_BYTES / 8] __attribute__((aligned(16)));

void hit(unsigned long cpu, unsigned long i);
void round_done(unsigned long round);
void secondary_main(unsigned long cpu) __attribute__((noreturn));
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

void secondary_main(unsigned long cpu)
{
    for (unsigned long r = 1; r <= ROUNDS; r++) {
        while (go < r)
            ;
        run(cpu);
        done = r;
    }
    smp_cpu_off();
}

/* vCPU 1's first instruction: x0 = 1; a stack, then C */
SMP_SECONDARY_ENTRY(secondary_entry, secondary_stacks, STACK_BYTES, secondary_main);

int main(void)
{
    unsigned long status = smp_cpu_on(1, secondary_entry);

    if (status) {
        puts("GUEST-CONDSMP-FAIL CPU_ON returned ");
        puthex(status);
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
