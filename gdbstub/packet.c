/* packet.c - GDB remote protocol framing: a byte-fed receive state machine (so a 0x03 is seen
 * at any time, even while the guest runs) and the matching encoder. */
#include <brkvm/gdb_packet.h>

#include <string.h>

enum { RX_IDLE, RX_DATA, RX_ESC, RX_RLE, RX_CSUM1, RX_CSUM2 };

int gdb_hex_digit(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

void gdb_rx_init(struct gdb_rx *rx)
{
    rx->state = RX_IDLE;
    rx->len = 0;
    rx->buf[0] = 0;
}

static void put(struct gdb_rx *rx, uint8_t c)
{
    if (rx->len < GDB_PACKET_SIZE)
        rx->buf[rx->len++] = c;
    else
        rx->overflow = true;
}

enum gdb_rx_event gdb_rx_feed(struct gdb_rx *rx, uint8_t c)
{
    int v;

    switch (rx->state) {
    case RX_IDLE:
        switch (c) {
        case '$':
            rx->state = RX_DATA;
            rx->len = 0;
            rx->sum = 0;
            rx->overflow = rx->malformed = false;
            return GDB_RX_NONE;
        case '+': return GDB_RX_ACK;
        case '-': return GDB_RX_NACK;
        case GDB_INTERRUPT: return GDB_RX_INTERRUPT;
        default: return GDB_RX_NONE; /* noise between packets */
        }
    case RX_DATA:
        if (c == '#') {
            rx->state = RX_CSUM1;
            return GDB_RX_NONE;
        }
        if (c == '$') { /* a new packet starts: the partial one is dropped */
            rx->len = 0;
            rx->sum = 0;
            rx->overflow = rx->malformed = false;
            return GDB_RX_NONE;
        }
        rx->sum += c;
        if (c == '}')
            rx->state = RX_ESC;
        else if (c == '*')
            rx->state = RX_RLE;
        else
            put(rx, c);
        return GDB_RX_NONE;
    case RX_ESC:
        rx->sum += c;
        if (c == '#' || c == '$') /* an escape cannot hide the frame end */
            rx->malformed = true;
        put(rx, c ^ 0x20);
        rx->state = RX_DATA;
        return GDB_RX_NONE;
    case RX_RLE:
        rx->sum += c;
        rx->state = RX_DATA;
        if (c < 29 + 3 || c > 126 || rx->len == 0 || rx->overflow) {
            rx->malformed = rx->malformed || !rx->overflow;
            return GDB_RX_NONE;
        }
        for (int n = c - 29; n > 0; n--)
            put(rx, rx->buf[rx->len - 1]);
        return GDB_RX_NONE;
    case RX_CSUM1:
        v = gdb_hex_digit(c);
        rx->bad_csum = v < 0;
        rx->want = (uint8_t)((v < 0 ? 0 : v) << 4);
        rx->state = RX_CSUM2;
        return GDB_RX_NONE;
    case RX_CSUM2:
        rx->state = RX_IDLE;
        v = gdb_hex_digit(c);
        if (v < 0 || rx->bad_csum || (uint8_t)(rx->want | v) != rx->sum) {
            rx->len = 0;
            rx->buf[0] = 0;
            return GDB_RX_BAD_CHECKSUM;
        }
        rx->buf[rx->len] = 0;
        if (rx->overflow) {
            rx->len = 0;
            rx->buf[0] = 0;
            return GDB_RX_TOO_LONG;
        }
        if (rx->malformed) {
            rx->len = 0;
            rx->buf[0] = 0;
            return GDB_RX_MALFORMED;
        }
        return GDB_RX_PACKET;
    }
    rx->state = RX_IDLE;
    return GDB_RX_NONE;
}

static bool needs_escape(uint8_t c)
{
    return c == '$' || c == '#' || c == '}' || c == '*';
}

/* A repeat count n (extra copies) is sent as the character n + 29; '#' and '$' (n = 6, 7)
 * are forbidden, and so are '+' and '-' (n = 14, 16) which confuse some tools. */
static bool rle_count_ok(size_t n)
{
    return n >= 3 && n <= 97 && n != 6 && n != 7 && n != 14 && n != 16;
}

/* The framed output being built: '$' is written first, room for "#cc" is always kept. */
struct enc {
    uint8_t *out;
    size_t o, cap;
    uint8_t sum;
    bool full;
};

static inline void enc_put(struct enc *e, uint8_t c)
{
    if (e->o + 3 >= e->cap) {
        e->full = true;
        return;
    }
    e->out[e->o++] = c;
    e->sum += c;
}

/* k >= 1 copies of c (a character that needs no escape): c, then '*' and a legal count for up
 * to 97 more, as often as it takes (3 bytes per 98 copies) */
static void enc_rle(struct enc *e, uint8_t c, size_t k)
{
    while (k) {
        size_t extra = k - 1 < 97 ? k - 1 : 97;
        while (extra && !rle_count_ok(extra))
            extra--; /* shrunk to a legal count; below 3 the copies go out literally */
        enc_put(e, c);
        if (extra) {
            enc_put(e, '*');
            enc_put(e, (uint8_t)(extra + 29));
        }
        k -= 1 + extra;
    }
}

/* the same, with the common case (a run too short to encode) inline */
static inline void enc_run(struct enc *e, uint8_t c, size_t k)
{
    if (k > 3) {
        enc_rle(e, c, k);
        return;
    }
    if (e->o + k + 3 > e->cap) {
        e->full = true;
        return;
    }
    for (size_t j = 0; j < k; j++)
        e->out[e->o++] = c;
    e->sum += (uint8_t)(c * k);
}

static size_t enc_finish(struct enc *e)
{
    static const char hex[] = "0123456789abcdef";

    if (e->full || e->o + 3 > e->cap)
        return 0;
    e->out[e->o++] = '#';
    e->out[e->o++] = hex[e->sum >> 4];
    e->out[e->o++] = hex[e->sum & 15];
    return e->o;
}

/* how many of p[0..lim) equal c, eight at a time while they do */
static size_t same_bytes(const uint8_t *p, size_t lim, uint8_t c)
{
    const uint64_t pat = c * 0x0101010101010101ULL;
    size_t k = 0;

    /* 32 bytes per test while they all match (zeroed RAM), then 8, then 1 */
    for (uint64_t w[4]; k + 32 <= lim; k += 32) {
        memcpy(w, p + k, 32);
        if (((w[0] ^ pat) | (w[1] ^ pat) | (w[2] ^ pat) | (w[3] ^ pat)) != 0)
            break;
    }
    for (uint64_t w; k + 8 <= lim; k += 8) {
        memcpy(&w, p + k, 8);
        if (w != pat)
            break;
    }
    while (k < lim && p[k] == c)
        k++;
    return k;
}

size_t gdb_packet_encode(const uint8_t *payload, size_t len, uint8_t *out, size_t cap, bool rle)
{
    struct enc e = {.out = out, .o = 1, .cap = cap};

    if (cap < 4)
        return 0;
    out[0] = '$';
    for (size_t i = 0; i < len && !e.full;) {
        uint8_t c = payload[i];

        if (needs_escape(c)) {
            enc_put(&e, '}');
            enc_put(&e, c ^ 0x20);
            i++;
            continue;
        }
        /* the copies of c that follow, at most 97 per '*' */
        size_t run = rle && i + 1 < len && payload[i + 1] == c
                         ? same_bytes(payload + i + 1, len - i - 1, c)
                         : 0;
        enc_run(&e, c, 1 + run);
        i += 1 + run;
    }
    return enc_finish(&e);
}

size_t gdb_packet_encode_hex(const uint8_t *data, size_t n, uint8_t *out, size_t cap)
{
    static const char hex[] = "0123456789abcdef";
    struct enc e = {.out = out, .o = 1, .cap = cap};

    if (cap < 4)
        return 0;
    out[0] = '$';
    /* A run of 4 or more equal digits always holds a whole byte whose two digits are equal
     * (0x00, 0x11, ...): other bytes go out as two literal digits; at such a byte the run is
     * taken (its equal bytes eight at a time), with the digit before it (the last byte's low
     * digit, if equal) and the one after it (the next byte's high digit, if equal). */
    for (size_t i = 0; i < n && !e.full;) {
        uint8_t b = data[i];
        if ((b >> 4) != (b & 15)) {
            if (e.o + 2 + 3 > e.cap) {
                e.full = true;
                break;
            }
            e.out[e.o++] = (uint8_t)hex[b >> 4];
            e.out[e.o++] = (uint8_t)hex[b & 15];
            e.sum += (uint8_t)(hex[b >> 4] + hex[b & 15]);
            i++;
            continue;
        }
        uint8_t c = (uint8_t)hex[b & 15];
        size_t k = same_bytes(data + i, n - i, b), digits = 2 * k;
        if (i && (uint8_t)hex[data[i - 1] & 15] == c) { /* written last, as a literal */
            e.o--;
            e.sum -= c;
            digits++;
        }
        i += k;
        if (i < n && (uint8_t)hex[data[i] >> 4] == c) {
            /* the next byte's high digit joins the run; its low digit differs from c */
            enc_run(&e, c, digits + 1);
            enc_put(&e, (uint8_t)hex[data[i] & 15]);
            i++;
        } else {
            enc_run(&e, c, digits);
        }
    }
    return enc_finish(&e);
}

void gdb_hex_encode(const uint8_t *in, size_t n, char *out)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hex[in[i] >> 4];
        out[2 * i + 1] = hex[in[i] & 15];
    }
}

long gdb_hex_decode(const char *in, size_t nchars, uint8_t *out, size_t cap)
{
    if (nchars & 1 || nchars / 2 > cap)
        return -1;
    for (size_t i = 0; i < nchars / 2; i++) {
        int hi = gdb_hex_digit((uint8_t)in[2 * i]), lo = gdb_hex_digit((uint8_t)in[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return (long)(nchars / 2);
}

int gdb_hex_u64(const char **p, uint64_t *out)
{
    const char *s = *p;
    uint64_t v = 0;
    int d, n = 0;

    while ((d = gdb_hex_digit((uint8_t)*s)) >= 0) {
        if (v >> 60)
            return -1;
        v = v << 4 | (uint64_t)d;
        s++;
        n++;
    }
    if (!n)
        return -1;
    *out = v;
    *p = s;
    return 0;
}
