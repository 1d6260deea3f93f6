/* test_step.c - giving the guest its own IRQ/FIQ mask back after a masked single step */
#include <brkvm/arm64_step.h>

#include <glib.h>

#define I (1ULL << 7)
#define F (1ULL << 6)
#define A (1ULL << 8)
#define D (1ULL << 9)
#define EL1H 0x5ULL
#define VBAR 0xffff800008010800ULL

static struct arm64_step_after after(uint64_t pstate, uint64_t pc)
{
    struct arm64_step_after a = {.pstate = pstate, .spsr_el1 = 0x3c5, .xt = 0xabc0,
                                 .pc = pc, .vbar_el1 = VBAR};
    return a;
}

static void test_plain_instruction(void)
{
    /* guest had IRQs on; an add was stepped with our mask; PSTATE gets I/F back, NZCV kept */
    struct arm64_step_after a = after(EL1H | I | F | (1ULL << 30), 0x1004);
    unsigned fix = arm64_step_unmask(EL1H, 0x8b020020 /* add x0, x1, x2 */, true, &a);
    g_assert_cmpuint(fix, ==, ARM64_STEP_FIX_PSTATE);
    g_assert_cmphex(a.pstate, ==, EL1H | (1ULL << 30));
    /* a guest that had IRQs masked itself keeps them masked */
    a = after(EL1H | I | F, 0x1004);
    arm64_step_unmask(EL1H | I, 0x8b020020, true, &a);
    g_assert_cmphex(a.pstate, ==, EL1H | I);
    /* A and D are not ours to change */
    a = after(EL1H | I | F | A, 0x1004);
    arm64_step_unmask(EL1H | D, 0x8b020020, true, &a);
    g_assert_cmphex(a.pstate, ==, EL1H | A);
    /* unreadable instruction: still restore PSTATE */
    a = after(EL1H | I | F, 0x1004);
    g_assert_cmpuint(arm64_step_unmask(EL1H, 0, false, &a), ==, ARM64_STEP_FIX_PSTATE);
    g_assert_cmphex(a.pstate, ==, EL1H);
}

static void test_daifset_daifclr(void)
{
    /* msr daifclr, #2 (unmask I) from a guest with I and F masked: F stays, I goes */
    struct arm64_step_after a = after(EL1H | I | F, 0x1004);
    arm64_step_unmask(EL1H | I | F, 0xd50342ff, true, &a);
    g_assert_cmphex(a.pstate, ==, EL1H | F);
    /* msr daifset, #2 (mask I) from a guest with nothing masked */
    a = after(EL1H | I | F, 0x1004);
    arm64_step_unmask(EL1H, 0xd50342df, true, &a);
    g_assert_cmphex(a.pstate, ==, EL1H | I);
    /* msr daifset, #0xf: D and A are the instruction's (already in PSTATE), I and F set */
    a = after(EL1H | D | A | I | F, 0x1004);
    arm64_step_unmask(EL1H, 0xd5034fdf, true, &a);
    g_assert_cmphex(a.pstate, ==, EL1H | D | A | I | F);
    /* msr daifclr, #1 (F only) keeps the guest's I */
    a = after(EL1H | I | F, 0x1004);
    arm64_step_unmask(EL1H | I | F, 0xd50341ff, true, &a);
    g_assert_cmphex(a.pstate, ==, EL1H | I);
}

static void test_msr_mrs_daif_register(void)
{
    /* msr daif, x3: the guest set every bit itself: nothing changes */
    struct arm64_step_after a = after(EL1H, 0x1004);
    g_assert_cmpuint(arm64_step_unmask(EL1H | I | F, 0xd51b4223, true, &a), ==, 0);
    g_assert_cmphex(a.pstate, ==, EL1H);
    /* mrs x5, daif read our mask: x5 and PSTATE get the guest's bits */
    g_assert_cmpint(arm64_mrs_daif_rt(0xd53b4225), ==, 5);
    g_assert_cmpint(arm64_mrs_daif_rt(0xd53b423f), ==, -1); /* xzr */
    g_assert_cmpint(arm64_mrs_daif_rt(0x8b020020), ==, -1);
    a = after(EL1H | I | F, 0x1004);
    a.xt = I | F | 0x1;
    g_assert_cmpuint(arm64_step_unmask(EL1H | F, 0xd53b4225, true, &a), ==,
                     ARM64_STEP_FIX_PSTATE | ARM64_STEP_FIX_XT);
    g_assert_cmphex(a.xt, ==, F | 0x1);
    g_assert_cmphex(a.pstate, ==, EL1H | F);
}

static void test_exception_and_eret(void)
{
    /* svc (or a fault, or the guest's own BRK) took an exception: PC at a vector; the entry
     * masked DAIF itself; SPSR_EL1 recorded our mask and gets the guest's bits instead */
    struct arm64_step_after a = after(EL1H | D | A | I | F, VBAR + 0x400);
    a.spsr_el1 = 0x0 | I | F | (1ULL << 29); /* EL0t, C flag */
    g_assert_cmpuint(arm64_step_unmask(0x0 | (1ULL << 29), 0xd4000001 /* svc #0 */, true, &a),
                     ==, ARM64_STEP_FIX_SPSR);
    g_assert_cmphex(a.spsr_el1, ==, 1ULL << 29);
    g_assert_cmphex(a.pstate, ==, EL1H | D | A | I | F);
    /* VBAR's low bits are ignored: every vector of the 2K table counts */
    a = after(EL1H | I | F, (VBAR & ~0x7ffULL) + 0x780);
    a.spsr_el1 = EL1H | I | F;
    g_assert_cmpuint(arm64_step_unmask(EL1H, 0xd4000001, true, &a), ==, ARM64_STEP_FIX_SPSR);
    g_assert_cmphex(a.spsr_el1, ==, EL1H);
    /* eret: PSTATE came from SPSR_EL1 (the guest's): untouched, even back into the vector
     * table's range */
    a = after(0x0, 0x400000);
    g_assert_cmpuint(arm64_step_unmask(EL1H | I | F, 0xd69f03e0, true, &a), ==, 0);
    g_assert_cmphex(a.pstate, ==, 0x0);
    a = after(EL1H, VBAR + 0x200);
    g_assert_cmpuint(arm64_step_unmask(EL1H | I, 0xd69f03e0, true, &a), ==, 0);
    a = after(EL1H, 0x1000);
    g_assert_cmpuint(arm64_step_unmask(EL1H | I, 0xd69f0bff /* eretaa */, true, &a), ==, 0);
    /* just past the table is not an exception */
    a = after(EL1H | I | F, (VBAR & ~0x7ffULL) + 0x800);
    g_assert_cmpuint(arm64_step_unmask(EL1H, 0x8b020020, true, &a), ==, ARM64_STEP_FIX_PSTATE);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/step/plain", test_plain_instruction);
    g_test_add_func("/step/daifset-daifclr", test_daifset_daifclr);
    g_test_add_func("/step/msr-mrs-daif", test_msr_mrs_daif_register);
    g_test_add_func("/step/exception-eret", test_exception_and_eret);
    return g_test_run();
}
