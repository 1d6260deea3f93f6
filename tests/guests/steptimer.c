/* steptimer.c - a guest whose virtual timer interrupt fires all the time, for single-stepping
 * under a debugger: GICv3 (distributor 0x3fff0000, redistributor 0x3ffd0000 for one vCPU),
 * PPI 27 enabled in group 1, CNTV_TVAL_EL0 re-armed by the IRQ handler (timer_vectors.S) every
 * timer_period ticks (CNTFRQ / 10000: 100 us), IRQs unmasked.  main() then loops, calling
 * work() and daif_probe() (msr daifset/daifclr #2 with an mrs x0, daif after each), checks the
 * DAIF values it sees (I set inside the probe, clear outside: a mismatch counts in daif_bad),
 * calls milestone() each time 64 more interrupts arrived, and stops once TARGET_IRQS interrupts
 * arrived (or after 10 s of virtual time without them), printing
 *   GUEST-TIMER irqs=<n> loops=<n> bad=<n> other=<n> ms=<virtual ms from unmask to end>
 * irqs must reach TARGET_IRQS (interrupts really arrive), bad and other must be 0. */
#define GICD_BASE       0x3fff0000UL
#define GICR_BASE       0x3ffd0000UL
#include "gic_timer.h"

#define DAIF_I          (1UL << 7)
#define TARGET_IRQS     4000        /* the guest ends after this many interrupts */

extern volatile unsigned long daif_in, daif_out;
void daif_probe(void);
void work(unsigned long i);
void milestone(unsigned long n);
int main(void);

volatile unsigned long acc, loops, daif_bad, milestones;

__attribute__((noinline)) void work(unsigned long i)
{
    acc = acc + i;
}

__attribute__((noinline)) void milestone(unsigned long n)
{
    milestones = milestones + 1 + (n & 0);
}

int main(void)
{
    unsigned long freq, start, next_mark = 64, i;

    set_timer_vectors();
    gic_timer_init();
    start = timer_start(&freq);
    for (i = 0;; i++) {
        work(i);
        daif_probe();
        if (!(daif_in & DAIF_I))
            daif_bad++;
        if (daif_out & DAIF_I)
            daif_bad++;
        if (SYSREG_READ("daif") & DAIF_I)
            daif_bad++;
        if (irq_count >= next_mark) {
            milestone(irq_count);
            next_mark += 64;
        }
        if (irq_count >= TARGET_IRQS || SYSREG_READ("cntvct_el0") - start > 10 * freq)
            break;
    }
    __asm__ volatile("msr daifset, #2" ::: "memory");
    loops = i + 1;
    puts("GUEST-TIMER irqs=");
    putdec(irq_count);
    puts(" loops=");
    putdec(loops);
    puts(" bad=");
    putdec(daif_bad);
    puts(" other=");
    putdec(other_irqs);
    puts(" ms=");
    putdec((SYSREG_READ("cntvct_el0") - start) / (freq / 1000));
    puts("\r\n");
    return 0;
}
