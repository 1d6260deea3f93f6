/* virtqueue.c - the split virtqueue walk.  Every guest-written value is read once into a local
 * copy and checked before use: the guest may change its ring while we read it. */
#include <brkvm/virtqueue.h>

#include <string.h>

#define VIRTQ_AVAIL_F_NO_INTERRUPT 1

struct vring_desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags;
    uint16_t next;
};

const char *virtq_error_name(enum virtq_error e)
{
    switch (e) {
    case VIRTQ_OK: return "ok";
    case VIRTQ_E_LAYOUT: return "queue layout outside guest RAM, misaligned or bad size";
    case VIRTQ_E_AVAIL_IDX: return "available index runs ahead of the queue size";
    case VIRTQ_E_HEAD: return "chain head outside the descriptor table";
    case VIRTQ_E_NEXT: return "next descriptor outside the table";
    case VIRTQ_E_LOOP: return "descriptor chain loops";
    case VIRTQ_E_BUF: return "buffer outside guest RAM";
    case VIRTQ_E_ORDER: return "device-readable buffer after a writable one";
    case VIRTQ_E_INDIRECT: return "bad indirect descriptor table";
    case VIRTQ_E_SEGS: return "too many buffers in one chain";
    }
    return "?";
}

/* host pointer for [gpa, gpa + len) if it lies wholly in guest RAM (len may be 0) */
static uint8_t *gpa_ptr(const struct virtq_mem *m, uint64_t gpa, uint64_t len)
{
    if (gpa < m->base || gpa - m->base > m->size || len > m->size - (gpa - m->base))
        return NULL;
    return m->ram + (gpa - m->base);
}

static uint16_t load16(const uint8_t *p)
{
    uint16_t v;
    __atomic_load(( const uint16_t *)(const void *)p, &v, __ATOMIC_ACQUIRE);
    return v;
}

enum virtq_error virtq_check_layout(const struct virtq *q, const struct virtq_mem *m)
{
    uint64_t n = q->num;

    if (!n || n > VIRTQ_NUM_MAX || (n & (n - 1)))
        return VIRTQ_E_LAYOUT;
    if ((q->desc & 15) || (q->avail & 1) || (q->used & 3))
        return VIRTQ_E_LAYOUT;
    if (!gpa_ptr(m, q->desc, 16 * n) || !gpa_ptr(m, q->avail, 6 + 2 * n) ||
        !gpa_ptr(m, q->used, 6 + 8 * n))
        return VIRTQ_E_LAYOUT;
    return VIRTQ_OK;
}

static int add_buf(struct virtq_chain *c, const struct virtq_mem *m, const struct vring_desc *d)
{
    bool wr = d->flags & VIRTQ_DESC_F_WRITE;
    uint8_t *p = gpa_ptr(m, d->addr, d->len);

    if (!p)
        return -VIRTQ_E_BUF;
    if (!wr && c->nin)
        return -VIRTQ_E_ORDER;
    if (!d->len)
        return 0; /* nothing to move: skip, it cannot hurt */
    if (c->nout + c->nin == VIRTQ_SEGS_MAX)
        return -VIRTQ_E_SEGS;
    c->buf[c->nout + c->nin] = (struct virtq_buf){.p = p, .len = d->len};
    if (wr) {
        c->nin++;
        c->in_len += d->len;
    } else {
        c->nout++;
        c->out_len += d->len;
    }
    return 0;
}

static void read_desc(const uint8_t *table, unsigned i, struct vring_desc *d)
{
    memcpy(d, table + 16 * (size_t)i, sizeof(*d)); /* one copy: the guest may change it */
}

/* the entries of one indirect table (no nesting, no NEXT beside INDIRECT) */
static int walk_indirect(struct virtq_chain *c, const struct virtq_mem *m,
                         const struct vring_desc *ind)
{
    unsigned n = ind->len / 16, i = 0, steps = 0;
    const uint8_t *table;
    struct vring_desc d;
    int r;

    if (ind->len % 16 || !n || n > VIRTQ_INDIRECT_MAX || (ind->flags & VIRTQ_DESC_F_NEXT))
        return -VIRTQ_E_INDIRECT;
    table = gpa_ptr(m, ind->addr, ind->len);
    if (!table)
        return -VIRTQ_E_BUF;
    for (;;) {
        if (++steps > n)
            return -VIRTQ_E_LOOP;
        read_desc(table, i, &d);
        if (d.flags & VIRTQ_DESC_F_INDIRECT)
            return -VIRTQ_E_INDIRECT;
        if ((r = add_buf(c, m, &d)))
            return r;
        if (!(d.flags & VIRTQ_DESC_F_NEXT))
            return 0;
        if (d.next >= n)
            return -VIRTQ_E_NEXT;
        i = d.next;
    }
}

int virtq_pop(struct virtq *q, const struct virtq_mem *m, struct virtq_chain *c)
{
    const uint8_t *avail, *table;
    uint16_t avail_idx, head, i;
    unsigned steps = 0;
    struct vring_desc d;
    int r;

    if (!q->ready || q->broken)
        return 0;
    /* checked when the queue became ready; RAM never moves, so these stay valid */
    avail = gpa_ptr(m, q->avail, 6 + 2 * (uint64_t)q->num);
    table = gpa_ptr(m, q->desc, 16 * (uint64_t)q->num);
    if (!avail || !table) {
        q->broken = true;
        return -VIRTQ_E_LAYOUT;
    }
    avail_idx = load16(avail + 2); /* acquire: ring entries are read after the index */
    if (avail_idx == q->last_avail)
        return 0;
    if ((uint16_t)(avail_idx - q->last_avail) > q->num) {
        q->broken = true;
        return -VIRTQ_E_AVAIL_IDX;
    }
    memcpy(&head, avail + 4 + 2 * (size_t)(q->last_avail % q->num), 2);
    if (head >= q->num) {
        q->broken = true;
        return -VIRTQ_E_HEAD;
    }
    q->last_avail++;
    c->head = head;
    c->nout = c->nin = 0;
    c->out_len = c->in_len = 0;
    for (i = head;;) {
        if (++steps > q->num)
            return -VIRTQ_E_LOOP;
        read_desc(table, i, &d);
        if (d.flags & VIRTQ_DESC_F_INDIRECT) {
            if ((r = walk_indirect(c, m, &d)))
                return r;
            return 1; /* an indirect descriptor ends the chain (NEXT refused above) */
        }
        if ((r = add_buf(c, m, &d)))
            return r;
        if (!(d.flags & VIRTQ_DESC_F_NEXT))
            return 1;
        if (d.next >= q->num)
            return -VIRTQ_E_NEXT;
        i = d.next;
    }
}

void virtq_push(struct virtq *q, const struct virtq_mem *m, uint16_t head, uint32_t written)
{
    uint8_t *used = gpa_ptr(m, q->used, 6 + 8 * (uint64_t)q->num);
    uint32_t elem[2] = {head, written};
    uint16_t idx;

    if (!used || !q->num)
        return;
    memcpy(used + 4 + 8 * (size_t)(q->used_idx % q->num), elem, sizeof(elem));
    idx = ++q->used_idx;
    /* release: the element is visible before the index that publishes it */
    __atomic_store((uint16_t *)(void *)(used + 2), &idx, __ATOMIC_RELEASE);
}

bool virtq_want_interrupt(const struct virtq *q, const struct virtq_mem *m)
{
    const uint8_t *avail = gpa_ptr(m, q->avail, 2);
    __atomic_thread_fence(__ATOMIC_SEQ_CST); /* used idx written before the flags are read */
    return !avail || !(load16(avail) & VIRTQ_AVAIL_F_NO_INTERRUPT);
}

size_t virtq_chain_read(const struct virtq_chain *c, size_t off, void *dst, size_t len)
{
    size_t done = 0;

    for (unsigned i = 0; i < c->nout && done < len; i++) {
        const struct virtq_buf *b = &c->buf[i];
        if (off >= b->len) {
            off -= b->len;
            continue;
        }
        size_t n = b->len - off < len - done ? b->len - off : len - done;
        memcpy((uint8_t *)dst + done, b->p + off, n);
        done += n;
        off = 0;
    }
    return done;
}

size_t virtq_chain_write(const struct virtq_chain *c, size_t off, const void *src, size_t len)
{
    size_t done = 0;

    for (unsigned i = c->nout; i < c->nout + c->nin && done < len; i++) {
        const struct virtq_buf *b = &c->buf[i];
        if (off >= b->len) {
            off -= b->len;
            continue;
        }
        size_t n = b->len - off < len - done ? b->len - off : len - done;
        memcpy(b->p + off, (const uint8_t *)src + done, n);
        done += n;
        off = 0;
    }
    return done;
}
