/* stub_query.c - the GDB stub's query handlers: stop reason (?), qSupported, the target
 * description, qOffsets, the thread list, monitor commands (qRcmd).  The packet table and the
 * dispatcher are in stub.c. */
#define G_LOG_DOMAIN "gdb"
#include "stub_internal.h"

#include <errno.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void h_query_halt(struct gdb_stub *s, const char *arg, size_t len)
{
    build_stop_reply(s, &s->last_stop);
}

void h_supported(struct gdb_stub *s, const char *arg, size_t len)
{
    reply_fmt(s, "PacketSize=%x;qXfer:features:read+;swbreak+;%s%sQStartNoAckMode+;"
                 "vContSupported+;binary-upload+", GDB_PACKET_SIZE,
              s->ops->insert_hw ? "hwbreak+;" : "",
              s->ops->set_bp_agent ? "ConditionalBreakpoints+;BreakpointCommands+;" : "");
}

void h_noack(struct gdb_stub *s, const char *arg, size_t len)
{
    reply_str(s, "OK");
    send_reply(s);
    s->noack = true; /* from the next packet on */
}

void h_xfer_features(struct gdb_stub *s, const char *arg, size_t len)
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
void h_offsets(struct gdb_stub *s, const char *arg, size_t len)
{
    uint64_t slide;

    if (s->ops->offsets && s->ops->offsets(s->target, &slide) == 0)
        reply_fmt(s, "Text=%llx;Data=%llx;Bss=%llx", (unsigned long long)slide,
                  (unsigned long long)slide, (unsigned long long)slide);
}

void h_attached(struct gdb_stub *s, const char *arg, size_t len)
{
    reply_str(s, "1"); /* we attached to a running machine: 'k' is needed to end it */
}

void h_current_thread(struct gdb_stub *s, const char *arg, size_t len)
{
    reply_fmt(s, "QC%x", cur_thread(s));
}

void h_thread_first(struct gdb_stub *s, const char *arg, size_t len)
{
    reply_str(s, "m");
    for (int t = 1; t <= nr_threads(s); t++)
        reply_fmt(s, t == 1 ? "%x" : ",%x", t);
}

void h_thread_next(struct gdb_stub *s, const char *arg, size_t len)
{
    reply_str(s, "l");
}

void h_thread_extra(struct gdb_stub *s, const char *arg, size_t len)
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

void h_empty(struct gdb_stub *s, const char *arg, size_t len)
{
}

void h_ok(struct gdb_stub *s, const char *arg, size_t len)
{
    reply_str(s, "OK");
}

void h_phys_mode(struct gdb_stub *s, const char *arg, size_t len)
{
    if (!strcmp(arg, "1") || !strcmp(arg, "0")) {
        s->phys = arg[0] == '1';
        reply_str(s, "OK");
    } else {
        reply_str(s, E_INVAL);
    }
}

void h_monitor(struct gdb_stub *s, const char *arg, size_t len)
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
