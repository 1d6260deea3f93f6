/* timer_vectors.S - the steptimer guest's vector table and its DAIF probe.
 *
 * IRQ from the current EL with SP_ELx (VBAR + 0x280): acknowledge through ICC_IAR1_EL1; for the
 * virtual timer (PPI 27) count it in irq_count and re-arm CNTV_TVAL_EL0 with timer_period;
 * end it through ICC_EOIR1_EL1 and return.  Anything else is reported as GUEST-EXCEPTION and
 * powers the guest off.
 *
 * daif_probe: msr daifset, #2 / mrs x0, daif / msr daifclr, #2 / mrs x0, daif, storing the two
 * values it read in daif_in (I set expected) and daif_out (I clear expected). */
#include "guest.h"

#define ICC_IAR1_EL1  s3_0_c12_c12_0
#define ICC_EOIR1_EL1 s3_0_c12_c12_1
#define TIMER_PPI     27

    .text
    .global daif_probe
daif_probe:
    msr daifset, #2
    .global daif_probe_mrs1
daif_probe_mrs1:
    mrs x0, daif
    adr x1, daif_in
    str x0, [x1]
    msr daifclr, #2
    .global daif_probe_mrs2
daif_probe_mrs2:
    mrs x0, daif
    adr x1, daif_out
    str x0, [x1]
    ret

    vector_table set_timer_vectors, timer_vectors, 5, timer_irq
    .global timer_vectors_end
timer_vectors_end:

timer_irq:
    exc_save
    mrs x0, ICC_IAR1_EL1
    and x1, x0, #0xffffff
    cmp x1, #TIMER_PPI
    b.ne 1f
    adr x2, irq_count
    ldr x3, [x2]
    add x3, x3, #1
    str x3, [x2]
    adr x2, timer_period
    ldr x3, [x2]
    msr cntv_tval_el0, x3
    isb
    b 2f
1:  adr x2, other_irqs
    ldr x3, [x2]
    add x3, x3, #1
    str x3, [x2]
    cmp x1, #1020
    b.hs 3f                         /* spurious: nothing to end */
2:  msr ICC_EOIR1_EL1, x0
3:  exc_return


    .data
    .balign 8
    .global irq_count, other_irqs, timer_period, daif_in, daif_out
irq_count:    .quad 0
other_irqs:   .quad 0
timer_period: .quad 0
daif_in:      .quad 0
daif_out:     .quad 0
