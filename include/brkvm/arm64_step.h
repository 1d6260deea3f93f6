/* arm64_step.h - single steps with interrupts masked, and putting the guest's own interrupt
 * mask back afterwards (pure) */
#ifndef BRKVM_ARM64_STEP_H
#define BRKVM_ARM64_STEP_H

#include <stdbool.h>
#include <stdint.h>

/* PSTATE bits the debugger sets for a step: IRQ and FIQ (a pending timer interrupt would
 * otherwise be what gets stepped into) */
#define ARM64_STEP_MASK ((1ULL << 7) | (1ULL << 6))

/* The vCPU's state after the step; the fields the fix-up changes are in/out. */
struct arm64_step_after {
    uint64_t pstate;   /* in/out */
    uint64_t spsr_el1; /* in/out: holds the masked PSTATE if the step took an exception */
    uint64_t xt;       /* in/out: register Rt of a stepped MRS Xt, DAIF (see arm64_mrs_daif_rt) */
    uint64_t pc, vbar_el1;
};

#define ARM64_STEP_FIX_PSTATE (1U << 0)
#define ARM64_STEP_FIX_SPSR (1U << 1)
#define ARM64_STEP_FIX_XT (1U << 2)

/*
 * Undo the debugger's IRQ/FIQ mask after a step of insn (insn_valid: it could be read) that
 * started at PSTATE `before` (the guest's own).  Which state carries the mask depends on what
 * the instruction did:
 *  - an exception was taken (pc now in the vector table at VBAR_EL1): the entry masked DAIF by
 *    itself, but SPSR_EL1 recorded our mask: SPSR_EL1's I/F become the guest's;
 *  - ERET (and ERETAA/AB): PSTATE came from SPSR_EL1, the guest's: nothing to do;
 *  - MSR DAIF, Xt: the guest set all of DAIF itself: nothing to do;
 *  - MSR DAIFSet/DAIFClr, #imm: the guest's own bits with the instruction applied to them;
 *  - MRS Xt, DAIF: PSTATE back, and Xt gets the guest's I/F bits instead of our mask;
 *  - anything else: PSTATE's I/F back to the guest's.
 * Returns ARM64_STEP_FIX_* flags saying which fields of *a to write back.
 */
unsigned arm64_step_unmask(uint64_t before, uint32_t insn, bool insn_valid,
                           struct arm64_step_after *a);

/* Rt of MRS Xt, DAIF, or -1 for any other instruction (Rt 31 = XZR: -1 too) */
int arm64_mrs_daif_rt(uint32_t insn);

#endif
