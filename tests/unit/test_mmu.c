/* test_mmu.c - the stage-1 walker over page tables built in a buffer standing for guest RAM */
#include <brkvm/arm64_mmu.h>

#include <errno.h>
#include <glib.h>
#include <string.h>

#define RAM_BASE 0x80000000ULL
#define RAM_SIZE (4ULL << 20)

#define SCTLR_M 1ULL
#define SCTLR_WXN (1ULL << 19)
#define TCR_EPD0 (1ULL << 7)
#define TCR_EPD1 (1ULL << 23)
#define TCR_TBI0 (1ULL << 37)
#define TCR_TBI1 (1ULL << 38)
#define TCR_HPD0 (1ULL << 41)
#define TCR_DS (1ULL << 59)
#define IPS_32 0ULL
#define IPS_40 2ULL
#define IPS_48 5ULL
#define IPS_52 6ULL

#define AF (1ULL << 10)
#define AP_EL0 (1ULL << 6) /* AP[1] */
#define AP_RO (1ULL << 7)  /* AP[2] */
#define PXN (1ULL << 53)
#define UXN (1ULL << 54)
#define PXN_TABLE (1ULL << 59)
#define UXN_TABLE (1ULL << 60)
#define AP_TABLE_NO_EL0 (1ULL << 61)
#define AP_TABLE_RO (1ULL << 62)

/* Guest RAM: a buffer at a guest-physical base, with a bump allocator for tables. */
struct ram {
    uint8_t *buf;
    uint64_t base, size, next;
    unsigned reads;
};

static void ram_init(struct ram *m, uint64_t base, uint64_t size)
{
    m->buf = g_malloc0(size);
    m->base = base;
    m->size = size;
    m->next = base;
    m->reads = 0;
}

static void ram_free(struct ram *m) { g_free(m->buf); }

static int ram_read(void *opaque, uint64_t pa, uint64_t *val)
{
    struct ram *m = opaque;
    uint64_t v = 0;

    g_assert_cmpuint(pa & 7, ==, 0);
    m->reads++;
    if (pa < m->base || pa - m->base > m->size - 8)
        return -EFAULT;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | m->buf[pa - m->base + (unsigned)i];
    *val = v;
    return 0;
}

static uint64_t ram_get(struct ram *m, uint64_t pa)
{
    uint64_t v;
    g_assert_cmpint(ram_read(m, pa, &v), ==, 0);
    return v;
}

static void ram_put(struct ram *m, uint64_t pa, uint64_t v)
{
    g_assert_cmpuint(pa, >=, m->base);
    g_assert_cmpuint(pa - m->base, <=, m->size - 8);
    for (unsigned i = 0; i < 8; i++)
        m->buf[pa - m->base + i] = (uint8_t)(v >> (8 * i));
}

/* a zeroed table of `size` bytes aligned to size */
static uint64_t ram_alloc(struct ram *m, uint64_t size)
{
    uint64_t pa = (m->next + size - 1) & ~(size - 1);
    g_assert_cmpuint(pa + size - m->base, <=, m->size);
    m->next = pa + size;
    return pa;
}

/* The level a walk starts at, counted the long way: levels of (g - 3) bits above the page. */
static int first_level(unsigned g, unsigned va_bits)
{
    int level = 3;
    for (unsigned covered = g + (g - 3); covered < va_bits; covered += g - 3)
        level--;
    return level;
}

static unsigned level_shift(unsigned g, int level) { return g + (g - 3) * (unsigned)(3 - level); }

/*
 * Enter leaf (a block or page descriptor) for va at leaf_level in the tree at root, creating
 * tables on the way (table descriptors get table_attrs).  slots[level] receives the PA of the
 * entry used at each level.  Returns the PA of the leaf entry.
 */
static uint64_t map_attrs(struct ram *m, uint64_t root, unsigned g, unsigned va_bits, uint64_t va,
                          int leaf_level, uint64_t leaf, uint64_t table_attrs, uint64_t *slots)
{
    int start = first_level(g, va_bits);
    uint64_t table = root;

    g_assert_cmpint(leaf_level, >=, start);
    for (int level = start;; level++) {
        unsigned sh = level_shift(g, level);
        unsigned width = level == start ? va_bits - sh : g - 3;
        uint64_t slot = table + ((va >> sh) & ((1ULL << width) - 1)) * 8;
        uint64_t d;

        if (slots)
            slots[level] = slot;
        if (level == leaf_level) {
            ram_put(m, slot, leaf);
            return slot;
        }
        d = ram_get(m, slot);
        if (!(d & 1)) {
            d = ram_alloc(m, 1ULL << g) | 3 | table_attrs;
            ram_put(m, slot, d);
        }
        table = d & 0x0000fffffffff000ULL & ~((1ULL << g) - 1);
    }
}

static uint64_t map(struct ram *m, uint64_t root, unsigned g, unsigned va_bits, uint64_t va,
                    int leaf_level, uint64_t leaf, uint64_t *slots)
{
    return map_attrs(m, root, g, va_bits, va, leaf_level, leaf, 0, slots);
}

static uint64_t page(uint64_t pa) { return pa | 3 | AF; }
static uint64_t block(uint64_t pa) { return pa | 1 | AF; }

static uint64_t tg0(unsigned g) { return (g == 12 ? 0ULL : g == 16 ? 1ULL : 2ULL) << 14; }
static uint64_t tg1(unsigned g) { return (g == 14 ? 1ULL : g == 12 ? 2ULL : 3ULL) << 30; }

/* the same granule and VA size for both halves */
static uint64_t mk_tcr(unsigned g, unsigned va_bits, uint64_t ips)
{
    return (64ULL - va_bits) | tg0(g) | (64ULL - va_bits) << 16 | tg1(g) | ips << 32;
}

static uint64_t low_mask(unsigned n) { return n >= 64 ? ~0ULL : (1ULL << n) - 1; }

/* a VA with varied bits at every level: the lower half, or the upper half when `upper` */
static uint64_t test_va(unsigned va_bits, bool upper)
{
    uint64_t v = 0x5a5a3c3c96961234ULL & low_mask(va_bits);
    return upper ? v | ~low_mask(va_bits) : v;
}

struct fixture {
    struct ram ram;
    struct arm64_mmu_regs r;
    uint64_t root0, root1;
    unsigned g, va_bits;
};

static void fx_init(struct fixture *f, unsigned g, unsigned va_bits, uint64_t ips)
{
    ram_init(&f->ram, RAM_BASE, RAM_SIZE);
    f->g = g;
    f->va_bits = va_bits;
    f->root0 = ram_alloc(&f->ram, 1ULL << g);
    f->root1 = ram_alloc(&f->ram, 1ULL << g);
    f->r = (struct arm64_mmu_regs){.sctlr = SCTLR_M, .tcr = mk_tcr(g, va_bits, ips),
                                   .ttbr0 = f->root0, .ttbr1 = f->root1};
}

static uint64_t fx_map(struct fixture *f, uint64_t va, int level, uint64_t leaf, uint64_t *slots)
{
    uint64_t root = (va >> 55) & 1 ? f->root1 : f->root0;
    return map(&f->ram, root, f->g, f->va_bits, va, level, leaf, slots);
}

static int fx_translate(struct fixture *f, uint64_t va, struct arm64_walk *w)
{
    f->ram.reads = 0;
    return arm64_translate(&f->r, va, ram_read, &f->ram, w);
}

static void expect_fault(int ret, const struct arm64_walk *w, enum arm64_fault fault, int level)
{
    g_assert_cmpint(ret, ==, -EFAULT);
    g_assert_cmpint(w->fault, ==, fault);
    g_assert_cmpint(w->fault_level, ==, level);
}

/* Page mappings for every granule and VA size, both halves: the walk length is the level count. */
static void test_pages(void)
{
    static const struct { unsigned g, va_bits; int start; } cases[] = {
        {12, 39, 1}, {12, 42, 0}, {12, 47, 0}, {12, 48, 0}, {12, 25, 2},
        {14, 36, 2}, {14, 39, 1}, {14, 42, 1}, {14, 47, 1}, {14, 48, 0},
        {16, 39, 2}, {16, 42, 2}, {16, 47, 1}, {16, 48, 1},
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(cases); i++) {
        for (int upper = 0; upper <= 1; upper++) {
            struct fixture f;
            struct arm64_walk w;
            unsigned g = cases[i].g;
            uint64_t gran = 1ULL << g;
            uint64_t va = test_va(cases[i].va_bits, upper);
            uint64_t va2 = va ^ gran; /* the neighbouring page, same last-level table */
            uint64_t oa = 0x123456780000ULL, oa2 = 0x0000a5a500000000ULL;

            g_test_message("granule %u, %u-bit VA, %s", 1U << (g - 10), cases[i].va_bits,
                           upper ? "TTBR1" : "TTBR0");
            g_assert_cmpint(first_level(g, cases[i].va_bits), ==, cases[i].start);
            fx_init(&f, g, cases[i].va_bits, IPS_48);
            fx_map(&f, va, 3, page(oa), NULL);
            fx_map(&f, va2, 3, page(oa2), NULL);

            g_assert_cmpint(fx_translate(&f, va, &w), ==, 0);
            g_assert_cmpuint(w.pa, ==, oa | (va & (gran - 1)));
            g_assert_cmpuint(w.page_size, ==, gran);
            g_assert_cmpint(w.level, ==, 3);
            g_assert_cmpuint(w.desc, ==, page(oa));
            g_assert_cmpint(w.fault, ==, ARM64_FAULT_NONE);
            g_assert_true(w.af);
            g_assert_cmpuint(f.ram.reads, ==, 4 - cases[i].start);

            g_assert_cmpint(fx_translate(&f, va2, &w), ==, 0);
            g_assert_cmpuint(w.pa, ==, oa2 | (va2 & (gran - 1)));
            /* the first and last byte of the page */
            g_assert_cmpint(fx_translate(&f, va & ~(gran - 1), &w), ==, 0);
            g_assert_cmpuint(w.pa, ==, oa);
            g_assert_cmpint(fx_translate(&f, va | (gran - 1), &w), ==, 0);
            g_assert_cmpuint(w.pa, ==, oa | (gran - 1));
            /* the other half has nothing mapped: an invalid descriptor at the first level */
            expect_fault(fx_translate(&f, test_va(cases[i].va_bits, !upper), &w), &w,
                         ARM64_FAULT_TRANSLATION, cases[i].start);
            ram_free(&f.ram);
        }
    }
}

/* Block mappings at every level that allows them. */
static void test_blocks(void)
{
    static const struct { unsigned g, va_bits; uint64_t ips; int level; uint64_t size; } cases[] = {
        {12, 48, IPS_48, 1, 1ULL << 30}, {12, 48, IPS_48, 2, 2ULL << 20},
        {12, 39, IPS_48, 1, 1ULL << 30}, {12, 39, IPS_48, 2, 2ULL << 20},
        {14, 47, IPS_48, 2, 32ULL << 20}, {14, 48, IPS_48, 2, 32ULL << 20},
        {16, 42, IPS_48, 2, 512ULL << 20}, {16, 48, IPS_48, 2, 512ULL << 20},
        {16, 48, IPS_52, 1, 4ULL << 40}, /* FEAT_LPA: 4 TiB blocks with a 52-bit OA */
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(cases); i++) {
        for (int upper = 0; upper <= 1; upper++) {
            struct fixture f;
            struct arm64_walk w;
            uint64_t size = cases[i].size;
            uint64_t va = test_va(cases[i].va_bits, upper);
            uint64_t oa = 0x0000c00000000000ULL; /* aligned to every block size */

            g_test_message("granule %u, %u-bit VA, level %d, %s", 1U << (cases[i].g - 10),
                           cases[i].va_bits, cases[i].level, upper ? "TTBR1" : "TTBR0");
            fx_init(&f, cases[i].g, cases[i].va_bits, cases[i].ips);
            fx_map(&f, va, cases[i].level, block(oa), NULL);
            g_assert_cmpint(fx_translate(&f, va, &w), ==, 0);
            g_assert_cmpuint(w.pa, ==, oa | (va & (size - 1)));
            g_assert_cmpuint(w.page_size, ==, size);
            g_assert_cmpint(w.level, ==, cases[i].level);
            g_assert_cmpuint(w.desc, ==, block(oa));
            ram_free(&f.ram);
        }
    }
}

/* The Linux layout: 4K pages, 48-bit VAs, the kernel image at 0xffff800008000000. */
static void test_linux_kernel_va(void)
{
    struct fixture f;
    struct arm64_walk w;
    const uint64_t kva = 0xffff800008000000ULL;

    fx_init(&f, 12, 48, IPS_48);
    fx_map(&f, kva, 2, block(0x40200000ULL), NULL);                 /* 2M block */
    fx_map(&f, kva + (2ULL << 20), 3, page(0x40600000ULL), NULL);   /* then pages */
    fx_map(&f, 0x0000aaaabbbbc000ULL, 3, page(0x41000000ULL), NULL); /* a user page */

    g_assert_cmpint(fx_translate(&f, kva + 0x12345, &w), ==, 0);
    g_assert_cmpuint(w.pa, ==, 0x40212345ULL);
    g_assert_cmpuint(w.page_size, ==, 2ULL << 20);
    g_assert_cmpint(fx_translate(&f, kva + (2ULL << 20) + 0xabc, &w), ==, 0);
    g_assert_cmpuint(w.pa, ==, 0x40600abcULL);
    g_assert_cmpuint(w.page_size, ==, 4096);
    g_assert_cmpint(fx_translate(&f, 0x0000aaaabbbbcdefULL, &w), ==, 0);
    g_assert_cmpuint(w.pa, ==, 0x41000defULL);
    /* the next page of the kernel's page table is empty */
    expect_fault(fx_translate(&f, kva + (2ULL << 20) + 4096, &w), &w, ARM64_FAULT_TRANSLATION, 3);
    g_assert_cmpuint(w.fault_desc, ==, 0);
    ram_free(&f.ram);
}

/* Different granules and VA sizes in the two halves: each half uses its own TCR fields. */
static void test_mixed_halves(void)
{
    struct ram m;
    struct arm64_walk w;
    uint64_t root0, root1, va0 = 0x0000001234567abcULL, va1 = 0xfffffc0012345678ULL;
    struct arm64_mmu_regs r;

    ram_init(&m, RAM_BASE, RAM_SIZE);
    root0 = ram_alloc(&m, 4096);
    root1 = ram_alloc(&m, 65536);
    map(&m, root0, 12, 39, va0, 3, page(0x50000000ULL), NULL);
    map(&m, root1, 16, 42, va1, 3, page(0x60000000ULL), NULL);
    r = (struct arm64_mmu_regs){.sctlr = SCTLR_M,
                                .tcr = 25 | tg0(12) | 22ULL << 16 | tg1(16) | IPS_48 << 32,
                                .ttbr0 = root0, .ttbr1 = root1};
    g_assert_cmpint(arm64_translate(&r, va0, ram_read, &m, &w), ==, 0);
    g_assert_cmpuint(w.pa, ==, 0x50000abcULL);
    g_assert_cmpuint(w.page_size, ==, 4096);
    g_assert_cmpint(arm64_translate(&r, va1, ram_read, &m, &w), ==, 0);
    g_assert_cmpuint(w.pa, ==, 0x60005678ULL);
    g_assert_cmpuint(w.page_size, ==, 65536);
    ram_free(&m);
}

/* An invalid descriptor at each level of a 4-level and a 3-level walk. */
static void test_invalid_each_level(void)
{
    static const struct { unsigned g, va_bits; int start; } cfgs[] = {
        {12, 48, 0}, {12, 39, 1}, {14, 47, 1}, {16, 42, 2},
    };
    /* invalid encodings: bit 0 clear, with or without other bits */
    static const uint64_t bad[] = {0, 2, 0x0000000080001002ULL | AF};

    for (unsigned c = 0; c < G_N_ELEMENTS(cfgs); c++) {
        for (int level = cfgs[c].start; level <= 3; level++) {
            for (unsigned b = 0; b < G_N_ELEMENTS(bad); b++) {
                struct fixture f;
                struct arm64_walk w;
                uint64_t slots[4], va = test_va(cfgs[c].va_bits, level & 1);

                g_test_message("granule %u, %u-bit VA, invalid at level %d",
                               1U << (cfgs[c].g - 10), cfgs[c].va_bits, level);
                fx_init(&f, cfgs[c].g, cfgs[c].va_bits, IPS_48);
                fx_map(&f, va, 3, page(0x40000000ULL), slots);
                ram_put(&f.ram, slots[level], bad[b]);
                expect_fault(fx_translate(&f, va, &w), &w, ARM64_FAULT_TRANSLATION, level);
                g_assert_cmpuint(w.fault_desc, ==, bad[b]);
                g_assert_cmpuint(f.ram.reads, ==, level - cfgs[c].start + 1);
                ram_free(&f.ram);
            }
        }
    }
}

/* Blocks where the granule does not allow them, and the reserved 0b01 encoding at level 3. */
static void test_illegal_blocks(void)
{
    static const struct { unsigned g, va_bits; uint64_t ips; int level; } cases[] = {
        {12, 48, IPS_48, 0}, /* 512G blocks need FEAT_LPA2 */
        {12, 48, IPS_52, 0},
        {12, 48, IPS_48, 3}, /* level 3: 0b01 is reserved */
        {14, 48, IPS_48, 0},
        {14, 47, IPS_48, 1}, /* 64G blocks need FEAT_LPA2 */
        {14, 47, IPS_48, 3},
        {16, 48, IPS_48, 1}, /* 4T blocks need a 52-bit OA */
        {16, 42, IPS_48, 3},
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(cases); i++) {
        struct fixture f;
        struct arm64_walk w;
        uint64_t va = test_va(cases[i].va_bits, false);

        g_test_message("granule %u, block at level %d", 1U << (cases[i].g - 10), cases[i].level);
        fx_init(&f, cases[i].g, cases[i].va_bits, cases[i].ips);
        fx_map(&f, va, cases[i].level, block(0), NULL);
        expect_fault(fx_translate(&f, va, &w), &w, ARM64_FAULT_TRANSLATION, cases[i].level);
        g_assert_cmpuint(w.fault_desc, ==, block(0));
        ram_free(&f.ram);
    }
}

/* VAs outside the ranges of T0SZ/T1SZ: a translation fault at level 0, no memory read. */
static void test_va_range(void)
{
    static const struct { unsigned va_bits; uint64_t va; } cases[] = {
        {48, 0x0001000000000000ULL}, /* above 2^48 */
        {47, 0x0000800000000000ULL}, /* bit 47 set in the lower half of a 47-bit VA */
        {48, 0x8000000000000000ULL}, /* not canonical (bit 55 = 0 selects TTBR0) */
        {48, 0x00ff800000000000ULL}, /* TTBR1 half, but the top byte is not all ones */
        {48, 0xfffeffffffffffffULL}, /* just below the TTBR1 range */
        {47, 0xffff7fffffffffffULL},
        {48, 0x7fff800000000000ULL},
        {39, 0x0000008000000000ULL}, /* 2^39 */
        {39, 0x0000ffffffff0000ULL},
        {39, 0xffffff7fffffffffULL},
        {39, 0xffff800008000000ULL}, /* a 48-bit kernel address in a 39-bit configuration */
        {42, 0x0000040000000000ULL},
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(cases); i++) {
        struct fixture f;
        struct arm64_walk w;

        g_test_message("%u-bit VA, 0x%016" G_GINT64_MODIFIER "x", cases[i].va_bits, cases[i].va);
        fx_init(&f, 12, cases[i].va_bits, IPS_48);
        expect_fault(fx_translate(&f, cases[i].va, &w), &w, ARM64_FAULT_TRANSLATION, 0);
        g_assert_cmpuint(f.ram.reads, ==, 0);
        ram_free(&f.ram);
    }
}

/* The largest and smallest VA of each half still translate. */
static void test_va_range_edges(void)
{
    static const unsigned sizes[] = {39, 42, 47, 48};
    for (unsigned i = 0; i < G_N_ELEMENTS(sizes); i++) {
        struct fixture f;
        struct arm64_walk w;
        uint64_t top0 = low_mask(sizes[i]), bot1 = ~low_mask(sizes[i]);

        fx_init(&f, 12, sizes[i], IPS_48);
        fx_map(&f, top0, 3, page(0x40000000ULL), NULL);
        fx_map(&f, bot1, 3, page(0x50000000ULL), NULL);
        fx_map(&f, ~0ULL, 3, page(0x60000000ULL), NULL);
        g_assert_cmpint(fx_translate(&f, top0, &w), ==, 0);
        g_assert_cmpuint(w.pa, ==, 0x40000fffULL);
        g_assert_cmpint(fx_translate(&f, bot1, &w), ==, 0);
        g_assert_cmpuint(w.pa, ==, 0x50000000ULL);
        g_assert_cmpint(fx_translate(&f, ~0ULL, &w), ==, 0);
        g_assert_cmpuint(w.pa, ==, 0x60000fffULL);
        expect_fault(fx_translate(&f, top0 + 1, &w), &w, ARM64_FAULT_TRANSLATION, 0);
        expect_fault(fx_translate(&f, bot1 - 1, &w), &w, ARM64_FAULT_TRANSLATION, 0);
        ram_free(&f.ram);
    }
}

/* EPD0/EPD1 disable walks from one TTBR only. */
static void test_epd(void)
{
    struct fixture f;
    struct arm64_walk w;
    const uint64_t uva = 0x400000ULL, kva = 0xffff800008000000ULL;

    fx_init(&f, 12, 48, IPS_48);
    fx_map(&f, uva, 3, page(0x40000000ULL), NULL);
    fx_map(&f, kva, 3, page(0x50000000ULL), NULL);
    g_assert_cmpint(fx_translate(&f, uva, &w), ==, 0);
    g_assert_cmpint(fx_translate(&f, kva, &w), ==, 0);

    f.r.tcr |= TCR_EPD0;
    expect_fault(fx_translate(&f, uva, &w), &w, ARM64_FAULT_TRANSLATION, 0);
    g_assert_cmpuint(f.ram.reads, ==, 0);
    g_assert_cmpint(fx_translate(&f, kva, &w), ==, 0);
    g_assert_cmpuint(w.pa, ==, 0x50000000ULL);

    f.r.tcr ^= TCR_EPD0 | TCR_EPD1;
    g_assert_cmpint(fx_translate(&f, uva, &w), ==, 0);
    g_assert_cmpuint(w.pa, ==, 0x40000000ULL);
    expect_fault(fx_translate(&f, kva, &w), &w, ARM64_FAULT_TRANSLATION, 0);
    ram_free(&f.ram);
}

/* Descriptors (or the TTBR) pointing outside RAM: the read callback fails. */
static void test_read_errors(void)
{
    struct fixture f;
    struct arm64_walk w;
    uint64_t slots[4], va = 0x0000123456789000ULL;

    fx_init(&f, 12, 48, IPS_48);
    fx_map(&f, va, 3, page(0x40000000ULL), slots);
    for (int level = 0; level < 3; level++) {
        uint64_t saved = ram_get(&f.ram, slots[level]);
        ram_put(&f.ram, slots[level], 0x10000000ULL | 3); /* a table below RAM */
        expect_fault(fx_translate(&f, va, &w), &w, ARM64_FAULT_WALK_READ, level + 1);
        ram_put(&f.ram, slots[level], (RAM_BASE + RAM_SIZE) | 3); /* just past RAM */
        expect_fault(fx_translate(&f, va, &w), &w, ARM64_FAULT_WALK_READ, level + 1);
        ram_put(&f.ram, slots[level], saved);
    }
    g_assert_cmpint(fx_translate(&f, va, &w), ==, 0);
    f.r.ttbr0 = 0x1000;
    expect_fault(fx_translate(&f, va, &w), &w, ARM64_FAULT_WALK_READ, 0);
    ram_free(&f.ram);
}

/* TCR.IPS limits table and output addresses: an address-size fault at the descriptor's level. */
static void test_ips(void)
{
    struct fixture f;
    struct arm64_walk w;
    uint64_t slots[4], va = 0x0000123456789000ULL;

    fx_init(&f, 12, 48, IPS_32); /* RAM at 2 GiB is below 4 GiB */
    fx_map(&f, va, 3, page(0xfffff000ULL), slots);
    g_assert_cmpint(fx_translate(&f, va, &w), ==, 0);
    g_assert_cmpuint(w.pa, ==, 0xfffff000ULL);

    ram_put(&f.ram, slots[3], page(0x100000000ULL));
    expect_fault(fx_translate(&f, va, &w), &w, ARM64_FAULT_ADDR_SIZE, 3);
    g_assert_cmpuint(w.fault_desc, ==, page(0x100000000ULL));
    f.r.tcr = (f.r.tcr & ~(7ULL << 32)) | IPS_40 << 32;
    g_assert_cmpint(fx_translate(&f, va, &w), ==, 0);
    g_assert_cmpuint(w.pa, ==, 0x100000000ULL);
    ram_put(&f.ram, slots[3], page(0x10000000000ULL)); /* 2^40 */
    expect_fault(fx_translate(&f, va, &w), &w, ARM64_FAULT_ADDR_SIZE, 3);
    ram_put(&f.ram, slots[3], page(0xfffffff000ULL));
    g_assert_cmpint(fx_translate(&f, va, &w), ==, 0);

    /* a 1G block beyond 4 GiB, and a table beyond 4 GiB */
    f.r.tcr = (f.r.tcr & ~(7ULL << 32)) | IPS_32 << 32;
    ram_put(&f.ram, slots[1], block(0x100000000ULL));
    expect_fault(fx_translate(&f, va, &w), &w, ARM64_FAULT_ADDR_SIZE, 1);
    ram_put(&f.ram, slots[1], 0x100000000ULL | 3);
    expect_fault(fx_translate(&f, va, &w), &w, ARM64_FAULT_ADDR_SIZE, 1);

    /* a TTBR beyond 4 GiB: reported at level 0 before any read */
    f.r.ttbr0 = 0x100000000ULL;
    expect_fault(fx_translate(&f, va, &w), &w, ARM64_FAULT_ADDR_SIZE, 0);
    g_assert_cmpuint(f.ram.reads, ==, 0);

    /* IPS = 52 bits without the 64K granule (and TCR.DS = 0) still means 48 bits */
    ram_free(&f.ram);
    fx_init(&f, 12, 48, IPS_52);
    fx_map(&f, va, 3, page(0x0000fffffffff000ULL), slots);
    g_assert_cmpint(fx_translate(&f, va, &w), ==, 0);
    g_assert_cmpuint(w.pa, ==, 0x0000fffffffff000ULL);
    ram_free(&f.ram);
}

/* 64K granule with a 52-bit OA (FEAT_LPA): OA[51:48] in descriptor bits [15:12] and TTBR[5:2]. */
static void test_lpa_64k(void)
{
    struct ram m;
    struct arm64_walk w;
    struct arm64_mmu_regs r;
    const uint64_t base = 0x000a000000000000ULL; /* RAM above 2^48 */
    uint64_t root, va = 0x0000123456789abcULL;

    ram_init(&m, base, 1ULL << 20);
    root = ram_alloc(&m, 65536);
    r = (struct arm64_mmu_regs){.sctlr = SCTLR_M, .tcr = mk_tcr(16, 48, IPS_52),
                                /* BADDR[51:48] = 0xa in TTBR[5:2], BADDR[47:6] = 0 */
                                .ttbr0 = (root & 0x0000ffffffffffffULL) | (0xaULL << 2)};
    /* the builder keeps only bits [47:16] of table descriptors: give it real tables by hand */
    {
        uint64_t l2 = ram_alloc(&m, 65536), l3 = ram_alloc(&m, 65536);
        uint64_t i1 = (va >> 42) & 0x3f, i2 = (va >> 29) & 0x1fff, i3 = (va >> 16) & 0x1fff;
        ram_put(&m, root + i1 * 8, (l2 & 0x0000ffffffff0000ULL) | 0xa000 | 3);
        ram_put(&m, l2 + i2 * 8, (l3 & 0x0000ffffffff0000ULL) | 0xa000 | 3);
        ram_put(&m, l3 + i3 * 8, 0x0000001234560000ULL | 0xf000 | 3 | AF);
    }
    g_assert_cmpint(arm64_translate(&r, va, ram_read, &m, &w), ==, 0);
    g_assert_cmpuint(w.pa, ==, 0x000f001234569abcULL);
    g_assert_cmpuint(w.page_size, ==, 65536);

    /* with IPS = 48 the same TTBR points below 2^48: no RAM there */
    r.tcr = mk_tcr(16, 48, IPS_48);
    g_assert_cmpint(arm64_translate(&r, va, ram_read, &m, &w), ==, -EFAULT);
    g_assert_cmpint(w.fault, ==, ARM64_FAULT_WALK_READ);
    ram_free(&m);
}

/* TTBR fields that are not the base address: ASID [63:48], CnP [0], RES0 bits below the
 * table's alignment (for a 2-entry level-0 table with 16K pages, that is 64 bytes). */
static void test_ttbr_fields(void)
{
    static const struct { unsigned g, va_bits; uint64_t junk; } cases[] = {
        {12, 48, 0xabcd000000000fffULL}, {14, 48, 0x123400000000003fULL},
        {16, 42, 0xffff000000000001ULL}, {14, 47, 0x0001000000003fffULL},
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(cases); i++) {
        struct fixture f;
        struct arm64_walk w;
        uint64_t va = test_va(cases[i].va_bits, true);

        fx_init(&f, cases[i].g, cases[i].va_bits, IPS_48);
        fx_map(&f, va, 3, page(0x40000000ULL), NULL);
        f.r.ttbr1 |= cases[i].junk;
        g_assert_cmpint(fx_translate(&f, va, &w), ==, 0);
        g_assert_cmpuint(w.pa, ==, 0x40000000ULL | (va & ((1ULL << cases[i].g) - 1)));
        ram_free(&f.ram);
    }
}

/* Top byte ignore: TBI0/TBI1 per half, bit 55 still selects the half. */
static void test_tbi(void)
{
    struct fixture f;
    struct arm64_walk w;
    const uint64_t uva = 0x0000000012345678ULL, kva = 0xffff800008000000ULL;

    fx_init(&f, 12, 48, IPS_48);
    fx_map(&f, uva, 3, page(0x40000000ULL), NULL);
    fx_map(&f, kva, 3, page(0x50000000ULL), NULL);

    expect_fault(fx_translate(&f, 0xab00000012345678ULL, &w), &w, ARM64_FAULT_TRANSLATION, 0);
    expect_fault(fx_translate(&f, 0x12ff800008000000ULL, &w), &w, ARM64_FAULT_TRANSLATION, 0);

    f.r.tcr |= TCR_TBI0;
    g_assert_cmpint(fx_translate(&f, 0xab00000012345678ULL, &w), ==, 0);
    g_assert_cmpuint(w.pa, ==, 0x40000678ULL);
    g_assert_cmpint(fx_translate(&f, 0xff00000012345678ULL, &w), ==, 0);
    g_assert_cmpuint(w.pa, ==, 0x40000678ULL);
    /* TBI0 does not cover the upper half */
    expect_fault(fx_translate(&f, 0x12ff800008000000ULL, &w), &w, ARM64_FAULT_TRANSLATION, 0);
    /* bits [55:48] are still checked */
    expect_fault(fx_translate(&f, 0xab01000012345678ULL, &w), &w, ARM64_FAULT_TRANSLATION, 0);

    f.r.tcr |= TCR_TBI1;
    g_assert_cmpint(fx_translate(&f, 0x12ff800008000abcULL, &w), ==, 0);
    g_assert_cmpuint(w.pa, ==, 0x50000abcULL);
    g_assert_cmpint(fx_translate(&f, 0x00ff800008000abcULL, &w), ==, 0);
    g_assert_cmpuint(w.pa, ==, 0x50000abcULL);
    expect_fault(fx_translate(&f, 0x12fe800008000000ULL, &w), &w, ARM64_FAULT_TRANSLATION, 0);
    ram_free(&f.ram);
}

/* SCTLR_EL1.M = 0: a flat mapping, whatever the tables say. */
static void test_mmu_off(void)
{
    struct fixture f;
    struct arm64_walk w;

    fx_init(&f, 12, 48, IPS_48);
    f.r.sctlr = 0;
    g_assert_cmpint(fx_translate(&f, 0x80001234ULL, &w), ==, 0);
    g_assert_cmpuint(w.pa, ==, 0x80001234ULL);
    g_assert_cmpint(w.level, ==, -1);
    g_assert_cmpuint(w.page_size, ==, 4096);
    g_assert_true(w.writable && w.exec_el1);
    g_assert_cmpuint(f.ram.reads, ==, 0);
    g_assert_cmpint(fx_translate(&f, 0x000fffffffffffffULL, &w), ==, 0);
    g_assert_cmpuint(w.pa, ==, 0x000fffffffffffffULL);
    /* beyond the largest PA size */
    expect_fault(fx_translate(&f, 0x0010000000000000ULL, &w), &w, ARM64_FAULT_ADDR_SIZE, 0);
    expect_fault(fx_translate(&f, 0xffff800008000000ULL, &w), &w, ARM64_FAULT_ADDR_SIZE, 0);
    f.r.tcr |= TCR_TBI0;
    g_assert_cmpint(fx_translate(&f, 0x5a00000080001234ULL, &w), ==, 0);
    g_assert_cmpuint(w.pa, ==, 0x80001234ULL);
    /* EPD and a reserved TCR do not matter with the MMU off */
    f.r.tcr |= TCR_EPD0 | 3ULL << 14;
    g_assert_cmpint(fx_translate(&f, 0x1000, &w), ==, 0);
    g_assert_cmpuint(w.pa, ==, 0x1000);
    ram_free(&f.ram);
}

/* Configurations the walker refuses rather than guesses. */
static void test_unsupported(void)
{
    static const struct { uint64_t tcr; uint64_t va; } cases[] = {
        {15 | 2ULL << 30 | 16ULL << 16 | IPS_48 << 32, 0x1000},            /* T0SZ < 16 */
        {16 | 2ULL << 30 | 12ULL << 16 | IPS_48 << 32, 0xfff0000000000000ULL}, /* T1SZ < 16 */
        {16 | 3ULL << 14 | 2ULL << 30 | 16ULL << 16 | IPS_48 << 32, 0x1000}, /* TG0 reserved */
        {16 | 0ULL << 30 | 16ULL << 16 | IPS_48 << 32, 0xffff000000001000ULL}, /* TG1 reserved */
        {16 | 2ULL << 30 | 16ULL << 16 | 7ULL << 32, 0x1000},             /* IPS reserved */
        {16 | 2ULL << 30 | 16ULL << 16 | IPS_48 << 32 | TCR_DS, 0x1000},   /* FEAT_LPA2 */
        {49 | 2ULL << 30 | 16ULL << 16 | IPS_48 << 32, 0x1000},            /* T0SZ > 48 */
        {48 | 1ULL << 14 | 2ULL << 30 | 16ULL << 16 | IPS_48 << 32, 0x1000}, /* 16-bit VA, 64K */
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(cases); i++) {
        struct fixture f;
        struct arm64_walk w;

        g_test_message("case %u", i);
        fx_init(&f, 12, 48, IPS_48);
        f.r.tcr = cases[i].tcr;
        g_assert_cmpint(fx_translate(&f, cases[i].va, &w), ==, -EINVAL);
        g_assert_cmpuint(f.ram.reads, ==, 0);
        ram_free(&f.ram);
    }
}

/* KPTI: the kernel half is only mapped by the TTBR1 the kernel runs with. */
static void test_with_ttbr(void)
{
    struct fixture f;
    struct arm64_walk w;
    const uint64_t kva = 0xffff800008000000ULL, tramp = 0xfffffffffe000000ULL;
    uint64_t kernel_root;

    fx_init(&f, 12, 48, IPS_48);
    kernel_root = ram_alloc(&f.ram, 4096);
    fx_map(&f, tramp, 3, page(0x41000000ULL), NULL); /* the trampoline, in the user TTBR1 */
    map(&f.ram, kernel_root, 12, 48, kva, 3, page(0x40000000ULL), NULL);
    f.r.ttbr1 |= 0x0001000000000000ULL; /* ASID 1, as while EL0 runs */

    expect_fault(fx_translate(&f, kva, &w), &w, ARM64_FAULT_TRANSLATION, 0);
    g_assert_cmpint(arm64_translate_with_ttbr(&f.r, kva, kernel_root, ram_read, &f.ram, &w), ==, 0);
    g_assert_cmpuint(w.pa, ==, 0x40000000ULL);
    g_assert_cmpint(fx_translate(&f, tramp + 0x10, &w), ==, 0);
    g_assert_cmpuint(w.pa, ==, 0x41000010ULL);

    /* the lower half too, and the range checks still apply */
    map(&f.ram, kernel_root, 12, 48, 0x2000, 3, page(0x42000000ULL), NULL);
    g_assert_cmpint(arm64_translate_with_ttbr(&f.r, 0x2008, kernel_root, ram_read, &f.ram, &w), ==,
                    0);
    g_assert_cmpuint(w.pa, ==, 0x42000008ULL);
    g_assert_cmpint(
        arm64_translate_with_ttbr(&f.r, 0x0001000000002000ULL, kernel_root, ram_read, &f.ram, &w),
        ==, -EFAULT);
    ram_free(&f.ram);
}

/* Permissions: AP[2:1], PXN/UXN, the table attributes (unless HPD), WXN, AF. */
static void test_permissions(void)
{
    static const struct {
        uint64_t leaf, table, tcr_extra, sctlr_extra;
        bool user, writable, exec_el1, exec_el0, af;
    } cases[] = {
        {AF, 0, 0, 0, false, true, true, true, true},                  /* AP = 00: EL1 RW */
        {AF | AP_EL0, 0, 0, 0, true, true, false, true, true},         /* 01: RW, implicit PXN */
        {AF | AP_RO, 0, 0, 0, false, false, true, true, true},         /* 10: EL1 RO */
        {AF | AP_RO | AP_EL0, 0, 0, 0, true, false, true, true, true}, /* 11: RO both */
        {AF | PXN, 0, 0, 0, false, true, false, true, true},
        {AF | UXN, 0, 0, 0, false, true, true, false, true},
        {AF | PXN | UXN | AP_RO, 0, 0, 0, false, false, false, false, true},
        {AF | AP_EL0 | AP_RO, AP_TABLE_NO_EL0, 0, 0, false, false, true, true, true},
        {AF | AP_EL0, AP_TABLE_RO, 0, 0, true, false, true, true, true},
        {AF, PXN_TABLE, 0, 0, false, true, false, true, true},
        {AF, UXN_TABLE, 0, 0, false, true, true, false, true},
        /* HPD0: table attributes ignored */
        {AF | AP_EL0, AP_TABLE_RO | AP_TABLE_NO_EL0 | PXN_TABLE | UXN_TABLE, TCR_HPD0, 0,
         true, true, false, true, true},
        /* WXN: writable means not executable */
        {AF, 0, 0, SCTLR_WXN, false, true, false, true, true},
        {AF | AP_EL0, 0, 0, SCTLR_WXN, true, true, false, false, true},
        {AF | AP_RO | AP_EL0, 0, 0, SCTLR_WXN, true, false, true, true, true},
        /* AF = 0: reported, not a fault */
        {0, 0, 0, 0, false, true, true, true, false},
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(cases); i++) {
        struct fixture f;
        struct arm64_walk w;
        const uint64_t va = 0x0000004000201000ULL;

        g_test_message("case %u", i);
        fx_init(&f, 12, 48, IPS_48);
        map_attrs(&f.ram, f.root0, 12, 48, va, 3, 0x40000000ULL | 3 | cases[i].leaf,
                  cases[i].table, NULL);
        f.r.tcr |= cases[i].tcr_extra;
        f.r.sctlr |= cases[i].sctlr_extra;
        g_assert_cmpint(fx_translate(&f, va, &w), ==, 0);
        g_assert_cmpuint(w.pa, ==, 0x40000000ULL);
        g_assert_cmpint(w.user, ==, cases[i].user);
        g_assert_cmpint(w.writable, ==, cases[i].writable);
        g_assert_cmpint(w.exec_el1, ==, cases[i].exec_el1);
        g_assert_cmpint(w.exec_el0, ==, cases[i].exec_el0);
        g_assert_cmpint(w.af, ==, cases[i].af);
        ram_free(&f.ram);
    }
}

/* The walker never writes guest memory (no AF or dirty updates). */
static void test_read_only(void)
{
    struct fixture f;
    struct arm64_walk w;
    uint8_t *copy;
    uint64_t va = 0x0000004000201000ULL;

    fx_init(&f, 12, 48, IPS_48);
    fx_map(&f, va, 3, 0x40000000ULL | 3 | (1ULL << 51) /* DBM */ | AP_RO, NULL);
    copy = g_malloc(RAM_SIZE);
    memcpy(copy, f.ram.buf, RAM_SIZE);
    g_assert_cmpint(fx_translate(&f, va, &w), ==, 0);
    g_assert_false(w.af);
    g_assert_cmpmem(copy, RAM_SIZE, f.ram.buf, RAM_SIZE);
    g_free(copy);
    ram_free(&f.ram);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/mmu/pages", test_pages);
    g_test_add_func("/mmu/blocks", test_blocks);
    g_test_add_func("/mmu/linux-kernel-va", test_linux_kernel_va);
    g_test_add_func("/mmu/mixed-halves", test_mixed_halves);
    g_test_add_func("/mmu/fault/invalid-each-level", test_invalid_each_level);
    g_test_add_func("/mmu/fault/illegal-blocks", test_illegal_blocks);
    g_test_add_func("/mmu/fault/va-range", test_va_range);
    g_test_add_func("/mmu/va-range-edges", test_va_range_edges);
    g_test_add_func("/mmu/fault/epd", test_epd);
    g_test_add_func("/mmu/fault/read-errors", test_read_errors);
    g_test_add_func("/mmu/fault/ips", test_ips);
    g_test_add_func("/mmu/lpa-64k", test_lpa_64k);
    g_test_add_func("/mmu/ttbr-fields", test_ttbr_fields);
    g_test_add_func("/mmu/tbi", test_tbi);
    g_test_add_func("/mmu/mmu-off", test_mmu_off);
    g_test_add_func("/mmu/unsupported", test_unsupported);
    g_test_add_func("/mmu/with-ttbr", test_with_ttbr);
    g_test_add_func("/mmu/permissions", test_permissions);
    g_test_add_func("/mmu/read-only", test_read_only);
    return g_test_run();
}
