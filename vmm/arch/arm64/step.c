/* step.c - putting the guest's interrupt mask back after a debugger's masked single step */
#include <brkvm/arm64_step.h>

#define INSN_MSR_DAIFCLR 0xd50340ffU /* MSR DAIFClr, #imm: imm in CRm, bits [11:8] */
#define INSN_MSR_DAIFSET 0xd50340dfU /* MSR DAIFSet, #imm */
#define INSN_MSR_IMM_MASK 0xfffff0ffU
#define INSN_MSR_DAIF_REG 0xd51b4220U /* MSR DAIF, Xt */
#define INSN_MRS_DAIF_REG 0xd53b4220U /* MRS Xt, DAIF */
#define INSN_RT_MASK 0xffffffe0U
#define INSN_ERET 0xd69f03e0U
#define INSN_ERETAA 0xd69f0bffU
#define INSN_ERETAB 0xd69f0fffU
#define VECTOR_TABLE_SIZE 0x800ULL

int arm64_mrs_daif_rt(uint32_t insn)
{
    if ((insn & INSN_RT_MASK) != INSN_MRS_DAIF_REG || (insn & 31) == 31)
        return -1;
    return (int)(insn & 31);
}

/* DAIF.{I,F} from the immediate of MSR DAIFSet/DAIFClr: imm bit 1 = I, bit 0 = F */
static uint64_t imm_bits(uint32_t insn)
{
    return ((uint64_t)((insn >> 8) & 0xf) << 6) & ARM64_STEP_MASK;
}

static uint64_t with_guest_bits(uint64_t v, uint64_t guest)
{
    return (v & ~ARM64_STEP_MASK) | (guest & ARM64_STEP_MASK);
}

unsigned arm64_step_unmask(uint64_t before, uint32_t insn, bool insn_valid,
                           struct arm64_step_after *a)
{
    uint64_t vbar = a->vbar_el1 & ~(VECTOR_TABLE_SIZE - 1);

    if (a->pc - vbar < VECTOR_TABLE_SIZE && !(insn_valid && (insn == INSN_ERET ||
                                                            insn == INSN_ERETAA ||
                                                            insn == INSN_ERETAB))) {
        /* an exception was taken: its return state must be the guest's, not our mask */
        a->spsr_el1 = with_guest_bits(a->spsr_el1, before);
        return ARM64_STEP_FIX_SPSR;
    }
    if (!insn_valid) {
        a->pstate = with_guest_bits(a->pstate, before);
        return ARM64_STEP_FIX_PSTATE;
    }
    if (insn == INSN_ERET || insn == INSN_ERETAA || insn == INSN_ERETAB ||
        (insn & INSN_RT_MASK) == INSN_MSR_DAIF_REG)
        return 0;
    if ((insn & INSN_MSR_IMM_MASK) == INSN_MSR_DAIFCLR) {
        a->pstate = with_guest_bits(a->pstate, before & ~imm_bits(insn));
        return ARM64_STEP_FIX_PSTATE;
    }
    if ((insn & INSN_MSR_IMM_MASK) == INSN_MSR_DAIFSET) {
        a->pstate = with_guest_bits(a->pstate, before | imm_bits(insn));
        return ARM64_STEP_FIX_PSTATE;
    }
    a->pstate = with_guest_bits(a->pstate, before);
    if (arm64_mrs_daif_rt(insn) >= 0) {
        a->xt = with_guest_bits(a->xt, before);
        return ARM64_STEP_FIX_PSTATE | ARM64_STEP_FIX_XT;
    }
    return ARM64_STEP_FIX_PSTATE;
}
