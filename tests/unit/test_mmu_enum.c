/* test_mmu_enum.c - enumerating every stage-1 mapping (monitor info pt, finding the kernel
 * image for KASLR) over page tables built in a buffer */
#include <brkvm/arm64_mmu.h>

#include <errno.h>
#include <glib.h>
#include <string.h>

#define RAM 0x80000000ULL
#define RAM_SIZE (8ULL << 20)
static uint8_t ram[RAM_SIZE];

static int rd(void *opaque, uint64_t pa, uint64_t *val)
{
    if (pa < RAM || pa + 8 > RAM + RAM_SIZE)
        return -EFAULT;
    memcpy(val, ram + (pa - RAM), 8);
    return 0;
}

static void put(uint64_t pa, uint64_t v)
{
    memcpy(ram + (pa - RAM), &v, 8);
}

#define L0 (RAM + 0x1000)
#define L1 (RAM + 0x2000)
#define L2 (RAM + 0x3000)
#define L3 (RAM + 0x4000)
#define TABLE 0x3ULL
#define BLOCK 0x1ULL
#define PAGE 0x3ULL
#define AF (1ULL << 10)
#define RO (1ULL << 7)
#define ATTR(i) ((uint64_t)(i) << 2)
#define KVA 0xffff800008000000ULL

static unsigned idx(uint64_t va, int level)
{
    return (unsigned)((va >> (12 + 9 * (3 - level))) & 0x1ff);
}

/* 4K granule, 48-bit VAs both halves, IPS 40 bits */
static struct arm64_mmu_regs regs(void)
{
    struct arm64_mmu_regs r = {
        .sctlr = 1,
        .tcr = 16 | (16ULL << 16) | (2ULL << 30) | (2ULL << 32),
        .ttbr0 = 0,
        .ttbr1 = L0,
    };
    return r;
}

static struct arm64_mapping got[16];
static int ngot;

static void collect(void *opaque, const struct arm64_mapping *m)
{
    if (ngot < 16)
        got[ngot] = *m;
    ngot++;
}

static void build(void)
{
    memset(ram, 0, sizeof(ram));
    put(L0 + 8 * idx(KVA, 0), L1 | TABLE);
    put(L1 + 8 * idx(KVA, 1), L2 | TABLE);
    /* a 2 MiB block, then three 4 KiB pages right after it in VA and PA: one range */
    put(L2 + 8 * idx(KVA, 2), (RAM + 0x200000) | BLOCK | AF | ATTR(1));
    put(L2 + 8 * idx(KVA + 0x200000, 2), L3 | TABLE);
    for (int i = 0; i < 3; i++)
        put(L3 + 8 * i, (RAM + 0x400000 + 0x1000 * i) | PAGE | AF | ATTR(1));
    /* a read-only page after a hole: a range of its own */
    put(L3 + 8 * 5, (RAM + 0x500000) | PAGE | AF | RO | ATTR(2));
}

static void test_ranges(void)
{
    struct arm64_mmu_regs r = regs();
    int n;

    build();
    ngot = 0;
    n = arm64_enumerate(&r, true, 0, rd, NULL, 100000, collect, NULL);
    g_assert_cmpint(n, ==, 2);
    g_assert_cmpint(ngot, ==, 2);
    g_assert_cmphex(got[0].va, ==, KVA);
    g_assert_cmphex(got[0].pa, ==, RAM + 0x200000);
    g_assert_cmphex(got[0].size, ==, 0x200000 + 3 * 0x1000);
    g_assert_true(got[0].writable);
    g_assert_cmpuint(got[0].attr_index, ==, 1);
    g_assert_cmphex(got[1].va, ==, KVA + 0x200000 + 5 * 0x1000);
    g_assert_cmphex(got[1].pa, ==, RAM + 0x500000);
    g_assert_cmphex(got[1].size, ==, 0x1000);
    g_assert_false(got[1].writable);
    g_assert_cmpuint(got[1].attr_index, ==, 2);
    /* each range translates as the walker says */
    struct arm64_walk w;
    g_assert_cmpint(arm64_translate(&r, got[0].va + 0x201234, rd, NULL, &w), ==, 0);
    g_assert_cmphex(w.pa, ==, got[0].pa + 0x201234);
}

static void test_limits(void)
{
    struct arm64_mmu_regs r = regs();

    build();
    /* the lower half has no table (TTBR0 = 0 points at nothing valid): no ranges */
    ngot = 0;
    g_assert_cmpint(arm64_enumerate(&r, false, 0, rd, NULL, 100000, collect, NULL), ==, 0);
    /* a bound on the descriptors read */
    ngot = 0;
    g_assert_cmpint(arm64_enumerate(&r, true, 0, rd, NULL, 300, collect, NULL), ==, -E2BIG);
    /* MMU off or walks disabled: nothing to enumerate */
    r.sctlr = 0;
    g_assert_cmpint(arm64_enumerate(&r, true, 0, rd, NULL, 100000, collect, NULL), ==, -EINVAL);
    r = regs();
    r.tcr |= 1ULL << 23; /* EPD1 */
    g_assert_cmpint(arm64_enumerate(&r, true, 0, rd, NULL, 100000, collect, NULL), ==, -EINVAL);
    /* another table than the live TTBR1 (KPTI) */
    r = regs();
    r.ttbr1 = RAM + 0x7000; /* empty */
    ngot = 0;
    g_assert_cmpint(arm64_enumerate(&r, true, L0, rd, NULL, 100000, collect, NULL), ==, 2);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/mmu-enum/ranges", test_ranges);
    g_test_add_func("/mmu-enum/limits", test_limits);
    return g_test_run();
}
