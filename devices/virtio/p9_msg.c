/* p9_msg.c - 9P's little-endian wire codec, bounded by the buffers it is given. */
#include <brkvm/p9_msg.h>

#include <string.h>

void p9_in_init(struct p9_in *in, const uint8_t *buf, size_t len)
{
    *in = (struct p9_in){.buf = buf, .len = len};
}

size_t p9_in_left(const struct p9_in *in)
{
    return in->len - in->pos;
}

const uint8_t *p9_get_bytes(struct p9_in *in, size_t n)
{
    const uint8_t *p;

    if (in->err || n > p9_in_left(in)) {
        in->err = true;
        return NULL;
    }
    p = in->buf + in->pos;
    in->pos += n;
    return p;
}

static uint64_t get_le(struct p9_in *in, size_t n)
{
    const uint8_t *p = p9_get_bytes(in, n);
    uint64_t v = 0;

    if (!p)
        return 0;
    for (size_t i = 0; i < n; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

uint8_t p9_get8(struct p9_in *in)
{
    return (uint8_t)get_le(in, 1);
}

uint16_t p9_get16(struct p9_in *in)
{
    return (uint16_t)get_le(in, 2);
}

uint32_t p9_get32(struct p9_in *in)
{
    return (uint32_t)get_le(in, 4);
}

uint64_t p9_get64(struct p9_in *in)
{
    return get_le(in, 8);
}

void p9_get_str(struct p9_in *in, const char **s, uint16_t *len)
{
    uint16_t n = p9_get16(in);
    const uint8_t *p = p9_get_bytes(in, n);

    if (!p) {
        *s = "";
        *len = 0;
        return;
    }
    *s = (const char *)p;
    *len = n;
}

void p9_out_init(struct p9_out *out, uint8_t *buf, size_t cap)
{
    *out = (struct p9_out){.buf = buf, .cap = cap};
}

size_t p9_out_left(const struct p9_out *out)
{
    return out->cap - out->pos;
}

uint8_t *p9_put_reserve(struct p9_out *out, size_t n)
{
    uint8_t *p;

    if (out->err || n > p9_out_left(out)) {
        out->err = true;
        return NULL;
    }
    p = out->buf + out->pos;
    out->pos += n;
    return p;
}

static void put_le(struct p9_out *out, uint64_t v, size_t n)
{
    uint8_t *p = p9_put_reserve(out, n);

    if (!p)
        return;
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

void p9_put8(struct p9_out *out, uint8_t v)
{
    put_le(out, v, 1);
}

void p9_put16(struct p9_out *out, uint16_t v)
{
    put_le(out, v, 2);
}

void p9_put32(struct p9_out *out, uint32_t v)
{
    put_le(out, v, 4);
}

void p9_put64(struct p9_out *out, uint64_t v)
{
    put_le(out, v, 8);
}

void p9_put_str(struct p9_out *out, const char *s, size_t len)
{
    uint8_t *p;

    if (len > UINT16_MAX) {
        out->err = true;
        return;
    }
    p9_put16(out, (uint16_t)len);
    p = p9_put_reserve(out, len);
    if (p && len)
        memcpy(p, s, len);
}

void p9_put_qid(struct p9_out *out, const struct p9_qid *q)
{
    p9_put8(out, q->type);
    p9_put32(out, q->version);
    p9_put64(out, q->path);
}

void p9_put_hdr(struct p9_out *out, uint8_t type, uint16_t tag)
{
    p9_put32(out, 0);
    p9_put8(out, type);
    p9_put16(out, tag);
}

size_t p9_put_end(struct p9_out *out)
{
    size_t len = out->pos;

    if (out->err || len < P9_HDR_SIZE || len > UINT32_MAX)
        return 0;
    for (size_t i = 0; i < 4; i++)
        out->buf[i] = (uint8_t)(len >> (8 * i));
    return len;
}

size_t p9_put_lerror(uint8_t *buf, size_t cap, uint16_t tag, uint32_t ecode)
{
    struct p9_out out;

    p9_out_init(&out, buf, cap);
    p9_put_hdr(&out, P9_RLERROR, tag);
    p9_put32(&out, ecode);
    return p9_put_end(&out);
}
