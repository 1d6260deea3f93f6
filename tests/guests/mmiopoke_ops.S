/* mmiopoke_ops.S - the mmiopoke guest's access primitives and its exception vector table.
 *
 * Each primitive does exactly one access with one instruction.  Loads take a sentinel in x1 and
 * return it unchanged when the access faulted (the handler skips the instruction).  A synchronous
 * data abort from the current EL (EC 0x25) is counted in poke_nfaults, its ESR/FAR/ELR kept in
 * poke_last_*, and ELR_EL1 advanced past the instruction; any other exception is reported as
 * GUEST-EXCEPTION (lib.S) and powers the guest off. */
#include "guest.h"

    .arch armv8.1-a+fp+simd

    vector_table set_poke_vectors, poke_vectors, 4, poke_sync

poke_sync:
    exc_save
    mrs x0, esr_el1
    ubfx x1, x0, #26, #6            /* EC (KVM 6.1 sets ESR bits 63:32 in what it injects) */
    cmp x1, #0x25
    b.ne 1f
    adr x1, poke_last_esr
    str x0, [x1]
    mrs x0, far_el1
    adr x1, poke_last_far
    str x0, [x1]
    mrs x0, elr_el1
    adr x1, poke_last_elr
    str x0, [x1]
    add x0, x0, #4
    msr elr_el1, x0
    adr x1, poke_nfaults
    ldr x2, [x1]
    add x2, x2, #1
    str x2, [x1]
    exc_return
1:  mov x19, #4
    b guest_exception

/* unsigned long poke_rN(addr, sentinel): one N-bit load */
    .text
    .global poke_r8, poke_r16, poke_r32, poke_r64
poke_r8:
    mov x2, x0
    mov x0, x1
    ldrb w0, [x2]
    ret
poke_r16:
    mov x2, x0
    mov x0, x1
    ldrh w0, [x2]
    ret
poke_r32:
    mov x2, x0
    mov x0, x1
    ldr w0, [x2]
    ret
poke_r64:
    mov x2, x0
    mov x0, x1
    ldr x0, [x2]
    ret

/* void poke_wN(addr, value): one N-bit store */
    .global poke_w8, poke_w16, poke_w32, poke_w64
poke_w8:
    strb w1, [x0]
    ret
poke_w16:
    strh w1, [x0]
    ret
poke_w32:
    str w1, [x0]
    ret
poke_w64:
    str x1, [x0]
    ret

/* Accesses without a valid syndrome (ESR ISV = 0): KVM cannot emulate them on MMIO.
 * unsigned long poke_ldp(addr, sentinel, unsigned long *second) */
    .global poke_ldp, poke_stp, poke_ldpw, poke_ldq, poke_stq, poke_ldd, poke_ldr_post
    .global poke_str_pre, poke_ldadd, poke_ldxr, poke_ldar
poke_ldp:
    mov x3, x0
    mov x0, x1
    mov x4, x1
    ldp x0, x4, [x3]
    str x4, [x2]
    ret
/* void poke_stp(addr, value) */
poke_stp:
    stp x1, x1, [x0]
    ret
/* unsigned long poke_ldpw(addr, sentinel): a 32-bit pair, both halves in the result */
poke_ldpw:
    mov x3, x0
    mov x0, x1
    mov x4, x1
    ldp w0, w4, [x3]
    bfi x0, x4, #32, #32
    ret
/* unsigned long poke_ldq(addr, sentinel): a 128-bit SIMD load, the low half returned */
poke_ldq:
    fmov d0, x1
    ldr q0, [x0]
    fmov x0, d0
    ret
/* void poke_stq(addr, value) */
poke_stq:
    fmov d0, x1
    mov v0.d[1], x1
    str q0, [x0]
    ret
/* unsigned long poke_ldd(addr, sentinel): a 64-bit FP register load */
poke_ldd:
    fmov d0, x1
    ldr d0, [x0]
    fmov x0, d0
    ret
/* unsigned long poke_ldr_post(addr, sentinel): a load with post-index writeback */
poke_ldr_post:
    mov x2, x0
    mov x0, x1
    ldr x0, [x2], #8
    ret
/* void poke_str_pre(addr, value): a store with pre-index writeback */
poke_str_pre:
    sub x0, x0, #8
    str x1, [x0, #8]!
    ret
/* unsigned long poke_ldadd(addr, sentinel): an LSE atomic (ARMv8.1); x1 is also the addend */
poke_ldadd:
    mov x2, x0
    mov x0, x1
    ldadd x1, x0, [x2]
    ret
/* unsigned long poke_ldxr(addr, sentinel): a load-exclusive (then clrex) */
poke_ldxr:
    mov x2, x0
    mov x0, x1
    ldxr x0, [x2]
    clrex
    ret
/* unsigned long poke_ldar(addr, sentinel): a load-acquire */
poke_ldar:
    mov x2, x0
    mov x0, x1
    ldar x0, [x2]
    ret

    .bss
    .balign 8
    .global poke_nfaults, poke_last_esr, poke_last_far, poke_last_elr
poke_nfaults:
    .space 8
poke_last_esr:
    .space 8
poke_last_far:
    .space 8
poke_last_elr:
    .space 8
