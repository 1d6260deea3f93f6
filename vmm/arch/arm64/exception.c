/* exception.c - synchronous exception entry to EL1, for re-injecting a guest's own BRK (pure)
 *
 * arm64 KVM has no ioctl to inject a synchronous exception with a chosen syndrome, so brkvm
 * does what the CPU would have done: AArch64.TakeException (Arm ARM DDI 0487, shared/exceptions)
 * applied to the vCPU's registers.  Linux's enter_exception64() in arch/arm64/kvm/hyp/exception.c
 * does the same for the exceptions KVM injects itself.
 */
#include <brkvm/arm64_exception.h>

#include <errno.h>

int arm64_pstate_el(uint64_t pstate)
{
    if (pstate & ARM64_PSTATE_nRW) {
        switch (pstate & 0x1f) { /* AArch32 M[4:0] */
        case 0x10: /* usr */
            return 0;
        case 0x11: /* fiq */
        case 0x12: /* irq */
        case 0x13: /* svc */
        case 0x17: /* abt */
        case 0x1b: /* und */
        case 0x1f: /* sys */
            return 1;
        case 0x1a: /* hyp */
            return 2;
        case 0x16: /* mon */
            return 3;
        default:
            return -EINVAL;
        }
    }
    switch (pstate & ARM64_PSTATE_M_MASK) {
    case 0x0: /* EL0t */
        return 0;
    case 0x4: /* EL1t */
    case 0x5: /* EL1h */
        return 1;
    case 0x8: /* EL2t */
    case 0x9: /* EL2h */
        return 2;
    case 0xc: /* EL3t */
    case 0xd: /* EL3h */
        return 3;
    default:
        return -EINVAL;
    }
}

int arm64_inject_sync(struct arm64_exc_regs *r, uint32_t esr, bool has_far, uint64_t far)
{
    const uint64_t old = r->pstate, sctlr = r->sctlr_el1;
    int el = arm64_pstate_el(old);
    uint64_t offset, new;

    if (el != 0 && el != 1)
        return -EINVAL;
    if (el == 1 && (old & ARM64_PSTATE_nRW))
        return -EINVAL; /* EL1 in AArch32: not an AArch64 EL1 to take the exception to */

    /* Vector offset (AArch64.TakeException): a lower EL adds 0x400, or 0x600 when that EL is
     * AArch32; the current EL adds 0x200 with SP_EL1 (PSTATE.SP = 1), 0 with SP_EL0.  Then
     * + 0x000 for a synchronous exception (0x080 IRQ, 0x100 FIQ, 0x180 SError). */
    if (el == 0)
        offset = (old & ARM64_PSTATE_nRW) ? 0x600 : 0x400;
    else
        offset = (old & 1) ? 0x200 : 0x000;

    /* AArch64.ReportException: ESR_EL1, and FAR_EL1 only for exceptions that set it */
    r->esr_el1 = esr;
    if (has_far)
        r->far_el1 = far;

    /* SPSR_EL1 = GetPSRFromPSTATE(): KVM's pstate already is in SPSR format (AArch64 or
     * AArch32).  SPSR.BTYPE is kept: for Exception_SoftwareBreakpoint (BRK) the pseudocode keeps
     * it, for other types zeroing it is CONSTRAINED UNPREDICTABLE (keeping it is allowed). */
    r->spsr_el1 = old;
    r->elr_el1 = r->pc; /* preferred_exception_return */

    /* The new PSTATE, field by field, in AArch64 SPSR order.  The inherited fields (NZCV, DIT,
     * PAN) sit at the same positions in the AArch32 SPSR layout, so an exception from AArch32
     * EL0 needs no shuffling; the AArch32-only fields (Q, IT, J, GE, E, T) are dropped
     * (pseudocode: PSTATE.IT = 0, PSTATE.T = 0 when from_32). */
    new = old & ARM64_PSTATE_NZCV; /* N, Z, C, V: unchanged */
    if (r->features & ARM64_EXC_FEAT_MTE)
        new |= ARM64_PSTATE_TCO;    /* PSTATE.TCO = '1' (HaveMTEExt) */
    new |= old & ARM64_PSTATE_DIT;  /* DIT: unchanged by exception entry */
    /* UAO = '0' (HaveUAOExt): left clear */
    new |= old & ARM64_PSTATE_PAN;  /* PAN: unchanged, unless SCTLR_EL1.SPAN == '0' ... */
    if (!(sctlr & ARM64_SCTLR_SPAN))
        new |= ARM64_PSTATE_PAN;    /* ... then set (SPAN is RES1 without FEAT_PAN) */
    /* SS = '0', IL = '0': left clear */
    if ((r->features & ARM64_EXC_FEAT_NMI) && !(sctlr & ARM64_SCTLR_SPINTMASK))
        new |= ARM64_PSTATE_ALLINT; /* ALLINT = NOT SCTLR_EL1.SPINTMASK (HaveFeatNMI) */
    if (sctlr & ARM64_SCTLR_DSSBS)
        new |= ARM64_PSTATE_SSBS;   /* SSBS = SCTLR_EL1.DSSBS (RES0 without FEAT_SSBS) */
    /* BTYPE = '00' (HaveBTIExt): left clear */
    new |= ARM64_PSTATE_D | ARM64_PSTATE_A | ARM64_PSTATE_I | ARM64_PSTATE_F; /* DAIF = '1111' */
    new |= ARM64_PSTATE_EL1h;       /* EL = EL1, nRW = '0', SP = '1' */
    /* Bits 32 and up (PM, PPEND, EXLOCK, PACM, UINJ: features KVM does not give guests) and the
     * RES0 bits are left clear. */
    r->pstate = new;

    /* BranchTo(VBAR_EL1<63:11>:vect_offset<10:0>) */
    r->pc = (r->vbar_el1 & ~0x7ffULL) | offset;
    return 0;
}
