/* loadsmp.c - four vCPUs hitting debug events at once, for the stop storm (gdb-load-smp): vCPU 0
 * starts vCPUs 1-3 (PSCI CPU_ON, the vCPU number as context id, checked against MPIDR_EL1's
 * Aff0), then in each of 2 phases every vCPU runs iters[phase] iterations of
 *   sw_hit(cpu, n)   (gdb puts a software breakpoint here)
 *   hw_hit(cpu, n)   (a hardware breakpoint)
 *   wp_write(cpu, n) (writes wv[cpu], which a watchpoint covers: its call count + 1, so every
 *                     write changes the watched doubleword)
 * each function counting its own calls per vCPU (sw_calls, hw_calls, wp_calls: cumulative, read
 * by gdb at the end of each phase).  cpu is in x0 and n in x1 in all three, from entry to return.
 * When all four have finished a phase, vCPU 0 calls phase_done(phase) (the others wait), then
 * the next phase starts.  gdb may change iters[] while the guest is stopped at _start.  It prints
 *   GUEST-LOADSMP cpus=4 sw=S hw=H wp=W
 * (the totals over both phases) and powers off, or GUEST-LOADSMP-FAIL reason. */
#include "guest_smp.h"

#define NCPUS 4
#define PHASES 2
#define STACK_BYTES 4096

volatile unsigned long iters[PHASES + 1] = {0, 50, 50};
volatile unsigned long sw_calls[NCPUS], hw_calls[NCPUS], wp_calls[NCPUS];
volatile unsigned short wv[NCPUS] __attribute__((aligned(8))); /* one watched doubleword */
volatile unsigned long up[NCPUS], done[NCPUS], go, bad_mpidr;
unsigned long secondary_stacks[NCPUS][STACK_BYTES / 8] __attribute__((aligned(16)));

void sw_hit(unsigned long cpu, unsigned long n);
void hw_hit(unsigned long cpu, unsigned long n);
void wp_write(unsigned long cpu, unsigned long n);
void phase_done(unsigned long phase);
void secondary_main(unsigned long cpu) __attribute__((noreturn));
void secondary_entry(void);
int main(void);

__attribute__((noinline)) void sw_hit(unsigned long cpu, unsigned long n)
{
    sw_calls[cpu] = sw_calls[cpu] + 1;
    __asm__ volatile("" ::"r"(n));
}

__attribute__((noinline)) void hw_hit(unsigned long cpu, unsigned long n)
{
    hw_calls[cpu] = hw_calls[cpu] + 1;
    __asm__ volatile("" ::"r"(n));
}

/* wp_write in assembly: x0 and x1 stay as they came (gdb reads them after the watchpoint's
 * step), whatever the compiler would do; wv[cpu] = wp_calls[cpu] + 1, then the count */
__asm__(".global wp_write\n"
        ".type wp_write, %function\n"
        "wp_write:\n"
        "    adrp x2, wp_calls\n"
        "    add x2, x2, :lo12:wp_calls\n"
        "    ldr x3, [x2, x0, lsl #3]\n"
        "    add x3, x3, #1\n"
        "    adrp x4, wv\n"
        "    add x4, x4, :lo12:wv\n"
        "    strh w3, [x4, x0, lsl #1]\n"
        "    str x3, [x2, x0, lsl #3]\n"
        "    ret\n"
        ".size wp_write, . - wp_write\n");

__attribute__((noinline)) void phase_done(unsigned long phase)
{
    __asm__ volatile("" ::"r"(phase));
}

static void run_phase(unsigned long cpu, unsigned long phase)
{
    for (unsigned long n = 0; n < iters[phase]; n++) {
        sw_hit(cpu, n);
        hw_hit(cpu, n);
        wp_write(cpu, n);
    }
}

void secondary_main(unsigned long cpu)
{
    if (smp_cpu_id() != cpu)
        bad_mpidr = SYSREG_READ("mpidr_el1") | 1UL << 63;
    up[cpu] = 1;
    for (unsigned long p = 1; p <= PHASES; p++) {
        while (go < p)
            ;
        run_phase(cpu, p);
        done[cpu] = p;
    }
    smp_cpu_off();
}

/* vCPUs 1-3's first instruction: x0 = the vCPU number; a stack each, then C */
SMP_SECONDARY_ENTRY(secondary_entry, secondary_stacks, STACK_BYTES, secondary_main);

static int start_cpu(unsigned long cpu)
{
    unsigned long status = smp_cpu_on(cpu, secondary_entry);

    if (status) {
        puts("GUEST-LOADSMP-FAIL CPU_ON returned ");
        puthex(status);
        puts("\r\n");
        return -1;
    }
    return 0;
}

static unsigned long sum(volatile unsigned long *a)
{
    unsigned long s = 0;

    for (int i = 0; i < NCPUS; i++)
        s += a[i];
    return s;
}

int main(void)
{
    if (smp_cpu_id() != 0) {
        puts("GUEST-LOADSMP-FAIL vCPU 0 has mpidr ");
        puthex(SYSREG_READ("mpidr_el1"));
        puts("\r\n");
        return 1;
    }
    for (unsigned long c = 1; c < NCPUS; c++)
        if (start_cpu(c))
            return 1;
    for (unsigned long c = 1; c < NCPUS; c++)
        while (!up[c])
            ;
    if (bad_mpidr) {
        puts("GUEST-LOADSMP-FAIL a secondary vCPU's mpidr is not its number: ");
        puthex(bad_mpidr);
        puts("\r\n");
        return 1;
    }
    for (unsigned long p = 1; p <= PHASES; p++) {
        go = p;
        run_phase(0, p);
        for (unsigned long c = 1; c < NCPUS; c++)
            while (done[c] < p)
                ;
        phase_done(p);
    }
    puts("GUEST-LOADSMP cpus=");
    putdec(NCPUS);
    puts(" sw=");
    putdec(sum(sw_calls));
    puts(" hw=");
    putdec(sum(hw_calls));
    puts(" wp=");
    putdec(sum(wp_calls));
    puts("\r\n");
    return 0;
}
