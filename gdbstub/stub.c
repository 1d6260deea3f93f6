/* stub.c - the GDB remote protocol engine: acks and retransmission, replies, stop replies, the
 * packet table and the dispatcher (the handlers: stub_query.c, stub_data.c, stub_run.c).
 * Reaches the machine only through struct gdb_target_ops. */
#define G_LOG_DOMAIN "gdb"
#include "stub_internal.h"

#include <errno.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


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

void send_hex_reply(struct gdb_stub *s, const uint8_t *data, size_t n)
{
    size_t len = gdb_packet_encode_hex(data, n, s->tx, 2 * REPLY_CAP + 8);

    s->tx_len = len;
    s->replied = true;
    g_debug("-> (%zu bytes as hex, %zu framed)", n, len);
    if (len && s->send(s->io, s->tx, len) < 0)
        g_info("send failed");
}

/* ---- threads ---- */

int nr_threads(struct gdb_stub *s)
{
    return s->ops->nr_threads(s->target);
}

/* thread for register/memory access */
int cur_thread(struct gdb_stub *s)
{
    return s->g_thread > 0 ? s->g_thread : (s->last_stop.thread > 0 ? s->last_stop.thread : 1);
}

/* parse a thread id: hex number, -1 (all) or 0 (any); returns -2 on error */
int parse_tid(const char **p)
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

bool valid_thread(struct gdb_stub *s, int t)
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

void build_stop_reply(struct gdb_stub *s, const struct gdb_stop *st)
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

/* send text as console output ('O' packets) while a command runs */
void send_output(struct gdb_stub *s, const char *text)
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
    {"x", false, h_read_mem_bin},
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
            s->replied = false;
            c->fn(s, pkt + pl, len - pl);
            if (s->status == GDB_STUB_KILLED || s->status == GDB_STUB_DETACHED)
                return true;
            if (!s->running && c->fn != h_noack && !s->replied)
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

void gdb_stub_output(struct gdb_stub *s, const char *text)
{
    if (s->running) /* gdb shows O packets only while it waits for a stop reply */
        send_output(s, text);
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
