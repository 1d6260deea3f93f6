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
#include "guest_c.h"

#define GICD_BASE       0x3fff0000UL
#define GICR_BASE       0x3ffd0000UL
#define GICR_SGI        (GICR_BASE + 0x10000)
#define GICD_CTLR       0x0
#define GICR_WAKER      0x14
#define GICR_IGROUPR0   0x80
#define GICR_ISENABLER0 0x100
#define GICR_IPRIORITYR 0x400
#define TIMER_PPI       27
#define DAIF_I          (1UL << 7)
#define TARGET_IRQS     4000        /* the guest ends after this many interrupts */

extern volatile unsigned long irq_count, other_irqs, timer_period, daif_in, daif_out;
void set_timer_vectors(void);
void daif_probe(void);
void work(unsigned long i);
void milestone(unsigned long n);
int main(void);

volatile unsigned long acc, loops, daif_bad, milestones;

#define W32(a, v) (*(volatile unsigned int *)(a) = (v))
#define R32(a) (*(volatile unsigned int *)(a))
#define SYSREG_READ(name) ({ unsigned long _v; __asm__ volatile("mrs %0, " name : "=r"(_v)); _v; })
#define SYSREG_WRITE(name, v) __asm__ volatile("msr " name ", %0" ::"r"((unsigned long)(v)))

__attribute__((noinline)) void work(unsigned long i)
{
    acc = acc + i;
}

__attribute__((noinline)) void milestone(unsigned long n)
{
    milestones = milestones + 1 + (n & 0);
}

static void putdec(unsigned long v)
{
    char buf[24], out[24];
    int n = 0;

    do {
        buf[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (int i = 0; i < n; i++)
        out[i] = buf[n - 1 - i];
    out[n] = 0;
    puts(out);
}

static void gic_init(void)
{
    W32(GICD_BASE + GICD_CTLR, (1u << 4) | (1u << 1));    /* ARE, EnableGrp1NS */
    W32(GICR_BASE + GICR_WAKER, R32(GICR_BASE + GICR_WAKER) & ~2u);  /* ProcessorSleep off */
    for (int i = 0; i < 100000 && (R32(GICR_BASE + GICR_WAKER) & 4u); i++)
        ;
    W32(GICR_SGI + GICR_IGROUPR0, R32(GICR_SGI + GICR_IGROUPR0) | (1u << TIMER_PPI));
    *(volatile unsigned char *)(GICR_SGI + GICR_IPRIORITYR + TIMER_PPI) = 0x80;
    W32(GICR_SGI + GICR_ISENABLER0, 1u << TIMER_PPI);
    SYSREG_WRITE("s3_0_c12_c12_5", 1);                    /* ICC_SRE_EL1.SRE */
    __asm__ volatile("isb");
    SYSREG_WRITE("s3_0_c4_c6_0", 0xff);                   /* ICC_PMR_EL1 */
    SYSREG_WRITE("s3_0_c12_c12_7", 1);                    /* ICC_IGRPEN1_EL1 */
    __asm__ volatile("isb");
}

int main(void)
{
    unsigned long freq, start, next_mark = 64, i;

    set_timer_vectors();
    gic_init();
    freq = SYSREG_READ("cntfrq_el0");
    timer_period = freq / 10000 ? freq / 10000 : 1;
    SYSREG_WRITE("cntv_tval_el0", timer_period);
    SYSREG_WRITE("cntv_ctl_el0", 1);                      /* ENABLE, not masked */
    __asm__ volatile("isb");
    start = SYSREG_READ("cntvct_el0");
    __asm__ volatile("msr daifclr, #2" ::: "memory");
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
