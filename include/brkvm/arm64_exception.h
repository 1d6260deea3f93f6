/* arm64_exception.h - ESR decoding and synchronous exception entry to EL1 (pure) */
#ifndef BRKVM_ARM64_EXCEPTION_H
#define BRKVM_ARM64_EXCEPTION_H

#include <stdbool.h>
#include <stdint.h>

/* ESR_ELx.EC values the debugger cares about (Arm ARM D24, ESR_EL1) */
#define ARM64_EC_UNKNOWN 0x00
#define ARM64_EC_IABT_LOW 0x20    /* instruction abort from a lower EL */
#define ARM64_EC_IABT_CUR 0x21    /* instruction abort, same EL */
#define ARM64_EC_DABT_LOW 0x24    /* data abort from a lower EL */
#define ARM64_EC_DABT_CUR 0x25    /* data abort, same EL */
#define ARM64_EC_BREAKPT_LOW 0x30 /* hardware breakpoint from a lower EL */
#define ARM64_EC_BREAKPT_CUR 0x31
#define ARM64_EC_SOFTSTP_LOW 0x32 /* software step from a lower EL */
#define ARM64_EC_SOFTSTP_CUR 0x33
#define ARM64_EC_WATCHPT_LOW 0x34 /* watchpoint from a lower EL */
#define ARM64_EC_WATCHPT_CUR 0x35
#define ARM64_EC_BKPT32 0x38 /* AArch32 BKPT */
#define ARM64_EC_BRK64 0x3c  /* AArch64 BRK */

#define ARM64_ESR_IL (1U << 25) /* 32-bit instruction trapped */

static inline unsigned arm64_esr_ec(uint32_t esr) { return (esr >> 26) & 0x3f; }
static inline uint32_t arm64_esr_iss(uint32_t esr) { return esr & 0x1ffffff; }
/* the immediate of BRK #imm (EC 0x3c) or BKPT #imm (EC 0x38) */
static inline uint16_t arm64_esr_brk_imm(uint32_t esr) { return (uint16_t)(esr & 0xffff); }
/* the ESR_EL1 of an AArch64 BRK #imm, as the CPU reports it */
static inline uint32_t arm64_esr_brk(uint16_t imm)
{
    return ((uint32_t)ARM64_EC_BRK64 << 26) | ARM64_ESR_IL | imm;
}

/* PSTATE / SPSR_ELx bits, as KVM exposes PSTATE in regs.pstate (SPSR format) */
#define ARM64_PSTATE_M_MASK 0xfULL /* AArch64 M[3:0]: EL in [3:2], SP select in [0] */
#define ARM64_PSTATE_EL0t 0x0ULL
#define ARM64_PSTATE_EL1t 0x4ULL
#define ARM64_PSTATE_EL1h 0x5ULL
#define ARM64_PSTATE_EL2h 0x9ULL
#define ARM64_PSTATE_nRW (1ULL << 4) /* AArch32 when set; M[4:0] is then an AArch32 mode */
#define ARM64_PSTATE_AA32_USR 0x10ULL
#define ARM64_PSTATE_F (1ULL << 6)
#define ARM64_PSTATE_I (1ULL << 7)
#define ARM64_PSTATE_A (1ULL << 8)
#define ARM64_PSTATE_D (1ULL << 9)
#define ARM64_PSTATE_BTYPE (3ULL << 10)
#define ARM64_PSTATE_SSBS (1ULL << 12)
#define ARM64_PSTATE_ALLINT (1ULL << 13)
#define ARM64_PSTATE_IL (1ULL << 20)
#define ARM64_PSTATE_SS (1ULL << 21)
#define ARM64_PSTATE_PAN (1ULL << 22)
#define ARM64_PSTATE_UAO (1ULL << 23)
#define ARM64_PSTATE_DIT (1ULL << 24)
#define ARM64_PSTATE_TCO (1ULL << 25)
#define ARM64_PSTATE_NZCV (0xfULL << 28)

#define ARM64_SCTLR_SPAN (1ULL << 23)
#define ARM64_SCTLR_DSSBS (1ULL << 44)
#define ARM64_SCTLR_SPINTMASK (1ULL << 62)

/* Exception level of a PSTATE (SPSR format, AArch64 or AArch32); -EINVAL for a bad mode. */
int arm64_pstate_el(uint64_t pstate);

/* Features that change exception entry and cannot be told from SCTLR_EL1 alone (the caller
 * derives them from ID_AA64PFR1_EL1): without them the PSTATE bit is RES0 and left clear. */
#define ARM64_EXC_FEAT_MTE (1U << 0) /* FEAT_MTE: PSTATE.TCO is set on entry */
#define ARM64_EXC_FEAT_NMI (1U << 1) /* FEAT_NMI: PSTATE.ALLINT = !SCTLR_EL1.SPINTMASK */

struct arm64_exc_regs {
    uint64_t pc, pstate; /* pstate as in KVM's regs.pstate */
    uint64_t vbar_el1, sctlr_el1, elr_el1, spsr_el1, esr_el1, far_el1;
    unsigned features; /* ARM64_EXC_FEAT_* */
};

/*
 * Take a synchronous exception with syndrome esr (and FAR_EL1 = far if has_far) to EL1h, as
 * AArch64.TakeException does for an exception routed to EL1 from EL0 or EL1: ESR_EL1 = esr,
 * ELR_EL1 = pc (the preferred return address: for BRK, the BRK itself), SPSR_EL1 = pstate, then
 * the new PSTATE and pc = VBAR_EL1 + vector offset (0x000 from EL1t, 0x200 from EL1h, 0x400 from
 * AArch64 EL0, 0x600 from AArch32 EL0).  Returns 0, or -EINVAL (nothing changed) when pstate is
 * not EL0/EL1 (EL2, EL3, an AArch32 mode other than User, a reserved mode).
 * Registers beyond these (zeroing the upper halves after AArch32, SVE state) are the caller's.
 */
int arm64_inject_sync(struct arm64_exc_regs *r, uint32_t esr, bool has_far, uint64_t far);

#endif
