/* stub_internal.h - the GDB stub's state and reply helpers, shared by the files that add
 * packet handlers (stub.c: gdb's packets; lldb.c: LLDB's extensions).  Not a public API. */
#ifndef BRKVM_STUB_INTERNAL_H
#define BRKVM_STUB_INTERNAL_H

#include <brkvm/gdb_stub.h>

#include <glib.h>

#define REPLY_CAP (GDB_PACKET_SIZE + 64)
#define MEM_CHUNK (GDB_PACKET_SIZE / 2) /* largest m reply, in bytes: what gdb asks for */
#define BIN_CHUNK (GDB_PACKET_SIZE - 1) /* largest x reply, in bytes (after its 'b') */

struct gdb_stub {
    const struct gdb_target_ops *ops;
    void *target;
    gdb_send_fn send;
    void *io;
    struct gdb_rx rx;
    bool noack;
    bool running;
    /* a Ctrl-C (0x03) that came while the guest was stopped (e.g. in the moment between a
     * breakpoint's stop reply and gdb's automatic resume): kept, and the guest is interrupted
     * again at every resume until a stop is reported as the interrupt -- as gdbserver, whose
     * SIGINT stays pending in the stopped process until it runs */
    bool interrupt_pending;
    bool phys;
    int g_thread; /* Hg: thread for register/memory access; 0 = the stopped one */
    int c_thread; /* Hc: thread for c/s; -1 or 0 = all */
    struct gdb_stop last_stop;
    enum gdb_stub_status status;
    uint8_t reply[REPLY_CAP];
    size_t reply_len;
    bool replied; /* the handler sent its reply itself (send_hex_reply) */
    uint8_t membuf[GDB_PACKET_SIZE / 2]; /* m and M data */
    uint8_t *tx;  /* last framed packet, for retransmission after '-' */
    size_t tx_len;
};

struct gdb_cmd {
    const char *prefix;
    bool exact; /* the packet must be exactly the prefix */
    void (*fn)(struct gdb_stub *s, const char *arg, size_t len);
};

/* building the reply to the current packet (sent by the dispatcher after the handler) */
void reply_bytes(struct gdb_stub *s, const void *p, size_t n);
void reply_str(struct gdb_stub *s, const char *str);
void reply_fmt(struct gdb_stub *s, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
void reply_hex(struct gdb_stub *s, const uint8_t *p, size_t n);
void send_reply(struct gdb_stub *s);
/* send data[0..n) as a hex reply now, framed straight from data (no hex string built) */
void send_hex_reply(struct gdb_stub *s, const uint8_t *data, size_t n);
/* the thread registers and memory are read from (Hg, else the last stop's) */
int cur_thread(struct gdb_stub *s);

/* the target's SVE vector length in quadwords, 0 without SVE */
static inline unsigned stub_sve_vq(const struct gdb_stub *s)
{
    unsigned vq = s->ops->sve_vq ? s->ops->sve_vq(s->target) : 0;
    return vq <= GDB_SVE_VQ_MAX ? vq : 0;
}

/* size in bytes of register regno of this target, 0 if it has no such register */
static inline unsigned stub_reg_size(const struct gdb_stub *s, int regno)
{
    return gdb_reg_size_vq(regno, stub_sve_vq(s));
}

/* LLDB's packets (lldb.c), tried after gdb's table */
extern const struct gdb_cmd lldb_commands[];
extern const size_t lldb_commands_len;

/* E codes gdb shows: 14 = EFAULT ("Cannot access memory"), 22 = EINVAL, 16 = EBUSY */
#define E_FAULT "E14"
#define E_INVAL "E22"
#define E_BUSY "E16"

/* threads (gdb's thread N is vCPU N-1) */
int nr_threads(struct gdb_stub *s);
int parse_tid(const char **p);
bool valid_thread(struct gdb_stub *s, int t);
/* the T stop reply for st, as the current reply */
void build_stop_reply(struct gdb_stub *s, const struct gdb_stop *st);
/* an O packet (console output gdb prints), sent now */
void send_output(struct gdb_stub *s, const char *text);

/* the packet handlers, by family: arg is the packet after its table prefix */
void h_query_halt(struct gdb_stub *s, const char *arg, size_t len);
void h_supported(struct gdb_stub *s, const char *arg, size_t len);
void h_noack(struct gdb_stub *s, const char *arg, size_t len);
void h_xfer_features(struct gdb_stub *s, const char *arg, size_t len);
void h_offsets(struct gdb_stub *s, const char *arg, size_t len);
void h_attached(struct gdb_stub *s, const char *arg, size_t len);
void h_current_thread(struct gdb_stub *s, const char *arg, size_t len);
void h_thread_first(struct gdb_stub *s, const char *arg, size_t len);
void h_thread_next(struct gdb_stub *s, const char *arg, size_t len);
void h_thread_extra(struct gdb_stub *s, const char *arg, size_t len);
void h_empty(struct gdb_stub *s, const char *arg, size_t len);
void h_ok(struct gdb_stub *s, const char *arg, size_t len);
void h_phys_mode(struct gdb_stub *s, const char *arg, size_t len);
void h_monitor(struct gdb_stub *s, const char *arg, size_t len);
void h_read_regs(struct gdb_stub *s, const char *arg, size_t len);
void h_write_regs(struct gdb_stub *s, const char *arg, size_t len);
void h_read_reg(struct gdb_stub *s, const char *arg, size_t len);
void h_write_reg(struct gdb_stub *s, const char *arg, size_t len);
void h_read_mem(struct gdb_stub *s, const char *arg, size_t len);
void h_read_mem_bin(struct gdb_stub *s, const char *arg, size_t len);
void h_write_mem_hex(struct gdb_stub *s, const char *arg, size_t len);
void h_write_mem_bin(struct gdb_stub *s, const char *arg, size_t len);
void h_set_thread(struct gdb_stub *s, const char *arg, size_t len);
void h_thread_alive(struct gdb_stub *s, const char *arg, size_t len);
void h_breakpoint(struct gdb_stub *s, const char *arg, size_t len);
void h_cont_step(struct gdb_stub *s, const char *arg, size_t len);
void h_vcont_query(struct gdb_stub *s, const char *arg, size_t len);
void h_vcont(struct gdb_stub *s, const char *arg, size_t len);
void h_detach(struct gdb_stub *s, const char *arg, size_t len);
void h_kill(struct gdb_stub *s, const char *arg, size_t len);

#endif
