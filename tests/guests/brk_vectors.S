/* brk_vectors.S - the guestbrk guest's own exception vector table: a synchronous exception from
 * the current EL (SP_ELx) with EC 0x3c (BRK in AArch64) is counted, its immediate (ESR_EL1
 * ISS[15:0]) appended to brk_imms, ELR_EL1 advanced past the BRK, and the guest resumes.
 * Anything else is reported as GUEST-EXCEPTION and powers the guest off. */
#include "guest.h"

#define MAX_IMMS 64

    vector_table set_brk_vectors, brk_vectors, 4, brk_sync

brk_sync:
    exc_save
    mrs x0, esr_el1
    lsr x1, x0, #26
    cmp x1, #0x3c
    b.ne 2f
    and x0, x0, #0xffff
    adr x1, brk_count
    ldr x2, [x1]
    cmp x2, #MAX_IMMS
    b.hs 1f
    adr x3, brk_imms
    str x0, [x3, x2, lsl #3]
1:  add x2, x2, #1
    str x2, [x1]
    mrs x0, elr_el1
    add x0, x0, #4
    msr elr_el1, x0
    exc_return
2:  mov x19, #4
    b guest_exception

    .bss
    .balign 8
    .global brk_count, brk_imms
brk_count:
    .space 8
brk_imms:
    .space 8 * MAX_IMMS
