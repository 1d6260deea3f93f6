/* brkstep.c - the guest's own BRKs on both vCPUs while gdb single-steps one of them (gdb-brkstep,
 * issue 12): vCPU 0 starts vCPU 1 (PSCI CPU_ON), both install brkstep_vectors.S's handler.
 *   vCPU 1: `brk #0x77` every 1/hz s of its virtual time (CNTVCT; hz = 10 000; 0: back to back;
 *           read every time, gdb may change it), counting each BRK it executed in issued1,
 *           until vCPU 0 says it is done.
 *   vCPU 0: step_loop (brkstep_vectors.S): `rounds` rounds, each with its own `brk #0x55`;
 *           then, alone, at least min_ms ms after vCPU 1 came up, it tells vCPU 1 to stop.
 * Each handled BRK is counted per vCPU in brks[] (and a wrong immediate in bad_imm[]).  Prints
 *   GUEST-BRKSTEP x19=R x20=R brks0=R issued1=N brks1=N bad=B ms=T hz1=H
 * (R the rounds run, N vCPU 1's BRKs, B the wrong immediates, T the virtual ms vCPU 1 ran,
 * H its BRKs per virtual second) and powers off. */
#include "guest_smp.h"

#define STACK_BYTES 4096

volatile unsigned long rounds = 2000, hz = 10000, min_ms = 300;
volatile unsigned long issued1, up1, stop1, done1;
extern volatile unsigned long brks[2], bad_imm[2], loop_x19, loop_x20;
unsigned long secondary_stacks[2][STACK_BYTES / 8] __attribute__((aligned(16)));

void set_brkstep_vectors(void);
void never_called(void);
void step_loop(void);
void secondary_main(unsigned long cpu) __attribute__((noreturn));
void secondary_entry(void);
int main(void);

/* a place for gdb's breakpoint that is never hit: while gdb has a breakpoint in, brkvm traps
 * every BRK of every vCPU (KVM_GUESTDBG_USE_SW_BP) and re-injects the guest's own */
__attribute__((noinline)) void never_called(void)
{
    stop1 = 1;
}

void secondary_main(unsigned long cpu)
{
    unsigned long freq = SYSREG_READ("cntfrq_el0");
    unsigned long next = SYSREG_READ("cntvct_el0");

    (void)cpu;
    set_brkstep_vectors();
    up1 = 1;
    while (!stop1) {
        unsigned long now = SYSREG_READ("cntvct_el0"), h = hz;
        unsigned long period = h ? freq / h : 0;

        if ((long)(now - next) < 0)
            continue;
        __asm__ volatile("brk #0x77" ::: "memory");
        issued1 = issued1 + 1;
        /* on time: the next one a period later; far behind (hz raised): from now */
        next = now - next > 16 * period ? now + period : next + period;
    }
    done1 = 1;
    smp_cpu_off();
}

/* vCPU 1's first instruction: x0 = 1; a stack, then C */
SMP_SECONDARY_ENTRY(secondary_entry, secondary_stacks, STACK_BYTES, secondary_main);

int main(void)
{
    unsigned long freq = SYSREG_READ("cntfrq_el0"), start, ms;
    unsigned long status;

    set_brkstep_vectors();
    status = smp_cpu_on(1, secondary_entry);
    if (status) {
        puts("GUEST-BRKSTEP-FAIL CPU_ON returned ");
        puthex(status);
        puts("\r\n");
        return 1;
    }
    while (!up1)
        ;
    if (up1 == 2)   /* never: keeps never_called() linked */
        never_called();
    start = SYSREG_READ("cntvct_el0");
    step_loop();
    do
        ms = (SYSREG_READ("cntvct_el0") - start) / (freq / 1000);
    while (ms < min_ms);
    stop1 = 1;
    while (!done1)
        ;
    ms = (SYSREG_READ("cntvct_el0") - start) / (freq / 1000);
    puts("GUEST-BRKSTEP x19=");
    putdec(loop_x19);
    puts(" x20=");
    putdec(loop_x20);
    puts(" brks0=");
    putdec(brks[0]);
    puts(" issued1=");
    putdec(issued1);
    puts(" brks1=");
    putdec(brks[1]);
    puts(" bad=");
    putdec(bad_imm[0] + bad_imm[1]);
    puts(" ms=");
    putdec(ms);
    puts(" hz1=");
    putdec(ms ? issued1 * 1000 / ms : 0);
    puts("\r\n");
    return 0;
}
