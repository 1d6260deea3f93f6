/* breakpoints.c - gdb's software breakpoints (and brkvm's own) keyed by guest-physical address */
#include <brkvm/bp_agent.h>
#include <brkvm/breakpoints.h>

#include <errno.h>
#include <glib.h>
#include <string.h>

static guint gpa_hash(gconstpointer k)
{
    uint64_t v = *(const uint64_t *)k;
    return (guint)(v >> 2 ^ v >> 32);
}

static gboolean gpa_equal(gconstpointer a, gconstpointer b)
{
    return *(const uint64_t *)a == *(const uint64_t *)b;
}

static void bp_free(gpointer p)
{
    struct sw_bp *bp = p;
    bp_agent_free(bp->agent);
    g_free(bp);
}

void bp_table_init(struct bp_table *t)
{
    t->map = g_hash_table_new_full(gpa_hash, gpa_equal, NULL, bp_free);
    t->ngdb = t->nown = 0;
}

void bp_table_destroy(struct bp_table *t)
{
    if (t->map)
        g_hash_table_destroy(t->map);
    t->map = NULL;
}

struct sw_bp *bp_find(struct bp_table *t, uint64_t gpa)
{
    return g_hash_table_lookup(t->map, &gpa);
}

int bp_set_agent(struct bp_table *t, uint64_t gpa, struct bp_agent *a)
{
    struct sw_bp *bp = bp_find(t, gpa);

    if (!bp || !bp->gdb) {
        bp_agent_free(a);
        return -ENOENT;
    }
    bp_agent_free(bp->agent);
    bp->agent = a;
    return 0;
}

unsigned bp_count(const struct bp_table *t)
{
    return t->ngdb;
}

unsigned bp_own_count(const struct bp_table *t)
{
    return t->nown;
}

/* any breakpoint at all, gdb's or brkvm's: memory gdb reads or writes may hold a BRK */
static bool bp_any(const struct bp_table *t)
{
    return g_hash_table_size(t->map) != 0;
}

static struct sw_bp *bp_new(struct bp_table *t, uint64_t gpa, uint32_t *insn)
{
    struct sw_bp *bp = g_new0(struct sw_bp, 1);

    bp->gpa = gpa;
    bp->orig = *insn;
    g_hash_table_insert(t->map, &bp->gpa, bp);
    *insn = A64_BRK0;
    return bp;
}

int bp_insert_own(struct bp_table *t, uint64_t gpa, uint32_t *insn, unsigned tag)
{
    struct sw_bp *bp = bp_find(t, gpa);

    if ((gpa & 3) || !tag)
        return -EINVAL;
    if (!bp) {
        bp = bp_new(t, gpa, insn);
    } else if (*insn != A64_BRK0) {
        bp->orig = *insn;
        *insn = A64_BRK0;
    }
    if (!bp->own)
        t->nown++;
    bp->own |= tag;
    return 0;
}

int bp_insert(struct bp_table *t, uint64_t gpa, uint32_t *insn)
{
    struct sw_bp *bp = bp_find(t, gpa);

    if (gpa & 3)
        return -EINVAL;
    if ((!bp || !bp->gdb) && t->ngdb >= BP_GDB_MAX)
        return -ENOSPC;
    if (bp) {
        if (!bp->gdb)
            t->ngdb++;
        bp->gdb = true;
        /* the guest may have rewritten the word since: guard the new instruction */
        if (*insn != A64_BRK0) {
            bp->orig = *insn;
            *insn = A64_BRK0;
        }
        return 0;
    }
    bp = bp_new(t, gpa, insn);
    bp->gdb = true;
    t->ngdb++;
    return 0;
}

int bp_remove(struct bp_table *t, uint64_t gpa, uint32_t *insn)
{
    struct sw_bp *bp = bp_find(t, gpa);

    if (!bp || !bp->gdb)
        return -ENOENT;
    bp->gdb = false;
    bp_agent_free(bp->agent);
    bp->agent = NULL;
    t->ngdb--;
    if (bp->own) /* brkvm still needs it */
        return 0;
    if (insn && *insn == A64_BRK0)
        *insn = bp->orig;
    g_hash_table_remove(t->map, &gpa);
    return 0;
}

struct foreach_ctx {
    void (*fn)(struct sw_bp *, void *);
    void *opaque;
};

static void foreach_cb(gpointer k, gpointer v, gpointer u)
{
    struct foreach_ctx *c = u;
    c->fn(v, c->opaque);
}

void bp_foreach(struct bp_table *t, void (*fn)(struct sw_bp *bp, void *opaque), void *opaque)
{
    struct foreach_ctx c = {fn, opaque};
    g_hash_table_foreach(t->map, foreach_cb, &c);
}

void bp_clear(struct bp_table *t, uint32_t *(*insn_of)(void *opaque, uint64_t gpa), void *opaque)
{
    GHashTableIter it;
    gpointer k, v;

    g_hash_table_iter_init(&it, t->map);
    while (g_hash_table_iter_next(&it, &k, &v)) {
        struct sw_bp *bp = v;
        uint32_t *insn = insn_of(opaque, bp->gpa);
        if (bp->own) { /* brkvm's own: stays planted */
            bp->gdb = false;
            bp_agent_free(bp->agent);
            bp->agent = NULL;
            bp->va = 0;
            continue;
        }
        if (insn && *insn == A64_BRK0)
            *insn = bp->orig;
        g_hash_table_iter_remove(&it);
    }
    t->ngdb = 0;
}

unsigned bp_replant(struct bp_table *t, uint32_t *(*insn_of)(void *opaque, uint64_t gpa),
                    void *opaque)
{
    GHashTableIter it;
    gpointer k, v;
    unsigned n = 0;

    g_hash_table_iter_init(&it, t->map);
    while (g_hash_table_iter_next(&it, &k, &v)) {
        struct sw_bp *bp = v;
        uint32_t *insn = insn_of(opaque, bp->gpa);
        if (insn && *insn != A64_BRK0) {
            bp->orig = *insn;
            *insn = A64_BRK0;
            n++;
        }
    }
    return n;
}

/* the breakpoints whose word overlaps [gpa, gpa+len), len > 0: at most len/4 + 2 candidates;
 * offsets from the first word, so the top of the address space does not wrap the bound */
#define FOR_EACH_OVERLAP(t, gpa, len, bp)                                                          \
    for (uint64_t o_ = 0; o_ < (len) + ((gpa)&3); o_ += 4)                                         \
        if (((bp) = bp_find((t), ((gpa) & ~3ULL) + o_)) != NULL)

unsigned bp_shadow_read(struct bp_table *t, uint64_t gpa, uint8_t *buf, size_t len)
{
    struct sw_bp *bp;
    unsigned n = 0;

    if (!bp_any(t) || !len)
        return 0;
    FOR_EACH_OVERLAP(t, gpa, len, bp) {
        uint8_t brk[4], orig[4];
        bool ours = true;
        memcpy(brk, &(uint32_t){A64_BRK0}, 4);
        memcpy(orig, &bp->orig, 4);
        /* check the bytes we see are our BRK before showing the original */
        for (int i = 0; i < 4; i++) {
            uint64_t a = bp->gpa + i;
            if (a >= gpa && a - gpa < len && buf[a - gpa] != brk[i])
                ours = false;
        }
        if (!ours)
            continue;
        for (int i = 0; i < 4; i++) {
            uint64_t a = bp->gpa + i;
            if (a >= gpa && a - gpa < len)
                buf[a - gpa] = orig[i];
        }
        n++;
    }
    return n;
}

void bp_shadow_write(struct bp_table *t, uint64_t gpa, const uint8_t *data, uint8_t *data_out,
                     size_t len, const uint8_t *mem_now)
{
    struct sw_bp *bp;

    memcpy(data_out, data, len);
    if (!bp_any(t) || !len)
        return;
    FOR_EACH_OVERLAP(t, gpa, len, bp) {
        uint8_t orig[4], brk[4];
        bool ours = true;
        memcpy(brk, &(uint32_t){A64_BRK0}, 4);
        for (int i = 0; i < 4; i++) {
            uint64_t a = bp->gpa + i;
            if (a >= gpa && a - gpa < len && mem_now[a - gpa] != brk[i])
                ours = false;
        }
        if (!ours)
            continue;
        memcpy(orig, &bp->orig, 4);
        for (int i = 0; i < 4; i++) {
            uint64_t a = bp->gpa + i;
            if (a >= gpa && a - gpa < len) {
                orig[i] = data[a - gpa];    /* the new instruction becomes the original */
                data_out[a - gpa] = brk[i]; /* and memory keeps the BRK */
            }
        }
        memcpy(&bp->orig, orig, 4);
    }
}
