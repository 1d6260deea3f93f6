/* selfdebug_vectors.S - the selfdebug guest's own debug exception handling.
 *
 * Synchronous exceptions from the current EL with SP_ELx (VBAR + 0x200):
 *   EC 0x31 (breakpoint, same EL)     count in bp_hits, ELR_EL1 in bp_elr, disable DBGBCR0_EL1
 *   EC 0x35 (watchpoint, same EL)     count in wp_hits, FAR_EL1 in wp_far, ELR_EL1 in wp_elr,
 *                                     disable DBGWCR0_EL1 (the store then runs again and lands)
 *   EC 0x33 (software step, same EL)  count in step_count, ELR_EL1 appended to step_elrs; at
 *                                     step_end turn MDSCR_EL1.SS off, else set SPSR_EL1.SS so
 *                                     the next instruction is stepped too
 * then eret.  Anything else is reported as GUEST-EXCEPTION and powers the guest off.
 *
 * selfstep: masks PSTATE.D, sets MDSCR_EL1.SS and erets (SPSR_EL1.SS = 1, PSTATE.D = 0) into step_seq, five
 * instructions each followed by a software step exception, and returns from step_end. */
#include "guest.h"

#define EC_BREAKPT_CUR 0x31
#define EC_SOFTSTP_CUR 0x33
#define EC_WATCHPT_CUR 0x35
#define SPSR_SS        (1 << 21)
#define MDSCR_SS       1
#define MAX_STEPS      16

    .text
    .global selfstep
selfstep:
    msr daifset, #8                 /* D: no step before the eret (active-pending otherwise) */
    isb
    mrs x0, mdscr_el1
    orr x0, x0, #MDSCR_SS
    msr mdscr_el1, x0
    isb
    adr x0, step_seq
    msr elr_el1, x0
    mov x0, #0x1c5                  /* EL1h, A, I, F masked, D clear */
    orr x0, x0, #SPSR_SS
    msr spsr_el1, x0
    eret
    .global step_seq, step_end
step_seq:
    mov x1, #1
    add x1, x1, #2
    add x1, x1, #3
    nop
    nop
step_end:
    adr x0, step_x1
    str x1, [x0]
    ret

    vector_table set_selfdebug_vectors, selfdebug_vectors, 4, sd_sync

sd_sync:
    exc_save
    mrs x0, esr_el1
    lsr x1, x0, #26
    cmp x1, #EC_BREAKPT_CUR
    b.eq sd_bp
    cmp x1, #EC_WATCHPT_CUR
    b.eq sd_wp
    cmp x1, #EC_SOFTSTP_CUR
    b.eq sd_ss
    mov x19, #4
    b guest_exception

sd_bp:
    adr x2, bp_hits
    ldr x3, [x2]
    add x3, x3, #1
    str x3, [x2]
    mrs x3, elr_el1
    adr x2, bp_elr
    str x3, [x2]
    msr dbgbcr0_el1, xzr
    isb
    b sd_ret

sd_wp:
    adr x2, wp_hits
    ldr x3, [x2]
    add x3, x3, #1
    str x3, [x2]
    mrs x3, far_el1
    adr x2, wp_far
    str x3, [x2]
    mrs x3, elr_el1
    adr x2, wp_elr
    str x3, [x2]
    msr dbgwcr0_el1, xzr
    isb
    b sd_ret

sd_ss:
    adr x2, step_count
    ldr x3, [x2]
    mrs x1, elr_el1
    cmp x3, #MAX_STEPS
    b.hs 1f
    adr x0, step_elrs
    str x1, [x0, x3, lsl #3]
1:  add x3, x3, #1
    str x3, [x2]
    adr x0, step_end
    cmp x1, x0
    b.eq 2f
    cmp x3, #(4 * MAX_STEPS)        /* runaway: stop stepping */
    b.hs 2f
    mrs x0, spsr_el1
    orr x0, x0, #SPSR_SS
    msr spsr_el1, x0
    b sd_ret
2:  mrs x0, mdscr_el1
    bic x0, x0, #MDSCR_SS
    msr mdscr_el1, x0
    mrs x0, spsr_el1
    bic x0, x0, #SPSR_SS
    msr spsr_el1, x0
    isb

sd_ret:
    exc_return


    .data
    .balign 8
    .global bp_hits, bp_elr, wp_hits, wp_far, wp_elr, step_count, step_elrs, step_x1
bp_hits:    .quad 0
bp_elr:     .quad 0
wp_hits:    .quad 0
wp_far:     .quad 0
wp_elr:     .quad 0
step_count: .quad 0
step_x1:    .quad 0
step_elrs:  .space 8 * MAX_STEPS
