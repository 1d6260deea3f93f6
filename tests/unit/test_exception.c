/* test_exception.c - synchronous exception entry to EL1 and ESR helpers */
#include <brkvm/arm64_exception.h>

#include <errno.h>
#include <glib.h>
#include <string.h>

#define VBAR 0xffff800008010800ULL
#define DAIF (ARM64_PSTATE_D | ARM64_PSTATE_A | ARM64_PSTATE_I | ARM64_PSTATE_F)
#define SCTLR_RES1 0x30d00980ULL /* RES1 bits incl. SPAN (23), as Linux sets them */
#define SCTLR_PAN_ON (SCTLR_RES1 & ~ARM64_SCTLR_SPAN)

static struct arm64_exc_regs regs(uint64_t pstate, uint64_t sctlr)
{
    return (struct arm64_exc_regs){
        .pc = 0x400abc, .pstate = pstate, .vbar_el1 = VBAR, .sctlr_el1 = sctlr,
        .elr_el1 = 0x1111, .spsr_el1 = 0x2222, .esr_el1 = 0x3333, .far_el1 = 0x4444,
    };
}

/* The four vectors, with the before/after of every register. */
static void test_vectors(void)
{
    static const struct { const char *name; uint64_t pstate, offset; } cases[] = {
        {"EL1t", ARM64_PSTATE_EL1t, 0x000},
        {"EL1h", ARM64_PSTATE_EL1h, 0x200},
        {"EL0 AArch64", ARM64_PSTATE_EL0t, 0x400},
        {"EL0 AArch32", ARM64_PSTATE_nRW | ARM64_PSTATE_AA32_USR, 0x600},
        {"EL1h, DAIF set", ARM64_PSTATE_EL1h | DAIF, 0x200},
        {"EL0t, NZCV", ARM64_PSTATE_EL0t | ARM64_PSTATE_NZCV, 0x400},
        {"EL1t, N and C", ARM64_PSTATE_EL1t | 0xa0000000ULL, 0x000},
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(cases); i++) {
        struct arm64_exc_regs r = regs(cases[i].pstate, SCTLR_RES1);
        const uint32_t esr = arm64_esr_brk(0x800);

        g_test_message("%s", cases[i].name);
        g_assert_cmpint(arm64_inject_sync(&r, esr, false, 0), ==, 0);
        g_assert_cmpuint(r.pc, ==, 0xffff800008010800ULL + cases[i].offset);
        g_assert_cmpuint(r.elr_el1, ==, 0x400abc);
        g_assert_cmpuint(r.spsr_el1, ==, cases[i].pstate);
        g_assert_cmpuint(r.esr_el1, ==, 0xf2000800);
        g_assert_cmpuint(r.far_el1, ==, 0x4444); /* untouched */
        g_assert_cmpuint(r.pstate, ==,
                         (cases[i].pstate & ARM64_PSTATE_NZCV) | DAIF | ARM64_PSTATE_EL1h);
        g_assert_cmpuint(r.vbar_el1, ==, VBAR);
        g_assert_cmpuint(r.sctlr_el1, ==, SCTLR_RES1);
        g_assert_cmpint(arm64_pstate_el(r.pstate), ==, 1);
    }
}

/* VBAR_EL1[10:0] are RES0: the vector is VBAR<63:11>:offset<10:0>. */
static void test_vbar_low_bits(void)
{
    struct arm64_exc_regs r = regs(ARM64_PSTATE_EL1h, SCTLR_RES1);
    r.vbar_el1 = 0x80000000ULL | 0x7ff;
    g_assert_cmpint(arm64_inject_sync(&r, arm64_esr_brk(0), false, 0), ==, 0);
    g_assert_cmpuint(r.pc, ==, 0x80000200ULL);
}

/* FAR_EL1 is written only when asked. */
static void test_far(void)
{
    struct arm64_exc_regs r = regs(ARM64_PSTATE_EL0t, SCTLR_RES1);
    g_assert_cmpint(arm64_inject_sync(&r, 0x92000046, true, 0xdead0000beefULL), ==, 0);
    g_assert_cmpuint(r.far_el1, ==, 0xdead0000beefULL);
    g_assert_cmpuint(r.esr_el1, ==, 0x92000046);
    r = regs(ARM64_PSTATE_EL0t, SCTLR_RES1);
    g_assert_cmpint(arm64_inject_sync(&r, 0x92000046, false, 0xdead0000beefULL), ==, 0);
    g_assert_cmpuint(r.far_el1, ==, 0x4444);
}

/* Which PSTATE bits are kept, set and cleared (AArch64.TakeException). */
static void test_pstate_bits(void)
{
    static const struct {
        const char *name;
        uint64_t pstate, sctlr;
        unsigned features;
        uint64_t want; /* besides DAIF | EL1h */
    } cases[] = {
        {"SPAN=1 keeps PAN=0", ARM64_PSTATE_EL0t, SCTLR_RES1, 0, 0},
        {"SPAN=1 keeps PAN=1", ARM64_PSTATE_EL1h | ARM64_PSTATE_PAN, SCTLR_RES1, 0,
         ARM64_PSTATE_PAN},
        {"SPAN=0 sets PAN", ARM64_PSTATE_EL0t, SCTLR_PAN_ON, 0, ARM64_PSTATE_PAN},
        {"SPAN=0, PAN already set", ARM64_PSTATE_EL1h | ARM64_PSTATE_PAN, SCTLR_PAN_ON, 0,
         ARM64_PSTATE_PAN},
        {"DSSBS=1 sets SSBS", ARM64_PSTATE_EL0t, SCTLR_RES1 | ARM64_SCTLR_DSSBS, 0,
         ARM64_PSTATE_SSBS},
        {"DSSBS=0 clears SSBS", ARM64_PSTATE_EL0t | ARM64_PSTATE_SSBS, SCTLR_RES1, 0, 0},
        {"UAO, SS, IL, BTYPE cleared",
         ARM64_PSTATE_EL1h | ARM64_PSTATE_UAO | ARM64_PSTATE_SS | ARM64_PSTATE_IL |
             ARM64_PSTATE_BTYPE,
         SCTLR_RES1, 0, 0},
        {"DIT kept", ARM64_PSTATE_EL0t | ARM64_PSTATE_DIT, SCTLR_RES1, 0, ARM64_PSTATE_DIT},
        {"NZCV kept", ARM64_PSTATE_EL1h | 0x60000000ULL, SCTLR_RES1, 0, 0x60000000ULL},
        {"MTE sets TCO", ARM64_PSTATE_EL0t, SCTLR_RES1, ARM64_EXC_FEAT_MTE, ARM64_PSTATE_TCO},
        {"no MTE, TCO cleared", ARM64_PSTATE_EL1h | ARM64_PSTATE_TCO, SCTLR_RES1, 0, 0},
        {"NMI, SPINTMASK=0 sets ALLINT", ARM64_PSTATE_EL0t, SCTLR_RES1, ARM64_EXC_FEAT_NMI,
         ARM64_PSTATE_ALLINT},
        {"NMI, SPINTMASK=1 clears ALLINT", ARM64_PSTATE_EL1h | ARM64_PSTATE_ALLINT,
         SCTLR_RES1 | ARM64_SCTLR_SPINTMASK, ARM64_EXC_FEAT_NMI, 0},
        {"no NMI, ALLINT clear", ARM64_PSTATE_EL0t, SCTLR_RES1, 0, 0},
        {"bits above 31 dropped", ARM64_PSTATE_EL0t | 0xffffffff00000000ULL, SCTLR_RES1, 0, 0},
        {"AArch32: Q, GE, IT, E, T dropped, NZCV/DIT/PAN kept",
         ARM64_PSTATE_nRW | ARM64_PSTATE_AA32_USR | (1ULL << 27) | (0xfULL << 16) |
             (3ULL << 25) | (0x3fULL << 10) | (1ULL << 9) | (1ULL << 5) | 0x90000000ULL |
             ARM64_PSTATE_DIT | ARM64_PSTATE_PAN,
         SCTLR_RES1, 0, 0x90000000ULL | ARM64_PSTATE_DIT | ARM64_PSTATE_PAN},
        {"everything at once",
         ARM64_PSTATE_EL1t | ARM64_PSTATE_NZCV | ARM64_PSTATE_DIT | ARM64_PSTATE_UAO |
             ARM64_PSTATE_SS | ARM64_PSTATE_IL | ARM64_PSTATE_BTYPE | ARM64_PSTATE_SSBS,
         SCTLR_PAN_ON | ARM64_SCTLR_DSSBS, ARM64_EXC_FEAT_MTE | ARM64_EXC_FEAT_NMI,
         ARM64_PSTATE_NZCV | ARM64_PSTATE_DIT | ARM64_PSTATE_PAN | ARM64_PSTATE_SSBS |
             ARM64_PSTATE_TCO | ARM64_PSTATE_ALLINT},
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(cases); i++) {
        struct arm64_exc_regs r = regs(cases[i].pstate, cases[i].sctlr);

        g_test_message("%s", cases[i].name);
        r.features = cases[i].features;
        g_assert_cmpint(arm64_inject_sync(&r, arm64_esr_brk(1), false, 0), ==, 0);
        g_assert_cmpuint(r.spsr_el1, ==, cases[i].pstate); /* saved whole, BTYPE included */
        g_assert_cmpuint(r.pstate, ==, cases[i].want | DAIF | ARM64_PSTATE_EL1h);
    }
}

/* Anything but EL0/EL1 (AArch64) or AArch32 User is refused, with nothing changed. */
static void test_refused(void)
{
    static const uint64_t bad[] = {
        ARM64_PSTATE_EL2h, 0x8 /* EL2t */, 0xd /* EL3h */, 0xc /* EL3t */,
        0x1 /* reserved: EL0 with SP_EL1 */, 0x2, 0x6, 0x7,
        ARM64_PSTATE_nRW | 0x13 /* AArch32 SVC: EL1 in AArch32 */,
        ARM64_PSTATE_nRW | 0x1a /* hyp */, ARM64_PSTATE_nRW | 0x04 /* reserved */,
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(bad); i++) {
        struct arm64_exc_regs r = regs(bad[i] | DAIF, SCTLR_RES1), before = r;

        g_test_message("pstate 0x%" G_GINT64_MODIFIER "x", bad[i]);
        g_assert_cmpint(arm64_inject_sync(&r, arm64_esr_brk(0), true, 0x1234), ==, -EINVAL);
        g_assert_cmpmem(&r, sizeof(r), &before, sizeof(before));
    }
}

/* Taking a second exception from inside the handler: nested entry from EL1h. */
static void test_nested(void)
{
    struct arm64_exc_regs r = regs(ARM64_PSTATE_EL0t | ARM64_PSTATE_NZCV, SCTLR_PAN_ON);
    g_assert_cmpint(arm64_inject_sync(&r, arm64_esr_brk(0x100), false, 0), ==, 0);
    g_assert_cmpuint(r.pc, ==, 0xffff800008010c00ULL);
    r.pc += 0x40;
    g_assert_cmpint(arm64_inject_sync(&r, arm64_esr_brk(0x200), false, 0), ==, 0);
    g_assert_cmpuint(r.pc, ==, 0xffff800008010a00ULL);
    g_assert_cmpuint(r.elr_el1, ==, 0xffff800008010c40ULL);
    g_assert_cmpuint(r.spsr_el1, ==,
                     ARM64_PSTATE_NZCV | ARM64_PSTATE_PAN | DAIF | ARM64_PSTATE_EL1h);
    g_assert_cmpuint(r.esr_el1, ==, 0xf2000200);
}

static void test_esr_helpers(void)
{
    static const struct { uint32_t esr; unsigned ec; uint16_t imm; } cases[] = {
        {0xf2000800, ARM64_EC_BRK64, 0x800}, /* BRK #0x800 (Linux's BUG) */
        {0xf2000000, ARM64_EC_BRK64, 0},
        {0xf200ffff, ARM64_EC_BRK64, 0xffff},
        {0xe000000a, ARM64_EC_BKPT32, 0x000a},
        {0xce000022, ARM64_EC_SOFTSTP_CUR, 0x22},
        {0xca000022, ARM64_EC_SOFTSTP_LOW, 0x22},
        {0xc6000022, ARM64_EC_BREAKPT_CUR, 0x22},
        {0xc2000022, ARM64_EC_BREAKPT_LOW, 0x22},
        {0xd6000052, ARM64_EC_WATCHPT_CUR, 0x52},
        {0xd2000052, ARM64_EC_WATCHPT_LOW, 0x52},
        {0x96000045, ARM64_EC_DABT_CUR, 0x45},
        {0x92000046, ARM64_EC_DABT_LOW, 0x46},
        {0x86000007, ARM64_EC_IABT_CUR, 0x7},
        {0x82000007, ARM64_EC_IABT_LOW, 0x7},
        {0x02000000, ARM64_EC_UNKNOWN, 0},
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_assert_cmpuint(arm64_esr_ec(cases[i].esr), ==, cases[i].ec);
        g_assert_cmpuint(arm64_esr_brk_imm(cases[i].esr), ==, cases[i].imm);
        g_assert_cmpuint(arm64_esr_iss(cases[i].esr), ==, cases[i].esr & 0x1ffffff);
    }
    g_assert_cmpuint(arm64_esr_brk(0x800), ==, 0xf2000800);
    g_assert_cmpuint(arm64_esr_brk(0x3e8), ==, 0xf20003e8);
    g_assert_cmpuint(ARM64_EC_BRK64, ==, 0x3c);
    g_assert_cmpuint(ARM64_EC_SOFTSTP_LOW, ==, 0x32);
    g_assert_cmpuint(ARM64_EC_SOFTSTP_CUR, ==, 0x33);
    g_assert_cmpuint(ARM64_EC_BREAKPT_LOW, ==, 0x30);
    g_assert_cmpuint(ARM64_EC_BREAKPT_CUR, ==, 0x31);
    g_assert_cmpuint(ARM64_EC_WATCHPT_LOW, ==, 0x34);
    g_assert_cmpuint(ARM64_EC_WATCHPT_CUR, ==, 0x35);
}

static void test_pstate_el(void)
{
    static const struct { uint64_t pstate; int el; } cases[] = {
        {0x0, 0}, {0x4, 1}, {0x5, 1}, {0x8, 2}, {0x9, 2}, {0xc, 3}, {0xd, 3},
        {0x3c5, 1}, {0xf0000000ULL | 0x5, 1}, {0x1, -EINVAL}, {0x2, -EINVAL}, {0x3, -EINVAL},
        {0xb, -EINVAL}, {0x10, 0}, {0x11, 1}, {0x12, 1}, {0x13, 1}, {0x17, 1}, {0x1b, 1},
        {0x1f, 1}, {0x1a, 2}, {0x16, 3}, {0x14, -EINVAL}, {0x1e, -EINVAL},
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_test_message("pstate 0x%" G_GINT64_MODIFIER "x", cases[i].pstate);
        g_assert_cmpint(arm64_pstate_el(cases[i].pstate), ==, cases[i].el);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/exception/vectors", test_vectors);
    g_test_add_func("/exception/vbar-low-bits", test_vbar_low_bits);
    g_test_add_func("/exception/far", test_far);
    g_test_add_func("/exception/pstate-bits", test_pstate_bits);
    g_test_add_func("/exception/refused", test_refused);
    g_test_add_func("/exception/nested", test_nested);
    g_test_add_func("/exception/esr-helpers", test_esr_helpers);
    g_test_add_func("/exception/pstate-el", test_pstate_el);
    return g_test_run();
}
