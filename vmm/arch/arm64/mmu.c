/* mmu.c - AArch64 EL1&0 stage-1 translation table walk for the debugger (pure)
 *
 * Follows the Arm ARM (DDI 0487, chapter D8) pseudocode: AArch64.TranslateAddress ->
 * AArch64.S1Translate -> AArch64.S1Walk, with AArch64.GetVARange / AArch64.VAIsOutOfRange for the
 * TTBR selection, AArch64.S1StartLevel for the first lookup level, AArch64.TTBaseAddress for the
 * table base, AArch64.BlockDescSupported for blocks, AArch64.OAOutOfRange for address-size faults,
 * AArch64.S1DirectBasePermissions / AArch64.S1HierarchicalPermissions for the permissions and
 * AArch64.S1DisabledOutput for the MMU-off case.  It is a debugger's view: reads only, never
 * updates AF/DBM state and never faults on AF = 0 or on permissions.
 */
#include <brkvm/arm64_mmu.h>

#include <errno.h>
#include <string.h>

/* bits [hi:lo] set */
static inline uint64_t bits(unsigned hi, unsigned lo)
{
    return (~0ULL >> (63 - hi)) & ~((1ULL << lo) - 1);
}

static inline unsigned field(uint64_t v, unsigned hi, unsigned lo)
{
    return (unsigned)((v & bits(hi, lo)) >> lo);
}

#define SCTLR_M (1ULL << 0)
#define SCTLR_WXN (1ULL << 19)

#define TCR_EPD0 (1ULL << 7)
#define TCR_EPD1 (1ULL << 23)
#define TCR_TBI0 (1ULL << 37)
#define TCR_TBI1 (1ULL << 38)
#define TCR_HPD0 (1ULL << 41)
#define TCR_HPD1 (1ULL << 42)
#define TCR_DS (1ULL << 59)

#define DESC_VALID (1ULL << 0)
#define DESC_TABLE (1ULL << 1) /* table (levels 0-2) or page (level 3); 0 = block */
#define DESC_AP1 (1ULL << 6)   /* EL0 access */
#define DESC_AP2 (1ULL << 7)   /* read-only */
#define DESC_AF (1ULL << 10)
#define DESC_PXN (1ULL << 53)
#define DESC_UXN (1ULL << 54)
#define TABLE_PXN (1ULL << 59)
#define TABLE_UXN (1ULL << 60)
#define TABLE_AP0 (1ULL << 61) /* no EL0 access below */
#define TABLE_AP1 (1ULL << 62) /* no write access below */

/* Largest physical address size the architecture has (FEAT_LPA); the MMU-off limit. */
#define PA_BITS_MAX 52

/* One half of the address space, as configured by TCR_EL1 (AArch64.GetS1TTWParams). */
struct walk_params {
    unsigned va_bits;   /* 64 - TnSZ */
    unsigned gran_bits; /* 12, 14, 16 */
    unsigned pa_bits;   /* output address size from IPS */
    bool oa52;          /* 64K granule with a 52-bit OA: OA[51:48] in descriptor bits [15:12] */
    bool hpd;           /* hierarchical permissions disabled */
    bool epd;           /* walks from this TTBR disabled */
};

/* Output address size of TCR.IPS (AArch64.PAMax is not known here: IPS is trusted). */
static int ips_bits(unsigned ips)
{
    static const int map[8] = {32, 36, 40, 42, 44, 48, 52, -1};
    return map[ips & 7];
}

static int get_params(uint64_t tcr, bool upper, struct walk_params *p)
{
    unsigned tsz, tg;
    int pa;

    if (tcr & TCR_DS)
        return -EINVAL; /* FEAT_LPA2 descriptor format */
    if (upper) {
        tsz = field(tcr, 21, 16);
        tg = field(tcr, 31, 30); /* TG1: 01 = 16K, 10 = 4K, 11 = 64K */
        p->gran_bits = tg == 1 ? 14 : tg == 2 ? 12 : tg == 3 ? 16 : 0;
        p->hpd = tcr & TCR_HPD1;
        p->epd = tcr & TCR_EPD1;
    } else {
        tsz = field(tcr, 5, 0);
        tg = field(tcr, 15, 14); /* TG0: 00 = 4K, 01 = 64K, 10 = 16K */
        p->gran_bits = tg == 0 ? 12 : tg == 1 ? 16 : tg == 2 ? 14 : 0;
        p->hpd = tcr & TCR_HPD0;
        p->epd = tcr & TCR_EPD0;
    }
    if (!p->gran_bits)
        return -EINVAL; /* reserved granule encoding */
    if (tsz < 16 || tsz > 48)
        return -EINVAL; /* 52-bit VAs (FEAT_LVA) unsupported; > 48 is beyond FEAT_TTST */
    p->va_bits = 64 - tsz;
    if (p->va_bits <= p->gran_bits)
        return -EINVAL;
    pa = ips_bits(field(tcr, 34, 32));
    if (pa < 0)
        return -EINVAL;
    /* With TCR.DS = 0 only the 64K granule can express a 52-bit OA (FEAT_LPA). */
    p->oa52 = pa == 52 && p->gran_bits == 16;
    p->pa_bits = pa == 52 && !p->oa52 ? 48 : (unsigned)pa;
    return 0;
}

/* The output address field of a table/block/page descriptor whose OA is aligned to 2^lo. */
static uint64_t desc_oa(const struct walk_params *p, uint64_t desc, unsigned lo)
{
    uint64_t oa = desc & bits(47, lo);
    if (p->oa52)
        oa |= (uint64_t)field(desc, 15, 12) << 48;
    return oa;
}

/* AArch64.BlockDescSupported with TCR.DS = 0. */
static bool block_allowed(const struct walk_params *p, int level)
{
    if (level == 2)
        return true;
    if (level == 1)
        return p->gran_bits == 12 || (p->gran_bits == 16 && p->oa52);
    return false;
}

static int fault(struct arm64_walk *out, enum arm64_fault f, int level, uint64_t desc)
{
    out->fault = f;
    out->fault_level = level;
    out->fault_desc = desc;
    return -EFAULT;
}

/* AArch64.S1DisabledOutput: flat mapping, VA bits above the PA size must be zero. */
static int translate_off(uint64_t va, bool tbi, struct arm64_walk *out)
{
    unsigned top = tbi ? 55 : 63;

    if (va & bits(top, PA_BITS_MAX))
        return fault(out, ARM64_FAULT_ADDR_SIZE, 0, 0);
    out->pa = va & bits(PA_BITS_MAX - 1, 0);
    out->page_size = 4096;
    out->level = -1;
    out->desc = 0;
    out->user = out->writable = out->exec_el0 = out->exec_el1 = out->af = true;
    return 0;
}

static int walk(const struct arm64_mmu_regs *r, const struct walk_params *p, uint64_t va,
                uint64_t ttbr, arm64_read_phys_fn rd, void *opaque, struct arm64_walk *out)
{
    const unsigned stride = p->gran_bits - 3;
    /* AArch64.S1StartLevel: as many levels as it takes to resolve va_bits */
    const int levels = (int)((p->va_bits - p->gran_bits + stride - 1) / stride);
    const int start = 4 - levels;
    unsigned top_bits = p->va_bits - (p->gran_bits + stride * (unsigned)(levels - 1));
    uint64_t table, align;
    bool no_el0 = false, ro = false, pxn = false, uxn = false;

    /* AArch64.TTBaseAddress: BADDR[47:1], for a 52-bit OA BADDR[51:48] in TTBR[5:2]; aligned to
     * the size of the first table, and to at least 64 bytes.  ASID and CnP are ignored. */
    table = ttbr & bits(47, 1);
    if (p->oa52)
        table = (table & bits(47, 6)) | ((uint64_t)field(ttbr, 5, 2) << 48);
    align = 1ULL << (top_bits + 3);
    if (align < 64)
        align = 64;
    table &= ~(align - 1);
    out->trace_levels = 0;
    if (table >> p->pa_bits)
        return fault(out, ARM64_FAULT_ADDR_SIZE, 0, 0);

    for (int level = start; level <= 3; level++) {
        unsigned shift = p->gran_bits + stride * (unsigned)(3 - level);
        unsigned width = level == start ? top_bits : stride;
        uint64_t idx = (va >> shift) & ((1ULL << width) - 1);
        uint64_t desc, oa;

        if (rd(opaque, table + idx * 8, &desc))
            return fault(out, ARM64_FAULT_WALK_READ, level, 0);
        out->trace_levels |= 1U << level;
        out->trace_addr[level] = table + idx * 8;
        out->trace_desc[level] = desc;
        if (!(desc & DESC_VALID))
            return fault(out, ARM64_FAULT_TRANSLATION, level, desc);

        if (level < 3 && (desc & DESC_TABLE)) {
            table = desc_oa(p, desc, p->gran_bits);
            if (table >> p->pa_bits)
                return fault(out, ARM64_FAULT_ADDR_SIZE, level, desc);
            if (!p->hpd) { /* AArch64.S1HierarchicalPermissions */
                no_el0 |= desc & TABLE_AP0;
                ro |= desc & TABLE_AP1;
                pxn |= desc & TABLE_PXN;
                uxn |= desc & TABLE_UXN;
            }
            continue;
        }
        /* level 3 with bits[1:0] = 0b01 is reserved: a translation fault like an invalid one */
        if (level == 3 ? !(desc & DESC_TABLE) : !block_allowed(p, level))
            return fault(out, ARM64_FAULT_TRANSLATION, level, desc);

        oa = desc_oa(p, desc, shift);
        if (oa >> p->pa_bits)
            return fault(out, ARM64_FAULT_ADDR_SIZE, level, desc);

        out->page_size = 1ULL << shift;
        out->pa = oa | (va & (out->page_size - 1));
        out->level = level;
        out->desc = desc;
        out->af = desc & DESC_AF;
        /* AArch64.S1DirectBasePermissions for EL1&0 */
        {
            bool ur = (desc & DESC_AP1) && !no_el0;
            bool pw = !(desc & DESC_AP2) && !ro;
            bool uw = ur && pw;
            bool wxn = r->sctlr & SCTLR_WXN;
            out->user = ur;
            out->writable = pw;
            out->exec_el1 = !((desc & DESC_PXN) || pxn || uw || (wxn && pw));
            out->exec_el0 = !((desc & DESC_UXN) || uxn || (wxn && uw));
        }
        return 0;
    }
    return fault(out, ARM64_FAULT_TRANSLATION, 3, 0); /* not reached */
}

static int translate(const struct arm64_mmu_regs *r, uint64_t va, const uint64_t *ttbr,
                     arm64_read_phys_fn rd, void *opaque, struct arm64_walk *out)
{
    /* AArch64.GetVARange: bit 55 selects the half even when the top byte is ignored */
    bool upper = va & (1ULL << 55);
    bool tbi = r->tcr & (upper ? TCR_TBI1 : TCR_TBI0);
    unsigned top = tbi ? 55 : 63; /* AArch64.AddrTop (TBID only matters for fetches) */
    struct walk_params p;
    uint64_t hi;
    int ret;

    memset(out, 0, sizeof(*out));
    if (!(r->sctlr & SCTLR_M))
        return translate_off(va, tbi, out);

    ret = get_params(r->tcr, upper, &p);
    if (ret)
        return ret;

    /* AArch64.VAIsOutOfRange: va[top:va_bits] must be all zeros (TTBR0) or all ones (TTBR1) */
    hi = va & bits(top, p.va_bits);
    if (hi != (upper ? bits(top, p.va_bits) : 0))
        return fault(out, ARM64_FAULT_TRANSLATION, 0, 0);
    if (p.epd)
        return fault(out, ARM64_FAULT_TRANSLATION, 0, 0);

    return walk(r, &p, va, ttbr ? *ttbr : upper ? r->ttbr1 : r->ttbr0, rd, opaque, out);
}

int arm64_translate(const struct arm64_mmu_regs *r, uint64_t va, arm64_read_phys_fn rd,
                    void *opaque, struct arm64_walk *out)
{
    return translate(r, va, NULL, rd, opaque, out);
}

int arm64_translate_with_ttbr(const struct arm64_mmu_regs *r, uint64_t va, uint64_t ttbr,
                              arm64_read_phys_fn rd, void *opaque, struct arm64_walk *out)
{
    return translate(r, va, &ttbr, rd, opaque, out);
}

/* ---- enumeration of all mappings (monitor info pt, finding the kernel image) ---- */

struct enum_state {
    const struct arm64_mmu_regs *r;
    const struct walk_params *p;
    arm64_read_phys_fn rd;
    void *opaque;
    unsigned reads, max_reads;
    bool truncated;
    bool have;
    struct arm64_mapping cur;
    int count;
    arm64_mapping_fn cb;
    void *cb_opaque;
};

static void flush_range(struct enum_state *st)
{
    if (st->have) {
        st->cb(st->cb_opaque, &st->cur);
        st->count++;
        st->have = false;
    }
}

static bool same_attrs(const struct arm64_mapping *a, const struct arm64_mapping *b)
{
    return a->user == b->user && a->writable == b->writable && a->exec_el1 == b->exec_el1 &&
           a->exec_el0 == b->exec_el0 && a->attr_index == b->attr_index &&
           a->shareability == b->shareability;
}

static void add_leaf(struct enum_state *st, const struct arm64_mapping *m)
{
    if (st->have && same_attrs(&st->cur, m) && st->cur.va + st->cur.size == m->va &&
        st->cur.pa + st->cur.size == m->pa) {
        st->cur.size += m->size;
        return;
    }
    flush_range(st);
    st->cur = *m;
    st->have = true;
}

/* inherited: APTable/XNTable restrictions from the levels above (as in walk) */
static void enum_table(struct enum_state *st, int level, int start, uint64_t table,
                       uint64_t va_base, unsigned top_bits, bool no_el0, bool ro, bool pxn,
                       bool uxn)
{
    const struct walk_params *p = st->p;
    const unsigned stride = p->gran_bits - 3;
    unsigned shift = p->gran_bits + stride * (unsigned)(3 - level);
    unsigned width = level == start ? top_bits : stride;

    for (uint64_t idx = 0; idx < (1ULL << width); idx++) {
        uint64_t desc, va = va_base + (idx << shift);

        if (st->reads >= st->max_reads) {
            st->truncated = true;
            return;
        }
        st->reads++;
        if (st->rd(st->opaque, table + idx * 8, &desc) || !(desc & DESC_VALID))
            continue;
        if (level < 3 && (desc & DESC_TABLE)) {
            uint64_t next = desc_oa(p, desc, p->gran_bits);
            if (next >> p->pa_bits)
                continue;
            bool h = !p->hpd;
            enum_table(st, level + 1, start, next, va, top_bits, no_el0 || (h && (desc & TABLE_AP0)),
                       ro || (h && (desc & TABLE_AP1)), pxn || (h && (desc & TABLE_PXN)),
                       uxn || (h && (desc & TABLE_UXN)));
            if (st->truncated)
                return;
            continue;
        }
        if (level == 3 ? !(desc & DESC_TABLE) : !block_allowed(p, level))
            continue;
        uint64_t oa = desc_oa(p, desc, shift);
        if (oa >> p->pa_bits)
            continue;
        bool ur = (desc & DESC_AP1) && !no_el0, pw = !(desc & DESC_AP2) && !ro;
        bool wxn = st->r->sctlr & SCTLR_WXN;
        struct arm64_mapping m = {
            .va = va, .pa = oa, .size = 1ULL << shift, .user = ur, .writable = pw,
            .exec_el1 = !((desc & DESC_PXN) || pxn || (ur && pw) || (wxn && pw)),
            .exec_el0 = !((desc & DESC_UXN) || uxn || (wxn && ur && pw)),
            .attr_index = field(desc, 4, 2), .shareability = field(desc, 9, 8),
        };
        add_leaf(st, &m);
    }
}

int arm64_enumerate(const struct arm64_mmu_regs *r, bool upper, uint64_t ttbr,
                    arm64_read_phys_fn rd, void *opaque, unsigned max_reads, arm64_mapping_fn cb,
                    void *cb_opaque)
{
    struct walk_params p;
    struct enum_state st = {.r = r, .p = &p, .rd = rd, .opaque = opaque,
                            .max_reads = max_reads, .cb = cb, .cb_opaque = cb_opaque};
    uint64_t table, align, va_base;
    int ret;

    if (!(r->sctlr & SCTLR_M))
        return -EINVAL;
    if ((ret = get_params(r->tcr, upper, &p)))
        return ret;
    if (p.epd)
        return -EINVAL;
    if (!ttbr)
        ttbr = upper ? r->ttbr1 : r->ttbr0;
    const unsigned stride = p.gran_bits - 3;
    const int levels = (int)((p.va_bits - p.gran_bits + stride - 1) / stride);
    const int start = 4 - levels;
    unsigned top_bits = p.va_bits - (p.gran_bits + stride * (unsigned)(levels - 1));

    table = ttbr & bits(47, 1);
    if (p.oa52)
        table = (table & bits(47, 6)) | ((uint64_t)field(ttbr, 5, 2) << 48);
    align = 1ULL << (top_bits + 3);
    if (align < 64)
        align = 64;
    table &= ~(align - 1);
    /* a table base beyond the output size is an Address size fault at the first lookup (as in
     * walk): the MMU translates nothing through it, so there is nothing to list */
    if (table >> p.pa_bits)
        return 0;
    va_base = upper ? ~0ULL << p.va_bits : 0;
    enum_table(&st, start, start, table, va_base, top_bits, false, false, false, false);
    flush_range(&st);
    return st.truncated ? -E2BIG : st.count;
}
