/* fuzz_ptwalk.c - libFuzzer target: the arm64 stage-1 walker (vmm/arch/arm64/mmu.c) and the
 * kernel-image finders built on it (kimage.c) over fuzzed translation registers, a fuzzed VA and
 * a fuzzed guest memory window holding the tables.  Besides the sanitizers it checks:
 *   - results are 0, -EFAULT or -EINVAL; a fault names a kind and a level 0..3, a read fault
 *     only after a failed read;
 *   - every descriptor read is 8-byte aligned, a walk reads at most 4 descriptors (one per
 *     level, levels consecutive), and the trace records exactly the successful reads;
 *   - a translation keeps the VA's offset in its page, the page size is the one of the leaf's
 *     level and granule, blocks only at levels the granule allows, the output address is below
 *     the output size (TCR.IPS), the leaf is the last descriptor traced; MMU off is identity;
 *   - the same inputs give the same result, arm64_translate_with_ttbr with the live TTBR agrees;
 *   - arm64_enumerate gives ascending, disjoint ranges inside its half, each of which the walker
 *     translates (first and last byte) to the same PA with the same permissions, and (when not
 *     truncated) a VA the walker translates lies in one of them, at the same PA.
 *
 * Input: 64 bytes of header, little endian u64s: SCTLR_EL1, TCR_EL1, TTBR0, TTBR1, VA, another
 * TTBR (for arm64_translate_with_ttbr), the guest-physical base of the memory window (aligned
 * down to 8), flags (bit 0: also run arm64_find_image / arm64_find_linear_map); the rest is the
 * window's contents (its length rounded down to 8).  Reads outside the window fail (-EFAULT).
 *
 * Built by tests/fuzz/run.sh (clang -fsanitize=fuzzer) and, for the corpus replay test, with
 * tests/fuzz/replay.c by meson. */
#include <brkvm/arm64_kimage.h>
#include <brkvm/arm64_mmu.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#include "fuzz_check.h"

#define HDR 64

static int debug = -1; /* FUZZ_PTWALK_DEBUG set: say what the walk and the enumeration found */
#define ENUM_MAX_READS 16384u
#define ENUM_CHECK_RANGES 8 /* ranges whose first and last byte are translated back */

struct mem {
    const uint8_t *buf;
    uint64_t base, len;
    unsigned reads, failed;
    uint64_t last_ok[4]; /* addresses of the successful reads of one walk, in order */
    unsigned nr_ok;
};

static uint64_t get_le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static int mem_read(void *opaque, uint64_t pa, uint64_t *val)
{
    struct mem *m = opaque;

    CHECK((pa & 7) == 0);
    m->reads++;
    if (m->len < 8 || pa < m->base || pa - m->base > m->len - 8) {
        m->failed++;
        return -EFAULT;
    }
    *val = get_le64(m->buf + (pa - m->base));
    if (m->nr_ok < 4)
        m->last_ok[m->nr_ok] = pa;
    m->nr_ok++;
    return 0;
}

static void mem_reset(struct mem *m)
{
    m->reads = m->failed = m->nr_ok = 0;
}

/* What the spec says TCR gives for one half (only what the checks need). */
struct half {
    int ok; /* a configuration the walker supports */
    unsigned va_bits, gran_bits, pa_bits;
    int oa52;
};

static struct half half_params(uint64_t tcr, int upper)
{
    static const int ips[8] = {32, 36, 40, 42, 44, 48, 52, -1};
    struct half h = {0};
    unsigned tsz = upper ? (tcr >> 16) & 63 : tcr & 63;
    unsigned tg = upper ? (tcr >> 30) & 3 : (tcr >> 14) & 3;
    int pa = ips[(tcr >> 32) & 7];

    h.gran_bits = upper ? (tg == 1 ? 14 : tg == 2 ? 12 : tg == 3 ? 16 : 0)
                        : (tg == 0 ? 12 : tg == 1 ? 16 : tg == 2 ? 14 : 0);
    h.va_bits = 64 - tsz;
    h.ok = !(tcr & (1ULL << 59)) && h.gran_bits && tsz >= 16 && tsz <= 48 &&
           h.va_bits > h.gran_bits && pa > 0;
    h.oa52 = pa == 52 && h.gran_bits == 16;
    h.pa_bits = pa == 52 && !h.oa52 ? 48 : (unsigned)pa;
    return h;
}

static int same_walk(const struct arm64_walk *a, const struct arm64_walk *b)
{
    if (a->fault != b->fault || a->trace_levels != b->trace_levels)
        return 0;
    for (int l = 0; l < 4; l++)
        if ((a->trace_levels & (1U << l)) &&
            (a->trace_addr[l] != b->trace_addr[l] || a->trace_desc[l] != b->trace_desc[l]))
            return 0;
    if (a->fault != ARM64_FAULT_NONE)
        return a->fault_level == b->fault_level && a->fault_desc == b->fault_desc;
    return a->pa == b->pa && a->page_size == b->page_size && a->level == b->level &&
           a->desc == b->desc && a->user == b->user && a->writable == b->writable &&
           a->exec_el1 == b->exec_el1 && a->exec_el0 == b->exec_el0 && a->af == b->af;
}

/* One walk of va with all the per-walk checks; returns the walker's result. */
static int walk_checked(const struct arm64_mmu_regs *r, uint64_t va, const uint64_t *ttbr,
                        struct mem *m, struct arm64_walk *w)
{
    int upper = (va >> 55) & 1;
    struct half h = half_params(r->tcr, upper);
    struct arm64_walk again;
    unsigned reads, failed, nr_ok;
    int ret, ret2;

    mem_reset(m);
    ret = ttbr ? arm64_translate_with_ttbr(r, va, *ttbr, mem_read, m, w)
               : arm64_translate(r, va, mem_read, m, w);
    reads = m->reads;
    failed = m->failed;
    nr_ok = m->nr_ok;

    CHECK(ret == 0 || ret == -EFAULT || ret == -EINVAL);
    CHECK(reads <= 4 && failed <= 1);
    CHECK(__builtin_popcount(w->trace_levels) == (int)nr_ok);
    CHECK((w->trace_levels & ~0xfU) == 0);
    /* traced levels are consecutive and in the order read */
    if (w->trace_levels) {
        int lo = __builtin_ctz(w->trace_levels), hi = 31 - __builtin_clz(w->trace_levels);
        CHECK(hi - lo + 1 == (int)nr_ok);
        for (int l = lo; l <= hi; l++) {
            CHECK(w->trace_addr[l] == m->last_ok[l - lo]);
            CHECK(w->trace_addr[l] >= m->base && w->trace_addr[l] - m->base <= m->len - 8);
            CHECK(w->trace_desc[l] == get_le64(m->buf + (w->trace_addr[l] - m->base)));
        }
    }
    if (!(r->sctlr & 1)) {
        CHECK(reads == 0);
        if (ret == 0) {
            CHECK(w->pa == (va & ((1ULL << 52) - 1)) && w->level == -1 && w->desc == 0);
        } else {
            CHECK(ret == -EFAULT && w->fault == ARM64_FAULT_ADDR_SIZE);
        }
    } else if (ret == -EINVAL) {
        CHECK(!h.ok && reads == 0);
    } else {
        CHECK(h.ok);
        if (ret == 0) {
            unsigned stride = h.gran_bits - 3;
            unsigned shift = h.gran_bits + stride * (unsigned)(3 - w->level);
            CHECK(w->fault == ARM64_FAULT_NONE);
            CHECK(w->level >= 1 && w->level <= 3);
            CHECK(failed == 0 && reads >= 1);
            CHECK(w->level == 3 || w->level == 2 ||
                  (w->level == 1 && (h.gran_bits == 12 || h.oa52)));
            CHECK(w->page_size == 1ULL << shift);
            CHECK((w->pa & (w->page_size - 1)) == (va & (w->page_size - 1)));
            CHECK((w->pa >> h.pa_bits) == 0);
            CHECK(w->trace_levels >> w->level == 1); /* the leaf is the last level read */
            CHECK(w->desc == w->trace_desc[w->level] && (w->desc & 1));
            CHECK(!(w->user && w->writable) || !w->exec_el1); /* EL0-writable: no EL1 exec */
        } else {
            CHECK(w->fault == ARM64_FAULT_TRANSLATION || w->fault == ARM64_FAULT_ADDR_SIZE ||
                  w->fault == ARM64_FAULT_WALK_READ);
            CHECK(w->fault_level >= 0 && w->fault_level <= 3);
            CHECK((w->fault == ARM64_FAULT_WALK_READ) == (failed == 1));
            if (w->fault == ARM64_FAULT_WALK_READ)
                CHECK(!(w->trace_levels & (1U << w->fault_level)));
            if (w->fault_desc)
                CHECK((w->trace_levels & (1U << w->fault_level)) &&
                      w->trace_desc[w->fault_level] == w->fault_desc);
        }
    }

    /* the same inputs, the same answer */
    mem_reset(m);
    ret2 = ttbr ? arm64_translate_with_ttbr(r, va, *ttbr, mem_read, m, &again)
                : arm64_translate(r, va, mem_read, m, &again);
    CHECK(ret2 == ret && m->reads == reads);
    if (ret != -EINVAL)
        CHECK(same_walk(w, &again));
    return ret;
}

struct enum_ctx {
    const struct arm64_mmu_regs *r;
    struct mem *m;
    int upper;
    struct half h;
    unsigned n;
    uint64_t prev_last; /* last VA of the previous range */
    struct arm64_mapping sample[ENUM_CHECK_RANGES];
    unsigned nr_sample;
    uint64_t va;  /* the fuzzed VA (normalised to the half), when translated */
    int have_va;
    struct arm64_walk va_walk;
    int va_found;
};

static void enum_cb(void *opaque, const struct arm64_mapping *mp)
{
    struct enum_ctx *c = opaque;
    uint64_t last = mp->va + mp->size - 1;
    uint64_t page = 1ULL << c->h.gran_bits;

    CHECK(mp->size >= page && (mp->size & (page - 1)) == 0);
    CHECK((mp->va & (page - 1)) == 0 && (mp->pa & (page - 1)) == 0);
    CHECK(last >= mp->va); /* no wrap */
    CHECK(((mp->pa + mp->size - 1) >> c->h.pa_bits) == 0 && mp->pa + mp->size - 1 >= mp->pa);
    if (c->upper)
        CHECK(mp->va >= ~0ULL << c->h.va_bits);
    else
        CHECK(last >> c->h.va_bits == 0);
    if (c->n)
        CHECK(mp->va > c->prev_last);
    CHECK(mp->attr_index < 8 && mp->shareability < 4);
    c->prev_last = last;
    c->n++;
    /* keep the first few and the last one */
    if (c->nr_sample < ENUM_CHECK_RANGES)
        c->sample[c->nr_sample++] = *mp;
    else
        c->sample[ENUM_CHECK_RANGES - 1] = *mp;
    if (c->have_va && c->va >= mp->va && c->va <= last) {
        const struct arm64_walk *w = &c->va_walk;
        CHECK(!c->va_found);
        c->va_found = 1;
        CHECK(w->pa == mp->pa + (c->va - mp->va));
        CHECK(w->user == mp->user && w->writable == mp->writable &&
              w->exec_el1 == mp->exec_el1 && w->exec_el0 == mp->exec_el0);
    }
}

static void check_enumerate(const struct arm64_mmu_regs *r, struct mem *m, int upper,
                            uint64_t va, int va_ok, const struct arm64_walk *va_walk)
{
    struct enum_ctx c = {.r = r, .m = m, .upper = upper, .h = half_params(r->tcr, upper)};
    int n;

    if (va_ok) {
        /* the walker ignores the top byte under TBI; the enumerator names the canonical VA */
        c.va = upper ? va | (~0ULL << c.h.va_bits) : va & ((1ULL << c.h.va_bits) - 1);
        c.have_va = 1;
        c.va_walk = *va_walk;
    }
    mem_reset(m);
    n = arm64_enumerate(r, upper, 0, mem_read, m, ENUM_MAX_READS, enum_cb, &c);
    CHECK(m->reads <= ENUM_MAX_READS);
    if (debug)
        fprintf(stderr, "fuzz_ptwalk: enumerate: %d (%u ranges, %u reads), va %s\n", n, c.n,
                m->reads, !va_ok ? "not mapped" : c.va_found ? "found" : "not found");
    if (!(r->sctlr & 1) || !c.h.ok) {
        CHECK(n == -EINVAL && c.n == 0);
        return;
    }
    CHECK(n >= 0 || n == -EINVAL || n == -E2BIG);
    if (n == -EINVAL) { /* EPDn */
        CHECK(c.n == 0 && (r->tcr & (upper ? 1ULL << 23 : 1ULL << 7)));
        return;
    }
    if (n >= 0) {
        CHECK((unsigned)n == c.n);
        if (va_ok)
            CHECK(c.va_found); /* a VA the walker maps is in the complete list */
    }
    /* the walker agrees with every sampled range, at both ends */
    for (unsigned i = 0; i < c.nr_sample; i++) {
        const struct arm64_mapping *mp = &c.sample[i];
        uint64_t ends[2] = {mp->va, mp->va + mp->size - 1};
        for (int e = 0; e < 2; e++) {
            struct arm64_walk w;
            CHECK(walk_checked(r, ends[e], NULL, m, &w) == 0);
            CHECK(w.pa == mp->pa + (ends[e] - mp->va));
            CHECK(w.user == mp->user && w.writable == mp->writable &&
                  w.exec_el1 == mp->exec_el1 && w.exec_el0 == mp->exec_el0);
            CHECK(((w.desc >> 2) & 7) == mp->attr_index && ((w.desc >> 8) & 3) == mp->shareability);
        }
    }
}

static void enum_none(void *opaque, const struct arm64_mapping *mp)
{
    (void)opaque;
    (void)mp;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct arm64_mmu_regs r;
    struct arm64_walk w, w2;
    struct mem m = {0};
    uint64_t va, alt, flags;
    int upper, ret;

    if (size < HDR)
        return 0;
    r.sctlr = get_le64(data);
    r.tcr = get_le64(data + 8);
    r.ttbr0 = get_le64(data + 16);
    r.ttbr1 = get_le64(data + 24);
    va = get_le64(data + 32);
    alt = get_le64(data + 40);
    m.base = get_le64(data + 48) & ~7ULL;
    flags = get_le64(data + 56);
    m.buf = data + HDR;
    m.len = (size - HDR) & ~7ULL;
    if (m.base + m.len < m.base) /* the window must not wrap */
        m.len = 0;
    upper = (va >> 55) & 1;

    ret = walk_checked(&r, va, NULL, &m, &w);
    if (debug < 0)
        debug = getenv("FUZZ_PTWALK_DEBUG") != NULL;
    if (debug)
        fprintf(stderr, "fuzz_ptwalk: va %#llx: %d pa %#llx level %d fault %d at %d\n",
                (unsigned long long)va, ret, (unsigned long long)w.pa, w.level, w.fault,
                w.fault_level);
    /* the live TTBR passed explicitly is the same walk */
    CHECK(walk_checked(&r, va, upper ? &r.ttbr1 : &r.ttbr0, &m, &w2) == ret);
    if (ret != -EINVAL)
        CHECK(same_walk(&w, &w2));
    /* another TTBR (KPTI's retry) is held to the same invariants */
    walk_checked(&r, va, &alt, &m, &w2);

    if (r.sctlr & 1)
        check_enumerate(&r, &m, upper, va, ret == 0, &w);
    else
        check_enumerate(&r, &m, upper, va, 0, &w);

    /* the finders read up to 2^20 descriptors each: only for tables the enumerator finishes
     * within ENUM_MAX_READS, to keep executions fast */
    if ((flags & 1) && arm64_enumerate(&r, true, 0, mem_read, &m, ENUM_MAX_READS, enum_none,
                                       NULL) != -E2BIG) {
        uint64_t kva = 0, ksize = 0;
        int k = arm64_find_image(&r, 0, m.base, m.base + m.len, mem_read, &m, &kva, &ksize);
        CHECK(k == 0 || k == -ENOENT || k == -EINVAL);
        if (k == 0)
            CHECK(ksize > 0 && (ksize & 4095) == 0); /* the size of a mapping found */
    }
    if ((flags & 1) && arm64_enumerate(&r, true, alt, mem_read, &m, ENUM_MAX_READS, enum_none,
                                       NULL) != -E2BIG) {
        uint64_t lva = 0;
        int k = arm64_find_linear_map(&r, alt, m.base, m.base + m.len, mem_read, &m, &lva);
        CHECK(k == 0 || k == -ENOENT || k == -EINVAL);
    }
    return 0;
}
