/* killany_vectors.S - the killany guest's own debug exceptions (see killany.c).
 *
 * Synchronous exceptions from the current EL with SP_ELx (VBAR + 0x200):
 *   EC 0x31 (breakpoint, same EL)   own_bp_hits++, ELR_EL1 += 4 (skips own_bp_fn's nop)
 *   EC 0x35 (watchpoint, same EL)   own_wp_hits++, ELR_EL1 += 4 (skips own_wp_store's store)
 * then eret, the slots left armed (they fire again on the next loop).  Anything else is
 * reported as GUEST-EXCEPTION and powers the guest off.  No x28 (gdb writes it freely). */
#include "guest.h"

#define EC_BREAKPT_CUR 0x31
#define EC_WATCHPT_CUR 0x35

    .text
    /* own_bp_fn: the guest's own hardware breakpoint sits on its first instruction */
    .global own_bp_fn
    .balign 16
own_bp_fn:
    nop
    ret

    /* own_wp_store(x0 = address, x1 = value): the store the guest's own watchpoint catches */
    .global own_wp_store
own_wp_store:
    str x1, [x0]
    ret

    vector_table set_killany_vectors, killany_vectors, 4, ka_sync

ka_sync:
    stp x0, x1, [sp, #-16]!
    mrs x0, esr_el1
    lsr x0, x0, #26
    cmp x0, #EC_BREAKPT_CUR
    b.eq 1f
    cmp x0, #EC_WATCHPT_CUR
    b.eq 2f
    ldp x0, x1, [sp], #16
    mov x19, #4
    b guest_exception
1:  adr x0, own_bp_hits
    b 3f
2:  adr x0, own_wp_hits
3:  ldr x1, [x0]
    add x1, x1, #1
    str x1, [x0]
    mrs x0, elr_el1
    add x0, x0, #4
    msr elr_el1, x0
    ldp x0, x1, [sp], #16
    eret

    .data
    .balign 8
    .global own_bp_hits, own_wp_hits
own_bp_hits: .quad 0
own_wp_hits: .quad 0
