/* test_hwdebug.c - hardware breakpoint/watchpoint slots and their DBGBCR/BVR/WCR/WVR values */
#include <brkvm/arm64_exception.h>
#include <brkvm/arm64_hwdebug.h>

#include <errno.h>
#include <glib.h>

static void test_breakpoints(void)
{
    struct arm64_hwdebug h;
    struct arm64_debug_regs r;

    arm64_hwdebug_init(&h, 6, 4);
    g_assert_false(arm64_hwdebug_active(&h));
    for (unsigned i = 0; i < 6; i++)
        g_assert_cmpint(arm64_hw_bp_insert(&h, 0x80080000 + 4 * i), ==, 0);
    g_assert_cmpint(arm64_hw_bp_insert(&h, 0x80080000), ==, 0); /* already there */
    g_assert_cmpint(arm64_hw_bp_insert(&h, 0x80090000), ==, -ENOSPC); /* the 7th */
    g_assert_cmpint(arm64_hw_bp_insert(&h, 0x80090002), ==, -EINVAL);
    g_assert_true(arm64_hwdebug_active(&h));
    arm64_hwdebug_regs(&h, &r);
    /* E, PMC = EL1+EL0, BAS = 0xf (A64), unlinked address match */
    g_assert_cmphex(r.bcr[0], ==, 0x1e7);
    g_assert_cmphex(r.bvr[0], ==, 0x80080000);
    g_assert_cmphex(r.bcr[6], ==, 0); /* beyond the CPU's slots: off */
    g_assert_cmpint(arm64_hw_bp_match(&h, 0x80080008), ==, 2);
    g_assert_cmpint(arm64_hw_bp_match(&h, 0x80080018), ==, -1);
    g_assert_cmpint(arm64_hw_bp_remove(&h, 0x80080004), ==, 0);
    g_assert_cmpint(arm64_hw_bp_remove(&h, 0x80080004), ==, -ENOENT);
    g_assert_cmpint(arm64_hw_bp_insert(&h, 0x80090000), ==, 0); /* the freed slot */
    arm64_hwdebug_regs(&h, &r);
    g_assert_cmphex(r.bvr[1], ==, 0x80090000);
}

static void test_upper_half_sign_extension(void)
{
    struct arm64_hwdebug h;
    struct arm64_debug_regs r;

    arm64_hwdebug_init(&h, 2, 2);
    /* a kernel address is stored sign-extended from bit 52 (DBGBVR[63:53] RESS) */
    g_assert_cmpint(arm64_hw_bp_insert(&h, 0xffff800008123450ULL), ==, 0);
    /* an address with a tag-like top byte (bits 63:53 not a sign extension) is the same VA */
    g_assert_cmpint(arm64_hw_bp_match(&h, 0x00ff800008123450ULL | (1ULL << 52)), ==, 0);
    arm64_hwdebug_regs(&h, &r);
    g_assert_cmphex(r.bvr[0], ==, 0xffff800008123450ULL);
    g_assert_cmpint(arm64_hw_wp_insert(&h, ARM64_WATCH_WRITE, 0xffff80000a000008ULL, 8), ==, 0);
    arm64_hwdebug_regs(&h, &r);
    g_assert_cmphex(r.wvr[0], ==, 0xffff80000a000008ULL);
}

static void test_watchpoint_encodings(void)
{
    struct arm64_hwdebug h;
    struct arm64_debug_regs r;

    arm64_hwdebug_init(&h, 6, 4);
    /* 8 bytes, store: E | PAC=0b11 | LSC=0b10 | BAS=0xff */
    g_assert_cmpint(arm64_hw_wp_insert(&h, ARM64_WATCH_WRITE, 0x1000, 8), ==, 0);
    /* 4 bytes at +4, load: BAS=0xf0, LSC=0b01 */
    g_assert_cmpint(arm64_hw_wp_insert(&h, ARM64_WATCH_READ, 0x2004, 4), ==, 0);
    /* 1 byte at +3, access: BAS=0x08, LSC=0b11 */
    g_assert_cmpint(arm64_hw_wp_insert(&h, ARM64_WATCH_ACCESS, 0x3003, 1), ==, 0);
    /* 4 KiB aligned block: MASK=12, BAS=0xff */
    g_assert_cmpint(arm64_hw_wp_insert(&h, ARM64_WATCH_WRITE, 0x40000, 0x1000), ==, 0);
    g_assert_cmpint(arm64_hw_wp_insert(&h, ARM64_WATCH_WRITE, 0x50000, 8), ==, -ENOSPC);
    arm64_hwdebug_regs(&h, &r);
    g_assert_cmphex(r.wcr[0], ==, 0x1 | 0x6 | (0x2 << 3) | (0xffULL << 5));
    g_assert_cmphex(r.wvr[0], ==, 0x1000);
    g_assert_cmphex(r.wcr[1], ==, 0x1 | 0x6 | (0x1 << 3) | (0xf0ULL << 5));
    g_assert_cmphex(r.wvr[1], ==, 0x2000);
    g_assert_cmphex(r.wcr[2], ==, 0x1 | 0x6 | (0x3 << 3) | (0x08ULL << 5));
    g_assert_cmphex(r.wvr[2], ==, 0x3000);
    g_assert_cmphex(r.wcr[3], ==, 0x1 | 0x6 | (0x2 << 3) | (0xffULL << 5) | (12ULL << 24));
    g_assert_cmphex(r.wvr[3], ==, 0x40000);
    /* what one slot cannot express */
    arm64_hwdebug_init(&h, 6, 4);
    g_assert_cmpint(arm64_hw_wp_insert(&h, ARM64_WATCH_WRITE, 0x1004, 8), ==, -EINVAL);
    g_assert_cmpint(arm64_hw_wp_insert(&h, ARM64_WATCH_WRITE, 0x1000, 24), ==, -EINVAL);
    g_assert_cmpint(arm64_hw_wp_insert(&h, ARM64_WATCH_WRITE, 0x1010, 32), ==, -EINVAL);
    g_assert_cmpint(arm64_hw_wp_insert(&h, ARM64_WATCH_WRITE, 0x1000, 0), ==, -EINVAL);
    g_assert_cmpint(arm64_hw_wp_insert(&h, (enum arm64_watch_type)0, 0x1000, 4), ==, -EINVAL);
    g_assert_cmpint(arm64_hw_wp_remove(&h, ARM64_WATCH_WRITE, 0x1000, 4), ==, -ENOENT);
    /* gdb's Z types */
    g_assert_cmpint(arm64_watch_from_z(2), ==, ARM64_WATCH_WRITE);
    g_assert_cmpint(arm64_watch_from_z(3), ==, ARM64_WATCH_READ);
    g_assert_cmpint(arm64_watch_from_z(4), ==, ARM64_WATCH_ACCESS);
    g_assert_cmpint(arm64_watch_to_z(ARM64_WATCH_READ), ==, 3);
}

static void test_watch_match(void)
{
    struct arm64_hwdebug h;
    uint64_t rep;

    arm64_hwdebug_init(&h, 6, 4);
    arm64_hw_wp_insert(&h, ARM64_WATCH_WRITE, 0x1004, 2);
    arm64_hw_wp_insert(&h, ARM64_WATCH_READ, 0x8000, 0x100);
    /* the exact address */
    g_assert_cmpint(arm64_hw_wp_match(&h, 0x1005, &rep), ==, 0);
    g_assert_cmphex(rep, ==, 0x1005);
    /* an 8-byte store at the doubleword start: reported inside the watched bytes */
    g_assert_cmpint(arm64_hw_wp_match(&h, 0x1000, &rep), ==, 0);
    g_assert_cmphex(rep, ==, 0x1004);
    g_assert_cmpint(arm64_hw_wp_match(&h, 0x1007, &rep), ==, 0);
    g_assert_cmphex(rep, ==, 0x1005);
    g_assert_cmpint(arm64_hw_wp_match(&h, 0x1008, &rep), ==, -1);
    g_assert_cmpint(arm64_hw_wp_match(&h, 0x80ff, &rep), ==, 1);
    g_assert_cmphex(rep, ==, 0x80ff);
    g_assert_cmpint(arm64_hw_wp_match(&h, 0x8100, &rep), ==, -1);
}

/* kvm-unit-tests' debug handlers return with SPSR.D set: the same slot must then not fire */
static void test_guest_masked(void)
{
    const uint64_t el1h = 0x5, el0 = 0x0, d = 1ULL << 9, kde = 1ULL << 13, mde = 1ULL << 15;

    g_assert_false(arm64_guest_debug_masked(el1h, kde | mde));     /* EL1, D clear, KDE */
    g_assert_true(arm64_guest_debug_masked(el1h | d, kde | mde));  /* D set */
    g_assert_true(arm64_guest_debug_masked(el1h, mde));            /* no kernel debug */
    g_assert_true(arm64_guest_debug_masked(0x4, mde));             /* EL1t too */
    g_assert_false(arm64_guest_debug_masked(el0, mde));            /* EL0: D, KDE irrelevant */
    g_assert_false(arm64_guest_debug_masked(el0 | d, mde));
}

static void test_esr_retarget(void)
{
    /* a guest hardware breakpoint at EL1 reached EL2 as "lower EL": EC 0x30 -> 0x31 */
    g_assert_cmphex(arm64_debug_esr_to_el1(0xc2000022, 1), ==, 0xc6000022);
    g_assert_cmphex(arm64_debug_esr_to_el1(0xc2000022, 0), ==, 0xc2000022);
    /* software step 0x32 -> 0x33, watchpoint 0x34 -> 0x35 (WnR kept) */
    g_assert_cmphex(arm64_debug_esr_to_el1(0xca000022, 1), ==, 0xce000022);
    g_assert_cmphex(arm64_debug_esr_to_el1(0xd2000062, 1), ==, 0xd6000062);
    /* BRK is the same from any EL */
    g_assert_cmphex(arm64_debug_esr_to_el1(0xf2000800, 1), ==, 0xf2000800);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/hwdebug/breakpoints", test_breakpoints);
    g_test_add_func("/hwdebug/upper-half", test_upper_half_sign_extension);
    g_test_add_func("/hwdebug/watchpoint-encodings", test_watchpoint_encodings);
    g_test_add_func("/hwdebug/watch-match", test_watch_match);
    g_test_add_func("/hwdebug/esr-retarget", test_esr_retarget);
    g_test_add_func("/hwdebug/guest-masked", test_guest_masked);
    return g_test_run();
}
