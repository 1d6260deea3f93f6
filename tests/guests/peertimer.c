/* peertimer.c - a guest whose virtual timer interrupt is pending all the time, for the
 * brkvm-vs-QEMU gdbstub comparison (tests/nested/peer/): the steptimer idea with the GICv3
 * addresses of either machine (peertimer.elf: brkvm's distributor 0x3fff0000 / redistributor
 * 0x3ffd0000; peertimer-virt.elf: QEMU virt's 0x8000000 / 0x80a0000).  PPI 27 in group 1,
 * re-armed every 100 us by timer_vectors.S's handler; main() loops calling work() until
 * TARGET_IRQS interrupts arrived (or 10 s of virtual time), then prints
 *   GUEST-TIMER irqs=<n> loops=<n> other=<n>  */
#ifdef QEMU_VIRT
#define GICD_BASE       0x08000000UL
#define GICR_BASE       0x080a0000UL
#else
#define GICD_BASE       0x3fff0000UL
#define GICR_BASE       0x3ffd0000UL
#endif
#include "gic_timer.h"

#define TARGET_IRQS     4000

void work(unsigned long i);
int main(void);

volatile unsigned long acc, loops;

__attribute__((noinline)) void work(unsigned long i)
{
    acc = acc + i;
}

int main(void)
{
    unsigned long freq, start, i;

    set_timer_vectors();
    gic_timer_init();
    start = timer_start(&freq);
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
