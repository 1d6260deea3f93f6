/* stub.c - the GDB remote protocol engine: acks and retransmission, the packet table and each
 * packet's handler, stop replies.  Reaches the machine only through struct gdb_target_ops. */
#define G_LOG_DOMAIN "gdb"
#include "stub_internal.h"

#include <errno.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/* E codes gdb shows: 14 = EFAULT ("Cannot access memory"), 22 = EINVAL, 16 = EBUSY */
#define E_FAULT "E14"
#define E_INVAL "E22"
#define E_BUSY "E16"

/* ---- replies ---- */

void reply_bytes(struct gdb_stub *s, const void *p, size_t n)
{
    if (s->reply_len + n > REPLY_CAP)
        n = REPLY_CAP - s->reply_len;
    memcpy(s->reply + s->reply_len, p, n);
    s->reply_len += n;
}

void reply_str(struct gdb_stub *s, const char *str)
{
    reply_bytes(s, str, strlen(str));
}

void reply_fmt(struct gdb_stub *s, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf((char *)s->reply + s->reply_len, REPLY_CAP - s->reply_len, fmt, ap);
    va_end(ap);
    if (n > 0)
        s->reply_len += (size_t)n < REPLY_CAP - s->reply_len ? (size_t)n
                                                             : REPLY_CAP - s->reply_len - 1;
}

void reply_hex(struct gdb_stub *s, const uint8_t *p, size_t n)
{
    if (s->reply_len + 2 * n > REPLY_CAP)
        n = (REPLY_CAP - s->reply_len) / 2;
    gdb_hex_encode(p, n, (char *)s->reply + s->reply_len);
    s->reply_len += 2 * n;
}

static void send_packet(struct gdb_stub *s, const uint8_t *payload, size_t len)
{
    size_t n = gdb_packet_encode(payload, len, s->tx, 2 * REPLY_CAP + 8, true);

    s->tx_len = n;
    g_debug("-> %.*s%s", (int)MIN(len, 120), (const char *)payload, len > 120 ? "..." : "");
    if (n && s->send(s->io, s->tx, n) < 0)
        g_info("send failed");
}

void send_reply(struct gdb_stub *s)
{
    send_packet(s, s->reply, s->reply_len);
    s->reply_len = 0;
}

/* ---- threads ---- */

static int nr_threads(struct gdb_stub *s)
{
    return s->ops->nr_threads(s->target);
}

/* thread for register/memory access */
int cur_thread(struct gdb_stub *s)
{
    return s->g_thread > 0 ? s->g_thread : (s->last_stop.thread > 0 ? s->last_stop.thread : 1);
}

/* parse a thread id: hex number, -1 (all) or 0 (any); returns -2 on error */
static int parse_tid(const char **p)
{
    uint64_t v;

    if ((*p)[0] == '-' && (*p)[1] == '1') {
        *p += 2;
        return -1;
    }
    if ((*p)[0] == 'p') /* multiprocess form pPID.TID: use TID */
        return -2;
    if (gdb_hex_u64(p, &v) || v > 0x7fffffff)
        return -2;
    return (int)v;
}

static bool valid_thread(struct gdb_stub *s, int t)
{
    return t >= 1 && t <= nr_threads(s);
}

/* ---- stop replies ---- */

static void append_reg(struct gdb_stub *s, int thread, int regno)
{
    uint8_t buf[GDB_REG_MAX_SIZE];

    if (s->ops->read_reg(s->target, thread, regno, buf))
        return;
    reply_fmt(s, "%02x:", regno);
    reply_hex(s, buf, stub_reg_size(s, regno));
    reply_str(s, ";");
}

static void build_stop_reply(struct gdb_stub *s, const struct gdb_stop *st)
{
    int sig = st->reason == GDB_STOP_INTERRUPT ? 2 /* SIGINT */
              : st->reason == GDB_STOP_SIGNAL && st->signal > 0 && st->signal < 256
                  ? st->signal
                  : 5 /* SIGTRAP */;

    reply_fmt(s, "T%02x", sig);
    /* expedite pc, sp and fp so gdb can show the frame without a 'g' */
    append_reg(s, st->thread, GDB_REG_PC);
    append_reg(s, st->thread, GDB_REG_SP);
    append_reg(s, st->thread, GDB_REG_X29);
    reply_fmt(s, "thread:%x;", st->thread);
    if (st->reason == GDB_STOP_SWBREAK)
        reply_str(s, "swbreak:;");
    else if (st->reason == GDB_STOP_HWBREAK)
        reply_str(s, "hwbreak:;");
    else if (st->reason == GDB_STOP_WATCH)
        reply_fmt(s, "%s:%llx;", st->watch_type == 3 ? "rwatch" : st->watch_type == 4 ? "awatch"
                                                                                     : "watch",
                  (unsigned long long)st->data_addr);
}

/* ---- handlers ---- */

static void h_query_halt(struct gdb_stub *s, const char *arg, size_t len)
{
    build_stop_reply(s, &s->last_stop);
}

static void h_supported(struct gdb_stub *s, const char *arg, size_t len)
{
    reply_fmt(s, "PacketSize=%x;qXfer:features:read+;swbreak+;%sQStartNoAckMode+;"
                 "vContSupported+", GDB_PACKET_SIZE, s->ops->insert_hw ? "hwbreak+;" : "");
}

static void h_noack(struct gdb_stub *s, const char *arg, size_t len)
{
    reply_str(s, "OK");
    send_reply(s);
    s->noack = true; /* from the next packet on */
}

static void h_xfer_features(struct gdb_stub *s, const char *arg, size_t len)
{
    /* arg: ANNEX:OFFSET,LENGTH */
    const char *colon = strchr(arg, ':'), *p;
    uint64_t off, n;
    char annex[64];
    const char *xml;
    size_t total;

    if (!colon || (size_t)(colon - arg) >= sizeof(annex)) {
        reply_str(s, E_INVAL);
        return;
    }
    memcpy(annex, arg, colon - arg);
    annex[colon - arg] = 0;
    p = colon + 1;
    if (gdb_hex_u64(&p, &off) || *p++ != ',' || gdb_hex_u64(&p, &n) || *p) {
        reply_str(s, E_INVAL);
        return;
    }
    xml = gdb_target_xml_features(annex, s->ops->features ? s->ops->features(s->target) : 0,
                                  stub_sve_vq(s));
    if (!xml) {
        reply_str(s, "E00"); /* no such annex */
        return;
    }
    total = strlen(xml);
    if (off >= total) {
        reply_str(s, "l");
        return;
    }
    if (n > GDB_PACKET_SIZE - 16)
        n = GDB_PACKET_SIZE - 16;
    if (n >= total - off) {
        reply_str(s, "l");
        reply_bytes(s, xml + off, total - off);
    } else {
        reply_str(s, "m");
        reply_bytes(s, xml + off, n);
    }
}

/* qOffsets: gdb relocates the symbol file by the kernel's KASLR slide */
static void h_offsets(struct gdb_stub *s, const char *arg, size_t len)
{
    uint64_t slide;

    if (s->ops->offsets && s->ops->offsets(s->target, &slide) == 0)
        reply_fmt(s, "Text=%llx;Data=%llx;Bss=%llx", (unsigned long long)slide,
                  (unsigned long long)slide, (unsigned long long)slide);
}

static void h_attached(struct gdb_stub *s, const char *arg, size_t len)
{
    reply_str(s, "1"); /* we attached to a running machine: 'k' is needed to end it */
}

static void h_current_thread(struct gdb_stub *s, const char *arg, size_t len)
{
    reply_fmt(s, "QC%x", cur_thread(s));
}

static void h_thread_first(struct gdb_stub *s, const char *arg, size_t len)
{
    reply_str(s, "m");
    for (int t = 1; t <= nr_threads(s); t++)
        reply_fmt(s, t == 1 ? "%x" : ",%x", t);
}

static void h_thread_next(struct gdb_stub *s, const char *arg, size_t len)
{
    reply_str(s, "l");
}

static void h_thread_extra(struct gdb_stub *s, const char *arg, size_t len)
{
    const char *p = arg;
    int t = parse_tid(&p);
    char text[32];

    if (!valid_thread(s, t) || *p) {
        reply_str(s, E_INVAL);
        return;
    }
    snprintf(text, sizeof(text), "vCPU %d", t - 1);
    reply_hex(s, (const uint8_t *)text, strlen(text));
}

static void h_empty(struct gdb_stub *s, const char *arg, size_t len)
{
}

static void h_ok(struct gdb_stub *s, const char *arg, size_t len)
{
    reply_str(s, "OK");
}

static void h_set_thread(struct gdb_stub *s, const char *arg, size_t len)
{
    char op = arg[0];
    const char *p = arg + 1;
    int t;

    if (op != 'g' && op != 'c') {
        reply_str(s, E_INVAL);
        return;
    }
    t = parse_tid(&p);
    if (t == -2 || *p || (t > 0 && !valid_thread(s, t))) {
        reply_str(s, E_INVAL);
        return;
    }
    if (op == 'g')
        s->g_thread = t > 0 ? t : 0;
    else
        s->c_thread = t;
    reply_str(s, "OK");
}

static void h_thread_alive(struct gdb_stub *s, const char *arg, size_t len)
{
    const char *p = arg;
    int t = parse_tid(&p);

    reply_str(s, valid_thread(s, t) && !*p ? "OK" : E_INVAL);
}

static void h_read_regs(struct gdb_stub *s, const char *arg, size_t len)
{
    uint8_t buf[GDB_REG_MAX_SIZE];
    int t = cur_thread(s);

    for (int r = 0; r < GDB_NUM_REGS; r++) {
        if (s->ops->read_reg(s->target, t, r, buf)) {
            s->reply_len = 0;
            reply_str(s, E_FAULT);
            return;
        }
        reply_hex(s, buf, stub_reg_size(s, r));
    }
}

/* G: the registers in order; a packet that stops at a register boundary writes those given
 * (as QEMU and gdbserver do).  The whole packet is checked before anything is written. */
static void h_write_regs(struct gdb_stub *s, const char *arg, size_t len)
{
    uint8_t *regs = g_malloc(GDB_NUM_REGS * GDB_REG_MAX_SIZE); /* regs[n * MAX]: register n */
    size_t off = 0;
    int n = 0, t = cur_thread(s);

    for (; n < GDB_NUM_REGS && off < len; n++) {
        unsigned sz = stub_reg_size(s, n);
        if (len - off < 2 * sz ||
            gdb_hex_decode(arg + off, 2 * sz, regs + n * GDB_REG_MAX_SIZE, sz) < 0) {
            reply_str(s, E_INVAL);
            goto out;
        }
        off += 2 * sz;
    }
    if (off != len) {
        reply_str(s, E_INVAL);
        goto out;
    }
    for (int r = 0; r < n; r++) {
        if (s->ops->write_reg(s->target, t, r, regs + r * GDB_REG_MAX_SIZE)) {
            reply_str(s, E_FAULT);
            goto out;
        }
    }
    reply_str(s, "OK");
out:
    g_free(regs);
}

static void h_read_reg(struct gdb_stub *s, const char *arg, size_t len)
{
    const char *p = arg;
    uint64_t r;
    uint8_t buf[GDB_REG_MAX_SIZE];

    if (gdb_hex_u64(&p, &r) || *p) {
        reply_str(s, E_INVAL);
        return;
    }
    if (r >= GDB_NUM_ALL_SVE_REGS || !stub_reg_size(s, (int)r)) {
        reply_str(s, "E45"); /* no such register: gdb treats it as unavailable */
        return;
    }
    if (s->ops->read_reg(s->target, cur_thread(s), (int)r, buf)) {
        reply_str(s, E_FAULT);
        return;
    }
    reply_hex(s, buf, stub_reg_size(s, (int)r));
}

static void h_write_reg(struct gdb_stub *s, const char *arg, size_t len)
{
    const char *p = arg;
    uint64_t r;
    uint8_t buf[GDB_REG_MAX_SIZE];
    unsigned sz;

    if (gdb_hex_u64(&p, &r) || *p++ != '=' || r >= GDB_NUM_ALL_SVE_REGS) {
        reply_str(s, E_INVAL);
        return;
    }
    sz = stub_reg_size(s, (int)r);
    if (!sz || strlen(p) != 2 * sz || gdb_hex_decode(p, 2 * sz, buf, sz) < 0) {
        reply_str(s, E_INVAL);
        return;
    }
    reply_str(s, s->ops->write_reg(s->target, cur_thread(s), (int)r, buf) ? E_FAULT : "OK");
}

/* "ADDR,LEN" then end or the given separator; returns pointer after it or NULL */
static const char *parse_addr_len(const char *p, uint64_t *addr, uint64_t *n, char sep)
{
    if (gdb_hex_u64(&p, addr) || *p++ != ',' || gdb_hex_u64(&p, n))
        return NULL;
    if (sep) {
        if (*p != sep)
            return NULL;
        return p + 1;
    }
    return *p ? NULL : p;
}

static void h_read_mem(struct gdb_stub *s, const char *arg, size_t len)
{
    uint8_t *buf = s->membuf;
    uint64_t addr, n;
    long got;

    if (!parse_addr_len(arg, &addr, &n, 0)) {
        reply_str(s, E_INVAL);
        return;
    }
    if (n > MEM_CHUNK)
        n = MEM_CHUNK; /* a shorter reply is allowed; gdb asks again for the rest */
    if (n == 0)
        return; /* empty reply body is "" : zero bytes read */
    got = s->ops->read_mem(s->target, cur_thread(s), addr, buf, n, s->phys);
    if (got <= 0) {
        reply_str(s, E_FAULT);
        return;
    }
    reply_hex(s, buf, (size_t)got);
}

static void write_mem(struct gdb_stub *s, uint64_t addr, const uint8_t *data, uint64_t n)
{
    long done;

    if (n == 0) {
        reply_str(s, "OK");
        return;
    }
    done = s->ops->write_mem(s->target, cur_thread(s), addr, data, n, s->phys);
    reply_str(s, done == (long)n ? "OK" : E_FAULT);
}

static void h_write_mem_hex(struct gdb_stub *s, const char *arg, size_t len)
{
    uint8_t *buf = s->membuf;
    uint64_t addr, n;
    const char *data = parse_addr_len(arg, &addr, &n, ':');

    if (!data || n > sizeof(s->membuf) || strlen(data) != 2 * n ||
        gdb_hex_decode(data, 2 * n, buf, sizeof(s->membuf)) < 0) {
        reply_str(s, E_INVAL);
        return;
    }
    write_mem(s, addr, buf, n);
}

static void h_write_mem_bin(struct gdb_stub *s, const char *arg, size_t len)
{
    uint64_t addr, n;
    const char *data = parse_addr_len(arg, &addr, &n, ':');

    /* the payload is binary: its length comes from the packet, not from strlen */
    if (!data || (size_t)(data - arg) + n != len) {
        reply_str(s, E_INVAL);
        return;
    }
    write_mem(s, addr, (const uint8_t *)data, n);
}

static void h_breakpoint(struct gdb_stub *s, const char *arg, size_t len)
{
    /* arg: TYPE,ADDR,KIND (after 'Z' or 'z'; arg[-1] tells which) */
    bool insert = arg[-1] == 'Z';
    const char *p = arg + 1;
    uint64_t addr, kind;
    int r;

    if (arg[0] < '0' || arg[0] > '4' || (arg[0] != '0' && !s->ops->insert_hw))
        return; /* an unsupported kind: the empty reply */
    if (*p++ != ',' || gdb_hex_u64(&p, &addr) || *p++ != ',' || gdb_hex_u64(&p, &kind) ||
        (*p && *p != ';')) {
        reply_str(s, E_INVAL);
        return;
    }
    if (arg[0] != '0') { /* Z1: kind is the instruction size; Z2-Z4: the watched length */
        int type = arg[0] - '0';
        if (type == 1 && kind != 4) {
            reply_str(s, E_INVAL);
            return;
        }
        r = insert ? s->ops->insert_hw(s->target, type, addr, kind)
                   : s->ops->remove_hw(s->target, type, addr, kind);
        reply_str(s, r == 0 ? "OK" : r == -ENOSPC ? "E28" : r == -EFAULT ? E_FAULT : E_INVAL);
        return;
    }
    if (kind != 4 || (addr & 3)) {
        reply_str(s, E_INVAL); /* A64 instructions: 4 bytes, aligned */
        return;
    }
    r = insert ? s->ops->insert_sw_bp(s->target, cur_thread(s), addr, s->phys)
               : s->ops->remove_sw_bp(s->target, cur_thread(s), addr, s->phys);
    reply_str(s, r == 0 ? "OK" : r == -EFAULT ? E_FAULT : E_INVAL);
}

static void resume(struct gdb_stub *s, const enum gdb_action *act)
{
    if (s->ops->resume(s->target, act)) {
        reply_str(s, E_FAULT);
        return;
    }
    s->running = true; /* the reply is the stop reply, later */
    if (s->interrupt_pending)
        s->ops->interrupt(s->target);
}

/* c, C, s, S: [SIG;][ADDR] */
static void h_cont_step(struct gdb_stub *s, const char *arg, size_t len)
{
    bool step = arg[-1] == 's' || arg[-1] == 'S';
    bool has_sig = arg[-1] == 'C' || arg[-1] == 'S';
    const char *p = arg;
    uint64_t v, addr;
    int n = nr_threads(s);
    int t = s->c_thread > 0 ? s->c_thread : cur_thread(s);
    enum gdb_action *act;

    if (has_sig) { /* signals cannot be delivered to a VM: accepted and ignored */
        if (gdb_hex_u64(&p, &v)) {
            reply_str(s, E_INVAL);
            return;
        }
        if (*p == ';')
            p++;
    }
    if (*p) {
        uint8_t pc[8];
        if (gdb_hex_u64(&p, &addr) || *p) {
            reply_str(s, E_INVAL);
            return;
        }
        for (int i = 0; i < 8; i++)
            pc[i] = (uint8_t)(addr >> (8 * i));
        if (s->ops->write_reg(s->target, t, GDB_REG_PC, pc)) {
            reply_str(s, E_FAULT);
            return;
        }
    }
    act = g_new(enum gdb_action, n);
    for (int i = 0; i < n; i++)
        act[i] = step ? GDB_ACT_STOP : GDB_ACT_CONT; /* a step leaves the others stopped */
    if (step)
        act[t - 1] = GDB_ACT_STEP;
    resume(s, act);
    g_free(act);
}

static void h_vcont_query(struct gdb_stub *s, const char *arg, size_t len)
{
    reply_str(s, "vCont;c;C;s;S");
}

/* vCont;ACTION[:TID];...  the leftmost action naming a thread wins; one without TID is the
 * default for the threads no other action names */
static void h_vcont(struct gdb_stub *s, const char *arg, size_t len)
{
    int n = nr_threads(s);
    enum gdb_action *act = g_new(enum gdb_action, n);
    bool *set = g_new0(bool, n);
    const char *p = arg;
    bool any = false;

    for (int i = 0; i < n; i++)
        act[i] = GDB_ACT_STOP;
    while (*p == ';') {
        enum gdb_action a;
        uint64_t sig;
        int t = -1;
        p++;
        switch (*p++) {
        case 'c': a = GDB_ACT_CONT; break;
        case 's': a = GDB_ACT_STEP; break;
        case 'C':
        case 'S':
            a = p[-1] == 'C' ? GDB_ACT_CONT : GDB_ACT_STEP;
            if (gdb_hex_u64(&p, &sig))
                goto bad;
            break;
        default: goto bad;
        }
        if (*p == ':') {
            p++;
            t = parse_tid(&p);
            if (t == 0)
                t = -1;
            if (t == -2 || (t > 0 && !valid_thread(s, t)))
                goto bad;
        }
        if (*p && *p != ';')
            goto bad;
        for (int i = 0; i < n; i++) {
            if ((t == -1 || t == i + 1) && !set[i]) {
                act[i] = a;
                set[i] = true;
                any = true;
            }
        }
    }
    if (*p || !any)
        goto bad;
    resume(s, act);
    g_free(act);
    g_free(set);
    return;
bad:
    reply_str(s, E_INVAL);
    g_free(act);
    g_free(set);
}

static void h_detach(struct gdb_stub *s, const char *arg, size_t len)
{
    reply_str(s, "OK");
    send_reply(s);
    s->ops->detach(s->target);
    s->status = GDB_STUB_DETACHED;
}

static void h_kill(struct gdb_stub *s, const char *arg, size_t len)
{
    s->ops->kill(s->target);
    s->status = GDB_STUB_KILLED; /* no reply: gdb closes the connection */
}

static void h_phys_mode(struct gdb_stub *s, const char *arg, size_t len)
{
    if (!strcmp(arg, "1") || !strcmp(arg, "0")) {
        s->phys = arg[0] == '1';
        reply_str(s, "OK");
    } else {
        reply_str(s, E_INVAL);
    }
}

/* send text as console output ('O' packets) while a command runs */
static void send_output(struct gdb_stub *s, const char *text)
{
    size_t n = strlen(text);

    for (size_t off = 0; off < n;) {
        size_t chunk = MIN(n - off, (size_t)MEM_CHUNK / 2);
        s->reply_len = 0;
        reply_str(s, "O");
        reply_hex(s, (const uint8_t *)text + off, chunk);
        send_reply(s);
        off += chunk;
    }
}

static void h_monitor(struct gdb_stub *s, const char *arg, size_t len)
{
    size_t n = strlen(arg);
    char *cmd = g_malloc(n / 2 + 1);
    GString *out = g_string_new(NULL);
    long got = gdb_hex_decode(arg, n, (uint8_t *)cmd, n / 2);
    int r;

    if (got < 0) {
        reply_str(s, E_INVAL);
        goto out;
    }
    cmd[got] = 0;
    if (!strcmp(cmd, "phys on") || !strcmp(cmd, "phys off")) {
        s->phys = !strcmp(cmd, "phys on");
        g_string_append_printf(out, "addresses are guest-%s\n", s->phys ? "physical" : "virtual");
        r = 0;
    } else if (!strcmp(cmd, "help")) {
        g_string_append(out, "brkvm monitor commands:\n"
                             "  help             this text\n"
                             "  phys on|off      addresses from gdb are guest-physical / -virtual\n");
        r = s->ops->monitor ? s->ops->monitor(s->target, cur_thread(s), cmd, out) : 0;
        r = 0;
    } else {
        r = s->ops->monitor ? s->ops->monitor(s->target, cur_thread(s), cmd, out) : -ENOENT;
    }
    if (r == -ENOENT)
        g_string_append_printf(out, "unknown monitor command '%s': try 'monitor help'\n", cmd);
    if (out->len)
        send_output(s, out->str);
    reply_str(s, "OK");
out:
    g_string_free(out, TRUE);
    g_free(cmd);
}

/* Longest prefixes first where one is the prefix of another. */
static const struct gdb_cmd commands[] = {
    {"?", true, h_query_halt},
    {"qSupported", false, h_supported},
    {"QStartNoAckMode", true, h_noack},
    {"qXfer:features:read:", false, h_xfer_features},
    {"qAttached", false, h_attached},
    {"qOffsets", true, h_offsets},
    {"qC", true, h_current_thread},
    {"qfThreadInfo", true, h_thread_first},
    {"qsThreadInfo", true, h_thread_next},
    {"qThreadExtraInfo,", false, h_thread_extra},
    {"qSymbol:", false, h_ok},
    {"qRcmd,", false, h_monitor},
    {"Qbrkvm.PhyMemMode:", false, h_phys_mode},
    {"vMustReplyEmpty", true, h_empty},
    {"vCont?", true, h_vcont_query},
    {"vCont", false, h_vcont},
    {"H", false, h_set_thread},
    {"T", false, h_thread_alive},
    {"g", true, h_read_regs},
    {"G", false, h_write_regs},
    {"p", false, h_read_reg},
    {"P", false, h_write_reg},
    {"m", false, h_read_mem},
    {"M", false, h_write_mem_hex},
    {"X", false, h_write_mem_bin},
    {"Z", false, h_breakpoint},
    {"z", false, h_breakpoint},
    {"c", false, h_cont_step},
    {"C", false, h_cont_step},
    {"s", false, h_cont_step},
    {"S", false, h_cont_step},
    {"D", false, h_detach},
    {"k", true, h_kill},
};

/* packets gdb may send while the target runs */
static bool allowed_while_running(const char *pkt)
{
    return false; /* all-stop: only the 0x03 byte; everything else waits for the stop */
}

/* run the first handler of table whose prefix matches; false if none does */
static bool try_table(struct gdb_stub *s, const struct gdb_cmd *table, size_t n, const char *pkt,
                      size_t len)
{
    for (size_t i = 0; i < n; i++) {
        const struct gdb_cmd *c = &table[i];
        size_t pl = strlen(c->prefix);
        if (c->exact ? strcmp(pkt, c->prefix) == 0 : strncmp(pkt, c->prefix, pl) == 0) {
            c->fn(s, pkt + pl, len - pl);
            if (s->status == GDB_STUB_KILLED || s->status == GDB_STUB_DETACHED)
                return true;
            if (!s->running && c->fn != h_noack)
                send_reply(s);
            return true;
        }
    }
    return false;
}

static void dispatch(struct gdb_stub *s, const char *pkt, size_t len)
{
    g_debug("<- %.*s%s", (int)MIN(len, 120), pkt, len > 120 ? "..." : "");
    s->reply_len = 0;
    if (s->running && !allowed_while_running(pkt)) {
        reply_str(s, E_BUSY);
        send_reply(s);
        return;
    }
    if (try_table(s, commands, G_N_ELEMENTS(commands), pkt, len) ||
        try_table(s, lldb_commands, lldb_commands_len, pkt, len))
        return;
    send_reply(s); /* unknown packet: the empty reply */
}

enum gdb_stub_status gdb_stub_input(struct gdb_stub *s, const uint8_t *buf, size_t n)
{
    for (size_t i = 0; i < n && s->status == GDB_STUB_OK; i++) {
        switch (gdb_rx_feed(&s->rx, buf[i])) {
        case GDB_RX_NONE:
        case GDB_RX_ACK:
            break;
        case GDB_RX_NACK:
            if (!s->noack && s->tx_len)
                s->send(s->io, s->tx, s->tx_len);
            break;
        case GDB_RX_INTERRUPT:
            if (s->running)
                s->ops->interrupt(s->target);
            else
                s->interrupt_pending = true;
            break;
        case GDB_RX_BAD_CHECKSUM:
            if (!s->noack)
                s->send(s->io, (const uint8_t *)"-", 1);
            break;
        case GDB_RX_TOO_LONG:
        case GDB_RX_MALFORMED:
            if (!s->noack)
                s->send(s->io, (const uint8_t *)"+", 1);
            s->reply_len = 0;
            reply_str(s, E_INVAL);
            send_reply(s);
            break;
        case GDB_RX_PACKET:
            if (!s->noack)
                s->send(s->io, (const uint8_t *)"+", 1);
            dispatch(s, (const char *)s->rx.buf, s->rx.len);
            break;
        }
    }
    return s->status;
}

void gdb_stub_stopped(struct gdb_stub *s, const struct gdb_stop *stop)
{
    s->last_stop = *stop;
    if (!s->running)
        return;
    s->running = false;
    if (stop->reason == GDB_STOP_INTERRUPT)
        s->interrupt_pending = false;
    /* gdb takes the thread of a stop reply as the stub's current thread (remote.c
     * record_currthread) and sends no Hg for it: registers must now come from that thread */
    s->g_thread = stop->thread;
    if (stop->reason == GDB_STOP_SIGNAL && stop->msg[0]) {
        /* gdb prints console output it gets while it waits for the stop reply */
        char line[sizeof(stop->msg) + 2];
        snprintf(line, sizeof(line), "%.*s\n", (int)sizeof(stop->msg) - 1, stop->msg);
        send_output(s, line);
    }
    s->reply_len = 0;
    build_stop_reply(s, stop);
    send_reply(s);
}

void gdb_stub_exited(struct gdb_stub *s, int code)
{
    /* only a gdb waiting for its continue to end expects a stop reply; 'W' ends its session
     * with "[Inferior 1 (process N) exited normally]" or "exited with code NN" */
    if (!s->running)
        return;
    s->running = false;
    s->reply_len = 0;
    reply_fmt(s, "W%02x", code & 0xff);
    send_reply(s);
}

void gdb_stub_connect(struct gdb_stub *s, const struct gdb_stop *stop)
{
    gdb_rx_init(&s->rx);
    s->noack = false;
    s->running = false;
    s->phys = false;
    s->g_thread = stop->thread;
    s->c_thread = -1;
    s->tx_len = 0;
    s->status = GDB_STUB_OK;
    s->last_stop = *stop;
}

bool gdb_stub_running(const struct gdb_stub *s)
{
    return s->running;
}

bool gdb_stub_phys_mode(const struct gdb_stub *s)
{
    return s->phys;
}

struct gdb_stub *gdb_stub_new(const struct gdb_target_ops *ops, void *target, gdb_send_fn send,
                              void *io)
{
    struct gdb_stub *s = g_new0(struct gdb_stub, 1);
    struct gdb_stop none = {.thread = 1, .reason = GDB_STOP_ATTACH};

    s->ops = ops;
    s->target = target;
    s->send = send;
    s->io = io;
    s->tx = g_malloc(2 * REPLY_CAP + 8);
    gdb_stub_connect(s, &none);
    return s;
}

void gdb_stub_free(struct gdb_stub *s)
{
    if (!s)
        return;
    g_free(s->tx);
    g_free(s);
}
