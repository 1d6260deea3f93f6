/* test_breakpoints.c - gdb's software breakpoints keyed by guest-physical address, over a fake
 * RAM of instruction words */
#include <brkvm/breakpoints.h>

#include <errno.h>
#include <glib.h>
#include <string.h>

#define RAM_BASE 0x80000000ULL
#define RAM_WORDS 64

struct ram {
    uint32_t w[RAM_WORDS];
};

static void ram_init(struct ram *r)
{
    for (int i = 0; i < RAM_WORDS; i++)
        r->w[i] = 0x91000000U + (uint32_t)i * 0x00010421U; /* add-like, none is BRK #0 */
}

static uint32_t *word(struct ram *r, uint64_t gpa)
{
    if (gpa < RAM_BASE || gpa >= RAM_BASE + 4 * RAM_WORDS || (gpa & 3))
        return NULL;
    return &r->w[(gpa - RAM_BASE) / 4];
}

static uint32_t *insn_of(void *opaque, uint64_t gpa)
{
    return word(opaque, gpa);
}

static uint32_t rd32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static uint64_t gpa_of(int w)
{
    return RAM_BASE + 4 * (uint64_t)w;
}

static void test_insert_remove(void)
{
    struct bp_table t;
    struct ram r;
    uint32_t orig;

    ram_init(&r);
    bp_table_init(&t);
    orig = r.w[3];
    g_assert_cmpuint(bp_count(&t), ==, 0);
    g_assert_null(bp_find(&t, gpa_of(3)));

    g_assert_cmpint(bp_insert(&t, gpa_of(3), word(&r, gpa_of(3))), ==, 0);
    g_assert_cmphex(r.w[3], ==, A64_BRK0);
    g_assert_cmpuint(bp_count(&t), ==, 1);
    {
        struct sw_bp *bp = bp_find(&t, gpa_of(3));
        g_assert_nonnull(bp);
        g_assert_cmphex(bp->gpa, ==, gpa_of(3));
        g_assert_cmphex(bp->orig, ==, orig);
        g_assert_true(bp->gdb);
    }
    g_assert_null(bp_find(&t, gpa_of(4)));
    g_assert_null(bp_find(&t, gpa_of(3) + 1));
    /* neighbours untouched */
    g_assert_cmphex(r.w[2], ==, 0x91000000U + 2 * 0x00010421U);
    g_assert_cmphex(r.w[4], ==, 0x91000000U + 4 * 0x00010421U);

    g_assert_cmpint(bp_remove(&t, gpa_of(3), word(&r, gpa_of(3))), ==, 0);
    g_assert_cmphex(r.w[3], ==, orig);
    g_assert_cmpuint(bp_count(&t), ==, 0);
    g_assert_null(bp_find(&t, gpa_of(3)));
    /* none left */
    g_assert_cmpint(bp_remove(&t, gpa_of(3), word(&r, gpa_of(3))), ==, -ENOENT);
    g_assert_cmphex(r.w[3], ==, orig);
    g_assert_cmpint(bp_remove(&t, gpa_of(9), word(&r, gpa_of(9))), ==, -ENOENT);

    /* misaligned */
    g_assert_cmpint(bp_insert(&t, gpa_of(3) + 2, &r.w[3]), ==, -EINVAL);
    g_assert_cmpint(bp_insert(&t, gpa_of(3) + 1, &r.w[3]), ==, -EINVAL);
    g_assert_cmphex(r.w[3], ==, orig);
    g_assert_cmpuint(bp_count(&t), ==, 0);

    /* many, at both ends of the address space too */
    {
        uint32_t lo = 0x11111111, hi = 0x22222222;
        g_assert_cmpint(bp_insert(&t, 0, &lo), ==, 0);
        g_assert_cmpint(bp_insert(&t, UINT64_MAX - 3, &hi), ==, 0);
        for (int i = 0; i < RAM_WORDS; i += 2)
            g_assert_cmpint(bp_insert(&t, gpa_of(i), word(&r, gpa_of(i))), ==, 0);
        g_assert_cmpuint(bp_count(&t), ==, RAM_WORDS / 2 + 2);
        g_assert_cmphex(lo, ==, A64_BRK0);
        g_assert_cmphex(hi, ==, A64_BRK0);
        g_assert_cmphex(bp_find(&t, UINT64_MAX - 3)->orig, ==, 0x22222222);
        g_assert_cmpint(bp_remove(&t, 0, &lo), ==, 0);
        g_assert_cmpint(bp_remove(&t, UINT64_MAX - 3, &hi), ==, 0);
        g_assert_cmphex(lo, ==, 0x11111111);
        g_assert_cmphex(hi, ==, 0x22222222);
        for (int i = 0; i < RAM_WORDS; i += 2)
            g_assert_cmpint(bp_remove(&t, gpa_of(i), word(&r, gpa_of(i))), ==, 0);
        g_assert_cmpuint(bp_count(&t), ==, 0);
        for (int i = 0; i < RAM_WORDS; i++)
            g_assert_cmphex(r.w[i], ==, 0x91000000U + (uint32_t)i * 0x00010421U);
    }
    bp_table_destroy(&t);
    g_assert_null(t.map);
    bp_table_destroy(&t); /* twice is harmless */
}

/* gdb re-sends Z0 for a breakpoint whose conditions changed: one breakpoint, one z0 removes it */
static void test_insert_twice(void)
{
    struct bp_table t;
    struct ram r;
    uint32_t orig;

    ram_init(&r);
    bp_table_init(&t);
    orig = r.w[5];
    g_assert_cmpint(bp_insert(&t, gpa_of(5), &r.w[5]), ==, 0);
    g_assert_cmpint(bp_insert(&t, gpa_of(5), &r.w[5]), ==, 0);
    g_assert_cmpuint(bp_count(&t), ==, 1);
    g_assert_true(bp_find(&t, gpa_of(5))->gdb);
    /* the original is not lost to the second insert (which saw the BRK) */
    g_assert_cmphex(bp_find(&t, gpa_of(5))->orig, ==, orig);
    g_assert_cmpint(bp_remove(&t, gpa_of(5), &r.w[5]), ==, 0);
    g_assert_cmphex(r.w[5], ==, orig);
    g_assert_cmpuint(bp_count(&t), ==, 0);
    g_assert_null(bp_find(&t, gpa_of(5)));
    g_assert_cmpint(bp_remove(&t, gpa_of(5), &r.w[5]), ==, -ENOENT);
    bp_table_destroy(&t);
}

static void test_guest_rewrote(void)
{
    struct bp_table t;
    struct ram r;

    ram_init(&r);
    bp_table_init(&t);
    /* the guest overwrote the BRK (e.g. loaded new code): removing keeps the new instruction */
    g_assert_cmpint(bp_insert(&t, gpa_of(7), &r.w[7]), ==, 0);
    r.w[7] = 0xd503201fU; /* NOP */
    g_assert_cmpint(bp_remove(&t, gpa_of(7), &r.w[7]), ==, 0);
    g_assert_cmphex(r.w[7], ==, 0xd503201fU);
    g_assert_cmpuint(bp_count(&t), ==, 0);

    /* a second insert after the guest rewrote the word guards the new instruction */
    g_assert_cmpint(bp_insert(&t, gpa_of(8), &r.w[8]), ==, 0);
    r.w[8] = 0xaa0103e0U; /* mov x0, x1 */
    g_assert_cmpint(bp_insert(&t, gpa_of(8), &r.w[8]), ==, 0);
    g_assert_cmphex(r.w[8], ==, A64_BRK0);
    g_assert_cmphex(bp_find(&t, gpa_of(8))->orig, ==, 0xaa0103e0U);
    g_assert_cmpint(bp_remove(&t, gpa_of(8), &r.w[8]), ==, 0);
    g_assert_cmphex(r.w[8], ==, 0xaa0103e0U);

    /* the word is gone (insn NULL): the entry is dropped all the same */
    g_assert_cmpint(bp_insert(&t, gpa_of(9), &r.w[9]), ==, 0);
    g_assert_cmpint(bp_remove(&t, gpa_of(9), NULL), ==, 0);
    g_assert_cmpuint(bp_count(&t), ==, 0);
    bp_table_destroy(&t);
}

static void count_cb(struct sw_bp *bp, void *opaque)
{
    uint64_t *sum = opaque;
    sum[0]++;
    sum[1] += bp->gpa;
}

static void test_foreach_clear(void)
{
    struct bp_table t;
    struct ram r, before;
    uint64_t acc[2] = {0, 0};

    ram_init(&r);
    before = r;
    bp_table_init(&t);
    for (int i = 1; i < 10; i += 3) /* words 1, 4, 7 */
        g_assert_cmpint(bp_insert(&t, gpa_of(i), &r.w[i]), ==, 0);
    g_assert_cmpint(bp_insert(&t, gpa_of(4), &r.w[4]), ==, 0); /* two references */
    bp_foreach(&t, count_cb, acc);
    g_assert_cmpuint(acc[0], ==, 3);
    g_assert_cmphex(acc[1], ==, gpa_of(1) + gpa_of(4) + gpa_of(7));

    /* outside RAM: insn_of gives NULL */
    {
        uint32_t far = 0x12345678;
        g_assert_cmpint(bp_insert(&t, 0x1000, &far), ==, 0);
    }
    r.w[7] = 0xd503201fU; /* the guest rewrote one */
    bp_clear(&t, insn_of, &r);
    g_assert_cmpuint(bp_count(&t), ==, 0);
    g_assert_cmphex(r.w[1], ==, before.w[1]);
    g_assert_cmphex(r.w[4], ==, before.w[4]); /* restored despite two references */
    g_assert_cmphex(r.w[7], ==, 0xd503201fU);
    for (int i = 0; i < RAM_WORDS; i++)
        if (i != 7)
            g_assert_cmphex(r.w[i], ==, before.w[i]);
    bp_clear(&t, insn_of, &r); /* empty: nothing */
    /* usable again */
    g_assert_cmpint(bp_insert(&t, gpa_of(1), &r.w[1]), ==, 0);
    g_assert_cmpuint(bp_count(&t), ==, 1);
    bp_table_destroy(&t);
}

/* ---- what gdb sees ---- */

static void test_shadow_read(void)
{
    struct bp_table t;
    struct ram r, before;
    uint8_t buf[4 * RAM_WORDS], want[4 * RAM_WORDS];

    ram_init(&r);
    before = r;
    memcpy(want, before.w, sizeof(want));
    bp_table_init(&t);
    /* no breakpoints: nothing to patch */
    memcpy(buf, r.w, sizeof(buf));
    g_assert_cmpuint(bp_shadow_read(&t, RAM_BASE, buf, sizeof(buf)), ==, 0);

    g_assert_cmpint(bp_insert(&t, gpa_of(1), &r.w[1]), ==, 0);
    g_assert_cmpint(bp_insert(&t, gpa_of(2), &r.w[2]), ==, 0);
    g_assert_cmpint(bp_insert(&t, gpa_of(5), &r.w[5]), ==, 0);
    g_assert_cmpint(bp_insert(&t, gpa_of(RAM_WORDS - 1), &r.w[RAM_WORDS - 1]), ==, 0);

    /* the whole RAM in one buffer: every original back */
    memcpy(buf, r.w, sizeof(buf));
    g_assert_cmpuint(bp_shadow_read(&t, RAM_BASE, buf, sizeof(buf)), ==, 4);
    g_assert_true(memcmp(buf, want, sizeof(buf)) == 0);

    /* every sub-range [a, b): partial overlaps at both ends, one byte, mid-word starts */
    for (size_t a = 0; a < 40; a++) {
        for (size_t b = a + 1; b <= 40; b++) { /* empty reads: shadow-read-empty */
            unsigned n = 0;
            memcpy(buf, (uint8_t *)r.w + a, b - a);
            for (int w = 0; w < 10; w++) {
                bool brk = w == 1 || w == 2 || w == 5;
                if (brk && 4 * (size_t)w < b && 4 * (size_t)w + 4 > a)
                    n++;
            }
            g_assert_cmpuint(bp_shadow_read(&t, RAM_BASE + a, buf, b - a), ==, n);
            if (memcmp(buf, want + a, b - a))
                g_error("shadow read of [%zu, %zu) shows a BRK", a, b);
        }
    }

    /* a breakpoint whose word the guest rewrote: what the guest wrote is shown */
    r.w[5] = 0xd503201fU;
    memcpy(buf, r.w, sizeof(buf));
    g_assert_cmpuint(bp_shadow_read(&t, RAM_BASE, buf, sizeof(buf)), ==, 3);
    g_assert_true(memcmp(buf + 20, &r.w[5], 4) == 0);
    g_assert_true(memcmp(buf + 4, want + 4, 8) == 0);

    /* a buffer that ends at the last word */
    memcpy(buf, &r.w[RAM_WORDS - 2], 8);
    g_assert_cmpuint(bp_shadow_read(&t, gpa_of(RAM_WORDS - 2), buf, 8), ==, 1);
    g_assert_true(memcmp(buf, want + 4 * (RAM_WORDS - 2), 8) == 0);
    bp_table_destroy(&t);
}

/* Zero-length reads patch nothing, so they must not count anything either. */
static void test_shadow_read_empty(void)
{
    struct bp_table t;
    struct ram r;
    uint8_t buf[4];

    ram_init(&r);
    bp_table_init(&t);
    g_assert_cmpint(bp_insert(&t, gpa_of(1), &r.w[1]), ==, 0);
    g_assert_cmpuint(bp_shadow_read(&t, gpa_of(1), buf, 0), ==, 0);
    g_assert_cmpuint(bp_shadow_read(&t, gpa_of(1) + 2, buf, 0), ==, 0);
    bp_table_destroy(&t);
}

/* A breakpoint in the last word of the 64-bit address space is shadowed like any other. */
static void test_shadow_top_of_space(void)
{
    struct bp_table t;
    uint32_t top = 0x11223344;
    uint8_t buf[4];

    bp_table_init(&t);
    g_assert_cmpint(bp_insert(&t, UINT64_MAX - 3, &top), ==, 0);
    memcpy(buf, &top, 4);
    g_assert_cmpuint(bp_shadow_read(&t, UINT64_MAX - 3, buf, 4), ==, 1);
    g_assert_cmphex(buf[0] | buf[1] << 8 | buf[2] << 16 | (uint32_t)buf[3] << 24, ==, 0x11223344);
    bp_table_destroy(&t);
}

static void test_shadow_write(void)
{
    struct bp_table t;
    struct ram r;
    uint8_t data[16], out[16];
    static const uint32_t nw1 = 0xaa0103e0U, nw2 = 0xd503201fU;

    ram_init(&r);
    bp_table_init(&t);
    /* no breakpoints: a plain copy */
    memset(data, 0x5a, sizeof(data));
    bp_shadow_write(&t, gpa_of(0), data, out, sizeof(data), (uint8_t *)r.w);
    g_assert_true(memcmp(out, data, sizeof(data)) == 0);

    g_assert_cmpint(bp_insert(&t, gpa_of(1), &r.w[1]), ==, 0);
    g_assert_cmpint(bp_insert(&t, gpa_of(3), &r.w[3]), ==, 0);

    /* gdb writes words 0..3 (e.g. 'load'): the new words 1 and 3 become the originals, memory
     * keeps the BRKs */
    memset(data, 0x00, sizeof(data));
    memcpy(data + 4, &nw1, 4);
    memcpy(data + 12, &nw2, 4);
    bp_shadow_write(&t, gpa_of(0), data, out, sizeof(data), (uint8_t *)r.w);
    g_assert_true(memcmp(out, data, 4) == 0);
    g_assert_true(memcmp(out + 8, data + 8, 4) == 0);
    g_assert_cmphex(rd32(out + 4), ==, A64_BRK0);
    g_assert_cmphex(rd32(out + 12), ==, A64_BRK0);
    g_assert_cmphex(bp_find(&t, gpa_of(1))->orig, ==, nw1);
    g_assert_cmphex(bp_find(&t, gpa_of(3))->orig, ==, nw2);
    g_assert_true(memcmp(data + 4, &nw1, 4) == 0); /* the input is not changed */
    memcpy(r.w, out, sizeof(out));
    /* reading back shows what gdb wrote */
    {
        uint8_t back[16];
        memcpy(back, r.w, 16);
        g_assert_cmpuint(bp_shadow_read(&t, gpa_of(0), back, 16), ==, 2);
        g_assert_true(memcmp(back, data, 16) == 0);
    }
    /* removing restores gdb's words */
    g_assert_cmpint(bp_remove(&t, gpa_of(1), &r.w[1]), ==, 0);
    g_assert_cmphex(r.w[1], ==, nw1);

    /* a partial write over bytes 2..5 of word 3 and 4: only those bytes of the original change */
    {
        uint8_t d[4] = {0xa1, 0xa2, 0xa3, 0xa4}, o[4];
        uint8_t want[4];
        memcpy(want, &nw2, 4);
        want[2] = 0xa1;
        want[3] = 0xa2;
        bp_shadow_write(&t, gpa_of(3) + 2, d, o, 4, (uint8_t *)r.w + 14);
        g_assert_true(memcmp(o, (uint8_t *)&(uint32_t){A64_BRK0} + 2, 2) == 0);
        g_assert_cmpuint(o[2], ==, 0xa3);
        g_assert_cmpuint(o[3], ==, 0xa4);
        g_assert_true(memcmp(&bp_find(&t, gpa_of(3))->orig, want, 4) == 0);
        memcpy((uint8_t *)r.w + 14, o, 4);
        g_assert_cmphex(r.w[3], ==, A64_BRK0);
        g_assert_cmpint(bp_remove(&t, gpa_of(3), &r.w[3]), ==, 0);
        g_assert_true(memcmp(&r.w[3], want, 4) == 0);
    }

    /* the guest already replaced the BRK: gdb's bytes go to memory, the original stays */
    g_assert_cmpint(bp_insert(&t, gpa_of(6), &r.w[6]), ==, 0);
    {
        uint32_t saved = bp_find(&t, gpa_of(6))->orig;
        r.w[6] = 0x12345678;
        memcpy(data, &nw1, 4);
        bp_shadow_write(&t, gpa_of(6), data, out, 4, (uint8_t *)&r.w[6]);
        g_assert_true(memcmp(out, &nw1, 4) == 0);
        g_assert_cmphex(bp_find(&t, gpa_of(6))->orig, ==, saved);
    }
    bp_table_destroy(&t);
}

/* the guest rewrote breakpointed words: the new code becomes the original, the BRK goes back,
 * and removing the breakpoint later leaves the new code */
static void test_replant(void)
{
    struct ram r;
    struct bp_table t;

    ram_init(&r);
    bp_table_init(&t);
    g_assert_cmpint(bp_insert(&t, gpa_of(2), word(&r, gpa_of(2))), ==, 0);
    g_assert_cmpint(bp_insert(&t, gpa_of(5), word(&r, gpa_of(5))), ==, 0);
    g_assert_cmpuint(bp_replant(&t, insn_of, &r), ==, 0); /* nothing rewritten */
    *word(&r, gpa_of(5)) = 0xd2800040; /* the guest patches in mov x0, #2 */
    g_assert_cmpuint(bp_replant(&t, insn_of, &r), ==, 1);
    g_assert_cmphex(*word(&r, gpa_of(5)), ==, A64_BRK0);
    g_assert_cmphex(bp_find(&t, gpa_of(5))->orig, ==, 0xd2800040);
    g_assert_cmpint(bp_remove(&t, gpa_of(5), word(&r, gpa_of(5))), ==, 0);
    g_assert_cmphex(*word(&r, gpa_of(5)), ==, 0xd2800040);
    bp_table_destroy(&t);
}

/* brkvm's own breakpoints (--on-panic): planted like gdb's, hidden from gdb's reads, not
 * counted as gdb's, and they outlive gdb's z0 at the same word and gdb's detach */
static void test_own(void)
{
    struct bp_table t;
    struct ram r;
    uint8_t buf[4];
    uint32_t orig;

    ram_init(&r);
    bp_table_init(&t);
    orig = r.w[4];
    g_assert_cmpint(bp_insert_own(&t, gpa_of(4), word(&r, gpa_of(4)), 1), ==, 0);
    g_assert_cmphex(r.w[4], ==, A64_BRK0);
    g_assert_cmpuint(bp_count(&t), ==, 0);
    g_assert_cmpuint(bp_own_count(&t), ==, 1);
    g_assert_cmpint(bp_insert_own(&t, gpa_of(5), word(&r, gpa_of(5)), 0), ==, -EINVAL);
    g_assert_cmpint(bp_insert_own(&t, gpa_of(5) + 2, word(&r, gpa_of(5)), 1), ==, -EINVAL);
    /* gdb reads the original */
    memcpy(buf, &r.w[4], 4);
    g_assert_cmpuint(bp_shadow_read(&t, gpa_of(4), buf, 4), ==, 1);
    g_assert_cmphex(rd32(buf), ==, orig);
    /* gdb's z0 where it set nothing is refused; its Z0 + z0 at the word leaves ours */
    g_assert_cmpint(bp_remove(&t, gpa_of(4), word(&r, gpa_of(4))), ==, -ENOENT);
    g_assert_cmpint(bp_insert(&t, gpa_of(4), word(&r, gpa_of(4))), ==, 0);
    g_assert_cmpuint(bp_count(&t), ==, 1);
    g_assert_cmphex(bp_find(&t, gpa_of(4))->orig, ==, orig);
    g_assert_cmpint(bp_remove(&t, gpa_of(4), word(&r, gpa_of(4))), ==, 0);
    g_assert_cmpuint(bp_count(&t), ==, 0);
    g_assert_cmphex(r.w[4], ==, A64_BRK0);
    g_assert_nonnull(bp_find(&t, gpa_of(4)));
    /* gdb detaches: its breakpoints go, ours stays */
    g_assert_cmpint(bp_insert(&t, gpa_of(4), word(&r, gpa_of(4))), ==, 0);
    g_assert_cmpint(bp_insert(&t, gpa_of(6), word(&r, gpa_of(6))), ==, 0);
    g_assert_cmpuint(bp_count(&t), ==, 2);
    bp_clear(&t, insn_of, &r);
    g_assert_cmpuint(bp_count(&t), ==, 0);
    g_assert_cmpuint(bp_own_count(&t), ==, 1);
    g_assert_cmphex(r.w[4], ==, A64_BRK0);
    g_assert_cmphex(r.w[6], !=, A64_BRK0);
    g_assert_null(bp_find(&t, gpa_of(6)));
    g_assert_false(bp_find(&t, gpa_of(4))->gdb);
    /* a second tag on the same word; a reload (reset) over it is planted again */
    g_assert_cmpint(bp_insert_own(&t, gpa_of(4), word(&r, gpa_of(4)), 2), ==, 0);
    g_assert_cmpuint(bp_own_count(&t), ==, 1);
    g_assert_cmpuint(bp_find(&t, gpa_of(4))->own, ==, 3);
    r.w[4] = orig;
    g_assert_cmpuint(bp_replant(&t, insn_of, &r), ==, 1);
    g_assert_cmphex(r.w[4], ==, A64_BRK0);
    g_assert_cmphex(bp_find(&t, gpa_of(4))->orig, ==, orig);
    bp_table_destroy(&t);
}

static uint32_t *insn_of_big(void *opaque, uint64_t gpa)
{
    return gpa < 4 * (BP_GDB_MAX + 2) ? (uint32_t *)opaque + gpa / 4 : NULL;
}

/* a client cannot grow the table without bound: BP_GDB_MAX of gdb's, then -ENOSPC with the word
 * untouched; re-inserting one already there, gdb's Z0 over brkvm's own, and inserting again after
 * a removal still work; a full table clears completely */
static void test_limit(void)
{
    const size_t n = BP_GDB_MAX + 2;
    uint32_t *mem = g_new(uint32_t, n);
    struct bp_table t;

    for (size_t i = 0; i < n; i++)
        mem[i] = 0x91000000U + (uint32_t)i;
    bp_table_init(&t);
    /* brkvm's own breakpoint on the last word: not counted against gdb's limit */
    g_assert_cmpint(bp_insert_own(&t, 4 * (n - 1), &mem[n - 1], 1), ==, 0);
    for (size_t i = 0; i < BP_GDB_MAX; i++)
        g_assert_cmpint(bp_insert(&t, 4 * i, &mem[i]), ==, 0);
    g_assert_cmpuint(bp_count(&t), ==, BP_GDB_MAX);
    /* one more: refused, memory unchanged, nothing added */
    g_assert_cmpint(bp_insert(&t, 4 * BP_GDB_MAX, &mem[BP_GDB_MAX]), ==, -ENOSPC);
    g_assert_cmphex(mem[BP_GDB_MAX], ==, 0x91000000U + BP_GDB_MAX);
    g_assert_null(bp_find(&t, 4 * BP_GDB_MAX));
    g_assert_cmpuint(bp_count(&t), ==, BP_GDB_MAX);
    /* gdb's Z0 on brkvm's own word counts as gdb's too: refused while full */
    g_assert_cmpint(bp_insert(&t, 4 * (n - 1), &mem[n - 1]), ==, -ENOSPC);
    g_assert_false(bp_find(&t, 4 * (n - 1))->gdb);
    /* inserting one that is there again: fine (gdb re-sends Z0 to change conditions) */
    g_assert_cmpint(bp_insert(&t, 0, &mem[0]), ==, 0);
    g_assert_cmpuint(bp_count(&t), ==, BP_GDB_MAX);
    /* after a removal there is room for one */
    g_assert_cmpint(bp_remove(&t, 8, &mem[2]), ==, 0);
    g_assert_cmphex(mem[2], ==, 0x91000002U);
    g_assert_cmpint(bp_insert(&t, 4 * BP_GDB_MAX, &mem[BP_GDB_MAX]), ==, 0);
    g_assert_cmphex(mem[BP_GDB_MAX], ==, A64_BRK0);
    g_assert_cmpint(bp_insert(&t, 8, &mem[2]), ==, -ENOSPC);
    g_assert_cmphex(mem[2], ==, 0x91000002U);
    /* clearing gdb's restores every word; brkvm's own stays */
    bp_clear(&t, insn_of_big, mem);
    g_assert_cmpuint(bp_count(&t), ==, 0);
    for (size_t i = 0; i < n - 1; i++)
        g_assert_cmphex(mem[i], ==, 0x91000000U + (uint32_t)i);
    g_assert_cmphex(mem[n - 1], ==, A64_BRK0);
    g_assert_cmpuint(bp_own_count(&t), ==, 1);
    bp_table_destroy(&t);
    g_free(mem);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    /* a failing case is reported ("not ok") and the other cases still run */
    g_test_set_nonfatal_assertions();
    g_test_add_func("/breakpoints/insert-remove", test_insert_remove);
    g_test_add_func("/breakpoints/replant", test_replant);
    g_test_add_func("/breakpoints/refcount", test_insert_twice);
    g_test_add_func("/breakpoints/guest-rewrote", test_guest_rewrote);
    g_test_add_func("/breakpoints/foreach-clear", test_foreach_clear);
    g_test_add_func("/breakpoints/shadow-read", test_shadow_read);
    g_test_add_func("/breakpoints/shadow-read-empty", test_shadow_read_empty);
    g_test_add_func("/breakpoints/shadow-read-top", test_shadow_top_of_space);
    g_test_add_func("/breakpoints/shadow-write", test_shadow_write);
    g_test_add_func("/breakpoints/own", test_own);
    g_test_add_func("/breakpoints/limit", test_limit);
    return g_test_run();
}
