/* brkstep_vectors.S - the brkstep guest's exception vector table and vCPU 0's stepped loop.
 *
 * A synchronous exception from the current EL with SP_ELx and EC 0x3c (BRK) is counted in
 * brks[cpu] (cpu = MPIDR_EL1.Aff0: 0 or 1), an immediate other than that vCPU's own (0x55 on
 * vCPU 0, 0x77 on vCPU 1) counted in bad_imm[cpu] too, ELR_EL1 moved past the BRK, and the
 * guest resumes: the same instructions for every BRK of a vCPU, so gdb stepping through the
 * handler sees the same path each time.  Anything else: GUEST-EXCEPTION, power off.
 *
 * step_loop: vCPU 0's loop for gdb's stepi, until x19 >= rounds (read every round, so gdb ends
 * the loop by writing rounds):
 *   step_top:   x19 += 1
 *   step_brk:   brk #0x55       (the guest's own, to its handler, which resumes at step_after)
 *   step_after: x20 += 1
 * then loop_x19 = x19, loop_x20 = x20 (each = the rounds run). */
#include "guest.h"

#define EC_BRK64 0x3c

    vector_table set_brkstep_vectors, brkstep_vectors, 4, bs_sync

bs_sync:
    exc_save
    mrs x0, esr_el1
    lsr x1, x0, #26
    cmp x1, #EC_BRK64
    b.ne 9f
    mrs x1, mpidr_el1
    and x1, x1, #1
    adr x2, brks
    ldr x3, [x2, x1, lsl #3]
    add x3, x3, #1
    str x3, [x2, x1, lsl #3]
    and x0, x0, #0xffff
    mov x3, #0x55
    cbz x1, 1f
    mov x3, #0x77
1:  cmp x0, x3
    b.eq 2f
    adr x2, bad_imm
    ldr x3, [x2, x1, lsl #3]
    add x3, x3, #1
    str x3, [x2, x1, lsl #3]
2:  mrs x0, elr_el1
    add x0, x0, #4
    msr elr_el1, x0
    exc_return
9:  mov x19, #4
    b guest_exception

    .text
    .global step_loop, step_top, step_brk, step_after
    .type step_loop, %function
step_loop:
    stp x19, x20, [sp, #-16]!
    mov x19, #0
    mov x20, #0
    adr x1, rounds
step_top:
    add x19, x19, #1
step_brk:
    brk #0x55
step_after:
    add x20, x20, #1
    ldr x2, [x1]
    cmp x19, x2
    b.lo step_top
    adr x1, loop_x19
    str x19, [x1]
    adr x1, loop_x20
    str x20, [x1]
    ldp x19, x20, [sp], #16
    ret
    .size step_loop, . - step_loop

    .bss
    .balign 8
    .global brks, bad_imm, loop_x19, loop_x20
brks:
    .space 16
bad_imm:
    .space 16
loop_x19:
    .space 8
loop_x20:
    .space 8
