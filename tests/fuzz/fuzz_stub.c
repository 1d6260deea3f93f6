/* fuzz_stub.c - libFuzzer target: arbitrary bytes from "gdb" into a gdb_stub over a small fake
 * target.  Besides the sanitizers, the fake target and the send callback check what the stub
 * does: every packet it sends is well framed with a right checksum, it reaches registers and
 * memory only for threads that exist, resumes only when stopped, interrupts only when running.
 *
 * Input: byte 0 configures (bits 0-1: threads - 1; bits 2-3: the first stop's reason; bit 7:
 * fix the checksum of every "$...#cc" so mutations reach the handlers), the rest is fed to the
 * stub in pieces split after each '\n' (noise to the protocol); after each piece a running
 * target stops.  'D' and 'k' end a session: the next piece starts a new connection.
 *
 * Built by tests/fuzz/run.sh (clang -fsanitize=fuzzer) and, for the corpus replay test, with
 * tests/fuzz/replay.c by meson. */
#include <brkvm/gdb_stub.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAXT 4
#define FMEM_BASE 0x1000ULL
#define FMEM_SIZE 0x1000

#include "fuzz_check.h"

struct ftarget {
    int nthreads;
    bool running; /* resumed and not stopped yet, as the target sees it */
    uint8_t regs[MAXT + 1][GDB_NUM_ALL_REGS][16];
    uint8_t mem[FMEM_SIZE];
};

static int t_nr_threads(void *t)
{
    return ((struct ftarget *)t)->nthreads;
}

static void check_thread(struct ftarget *f, int thread)
{
    CHECK(thread >= 1 && thread <= f->nthreads);
    CHECK(!f->running); /* registers and memory are touched only while stopped */
}

static int t_read_reg(void *t, int thread, int regno, uint8_t *buf)
{
    struct ftarget *f = t;
    check_thread(f, thread);
    CHECK(gdb_reg_size(regno) > 0);
    memcpy(buf, f->regs[thread][regno], gdb_reg_size(regno));
    return 0;
}

static int t_write_reg(void *t, int thread, int regno, const uint8_t *buf)
{
    struct ftarget *f = t;
    check_thread(f, thread);
    CHECK(gdb_reg_size(regno) > 0);
    memcpy(f->regs[thread][regno], buf, gdb_reg_size(regno));
    return 0;
}

static long span(uint64_t addr, size_t len)
{
    if (addr < FMEM_BASE || addr >= FMEM_BASE + FMEM_SIZE)
        return -EFAULT;
    return (long)(len < FMEM_BASE + FMEM_SIZE - addr ? len : FMEM_BASE + FMEM_SIZE - addr);
}

static long t_read_mem(void *t, int thread, uint64_t addr, uint8_t *buf, size_t len, bool phys)
{
    struct ftarget *f = t;
    long n = span(addr, len);
    check_thread(f, thread);
    CHECK(len > 0 && len <= GDB_PACKET_SIZE);
    if (n > 0)
        memcpy(buf, f->mem + (addr - FMEM_BASE), (size_t)n);
    return n;
}

static long t_write_mem(void *t, int thread, uint64_t addr, const uint8_t *buf, size_t len,
                        bool phys)
{
    struct ftarget *f = t;
    long n = span(addr, len);
    check_thread(f, thread);
    CHECK(len > 0 && len <= GDB_PACKET_SIZE);
    if (n > 0)
        memcpy(f->mem + (addr - FMEM_BASE), buf, (size_t)n);
    return n;
}

static int t_insert_bp(void *t, int thread, uint64_t addr, bool phys)
{
    check_thread(t, thread);
    CHECK((addr & 3) == 0);
    return span(addr, 4) == 4 ? 0 : -EFAULT;
}

static int t_remove_bp(void *t, int thread, uint64_t addr, bool phys)
{
    check_thread(t, thread);
    CHECK((addr & 3) == 0);
    return span(addr, 4) == 4 ? 0 : -ENOENT;
}

static int t_resume(void *t, const enum gdb_action *act)
{
    struct ftarget *f = t;
    bool any = false;
    CHECK(!f->running);
    for (int i = 0; i < f->nthreads; i++) {
        CHECK(act[i] == GDB_ACT_STOP || act[i] == GDB_ACT_CONT || act[i] == GDB_ACT_STEP);
        any = any || act[i] != GDB_ACT_STOP;
    }
    CHECK(any); /* something runs, or no stop would ever come */
    f->running = true;
    return 0;
}

static void t_interrupt(void *t)
{
    CHECK(((struct ftarget *)t)->running);
}

static void t_detach(void *t)
{
    CHECK(!((struct ftarget *)t)->running);
}

static void t_kill(void *t)
{
}

static int t_monitor(void *t, int thread, const char *cmd, void *out)
{
    return -ENOENT;
}

static const struct gdb_target_ops ops = {
    .nr_threads = t_nr_threads,
    .read_reg = t_read_reg,
    .write_reg = t_write_reg,
    .read_mem = t_read_mem,
    .write_mem = t_write_mem,
    .insert_sw_bp = t_insert_bp,
    .remove_sw_bp = t_remove_bp,
    .resume = t_resume,
    .interrupt = t_interrupt,
    .detach = t_detach,
    .kill = t_kill,
    .monitor = t_monitor,
};

static int hexval(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1; /* the stub sends lower case */
}

/* everything the stub sends: "+", "-", or one whole packet */
static int check_send(void *io, const uint8_t *b, size_t n)
{
    uint8_t sum = 0;
    size_t decoded = 0;

    CHECK(n > 0);
    if (n == 1 && (b[0] == '+' || b[0] == '-'))
        return 0;
    CHECK(n >= 4 && b[0] == '$' && b[n - 3] == '#');
    CHECK(hexval(b[n - 2]) >= 0 && hexval(b[n - 1]) >= 0);
    for (size_t i = 1; i < n - 3; i++) {
        CHECK(b[i] != '$' && b[i] != '#');
        sum += b[i];
        if (b[i] == '}' || b[i] == '*') {
            CHECK(i + 1 < n - 3);
            if (b[i] == '*') {
                CHECK(decoded > 0);
                CHECK(b[i + 1] >= ' ' && b[i + 1] <= '~');
                CHECK(b[i + 1] != '#' && b[i + 1] != '$' && b[i + 1] != '+' && b[i + 1] != '-');
                decoded += (size_t)(b[i + 1] - 29) - 1;
            }
            sum += b[++i];
        }
        decoded++;
    }
    CHECK(hexval(b[n - 2]) * 16 + hexval(b[n - 1]) == sum);
    CHECK(decoded <= GDB_PACKET_SIZE); /* replies fit in the packet size gdb was told */
    return 0;
}

/* recompute the checksum of each packet, following the receive machine's view of the frame */
static void fix_checksums(uint8_t *b, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    bool in = false;
    uint8_t sum = 0;

    for (size_t i = 0; i < n; i++) {
        uint8_t c = b[i];
        if (!in) {
            if (c == '$') {
                in = true;
                sum = 0;
            }
            continue;
        }
        if (c == '$') {
            sum = 0;
            continue;
        }
        if (c == '#') {
            if (i + 2 < n) {
                b[i + 1] = (uint8_t)hex[sum >> 4];
                b[i + 2] = (uint8_t)hex[sum & 15];
            }
            i += 2;
            in = false;
            continue;
        }
        sum += c;
        if ((c == '}' || c == '*') && i + 1 < n) /* an escaped byte or a count: data */
            sum += b[++i];
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct ftarget f;
    static struct gdb_stub *s; /* kept across inputs (fast); gdb_stub_connect resets it */
    struct gdb_stop st;
    uint8_t *buf;
    size_t n, start;

    if (size < 1)
        return 0;
    memset(&f, 0, sizeof(f));
    f.nthreads = (data[0] & 3) + 1;
    for (int t = 0; t <= MAXT; t++)
        for (int r = 0; r < GDB_NUM_REGS; r++)
            for (int i = 0; i < 16; i++)
                f.regs[t][r][i] = (uint8_t)(t * 16 + r + i);
    for (int i = 0; i < FMEM_SIZE; i++)
        f.mem[i] = (uint8_t)i;

    n = size - 1;
    buf = malloc(n ? n : 1);
    CHECK(buf);
    memcpy(buf, data + 1, n);
    if (data[0] & 0x80)
        fix_checksums(buf, n);

    if (!s)
        s = gdb_stub_new(&ops, &f, check_send, NULL);
    CHECK(s);
    st = (struct gdb_stop){.thread = 1, .reason = (enum gdb_stop_reason)((data[0] >> 2) & 3)};
    gdb_stub_connect(s, &st);
    start = 0;
    while (start < n) {
        size_t end = start;
        enum gdb_stub_status status;

        while (end < n && buf[end] != '\n')
            end++;
        if (end < n)
            end++; /* the '\n' is part of the piece */
        status = gdb_stub_input(s, buf + start, end - start);
        CHECK(gdb_stub_running(s) == f.running);
        if (f.running) {
            st.thread = (int)((end - start) % (size_t)f.nthreads) + 1;
            st.reason = (enum gdb_stop_reason)((end - start) % 4);
            f.running = false;
            gdb_stub_stopped(s, &st);
            CHECK(!gdb_stub_running(s));
        }
        if (status != GDB_STUB_OK) {
            st = (struct gdb_stop){.thread = 1, .reason = GDB_STOP_ATTACH};
            gdb_stub_connect(s, &st);
        }
        start = end;
    }
    free(buf);
    return 0;
}
