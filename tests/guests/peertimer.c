/* peertimer.c - a guest whose virtual timer interrupt is pending all the time, for the
 * brkvm-vs-QEMU gdbstub comparison (tests/nested/peer/): the steptimer idea with the GICv3
 * addresses of either machine (peertimer.elf: brkvm's distributor 0x3fff0000 / redistributor
 * 0x3ffd0000; peertimer-virt.elf: QEMU virt's 0x8000000 / 0x80a0000).  PPI 27 in group 1,
 * re-armed every 100 us by timer_vectors.S's handler; main() loops calling work() until
 * TARGET_IRQS interrupts arrived (or 10 s of virtual time), then prints
 *   GUEST-TIMER irqs=<n> loops=<n> other=<n>  */
#include "guest_c.h"

#ifdef QEMU_VIRT
#define GICD_BASE       0x08000000UL
#define GICR_BASE       0x080a0000UL
#else
#define GICD_BASE       0x3fff0000UL
#define GICR_BASE       0x3ffd0000UL
#endif
#define GICR_SGI        (GICR_BASE + 0x10000)
#define GICR_WAKER      0x14
#define GICR_IGROUPR0   0x80
#define GICR_ISENABLER0 0x100
#define GICR_IPRIORITYR 0x400
#define TIMER_PPI       27
#define TARGET_IRQS     4000

extern volatile unsigned long irq_count, other_irqs, timer_period;
void set_timer_vectors(void);
void work(unsigned long i);
int main(void);

volatile unsigned long acc, loops;

#define W32(a, v) (*(volatile unsigned int *)(a) = (v))
#define R32(a) (*(volatile unsigned int *)(a))
#define SYSREG_READ(name) ({ unsigned long _v; __asm__ volatile("mrs %0, " name : "=r"(_v)); _v; })
#define SYSREG_WRITE(name, v) __asm__ volatile("msr " name ", %0" ::"r"((unsigned long)(v)))

__attribute__((noinline)) void work(unsigned long i)
{
    acc = acc + i;
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

int main(void)
{
    unsigned long freq, start, i;

    set_timer_vectors();
    W32(GICD_BASE, (1u << 4) | (1u << 1));                /* GICD_CTLR: ARE, EnableGrp1NS */
    W32(GICR_BASE + GICR_WAKER, R32(GICR_BASE + GICR_WAKER) & ~2u);
    for (int k = 0; k < 100000 && (R32(GICR_BASE + GICR_WAKER) & 4u); k++)
        ;
    W32(GICR_SGI + GICR_IGROUPR0, R32(GICR_SGI + GICR_IGROUPR0) | (1u << TIMER_PPI));
    *(volatile unsigned char *)(GICR_SGI + GICR_IPRIORITYR + TIMER_PPI) = 0x80;
    W32(GICR_SGI + GICR_ISENABLER0, 1u << TIMER_PPI);
    SYSREG_WRITE("s3_0_c12_c12_5", 1);                    /* ICC_SRE_EL1.SRE */
    __asm__ volatile("isb");
    SYSREG_WRITE("s3_0_c4_c6_0", 0xff);                   /* ICC_PMR_EL1 */
    SYSREG_WRITE("s3_0_c12_c12_7", 1);                    /* ICC_IGRPEN1_EL1 */
    __asm__ volatile("isb");
    freq = SYSREG_READ("cntfrq_el0");
    timer_period = freq / 10000 ? freq / 10000 : 1;
    SYSREG_WRITE("cntv_tval_el0", timer_period);
    SYSREG_WRITE("cntv_ctl_el0", 1);
    __asm__ volatile("isb");
    start = SYSREG_READ("cntvct_el0");
    __asm__ volatile("msr daifclr, #2" ::: "memory");
    for (i = 0;; i++) {
        work(i);
        if (irq_count >= TARGET_IRQS || SYSREG_READ("cntvct_el0") - start > 10 * freq)
            break;
    }
    __asm__ volatile("msr daifset, #2" ::: "memory");
    loops = i + 1;
    puts("GUEST-TIMER irqs=");
    putdec(irq_count);
    puts(" loops=");
    putdec(loops);
    puts(" other=");
    putdec(other_irqs);
    puts("\r\n");
    return 0;
}
