/* gic_timer.h - the virtual timer interrupt kept firing through a GICv3, for the timer guests
 * (steptimer.c, peertimer.c; their handler is timer_vectors.S's).  The including file defines
 * GICD_BASE and GICR_BASE (its machine's distributor and redistributor) first. */
#ifndef GIC_TIMER_H
#define GIC_TIMER_H

#include "guest_c.h"

#define GICR_SGI        (GICR_BASE + 0x10000)
#define GICD_CTLR       0x0
#define GICR_WAKER      0x14
#define GICR_IGROUPR0   0x80
#define GICR_ISENABLER0 0x100
#define GICR_IPRIORITYR 0x400
#define TIMER_PPI       27

#define W32(a, v) (*(volatile unsigned int *)(a) = (v))
#define R32(a) (*(volatile unsigned int *)(a))

/* timer_vectors.S */
extern volatile unsigned long irq_count, other_irqs, timer_period;
void set_timer_vectors(void);

/* the GIC: affinity routing, group 1, this CPU awake, PPI 27 in group 1 and enabled, the CPU
 * interface through system registers with every priority let through */
static inline void gic_timer_init(void)
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

/* the timer every 100 us (timer_period = CNTFRQ / 10000 ticks, the handler re-arms it), then
 * IRQs unmasked; returns CNTVCT at the unmask, *freq = CNTFRQ */
static inline unsigned long timer_start(unsigned long *freq)
{
    unsigned long start;

    *freq = SYSREG_READ("cntfrq_el0");
    timer_period = *freq / 10000 ? *freq / 10000 : 1;
    SYSREG_WRITE("cntv_tval_el0", timer_period);
    SYSREG_WRITE("cntv_ctl_el0", 1);                      /* ENABLE, not masked */
    __asm__ volatile("isb");
    start = SYSREG_READ("cntvct_el0");
    __asm__ volatile("msr daifclr, #2" ::: "memory");
    return start;
}

#endif
