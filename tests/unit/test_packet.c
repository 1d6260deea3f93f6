/* test_packet.c - the GDB packet layer: the byte-fed receive state machine, the encoder (escapes,
 * run-length encoding) and the hex helpers */
#include <brkvm/gdb_packet.h>

#include <glib.h>
#include <string.h>

/* ---- helpers ---- */

static uint8_t csum(const void *p, size_t n)
{
    const uint8_t *b = p;
    uint8_t s = 0;
    for (size_t i = 0; i < n; i++)
        s += b[i];
    return s;
}

/* "$raw#cc" over raw bytes taken as they are (already escaped / run-length encoded) */
static GByteArray *frame_raw(const void *raw, size_t n, bool upper)
{
    GByteArray *f = g_byte_array_new();
    char tail[4];

    g_byte_array_append(f, (const guint8 *)"$", 1);
    g_byte_array_append(f, raw, (guint)n);
    g_snprintf(tail, sizeof(tail), upper ? "#%02X" : "#%02x", csum(raw, n));
    g_byte_array_append(f, (const guint8 *)tail, 3);
    return f;
}

/* Feed bytes: every one but the last must give GDB_RX_NONE; returns the last one's event. */
static enum gdb_rx_event feed(struct gdb_rx *rx, const void *p, size_t n)
{
    const uint8_t *b = p;
    enum gdb_rx_event e = GDB_RX_NONE;

    for (size_t i = 0; i < n; i++) {
        e = gdb_rx_feed(rx, b[i]);
        if (i + 1 < n && e != GDB_RX_NONE)
            g_error("byte %zu (0x%02x) of %zu gave event %d", i, b[i], n, e);
    }
    return e;
}

static enum gdb_rx_event feed_frame(struct gdb_rx *rx, const void *raw, size_t n)
{
    GByteArray *f = frame_raw(raw, n, false);
    enum gdb_rx_event e = feed(rx, f->data, f->len);
    g_byte_array_unref(f);
    return e;
}

static enum gdb_rx_event feed_str(struct gdb_rx *rx, const char *s)
{
    return feed(rx, s, strlen(s));
}

static struct gdb_rx *rx_new(void)
{
    struct gdb_rx *rx = g_new0(struct gdb_rx, 1);
    gdb_rx_init(rx);
    return rx;
}

static void assert_packet(struct gdb_rx *rx, const void *want, size_t n)
{
    g_assert_cmpuint(rx->len, ==, n);
    g_assert_true(memcmp(rx->buf, want, n) == 0);
    g_assert_cmpuint(rx->buf[n], ==, 0); /* NUL-terminated */
}

/* ---- receive: framing and checksums ---- */

static void test_rx_good(void)
{
    struct gdb_rx *rx = rx_new();
    static const char *payloads[] = {"g", "qSupported:multiprocess+;swbreak+", "m40000000,4",
                                     "vCont;c", "?", "+-", "\x03", "a b\tc"};

    g_assert_cmpint(feed_str(rx, "$g#67"), ==, GDB_RX_PACKET);
    assert_packet(rx, "g", 1);
    for (unsigned i = 0; i < G_N_ELEMENTS(payloads); i++) {
        for (int upper = 0; upper < 2; upper++) {
            GByteArray *f = frame_raw(payloads[i], strlen(payloads[i]), upper);
            g_test_message("%s upper=%d", payloads[i], upper);
            g_assert_cmpint(feed(rx, f->data, f->len), ==, GDB_RX_PACKET);
            assert_packet(rx, payloads[i], strlen(payloads[i]));
            g_byte_array_unref(f);
        }
    }
    /* the empty packet */
    g_assert_cmpint(feed_str(rx, "$#00"), ==, GDB_RX_PACKET);
    assert_packet(rx, "", 0);
    /* mixed case checksum digits: 'qC' sums to 0xb4 */
    g_assert_cmpint(feed_str(rx, "$qC#B4"), ==, GDB_RX_PACKET);
    g_assert_cmpint(feed_str(rx, "$qC#b4"), ==, GDB_RX_PACKET);
    assert_packet(rx, "qC", 2);
    g_free(rx);
}

static void test_rx_bad_checksum(void)
{
    struct gdb_rx *rx = rx_new();
    static const struct { const char *raw; size_t len; } bad[] = {
        {"$g#68", 5}, {"$g#00", 5}, {"$g#76", 5}, {"$qC#b5", 6}, {"$g#6g", 5}, {"$g#g7", 5},
        {"$g#\0" "7", 5}, {"$g# 6", 5}, {"$#01", 4}, {"$g#-7", 5}, {"$g#7\x03", 5},
    };

    for (unsigned i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_test_message("case %u: %s", i, bad[i].raw);
        g_assert_cmpint(feed(rx, bad[i].raw, bad[i].len), ==, GDB_RX_BAD_CHECKSUM);
        g_assert_cmpuint(rx->len, ==, 0);
        /* the machine is back between packets: the next one parses */
        g_assert_cmpint(feed_str(rx, "$g#67"), ==, GDB_RX_PACKET);
        assert_packet(rx, "g", 1);
    }
    g_free(rx);
}

static void test_rx_acks_interrupt_noise(void)
{
    struct gdb_rx *rx = rx_new();

    g_assert_cmpint(gdb_rx_feed(rx, '+'), ==, GDB_RX_ACK);
    g_assert_cmpint(gdb_rx_feed(rx, '-'), ==, GDB_RX_NACK);
    g_assert_cmpint(gdb_rx_feed(rx, 0x03), ==, GDB_RX_INTERRUPT);
    /* noise between packets is ignored */
    for (int c = 0; c < 256; c++) {
        if (c == '$' || c == '+' || c == '-' || c == 0x03)
            continue;
        g_assert_cmpint(gdb_rx_feed(rx, (uint8_t)c), ==, GDB_RX_NONE);
    }
    g_assert_cmpint(feed_str(rx, "\r\nxyz#00"), ==, GDB_RX_NONE);
    g_assert_cmpint(feed_str(rx, "$g#67"), ==, GDB_RX_PACKET);
    assert_packet(rx, "g", 1);
    /* inside a packet '+', '-' and 0x03 are data */
    g_assert_cmpint(feed_frame(rx, "+-\x03", 3), ==, GDB_RX_PACKET);
    assert_packet(rx, "+-\x03", 3);
    /* a sequence: ack, packet, interrupt, nack */
    {
        static const char seq[] = "+$qC#b4\x03-";
        enum gdb_rx_event want[sizeof(seq) - 1] = {GDB_RX_ACK};
        want[6] = GDB_RX_PACKET;
        want[7] = GDB_RX_INTERRUPT;
        want[8] = GDB_RX_NACK;
        for (size_t i = 0; i < sizeof(seq) - 1; i++)
            g_assert_cmpint(gdb_rx_feed(rx, (uint8_t)seq[i]), ==, want[i]);
    }
    g_free(rx);
}

static void test_rx_restart(void)
{
    struct gdb_rx *rx = rx_new();

    /* '$' inside a packet drops the partial one */
    g_assert_cmpint(feed_str(rx, "$abc$g#67"), ==, GDB_RX_PACKET);
    assert_packet(rx, "g", 1);
    g_assert_cmpint(feed_str(rx, "$m1000,4$$$qC#b4"), ==, GDB_RX_PACKET);
    assert_packet(rx, "qC", 2);
    /* the dropped part's bad escape / repeat does not taint the new packet */
    g_assert_cmpint(feed_str(rx, "$*x$g#67"), ==, GDB_RX_PACKET);
    assert_packet(rx, "g", 1);
    g_free(rx);
}

/* ---- receive: escapes ---- */

static void test_rx_escapes(void)
{
    struct gdb_rx *rx = rx_new();
    /* '}' then the byte XOR 0x20 */
    static const struct { const char *raw; size_t rawlen; const char *want; size_t wantlen; }
        cases[] = {
            {"}\x03", 2, "#", 1},           {"}\x04", 2, "$", 1},
            {"}]", 2, "}", 1},              {"}\x0a", 2, "*", 1},
            {"a} b", 4, "a\0b", 3},         {"}\xdf", 2, "\xff", 1},
            {"X1,3:}\x03}\x04}]", 11, "X1,3:#$}", 8},
            {"}a", 2, "A", 1}, /* an escape of a byte that needed none is still decoded */
        };

    for (unsigned i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_test_message("case %u", i);
        g_assert_cmpint(feed_frame(rx, cases[i].raw, cases[i].rawlen), ==, GDB_RX_PACKET);
        assert_packet(rx, cases[i].want, cases[i].wantlen);
    }
    /* every byte value through an escape, but 0x03 and 0x04 (whose escapes would be "}#" and
     * "}$"): those go literally */
    {
        uint8_t raw[512], want[256];
        size_t n = 0;
        for (int c = 0; c < 256; c++) {
            if (c != 0x03 && c != 0x04)
                raw[n++] = '}';
            raw[n++] = (uint8_t)(c == 0x03 || c == 0x04 ? c : c ^ 0x20);
            want[c] = (uint8_t)c;
        }
        g_assert_cmpint(feed_frame(rx, raw, n), ==, GDB_RX_PACKET);
        assert_packet(rx, want, sizeof(want));
    }
    /* an escape cannot hide the frame's end ("}#" or "}$"): the packet is malformed */
    g_assert_cmpint(feed_frame(rx, "a}#b", 4), ==, GDB_RX_MALFORMED);
    g_assert_cmpuint(rx->len, ==, 0);
    g_assert_cmpint(feed_frame(rx, "a}$b", 4), ==, GDB_RX_MALFORMED);
    g_assert_cmpint(feed_str(rx, "$g#67"), ==, GDB_RX_PACKET);
    g_free(rx);
}

/* ---- receive: run-length encoding ---- */

static void test_rx_rle(void)
{
    struct gdb_rx *rx = rx_new();
    char want[256];

    /* "0* " is '0' and 3 more */
    g_assert_cmpint(feed_frame(rx, "0* ", 3), ==, GDB_RX_PACKET);
    assert_packet(rx, "0000", 4);
    /* each count character c from ' ' to '~' repeats c - 29 times */
    for (int c = ' '; c <= '~'; c++) {
        char raw[8] = {'x', 'a', '*', (char)c, 'y'};
        int n = c - 29;
        want[0] = 'x';
        memset(want + 1, 'a', (size_t)n + 1);
        want[n + 2] = 'y';
        g_test_message("count %c", c);
        g_assert_cmpint(feed_frame(rx, raw, 5), ==, GDB_RX_PACKET);
        assert_packet(rx, want, (size_t)n + 3);
    }
    /* runs chain: "0* * " is 1 + 3 + 3 */
    g_assert_cmpint(feed_frame(rx, "0* * ", 5), ==, GDB_RX_PACKET);
    assert_packet(rx, "0000000", 7);
    /* the byte repeated may come from an escape */
    g_assert_cmpint(feed_frame(rx, "}]* ", 4), ==, GDB_RX_PACKET);
    assert_packet(rx, "}}}}", 4);
    /* '#' and '$' as counts: never sent, but consumed as counts (as gdb's own reader does) */
    g_assert_cmpint(feed_frame(rx, "a*#", 3), ==, GDB_RX_PACKET);
    assert_packet(rx, "aaaaaaa", 7);
    /* no byte before the '*' */
    g_assert_cmpint(feed_frame(rx, "* ", 2), ==, GDB_RX_MALFORMED);
    g_assert_cmpuint(rx->len, ==, 0);
    /* counts out of range: below ' ' (fewer than 3 repeats) or above '~' */
    static const uint8_t bad_counts[] = {0, 0x03, '\n', 0x1f, 0x7f, 0x80, 0xff};
    for (unsigned i = 0; i < G_N_ELEMENTS(bad_counts); i++) {
        uint8_t raw[3] = {'a', '*', bad_counts[i]};
        g_test_message("bad count 0x%02x", bad_counts[i]);
        g_assert_cmpint(feed_frame(rx, raw, 3), ==, GDB_RX_MALFORMED);
        g_assert_cmpint(feed_str(rx, "$g#67"), ==, GDB_RX_PACKET);
        assert_packet(rx, "g", 1);
    }
    g_free(rx);
}

/* ---- receive: size limits ---- */

static void test_rx_too_long(void)
{
    struct gdb_rx *rx = rx_new();
    size_t n = GDB_PACKET_SIZE;
    uint8_t *raw = g_malloc(n + 16);

    /* exactly GDB_PACKET_SIZE bytes: accepted */
    memset(raw, 'a', n);
    g_assert_cmpint(feed_frame(rx, raw, n), ==, GDB_RX_PACKET);
    g_assert_cmpuint(rx->len, ==, n);
    g_assert_cmpuint(rx->buf[0], ==, 'a');
    g_assert_cmpuint(rx->buf[n - 1], ==, 'a');
    g_assert_cmpuint(rx->buf[n], ==, 0);

    /* one more: too long, and the next packet still parses */
    memset(raw, 'b', n + 1);
    g_assert_cmpint(feed_frame(rx, raw, n + 1), ==, GDB_RX_TOO_LONG);
    g_assert_cmpuint(rx->len, ==, 0);
    g_assert_cmpint(feed_str(rx, "$g#67"), ==, GDB_RX_PACKET);
    assert_packet(rx, "g", 1);

    /* much longer */
    {
        uint8_t *big = g_malloc(3 * n);
        memset(big, 'c', 3 * n);
        g_assert_cmpint(feed_frame(rx, big, 3 * n), ==, GDB_RX_TOO_LONG);
        g_free(big);
        g_assert_cmpint(feed_str(rx, "$qC#b4"), ==, GDB_RX_PACKET);
        assert_packet(rx, "qC", 2);
    }

    /* too long and a wrong checksum: the checksum is reported */
    {
        GByteArray *f = frame_raw(raw, n + 1, false);
        f->data[f->len - 1] ^= 1;
        g_assert_cmpint(feed(rx, f->data, f->len), ==, GDB_RX_BAD_CHECKSUM);
        g_byte_array_unref(f);
    }

    /* by run-length expansion: n - 4 bytes then "a*!" (a and 4 more) = n + 1 */
    memset(raw, 'd', n - 4);
    memcpy(raw + n - 4, "a*!", 3);
    g_assert_cmpint(feed_frame(rx, raw, n - 1), ==, GDB_RX_TOO_LONG);
    g_assert_cmpint(feed_str(rx, "$g#67"), ==, GDB_RX_PACKET);
    /* n - 5 bytes then "a*!": exactly n, accepted */
    memset(raw, 'd', n - 5);
    memcpy(raw + n - 5, "a*!", 3);
    g_assert_cmpint(feed_frame(rx, raw, n - 2), ==, GDB_RX_PACKET);
    g_assert_cmpuint(rx->len, ==, n);
    g_assert_cmpuint(rx->buf[n - 1], ==, 'a');
    g_assert_cmpuint(rx->buf[n - 6], ==, 'd');
    /* a run past the end, then more repeats: still just too long */
    memset(raw, 'e', n - 2);
    memcpy(raw + n - 2, "*~*~*~", 6);
    g_assert_cmpint(feed_frame(rx, raw, n + 4), ==, GDB_RX_TOO_LONG);
    /* a maximal packet with escapes: n decoded bytes from 2n raw */
    {
        uint8_t *esc = g_malloc(2 * n);
        for (size_t i = 0; i < n; i++) {
            esc[2 * i] = '}';
            esc[2 * i + 1] = '#' ^ 0x20;
        }
        g_assert_cmpint(feed_frame(rx, esc, 2 * n), ==, GDB_RX_PACKET);
        g_assert_cmpuint(rx->len, ==, n);
        g_assert_cmpuint(rx->buf[n - 1], ==, '#');
        g_free(esc);
    }
    g_free(raw);
    g_free(rx);
}

/* ---- encoder ---- */

/* Walk a framed packet: checks the frame, no bare '$' / '#' inside, legal repeat counts. */
static void check_encoded(const uint8_t *f, size_t n, bool rle)
{
    static const char hex[] = "0123456789abcdef";
    uint8_t sum;

    g_assert_cmpuint(n, >=, 4);
    g_assert_cmpuint(f[0], ==, '$');
    g_assert_cmpuint(f[n - 3], ==, '#');
    g_assert_nonnull(memchr(hex, f[n - 2], 16));
    g_assert_nonnull(memchr(hex, f[n - 1], 16));
    sum = csum(f + 1, n - 4);
    g_assert_cmpuint(f[n - 2], ==, hex[sum >> 4]);
    g_assert_cmpuint(f[n - 1], ==, hex[sum & 15]);
    for (size_t i = 1; i < n - 3; i++) {
        g_assert_cmpuint(f[i], !=, '$');
        g_assert_cmpuint(f[i], !=, '#');
        if (f[i] == '}') {
            i++;
            g_assert_cmpuint(i, <, n - 3);
            continue;
        }
        if (f[i] == '*') {
            g_assert_true(rle);
            g_assert_cmpuint(i, >, 1);
            i++;
            g_assert_cmpuint(i, <, n - 3);
            /* counts that are '#', '$', '+', '-' are never emitted */
            g_assert_cmpuint(f[i], !=, '#');
            g_assert_cmpuint(f[i], !=, '$');
            g_assert_cmpuint(f[i], !=, '+');
            g_assert_cmpuint(f[i], !=, '-');
            g_assert_cmpuint(f[i], >=, ' ');
            g_assert_cmpuint(f[i], <=, '~');
        }
    }
}

static void round_trip(struct gdb_rx *rx, const uint8_t *p, size_t len, bool rle)
{
    size_t cap = 2 * len + 4;
    uint8_t *out = g_malloc(cap);
    size_t n = gdb_packet_encode(p, len, out, cap, rle);

    g_assert_cmpuint(n, >, 0);
    g_assert_cmpuint(n, <=, cap);
    check_encoded(out, n, rle);
    g_assert_cmpint(feed(rx, out, n), ==, GDB_RX_PACKET);
    g_assert_cmpuint(rx->len, ==, len);
    g_assert_true(memcmp(rx->buf, p, len) == 0);
    /* the exact size is enough, one byte less is not */
    g_assert_cmpuint(gdb_packet_encode(p, len, out, n, rle), ==, n);
    g_assert_cmpuint(gdb_packet_encode(p, len, out, n - 1, rle), ==, 0);
    g_free(out);
}

static void test_encode_simple(void)
{
    uint8_t out[64];
    size_t n;

    n = gdb_packet_encode((const uint8_t *)"g", 1, out, sizeof(out), false);
    g_assert_cmpuint(n, ==, 5);
    g_assert_true(memcmp(out, "$g#67", 5) == 0);
    n = gdb_packet_encode((const uint8_t *)"", 0, out, sizeof(out), true);
    g_assert_cmpuint(n, ==, 4);
    g_assert_true(memcmp(out, "$#00", 4) == 0);
    n = gdb_packet_encode((const uint8_t *)"OK", 2, out, sizeof(out), true);
    g_assert_true(n == 6 && memcmp(out, "$OK#9a", 6) == 0);
    /* '$', '#', '}', '*' are escaped */
    n = gdb_packet_encode((const uint8_t *)"$#}*", 4, out, sizeof(out), true);
    g_assert_cmpuint(n, ==, 12);
    g_assert_true(memcmp(out, "$}\x04}\x03}]}\x0a#", 10) == 0);
    /* a run: '0' then "* " (3 more) */
    n = gdb_packet_encode((const uint8_t *)"0000", 4, out, sizeof(out), true);
    g_assert_cmpuint(n, ==, 7);
    g_assert_true(memcmp(out, "$0* #", 5) == 0);
    /* without rle the run goes out literally */
    n = gdb_packet_encode((const uint8_t *)"0000", 4, out, sizeof(out), false);
    g_assert_true(n == 8 && memcmp(out, "$0000#", 6) == 0);
    /* short runs are not worth it */
    n = gdb_packet_encode((const uint8_t *)"000", 3, out, sizeof(out), true);
    g_assert_true(n == 7 && memcmp(out, "$000#", 5) == 0);
}

static void test_encode_rle_counts(void)
{
    struct gdb_rx *rx = rx_new();
    uint8_t p[400];

    /* every run length, in particular those whose count would be '#' '$' '+' '-' (7, 8, 15, 17) */
    for (size_t run = 1; run <= 300; run++) {
        for (int rle = 0; rle < 2; rle++) {
            memset(p, 'z', run);
            p[run] = 'q';
            g_test_message("run %zu rle %d", run, rle);
            round_trip(rx, p, run + 1, rle);
        }
    }
    /* runs of escaped bytes and of NUL */
    memset(p, '#', 50);
    round_trip(rx, p, 50, true);
    memset(p, 0, 200);
    round_trip(rx, p, 200, true);
    /* rle compresses */
    {
        uint8_t out[64];
        memset(p, 'a', 97 + 1);
        g_assert_cmpuint(gdb_packet_encode(p, 98, out, sizeof(out), true), ==, 7);
        g_assert_true(memcmp(out, "$a*~#", 5) == 0);
        memset(p, '0', 200);
        g_assert_cmpuint(gdb_packet_encode(p, 200, out, sizeof(out), true), <, 20);
    }
    g_free(rx);
}

static void test_encode_random(void)
{
    struct gdb_rx *rx = rx_new();
    GRand *r = g_rand_new_with_seed(0x6462);
    uint8_t *p = g_malloc(GDB_PACKET_SIZE);

    for (int iter = 0; iter < 3000; iter++) {
        size_t len = (size_t)g_rand_int_range(r, 0, iter < 2900 ? 300 : GDB_PACKET_SIZE + 1);
        int mode = g_rand_int_range(r, 0, 3);
        for (size_t i = 0; i < len; i++) {
            switch (mode) {
            case 0: p[i] = (uint8_t)g_rand_int(r); break;              /* any binary */
            case 1: p[i] = "0$#}*+-a"[g_rand_int_range(r, 0, 8)]; break; /* specials */
            default: /* runs of random length */
                if (i && g_rand_int_range(r, 0, 8))
                    p[i] = p[i - 1];
                else
                    p[i] = (uint8_t)g_rand_int_range(r, 0, 256);
            }
        }
        round_trip(rx, p, len, g_rand_boolean(r));
    }
    g_free(p);
    g_rand_free(r);
    g_free(rx);
}

/* an 'm' reply framed by gdb_packet_encode_hex decodes to the hex digits of data */
static void round_trip_hex(struct gdb_rx *rx, const uint8_t *data, size_t n)
{
    size_t cap = 2 * n + 4;
    uint8_t *out = g_malloc(cap);
    char *want = g_malloc(2 * n + 1);
    size_t len = gdb_packet_encode_hex(data, n, out, cap);

    gdb_hex_encode(data, n, want);
    g_assert_cmpuint(len, >, 0);
    check_encoded(out, len, true);
    g_assert_cmpint(feed(rx, out, len), ==, GDB_RX_PACKET);
    g_assert_cmpuint(rx->len, ==, 2 * n);
    g_assert_true(memcmp(rx->buf, want, 2 * n) == 0);
    /* never longer than the plain encoder's framing of the hex string */
    g_assert_cmpuint(len, <=, gdb_packet_encode((const uint8_t *)want, 2 * n, out, cap, true));
    len = gdb_packet_encode_hex(data, n, out, cap);
    g_assert_cmpuint(gdb_packet_encode_hex(data, n, out, len), ==, len);
    g_assert_cmpuint(gdb_packet_encode_hex(data, n, out, len - 1), ==, 0);
    g_free(want);
    g_free(out);
}

static void test_encode_hex(void)
{
    struct gdb_rx *rx = rx_new();
    GRand *r = g_rand_new_with_seed(0x6d6d);
    size_t big = GDB_PACKET_SIZE / 2;
    uint8_t *p = g_malloc0(big), out[64];

    g_assert_cmpuint(gdb_packet_encode_hex(p, 0, out, sizeof(out)), ==, 4);
    g_assert_true(memcmp(out, "$#00", 4) == 0);
    p[0] = 0xab;
    g_assert_cmpuint(gdb_packet_encode_hex(p, 1, out, sizeof(out)), ==, 6);
    g_assert_true(memcmp(out, "$ab#c3", 6) == 0);
    for (int iter = 0; iter < 3000; iter++) {
        size_t len = (size_t)g_rand_int_range(r, 0, 200);
        int mode = g_rand_int_range(r, 0, 4);
        for (size_t i = 0; i < len; i++) {
            switch (mode) {
            case 0: p[i] = (uint8_t)g_rand_int(r); break;
            case 1: /* mostly zero, as RAM is */
                p[i] = g_rand_int_range(r, 0, 16) ? 0 : (uint8_t)g_rand_int(r);
                break;
            case 2: /* bytes whose digits are equal, and their neighbours */
                p[i] = (uint8_t)"\x00\x11\xff\x10\x01\xf0"[g_rand_int_range(r, 0, 6)];
                break;
            default: /* runs of random length and value */
                p[i] = i && g_rand_int_range(r, 0, 8) ? p[i - 1] : (uint8_t)g_rand_int(r);
            }
        }
        round_trip_hex(rx, p, len);
    }
    /* a whole 'm' reply of zeroed memory with a few bytes set at odd places */
    memset(p, 0, big);
    round_trip_hex(rx, p, big);
    p[1] = 1;
    p[big / 3] = 0x10;
    p[big - 1] = 0xff;
    round_trip_hex(rx, p, big);
    /* zeros take 3 bytes per 98 digits: 1 MiB of digits in ~32 KiB */
    {
        uint8_t *o = g_malloc(2 * big + 4);
        memset(p, 0, big);
        g_assert_cmpuint(gdb_packet_encode_hex(p, big, o, 2 * big + 4), <, 2 * big * 3 / 98 + 8);
        g_free(o);
    }
    g_free(p);
    g_rand_free(r);
    g_free(rx);
}

static void test_encode_cap(void)
{
    uint8_t out[64];
    const uint8_t *p = (const uint8_t *)"hello#world";

    for (size_t cap = 0; cap < 4; cap++)
        g_assert_cmpuint(gdb_packet_encode(p, 0, out, cap, true), ==, 0);
    g_assert_cmpuint(gdb_packet_encode(p, 0, out, 4, true), ==, 4);
    /* framed: '$' + 5 + 2 + 5 + "#cc" = 16 */
    for (size_t cap = 0; cap < 16; cap++)
        g_assert_cmpuint(gdb_packet_encode(p, 11, out, cap, false), ==, 0);
    g_assert_cmpuint(gdb_packet_encode(p, 11, out, 16, false), ==, 16);
    /* nothing is written past cap, even when it does not fit */
    memset(out, 0xee, sizeof(out));
    g_assert_cmpuint(gdb_packet_encode(p, 11, out, 10, false), ==, 0);
    for (size_t i = 10; i < sizeof(out); i++)
        g_assert_cmpuint(out[i], ==, 0xee);
}

/* ---- hex helpers ---- */

static void test_hex(void)
{
    static const uint8_t bin[] = {0x00, 0xab, 0xff, 0x10, 0x7e};
    char txt[16];
    uint8_t back[8];

    memset(txt, 'Z', sizeof(txt));
    gdb_hex_encode(bin, sizeof(bin), txt);
    g_assert_true(memcmp(txt, "00abff107e", 10) == 0);
    g_assert_cmpint(txt[10], ==, 'Z'); /* no NUL written */
    gdb_hex_encode(bin, 0, txt);
    g_assert_cmpint(txt[0], ==, '0');

    g_assert_cmpint(gdb_hex_decode("00abff107e", 10, back, sizeof(back)), ==, 5);
    g_assert_true(memcmp(back, bin, 5) == 0);
    g_assert_cmpint(gdb_hex_decode("00ABFF107E", 10, back, sizeof(back)), ==, 5);
    g_assert_true(memcmp(back, bin, 5) == 0);
    g_assert_cmpint(gdb_hex_decode("", 0, back, 0), ==, 0);
    g_assert_cmpint(gdb_hex_decode("abc", 3, back, sizeof(back)), ==, -1); /* odd */
    g_assert_cmpint(gdb_hex_decode("0g", 2, back, sizeof(back)), ==, -1);
    g_assert_cmpint(gdb_hex_decode("g0", 2, back, sizeof(back)), ==, -1);
    g_assert_cmpint(gdb_hex_decode("0 ", 2, back, sizeof(back)), ==, -1);
    g_assert_cmpint(gdb_hex_decode("-1", 2, back, sizeof(back)), ==, -1);
    g_assert_cmpint(gdb_hex_decode("0011", 4, back, 1), ==, -1); /* does not fit */
    g_assert_cmpint(gdb_hex_decode("0011", 4, back, 2), ==, 2);
    /* only nchars are looked at */
    g_assert_cmpint(gdb_hex_decode("12zz", 2, back, sizeof(back)), ==, 1);
    g_assert_cmpuint(back[0], ==, 0x12);
}

static void test_hex_u64(void)
{
    static const struct { const char *in; int ret; uint64_t v; size_t used; } cases[] = {
        {"0", 0, 0, 1},
        {"1234,5", 0, 0x1234, 4},
        {"DEADbeef", 0, 0xdeadbeef, 8},
        {"ffffffffffffffff", 0, UINT64_MAX, 16},
        {"ffffffffffffffff:", 0, UINT64_MAX, 16},
        {"00000000000000000001", 0, 1, 20}, /* leading zeros are not an overflow */
        {"10000000000000000", -1, 0, 0},    /* 17 significant digits */
        {"fffffffffffffffff", -1, 0, 0},
        {"", -1, 0, 0},
        {",1", -1, 0, 0},
        {"x1", -1, 0, 0},
        {"-1", -1, 0, 0},
        {"g", -1, 0, 0},
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(cases); i++) {
        const char *p = cases[i].in;
        uint64_t v = 0x5a5a;
        g_test_message("%s", cases[i].in);
        g_assert_cmpint(gdb_hex_u64(&p, &v), ==, cases[i].ret);
        g_assert_true(p == cases[i].in + cases[i].used); /* advanced past the digits only */
        if (!cases[i].ret)
            g_assert_cmpuint(v, ==, cases[i].v);
        else
            g_assert_cmpuint(v, ==, 0x5a5a); /* untouched on error */
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/packet/rx/good", test_rx_good);
    g_test_add_func("/packet/rx/bad-checksum", test_rx_bad_checksum);
    g_test_add_func("/packet/rx/acks-interrupt-noise", test_rx_acks_interrupt_noise);
    g_test_add_func("/packet/rx/restart", test_rx_restart);
    g_test_add_func("/packet/rx/escapes", test_rx_escapes);
    g_test_add_func("/packet/rx/rle", test_rx_rle);
    g_test_add_func("/packet/rx/too-long", test_rx_too_long);
    g_test_add_func("/packet/encode/simple", test_encode_simple);
    g_test_add_func("/packet/encode/rle-counts", test_encode_rle_counts);
    g_test_add_func("/packet/encode/random", test_encode_random);
    g_test_add_func("/packet/encode/cap", test_encode_cap);
    g_test_add_func("/packet/encode/hex", test_encode_hex);
    g_test_add_func("/packet/hex", test_hex);
    g_test_add_func("/packet/hex-u64", test_hex_u64);
    return g_test_run();
}
