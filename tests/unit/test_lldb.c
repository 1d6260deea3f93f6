/* test_lldb.c - LLDB's packets (gdbstub/lldb.c) against a fake target, and the packet sequence
 * Debian's lldb-15 sends (recorded with `log enable gdb-remote packets`) replayed through the
 * whole stub.  The fake target and the framing helpers are copied from test_stub.c. */
#include <brkvm/gdb_stub.h>

#include <errno.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_THREADS 4
#define MEM_BASE 0x80000000ULL
#define MEM_SIZE 0x10000

/* ---- the fake target (from test_stub.c, trimmed) ---- */

struct fake {
    int nthreads;
    uint8_t mem[MEM_SIZE];
    uint8_t regs[MAX_THREADS + 1][GDB_NUM_ALL_REGS][16]; /* [thread][regno] */
    enum gdb_action act[MAX_THREADS];
    int resumes, detaches, kills;
    uint64_t bps[16];
    int nbps;
};

static int f_nr_threads(void *t)
{
    return ((struct fake *)t)->nthreads;
}

static int f_read_reg(void *t, int thread, int regno, uint8_t *buf)
{
    struct fake *f = t;
    if (thread < 1 || thread > f->nthreads || !gdb_reg_size(regno))
        return -EINVAL;
    memcpy(buf, f->regs[thread][regno], gdb_reg_size(regno));
    return 0;
}

static int f_write_reg(void *t, int thread, int regno, const uint8_t *buf)
{
    struct fake *f = t;
    if (thread < 1 || thread > f->nthreads || !gdb_reg_size(regno))
        return -EINVAL;
    memcpy(f->regs[thread][regno], buf, gdb_reg_size(regno));
    return 0;
}

static long mem_span(uint64_t addr, size_t len)
{
    if (addr < MEM_BASE || addr >= MEM_BASE + MEM_SIZE)
        return -EFAULT;
    return (long)MIN((uint64_t)len, MEM_BASE + MEM_SIZE - addr);
}

static long f_read_mem(void *t, int thread, uint64_t addr, uint8_t *buf, size_t len, bool phys)
{
    struct fake *f = t;
    long n = mem_span(addr, len);
    if (n > 0)
        memcpy(buf, f->mem + (addr - MEM_BASE), (size_t)n);
    return n;
}

static long f_write_mem(void *t, int thread, uint64_t addr, const uint8_t *buf, size_t len,
                        bool phys)
{
    struct fake *f = t;
    long n = mem_span(addr, len);
    if (n > 0)
        memcpy(f->mem + (addr - MEM_BASE), buf, (size_t)n);
    return n;
}

static int f_insert_bp(void *t, int thread, uint64_t addr, bool phys)
{
    struct fake *f = t;
    if (mem_span(addr, 4) < 4)
        return -EFAULT;
    g_assert_cmpint(f->nbps, <, (int)G_N_ELEMENTS(f->bps));
    f->bps[f->nbps++] = addr;
    return 0;
}

static int f_remove_bp(void *t, int thread, uint64_t addr, bool phys)
{
    struct fake *f = t;
    for (int i = 0; i < f->nbps; i++) {
        if (f->bps[i] == addr) {
            f->bps[i] = f->bps[--f->nbps];
            return 0;
        }
    }
    return mem_span(addr, 4) < 4 ? -EFAULT : -ENOENT;
}

static int f_resume(void *t, const enum gdb_action *actions)
{
    struct fake *f = t;
    memcpy(f->act, actions, sizeof(*actions) * (size_t)f->nthreads);
    f->resumes++;
    return 0;
}

static void f_interrupt(void *t) {}

static void f_detach(void *t)
{
    ((struct fake *)t)->detaches++;
}

static void f_kill(void *t)
{
    ((struct fake *)t)->kills++;
}

static const struct gdb_target_ops fake_ops = {
    .nr_threads = f_nr_threads,
    .read_reg = f_read_reg,
    .write_reg = f_write_reg,
    .read_mem = f_read_mem,
    .write_mem = f_write_mem,
    .insert_sw_bp = f_insert_bp,
    .remove_sw_bp = f_remove_bp,
    .resume = f_resume,
    .interrupt = f_interrupt,
    .detach = f_detach,
    .kill = f_kill,
};

/* ---- the test context and framing helpers (from test_stub.c) ---- */

struct ctx {
    struct fake f;
    struct gdb_stub *s;
    GString *out; /* bytes the stub sent, not yet looked at */
    bool noack;
    enum gdb_stub_status status;
};

static int capture(void *io, const uint8_t *buf, size_t len)
{
    g_string_append_len(((struct ctx *)io)->out, (const char *)buf, (gssize)len);
    return 0;
}

static struct ctx *ctx_new(int nthreads)
{
    struct ctx *c = g_new0(struct ctx, 1);
    struct gdb_stop st = {.thread = 1, .reason = GDB_STOP_ATTACH};

    c->f.nthreads = nthreads;
    for (int t = 1; t <= MAX_THREADS; t++)
        for (int r = 0; r < GDB_NUM_ALL_REGS; r++)
            for (int i = 0; i < 16; i++)
                c->f.regs[t][r][i] = (uint8_t)(t * 0x40 + r * 5 + i * 0x11 + 1);
    for (int i = 0; i < MEM_SIZE; i++)
        c->f.mem[i] = (uint8_t)(i * 7 + (i >> 8));
    c->out = g_string_new(NULL);
    c->s = gdb_stub_new(&fake_ops, &c->f, capture, c);
    gdb_stub_connect(c->s, &st);
    return c;
}

static void ctx_free(struct ctx *c)
{
    gdb_stub_free(c->s);
    g_string_free(c->out, TRUE);
    g_free(c);
}

/* frame a payload as a client does (escapes, no run-length encoding) */
static void send_payload(struct ctx *c, const char *payload)
{
    GString *f = g_string_new("$");
    uint8_t sum = 0;

    for (const char *p = payload; *p; p++) {
        if (*p == '$' || *p == '#' || *p == '}' || *p == '*') {
            g_string_append_c(f, '}');
            g_string_append_c(f, (char)(*p ^ 0x20));
            sum += (uint8_t)'}' + (uint8_t)(*p ^ 0x20);
        } else {
            g_string_append_c(f, *p);
            sum += (uint8_t)*p;
        }
    }
    g_string_append_printf(f, "#%02x", sum);
    c->status = gdb_stub_input(c->s, (const uint8_t *)f->str, f->len);
    g_string_free(f, TRUE);
}

/* one packet off the front of the output: framing and checksum checked, escapes and
 * run-length encoding undone; NULL if the output holds no whole packet */
static char *take_packet(struct ctx *c)
{
    const char *o = c->out->str;
    size_t n = c->out->len, i;
    GString *p;
    uint8_t sum = 0;

    if (!n)
        return NULL;
    g_assert_cmpint(o[0], ==, '$');
    p = g_string_new(NULL);
    for (i = 1; i < n && o[i] != '#'; i++) {
        sum += (uint8_t)o[i];
        if (o[i] == '}') {
            g_assert_cmpuint(i + 1, <, n);
            sum += (uint8_t)o[++i];
            g_string_append_c(p, (char)(o[i] ^ 0x20));
        } else if (o[i] == '*') {
            g_assert_cmpuint(i + 1, <, n);
            g_assert_cmpuint(p->len, >, 0);
            sum += (uint8_t)o[++i];
            for (int k = o[i] - 29; k > 0; k--)
                g_string_append_c(p, p->str[p->len - 1]);
        } else {
            g_string_append_c(p, o[i]);
        }
    }
    g_assert_cmpuint(i + 2, <, n);
    g_assert_cmpint(g_ascii_xdigit_value(o[i + 1]) * 16 + g_ascii_xdigit_value(o[i + 2]), ==, sum);
    g_string_erase(c->out, 0, (gssize)(i + 3));
    return g_string_free(p, FALSE);
}

static void take_ack(struct ctx *c)
{
    if (c->noack)
        return;
    g_assert_cmpuint(c->out->len, >=, 1);
    g_assert_cmpint(c->out->str[0], ==, '+');
    g_string_erase(c->out, 0, 1);
}

/* send a request, return the one reply's payload (valid until the next call) */
static const char *xchg(struct ctx *c, const char *payload)
{
    static char *last;

    g_assert_cmpuint(c->out->len, ==, 0);
    send_payload(c, payload);
    take_ack(c);
    g_free(last);
    last = take_packet(c);
    if (!last)
        g_error("no reply to '%s'", payload);
    g_assert_cmpuint(c->out->len, ==, 0);
    return last;
}

/* send a request that resumes the target: only the ack comes back */
static void send_resume(struct ctx *c, const char *payload)
{
    g_assert_cmpuint(c->out->len, ==, 0);
    send_payload(c, payload);
    take_ack(c);
    g_assert_cmpuint(c->out->len, ==, 0);
    g_assert_true(gdb_stub_running(c->s));
}

static char *hex_of(const void *p, size_t n)
{
    char *s = g_malloc(2 * n + 1);
    gdb_hex_encode(p, n, s);
    s[2 * n] = 0;
    return s;
}

/* ---- qHostInfo / qProcessInfo ---- */

/* "key:value;key:value;" -> a table; every pair must end with ';', no key twice */
static GHashTable *parse_keys(const char *reply)
{
    GHashTable *h = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    const char *p = reply;

    g_assert_cmpuint(strlen(reply), >, 0);
    while (*p) {
        const char *colon = strchr(p, ':'), *semi = strchr(p, ';');
        g_assert_nonnull(colon);
        g_assert_nonnull(semi);
        g_assert_true(colon < semi);
        char *key = g_strndup(p, colon - p);
        g_assert_false(g_hash_table_contains(h, key));
        g_hash_table_insert(h, key, g_strndup(colon + 1, semi - colon - 1));
        p = semi + 1;
    }
    return h;
}

/* the triple is hex-encoded ASCII; the OS must stay unknown ("none"), see lldb.c */
static void check_target_keys(GHashTable *h)
{
    const char *hex = g_hash_table_lookup(h, "triple");
    char triple[64] = {0};

    g_assert_nonnull(hex);
    g_assert_cmpint(gdb_hex_decode(hex, strlen(hex), (uint8_t *)triple, sizeof(triple) - 1), >, 0);
    g_assert_cmpstr(triple, ==, "aarch64-unknown-none");
    g_assert_cmpstr(g_hash_table_lookup(h, "ptrsize"), ==, "8");
    g_assert_cmpstr(g_hash_table_lookup(h, "endian"), ==, "little");
}

static void test_host_info(void)
{
    struct ctx *c = ctx_new(1);
    GHashTable *h = parse_keys(xchg(c, "qHostInfo"));

    check_target_keys(h);
    g_assert_cmpuint(g_hash_table_size(h), ==, 3);
    g_hash_table_unref(h);
    /* exact match only: a longer packet is unknown */
    g_assert_cmpstr(xchg(c, "qHostInfoX"), ==, "");
    g_assert_cmpstr(xchg(c, "qHostInfo:1"), ==, "");
    ctx_free(c);
}

static void test_process_info(void)
{
    struct ctx *c = ctx_new(2);
    GHashTable *h = parse_keys(xchg(c, "qProcessInfo"));

    check_target_keys(h);
    g_assert_cmpstr(g_hash_table_lookup(h, "pid"), ==, "1"); /* the VM; threads are vCPUs */
    g_assert_cmpuint(g_hash_table_size(h), ==, 4);
    g_hash_table_unref(h);
    g_assert_cmpstr(xchg(c, "qProcessInfoPID:1"), ==, "");
    ctx_free(c);
}

/* LLDB's other extensions: the empty reply, so LLDB uses gdb's packets instead.
 * QThreadSuffixSupported in particular must not be accepted (p/P would get ";thread:N;"). */
static void test_unsupported(void)
{
    static const char *const pkts[] = {
        "QThreadSuffixSupported",
        "QListThreadsInStopReply",
        "qVAttachOrWaitSupported",
        "QEnableErrorStrings",
        "qStructuredDataPlugins",
        "qShlibInfoAddr",
        "qMemoryRegionInfo:80080000",
        "jThreadsInfo",
        "jThreadExtendedInfo:",
        "x0,0",
        "x80000000,4",
        "qOffsets",
        "qThreadStopInfo1",
        "qRegisterInfo0",
        "qGetWorkingDir",
    };
    struct ctx *c = ctx_new(1);

    for (size_t i = 0; i < G_N_ELEMENTS(pkts); i++) {
        g_test_message("%s", pkts[i]);
        g_assert_cmpstr(xchg(c, pkts[i]), ==, "");
    }
    /* the registers are still read the gdb way after all those */
    g_assert_cmpstr(xchg(c, "Hg1"), ==, "OK");
    g_assert_cmpuint(strlen(xchg(c, "p20")), ==, 16);
    ctx_free(c);
}

/* ---- lldb-15's session, as recorded against brkvm ---- */

static void stop(struct ctx *c, int thread, enum gdb_stop_reason why, const char *want_in)
{
    struct gdb_stop st = {.thread = thread, .reason = why};
    char *r;

    gdb_stub_stopped(c->s, &st);
    g_assert_false(gdb_stub_running(c->s));
    r = take_packet(c);
    g_assert_nonnull(r);
    g_assert_true(g_str_has_prefix(r, "T05"));
    g_assert_nonnull(strstr(r, want_in));
    g_free(r);
    g_assert_cmpuint(c->out->len, ==, 0);
}

static void test_session(void)
{
    struct ctx *c = ctx_new(2);
    char *pc = hex_of(c->f.regs[1][GDB_REG_PC], 8);
    char *cpsr = hex_of(c->f.regs[1][GDB_REG_CPSR], 4);
    char *mem = hex_of(c->f.mem + 0x1c, 4);
    const char *r;

    /* connect */
    g_assert_cmpstr(xchg(c, "QStartNoAckMode"), ==, "OK");
    c->noack = true;
    r = xchg(c, "qSupported:xmlRegisters=i386,arm,mips,arc;multiprocess+;fork-events+;"
                "vfork-events+");
    g_assert_nonnull(strstr(r, "qXfer:features:read+")); /* LLDB then reads target.xml */
    g_assert_null(strstr(r, "multiprocess+"));           /* plain thread ids, no pPID.TID */
    g_assert_cmpstr(xchg(c, "QThreadSuffixSupported"), ==, "");
    g_assert_cmpstr(xchg(c, "QListThreadsInStopReply"), ==, "");
    g_assert_true(g_str_has_prefix(xchg(c, "qHostInfo"), "triple:"));
    g_assert_cmpstr(xchg(c, "vCont?"), ==, "vCont;c;C;s;S");
    g_assert_cmpstr(xchg(c, "qVAttachOrWaitSupported"), ==, "");
    g_assert_cmpstr(xchg(c, "QEnableErrorStrings"), ==, "");
    g_assert_true(g_str_has_prefix(xchg(c, "qProcessInfo"), "pid:1;"));
    g_assert_cmpstr(xchg(c, "qC"), ==, "QC1");
    g_assert_true(g_str_has_prefix(xchg(c, "?"), "T05"));
    g_assert_true(g_str_has_prefix(xchg(c, "qXfer:features:read:target.xml:0,ffff"), "l<?xml"));
    g_assert_cmpstr(xchg(c, "Hg1"), ==, "OK");
    g_assert_cmpstr(xchg(c, "qfThreadInfo"), ==, "m1,2");
    g_assert_cmpstr(xchg(c, "qsThreadInfo"), ==, "l");
    /* register read x0 pc cpsr: one p each, LLDB's numbers = gdb's (target.xml order) */
    g_assert_cmpuint(strlen(xchg(c, "p0")), ==, 16);
    g_assert_cmpstr(xchg(c, "p20"), ==, pc);
    g_assert_cmpstr(xchg(c, "p21"), ==, cpsr);
    /* memory read: x probed once, then m */
    g_assert_cmpstr(xchg(c, "x0,0"), ==, "");
    g_assert_cmpstr(xchg(c, "m8000001c,4"), ==, mem);
    /* breakpoint set + continue, stop at it */
    g_assert_cmpstr(xchg(c, "Z0,8000001c,4"), ==, "OK");
    g_assert_cmpint(c->f.nbps, ==, 1);
    send_resume(c, "c");
    g_assert_cmpint(c->f.act[0], ==, GDB_ACT_CONT);
    g_assert_cmpint(c->f.act[1], ==, GDB_ACT_CONT);
    stop(c, 1, GDB_STOP_SWBREAK, "swbreak:;");
    /* si from the breakpoint: LLDB lifts it and steps thread 1 alone */
    g_assert_cmpstr(xchg(c, "Hg1"), ==, "OK");
    g_assert_cmpstr(xchg(c, "z0,8000001c,4"), ==, "OK");
    send_resume(c, "vCont;s:0001");
    g_assert_cmpint(c->f.act[0], ==, GDB_ACT_STEP);
    g_assert_cmpint(c->f.act[1], ==, GDB_ACT_STOP);
    stop(c, 1, GDB_STOP_STEP, "thread:1;");
    g_assert_cmpstr(xchg(c, "Z0,8000001c,4"), ==, "OK");
    /* process detach */
    send_payload(c, "D");
    g_assert_cmpint(c->status, ==, GDB_STUB_DETACHED);
    r = take_packet(c);
    g_assert_cmpstr(r, ==, "OK");
    g_free((char *)r);
    g_assert_cmpint(c->f.detaches, ==, 1);
    g_assert_cmpint(c->f.kills, ==, 0);
    g_free(pc);
    g_free(cpsr);
    g_free(mem);
    ctx_free(c);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/lldb/qHostInfo", test_host_info);
    g_test_add_func("/lldb/qProcessInfo", test_process_info);
    g_test_add_func("/lldb/unsupported", test_unsupported);
    g_test_add_func("/lldb/session", test_session);
    return g_test_run();
}
