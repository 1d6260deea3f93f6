/* test_mmu_enum.c - enumerating every stage-1 mapping (monitor info pt) and finding where the
 * kernel image runs (KASLR slide detection) over page tables built in a buffer */
#include <brkvm/arm64_kimage.h>
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

/* A bus where the address bits above 32 are not decoded: 2^32 + pa reads pa. */
static int rd_alias(void *opaque, uint64_t pa, uint64_t *val)
{
    return rd(opaque, pa & 0xffffffffULL, val);
}

/* fuzz_ptwalk found it: a TTBR beyond the output size (TCR.IPS) is an Address size fault for
 * the walker, so the enumerator must not list the mappings of the tables it would lead to */
static void test_ttbr_beyond_ips(void)
{
    struct arm64_mmu_regs r = regs();
    struct arm64_walk w;
    uint64_t va = 0, size = 0;

    build();
    r.tcr &= ~(7ULL << 32); /* IPS = 32 bits */
    ngot = 0;
    g_assert_cmpint(arm64_enumerate(&r, true, 0, rd_alias, NULL, 100000, collect, NULL), ==, 2);
    g_assert_cmpint(arm64_translate(&r, KVA, rd_alias, NULL, &w), ==, 0);
    r.ttbr1 = L0 | 1ULL << 32;
    g_assert_cmpint(arm64_translate(&r, KVA, rd_alias, NULL, &w), ==, -EFAULT);
    g_assert_cmpint(w.fault, ==, ARM64_FAULT_ADDR_SIZE);
    ngot = 0;
    g_assert_cmpint(arm64_enumerate(&r, true, 0, rd_alias, NULL, 100000, collect, NULL), ==, 0);
    g_assert_cmpint(ngot, ==, 0);
    g_assert_cmpint(arm64_find_image(&r, 0, RAM + 0x200000, RAM + 0x600000, rd_alias, NULL, &va,
                                     &size), ==, -ENOENT);
}

/* ---- finding the kernel image: a Linux-like upper half built page by page ---- */

#define PXN (1ULL << 53)
#define UXN (1ULL << 54)
#define IMG (RAM + 0x200000)          /* where "brkvm loaded the Image" */
#define IMG_END (RAM + 0x600000)
#define STEXT_OFF 0x10000ULL          /* the kernel maps its image from _stext */
static uint64_t next_table;

static uint64_t new_table(void)
{
    uint64_t t = next_table;

    next_table += 0x1000;
    g_assert_cmphex(next_table, <=, RAM + RAM_SIZE);
    return t;
}

/* one 4 KiB page va -> pa with the leaf attributes given, tables allocated on the way */
static void map_page(uint64_t root, uint64_t va, uint64_t pa, uint64_t attrs)
{
    uint64_t table = root, d;

    for (int level = 0; level < 3; level++) {
        uint64_t slot = table + 8 * idx(va, level);
        rd(NULL, slot, &d);
        if (!(d & 1)) {
            d = new_table() | TABLE;
            put(slot, d);
        }
        table = d & 0x0000fffffffff000ULL;
    }
    put(table + 8 * idx(va, 3), pa | PAGE | AF | attrs);
}

static void map_range(uint64_t root, uint64_t va, uint64_t pa, uint64_t size, uint64_t attrs)
{
    for (uint64_t off = 0; off < size; off += 0x1000)
        map_page(root, va + off, pa + off, attrs);
}

static void test_find_image(void)
{
    const uint64_t linear = 0xffff000000000000ULL;           /* lower part of the kernel half */
    const uint64_t kimg = 0xffff800008000000ULL + 0x3450000; /* link address + a 64K-aligned slide */
    const uint64_t tramp = 0xfffffffffe5f0000ULL;            /* fixmap: KPTI's trampoline */
    struct arm64_mmu_regs r = regs();
    uint64_t va = 0, size = 0;

    memset(ram, 0, sizeof(ram));
    next_table = RAM + 0x600000;
    r.ttbr1 = new_table();
    /* only the linear map (not executable) covers the image: not found */
    map_range(r.ttbr1, linear + (IMG - RAM), IMG, IMG_END - IMG, PXN | UXN);
    g_assert_cmpint(arm64_find_image(&r, 0, IMG, IMG_END, rd, NULL, &va, &size), ==, -ENOENT);
    /* the trampoline: one executable page of the image, high up */
    map_page(r.ttbr1, tramp, IMG + 0x3000, UXN | RO);
    g_assert_cmpint(arm64_find_image(&r, 0, IMG, IMG_END, rd, NULL, &va, &size), ==, 0);
    g_assert_cmphex(va, ==, tramp - 0x3000);
    g_assert_cmphex(size, ==, 0x1000);
    /* the kernel: text (executable, read-only) from _stext, rodata, data: the text wins */
    map_range(r.ttbr1, kimg + STEXT_OFF, IMG + STEXT_OFF, 0x100000 - STEXT_OFF, UXN | RO);
    map_range(r.ttbr1, kimg + 0x100000, IMG + 0x100000, 0x100000, PXN | UXN | RO);
    map_range(r.ttbr1, kimg + 0x200000, IMG + 0x200000, 0x80000, PXN | UXN);
    g_assert_cmpint(arm64_find_image(&r, 0, IMG, IMG_END, rd, NULL, &va, &size), ==, 0);
    g_assert_cmphex(va, ==, kimg);
    g_assert_cmphex(size, ==, 0x100000 - STEXT_OFF);
    g_assert_cmphex(va - 0xffff800008000000ULL, ==, 0x3450000); /* the slide */
    /* executable text of other physical pages (a module) does not count */
    map_range(r.ttbr1, 0xffff800000000000ULL, RAM + 0x700000, 0x40000, UXN | RO);
    g_assert_cmpint(arm64_find_image(&r, 0, IMG, IMG_END, rd, NULL, &va, &size), ==, 0);
    g_assert_cmphex(va, ==, kimg);
    /* the same tables given as a candidate TTBR1 while the live one is KPTI's user table */
    uint64_t kernel_table = r.ttbr1;
    r.ttbr1 = new_table();
    g_assert_cmpint(arm64_find_image(&r, 0, IMG, IMG_END, rd, NULL, &va, &size), ==, -ENOENT);
    g_assert_cmpint(arm64_find_image(&r, kernel_table, IMG, IMG_END, rd, NULL, &va, &size), ==, 0);
    g_assert_cmphex(va, ==, kimg);
    /* MMU off: nothing to find */
    r.sctlr = 0;
    g_assert_cmpint(arm64_find_image(&r, kernel_table, IMG, IMG_END, rd, NULL, &va, &size), ==, -EINVAL);
}

/* the linear map: the non-executable kernel-only mappings of RAM in the lower part of the kernel
 * half, by the offset covering most bytes */
static void test_find_linear(void)
{
    const uint64_t linear = 0xffff000000000000ULL + 0x40000000; /* VA of RAM (randomized) */
    const uint64_t kimg = 0xffff800008000000ULL;
    struct arm64_mmu_regs r = regs();
    uint64_t va = 0;

    memset(ram, 0, sizeof(ram));
    next_table = RAM + 0x600000;
    r.ttbr1 = new_table();
    g_assert_cmpint(arm64_find_linear_map(&r, 0, RAM, RAM + RAM_SIZE, rd, NULL, &va), ==, -ENOENT);
    /* the kernel image (upper part) and an executable alias in the lower part: neither counts */
    map_range(r.ttbr1, kimg, IMG, 0x100000, UXN | RO);
    map_range(r.ttbr1, 0xffff000000000000ULL + 0x100000, IMG, 0x100000, UXN | RO);
    g_assert_cmpint(arm64_find_linear_map(&r, 0, RAM, RAM + RAM_SIZE, rd, NULL, &va), ==, -ENOENT);
    /* RAM from 1 MiB on at the linear offset (its first MiB unmapped), read-only parts too; a
     * smaller data mapping at another offset loses */
    map_range(r.ttbr1, linear + 0x100000, RAM + 0x100000, 0x100000, PXN | UXN);
    map_range(r.ttbr1, linear + 0x200000, RAM + 0x200000, 0x80000, PXN | UXN | RO);
    map_range(r.ttbr1, 0xffff000000000000ULL + 0x10000000, RAM + 0x300000, 0x10000, PXN | UXN);
    g_assert_cmpint(arm64_find_linear_map(&r, 0, RAM, RAM + RAM_SIZE, rd, NULL, &va), ==, 0);
    g_assert_cmphex(va, ==, linear);
    /* only RAM counts: the same offset outside [start, end) does not */
    g_assert_cmpint(arm64_find_linear_map(&r, 0, RAM + 0x300000, RAM + 0x400000, rd, NULL, &va), ==, 0);
    g_assert_cmphex(va, ==, 0xffff000000000000ULL + 0x10000000);
    r.sctlr = 0;
    g_assert_cmpint(arm64_find_linear_map(&r, 0, RAM, RAM + RAM_SIZE, rd, NULL, &va), ==, -EINVAL);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/mmu-enum/ranges", test_ranges);
    g_test_add_func("/mmu-enum/limits", test_limits);
    g_test_add_func("/mmu-enum/ttbr-beyond-ips", test_ttbr_beyond_ips);
    g_test_add_func("/mmu-enum/find-image", test_find_image);
    g_test_add_func("/mmu-enum/find-linear", test_find_linear);
    return g_test_run();
}
