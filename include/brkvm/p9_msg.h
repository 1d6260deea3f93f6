/* p9_msg.h - the 9P2000.L wire format: message numbers, constants and a little-endian codec
 * over caller-owned buffers.  Readers and writers never step outside their buffer: a read past
 * the end or a write past the capacity sets a sticky error flag and yields zeros / writes
 * nothing, so a handler decodes all its fields and checks the flag once. */
#ifndef BRKVM_P9_MSG_H
#define BRKVM_P9_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum p9_type {
    P9_TLERROR = 6, P9_RLERROR,
    P9_TSTATFS = 8, P9_RSTATFS,
    P9_TLOPEN = 12, P9_RLOPEN,
    P9_TLCREATE = 14, P9_RLCREATE,
    P9_TSYMLINK = 16, P9_RSYMLINK,
    P9_TMKNOD = 18, P9_RMKNOD,
    P9_TRENAME = 20, P9_RRENAME,
    P9_TREADLINK = 22, P9_RREADLINK,
    P9_TGETATTR = 24, P9_RGETATTR,
    P9_TSETATTR = 26, P9_RSETATTR,
    P9_TXATTRWALK = 30, P9_RXATTRWALK,
    P9_TXATTRCREATE = 32, P9_RXATTRCREATE,
    P9_TREADDIR = 40, P9_RREADDIR,
    P9_TFSYNC = 50, P9_RFSYNC,
    P9_TLOCK = 52, P9_RLOCK,
    P9_TGETLOCK = 54, P9_RGETLOCK,
    P9_TLINK = 70, P9_RLINK,
    P9_TMKDIR = 72, P9_RMKDIR,
    P9_TRENAMEAT = 74, P9_RRENAMEAT,
    P9_TUNLINKAT = 76, P9_RUNLINKAT,
    P9_TVERSION = 100, P9_RVERSION,
    P9_TAUTH = 102, P9_RAUTH,
    P9_TATTACH = 104, P9_RATTACH,
    P9_TFLUSH = 108, P9_RFLUSH,
    P9_TWALK = 110, P9_RWALK,
    P9_TREAD = 116, P9_RREAD,
    P9_TWRITE = 118, P9_RWRITE,
    P9_TCLUNK = 120, P9_RCLUNK,
    P9_TREMOVE = 122, P9_RREMOVE,
};

#define P9_HDR_SIZE 7 /* size[4] type[1] tag[2] */
#define P9_QID_SIZE 13 /* type[1] version[4] path[8] */
#define P9_NOTAG 0xffffu
#define P9_NOFID 0xffffffffu
#define P9_NONUNAME 0xffffffffu
#define P9_MAXWELEM 16

/* qid types */
#define P9_QTDIR 0x80
#define P9_QTSYMLINK 0x02
#define P9_QTFILE 0x00

/* Tlopen/Tlcreate flags: Linux's generic (x86) O_* values, whatever the host's are */
#define P9_DOTL_ACCMODE 00000003
#define P9_DOTL_RDONLY 00000000
#define P9_DOTL_WRONLY 00000001
#define P9_DOTL_RDWR 00000002
#define P9_DOTL_NOACCESS 00000003
#define P9_DOTL_CREATE 00000100
#define P9_DOTL_EXCL 00000200
#define P9_DOTL_NOCTTY 00000400
#define P9_DOTL_TRUNC 00001000
#define P9_DOTL_APPEND 00002000
#define P9_DOTL_NONBLOCK 00004000
#define P9_DOTL_DSYNC 00010000
#define P9_DOTL_DIRECTORY 00200000
#define P9_DOTL_SYNC 04000000
#define P9_DOTL_AT_REMOVEDIR 0x200

/* Tsetattr valid bits */
#define P9_ATTR_MODE 0x001
#define P9_ATTR_UID 0x002
#define P9_ATTR_GID 0x004
#define P9_ATTR_SIZE 0x008
#define P9_ATTR_ATIME 0x010
#define P9_ATTR_MTIME 0x020
#define P9_ATTR_CTIME 0x040
#define P9_ATTR_ATIME_SET 0x080
#define P9_ATTR_MTIME_SET 0x100

/* Tgetattr request/valid mask: the stat fields (mode .. blocks) */
#define P9_GETATTR_BASIC 0x7ffULL

/* Tlock status, Tgetlock type */
#define P9_LOCK_SUCCESS 0
#define P9_LOCK_TYPE_UNLCK 2

struct p9_qid {
    uint8_t type;
    uint32_t version;
    uint64_t path;
};

/* reading a message: [buf, buf+len) */
struct p9_in {
    const uint8_t *buf;
    size_t len, pos;
    bool err; /* read past the end (sticky) */
};

/* writing a reply: [buf, buf+cap) */
struct p9_out {
    uint8_t *buf;
    size_t cap, pos;
    bool err; /* did not fit (sticky) */
};

void p9_in_init(struct p9_in *in, const uint8_t *buf, size_t len);
uint8_t p9_get8(struct p9_in *in);
uint16_t p9_get16(struct p9_in *in);
uint32_t p9_get32(struct p9_in *in);
uint64_t p9_get64(struct p9_in *in);
/* a string: len[2] then len bytes (not NUL-terminated, may hold anything); *s points into the
 * message.  On a short message: err set, *s = "" and *len = 0. */
void p9_get_str(struct p9_in *in, const char **s, uint16_t *len);
/* n raw bytes: a pointer into the message, or NULL (err set) when fewer remain */
const uint8_t *p9_get_bytes(struct p9_in *in, size_t n);
size_t p9_in_left(const struct p9_in *in);

void p9_out_init(struct p9_out *out, uint8_t *buf, size_t cap);
void p9_put8(struct p9_out *out, uint8_t v);
void p9_put16(struct p9_out *out, uint16_t v);
void p9_put32(struct p9_out *out, uint32_t v);
void p9_put64(struct p9_out *out, uint64_t v);
void p9_put_str(struct p9_out *out, const char *s, size_t len); /* err if len > 65535 */
void p9_put_qid(struct p9_out *out, const struct p9_qid *q);
/* reserve n bytes to be filled by the caller: a pointer, or NULL (err set) */
uint8_t *p9_put_reserve(struct p9_out *out, size_t n);
size_t p9_out_left(const struct p9_out *out);

/* the header: size[4] type[1] tag[2], size patched by p9_put_end */
void p9_put_hdr(struct p9_out *out, uint8_t type, uint16_t tag);
/* patch the size field; returns the message length (0 if it did not fit) */
size_t p9_put_end(struct p9_out *out);

/* the whole Rlerror reply into buf (cap >= 11); returns its length */
size_t p9_put_lerror(uint8_t *buf, size_t cap, uint16_t tag, uint32_t ecode);

#endif
