/* gdb_packet.h - the GDB remote serial protocol's packet layer (pure: bytes in, packets out)
 *
 * Framing "$payload#cc" (cc = two hex digits, the sum of the payload bytes mod 256), acks '+'
 * and '-', the interrupt byte 0x03, escapes ('}' then the byte XOR 0x20) and run-length
 * encoding ('*' then a count character: repeat the previous byte count - 29 times). */
#ifndef BRKVM_GDB_PACKET_H
#define BRKVM_GDB_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Largest decoded payload accepted, advertised as PacketSize.  gdb asks for PacketSize / 2
 * bytes per 'm' (PacketSize per gdb 16's binary 'x'), so a 64 MiB dump takes 128 round trips
 * (64 with 'x') instead of 2048 at 64 KiB; the stub's buffers grow with it (~5 MiB). */
#define GDB_PACKET_SIZE 0x100000
#define GDB_INTERRUPT 0x03

enum gdb_rx_event {
    GDB_RX_NONE,         /* byte consumed, nothing complete yet */
    GDB_RX_PACKET,       /* rx->buf[0..len) holds a decoded payload (NUL-terminated) */
    GDB_RX_BAD_CHECKSUM, /* a framed packet whose checksum is wrong: answer '-' */
    GDB_RX_MALFORMED,    /* framed, checksum right, but a bad escape or repeat: answer an error */
    GDB_RX_TOO_LONG,     /* framed, checksum right, payload over GDB_PACKET_SIZE: discarded */
    GDB_RX_ACK,          /* '+' outside a packet */
    GDB_RX_NACK,         /* '-' outside a packet */
    GDB_RX_INTERRUPT,    /* 0x03 outside a packet */
};

struct gdb_rx {
    int state;
    uint8_t sum;      /* running checksum of the raw bytes */
    uint8_t want;     /* checksum received */
    bool overflow, malformed, bad_csum;
    size_t len;
    uint8_t buf[GDB_PACKET_SIZE + 1];
};

void gdb_rx_init(struct gdb_rx *rx);
enum gdb_rx_event gdb_rx_feed(struct gdb_rx *rx, uint8_t byte);

/*
 * Frame payload[0..len) as "$...#cc" into out (cap bytes), escaping '$', '#', '}' and '*' and,
 * when rle is set, run-length encoding repeats.  Returns the framed length, or 0 if it does not
 * fit.  A buffer of 2 * len + 4 bytes is always enough.
 */
size_t gdb_packet_encode(const uint8_t *payload, size_t len, uint8_t *out, size_t cap, bool rle);

/*
 * The same for a reply that is data[0..n) as hex digits (an 'm' reply), without building the
 * hex string: digits never need escapes; runs of a digit (zeroed memory: '0') are
 * run-length encoded, a run of bytes like 0x00 taken eight at a time.  Returns the framed
 * length or 0 if it does not fit; 2 * n + 4 bytes are always enough.
 */
size_t gdb_packet_encode_hex(const uint8_t *data, size_t n, uint8_t *out, size_t cap);

/* Hex helpers.  gdb_hex_decode returns the bytes written or -1 on a non-hex digit / odd length. */
/* the value of one hex digit (either case), -1 for anything else */
int gdb_hex_digit(uint8_t c);
void gdb_hex_encode(const uint8_t *in, size_t n, char *out); /* writes 2n chars, no NUL */
long gdb_hex_decode(const char *in, size_t nchars, uint8_t *out, size_t cap);
/* Parse a hex number at *p (at least one digit), advance *p; 0 or -1 (none / overflow). */
int gdb_hex_u64(const char **p, uint64_t *out);

#endif
