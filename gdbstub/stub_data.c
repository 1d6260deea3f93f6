/* stub_data.c - the GDB stub's register and memory handlers: g G p P m M X.  The packet table
 * and the dispatcher are in stub.c. */
#define G_LOG_DOMAIN "gdb"
#include "stub_internal.h"

#include <errno.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void h_read_regs(struct gdb_stub *s, const char *arg, size_t len)
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
void h_write_regs(struct gdb_stub *s, const char *arg, size_t len)
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

void h_read_reg(struct gdb_stub *s, const char *arg, size_t len)
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

void h_write_reg(struct gdb_stub *s, const char *arg, size_t len)
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

void h_read_mem(struct gdb_stub *s, const char *arg, size_t len)
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
    send_hex_reply(s, buf, (size_t)got);
}

/* x ADDR,LEN (gdb 16's binary-upload+): 'b' then the bytes, escaped by the framing; as with m,
 * a shorter reply is allowed and an unreadable start is an error */
void h_read_mem_bin(struct gdb_stub *s, const char *arg, size_t len)
{
    uint64_t addr, n;
    long got;

    if (!parse_addr_len(arg, &addr, &n, 0)) {
        reply_str(s, E_INVAL);
        return;
    }
    reply_str(s, "b");
    if (n > BIN_CHUNK)
        n = BIN_CHUNK;
    if (n == 0)
        return;
    /* read straight into the reply, after its 'b' */
    got = s->ops->read_mem(s->target, cur_thread(s), addr, s->reply + 1, n, s->phys);
    if (got <= 0) {
        s->reply_len = 0;
        reply_str(s, E_FAULT);
        return;
    }
    s->reply_len = 1 + (size_t)got;
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

void h_write_mem_hex(struct gdb_stub *s, const char *arg, size_t len)
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

void h_write_mem_bin(struct gdb_stub *s, const char *arg, size_t len)
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
