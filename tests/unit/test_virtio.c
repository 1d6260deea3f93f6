/* test_virtio.c - the virtqueue walk over hostile rings, the virtio-mmio register file and
 * negotiation, and virtio-blk requests against a temporary image file */
#include <brkvm/virtio_devices.h>
#include <brkvm/virtio_mmio.h>
#include <brkvm/virtqueue.h>

#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

/* A fake guest: 64 KiB of "RAM" at 0x40000000; the rings of one 8-entry queue at fixed places. */
#define RAM_BASE 0x40000000ULL
#define RAM_SIZE 0x10000ULL
#define DESC (RAM_BASE + 0x0000)
#define AVAIL (RAM_BASE + 0x1000)
#define USED (RAM_BASE + 0x2000)
#define IND (RAM_BASE + 0x3000)  /* indirect tables */
#define DATA (RAM_BASE + 0x8000) /* buffers */
#define QN 8

struct guest {
    uint8_t ram[RAM_SIZE] __attribute__((aligned(16)));
    struct virtq_mem mem;
    struct virtq q;
    uint16_t avail_idx;
};

static void *at(struct guest *g, uint64_t gpa)
{
    return g->ram + (gpa - RAM_BASE);
}

static void guest_init(struct guest *g)
{
    memset(g, 0, sizeof(*g));
    g->mem = (struct virtq_mem){.ram = g->ram, .base = RAM_BASE, .size = RAM_SIZE};
    g->q = (struct virtq){.num = QN, .desc = DESC, .avail = AVAIL, .used = USED, .ready = true};
}

static void set_desc(struct guest *g, uint64_t table, unsigned i, uint64_t addr, uint32_t len,
                     uint16_t flags, uint16_t next)
{
    uint8_t *d = at(g, table + 16 * i);
    memcpy(d, &addr, 8);
    memcpy(d + 8, &len, 4);
    memcpy(d + 12, &flags, 2);
    memcpy(d + 14, &next, 2);
}

static void offer(struct guest *g, uint16_t head)
{
    uint16_t *ring = at(g, AVAIL + 4);
    ring[g->avail_idx % QN] = head;
    g->avail_idx++;
    memcpy(at(g, AVAIL + 2), &g->avail_idx, 2);
}

static uint16_t used_idx(struct guest *g)
{
    uint16_t v;
    memcpy(&v, at(g, USED + 2), 2);
    return v;
}

static void test_layout(void)
{
    struct guest *g = g_new(struct guest, 1);
    struct virtq q;

    guest_init(g);
    g_assert_cmpint(virtq_check_layout(&g->q, &g->mem), ==, VIRTQ_OK);
    static const struct { uint16_t num; uint64_t desc, avail, used; } bad[] = {
        {0, DESC, AVAIL, USED},                       /* size 0 */
        {6, DESC, AVAIL, USED},                       /* not a power of two */
        {512, DESC, AVAIL, USED},                     /* above QueueNumMax */
        {QN, DESC + 8, AVAIL, USED},                  /* misaligned table */
        {QN, DESC, AVAIL + 1, USED},                  /* misaligned avail */
        {QN, DESC, AVAIL, USED + 2},                  /* misaligned used */
        {QN, RAM_BASE - 0x1000, AVAIL, USED},         /* below RAM */
        {QN, DESC, AVAIL, RAM_BASE + RAM_SIZE - 16},  /* used ring runs past the end */
        {QN, 0xfffffffffffffff0ULL, AVAIL, USED},     /* wraps */
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(bad); i++) {
        q = (struct virtq){.num = bad[i].num, .desc = bad[i].desc, .avail = bad[i].avail,
                           .used = bad[i].used};
        g_assert_cmpint(virtq_check_layout(&q, &g->mem), ==, VIRTQ_E_LAYOUT);
    }
    g_free(g);
}

static void test_direct_and_indirect(void)
{
    struct guest *g = g_new(struct guest, 1);
    struct virtq_chain *c = g_new(struct virtq_chain, 1);
    char buf[32];

    guest_init(g);
    memcpy(at(g, DATA), "hello ", 6);
    memcpy(at(g, DATA + 0x100), "world", 5);
    /* head 3: readable 6 bytes -> readable 5 -> zero-length (skipped) -> writable 16 */
    set_desc(g, DESC, 3, DATA, 6, VIRTQ_DESC_F_NEXT, 5);
    set_desc(g, DESC, 5, DATA + 0x100, 5, VIRTQ_DESC_F_NEXT, 0);
    set_desc(g, DESC, 0, DATA + 0x200, 0, VIRTQ_DESC_F_NEXT, 1);
    set_desc(g, DESC, 1, DATA + 0x300, 16, VIRTQ_DESC_F_WRITE, 0);
    offer(g, 3);
    g_assert_cmpint(virtq_pop(&g->q, &g->mem, c), ==, 1);
    g_assert_cmpuint(c->head, ==, 3);
    g_assert_cmpuint(c->nout, ==, 2);
    g_assert_cmpuint(c->nin, ==, 1);
    g_assert_cmpuint(c->out_len, ==, 11);
    g_assert_cmpuint(c->in_len, ==, 16);
    g_assert_cmpuint(virtq_chain_read(c, 0, buf, sizeof(buf)), ==, 11);
    g_assert_cmpmem(buf, 11, "hello world", 11);
    g_assert_cmpuint(virtq_chain_read(c, 4, buf, 4), ==, 4);
    g_assert_cmpmem(buf, 4, "o wo", 4);
    g_assert_cmpuint(virtq_chain_write(c, 2, "XYZ", 3), ==, 3);
    g_assert_cmpmem(at(g, DATA + 0x302), 3, "XYZ", 3);
    g_assert_cmpuint(virtq_chain_write(c, 14, "abcdef", 6), ==, 2); /* clipped at the end */
    virtq_push(&g->q, &g->mem, c->head, 16);
    g_assert_cmpuint(used_idx(g), ==, 1);
    uint32_t elem[2];
    memcpy(elem, at(g, USED + 4), 8);
    g_assert_cmpuint(elem[0], ==, 3);
    g_assert_cmpuint(elem[1], ==, 16);
    g_assert_cmpint(virtq_pop(&g->q, &g->mem, c), ==, 0); /* empty */

    /* an indirect table of 3: readable, writable, writable */
    set_desc(g, IND, 0, DATA, 6, VIRTQ_DESC_F_NEXT, 2);
    set_desc(g, IND, 2, DATA + 0x400, 8, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
    set_desc(g, IND, 1, DATA + 0x500, 8, VIRTQ_DESC_F_WRITE, 0);
    set_desc(g, DESC, 7, IND, 48, VIRTQ_DESC_F_INDIRECT, 0);
    offer(g, 7);
    g_assert_cmpint(virtq_pop(&g->q, &g->mem, c), ==, 1);
    g_assert_cmpuint(c->nout, ==, 1);
    g_assert_cmpuint(c->nin, ==, 2);
    g_assert_cmpuint(c->in_len, ==, 16);
    g_free(c);
    g_free(g);
}

/* each hostile chain is refused with its error; a chain with a valid head is still consumed,
 * so the device can complete it and the queue goes on */
static void test_hostile_chains(void)
{
    struct guest *g = g_new(struct guest, 1);
    struct virtq_chain *c = g_new(struct virtq_chain, 1);

    guest_init(g);
    /* loop: 0 -> 1 -> 0 */
    set_desc(g, DESC, 0, DATA, 4, VIRTQ_DESC_F_NEXT, 1);
    set_desc(g, DESC, 1, DATA, 4, VIRTQ_DESC_F_NEXT, 0);
    offer(g, 0);
    g_assert_cmpint(virtq_pop(&g->q, &g->mem, c), ==, -VIRTQ_E_LOOP);
    g_assert_cmpuint(c->head, ==, 0);
    /* next outside the table */
    set_desc(g, DESC, 2, DATA, 4, VIRTQ_DESC_F_NEXT, QN);
    offer(g, 2);
    g_assert_cmpint(virtq_pop(&g->q, &g->mem, c), ==, -VIRTQ_E_NEXT);
    /* buffers outside RAM, across its end, wrapping the address space */
    set_desc(g, DESC, 3, RAM_BASE + RAM_SIZE - 4, 8, 0, 0);
    offer(g, 3);
    g_assert_cmpint(virtq_pop(&g->q, &g->mem, c), ==, -VIRTQ_E_BUF);
    set_desc(g, DESC, 3, 0xfffffffffffffffcULL, 16, VIRTQ_DESC_F_WRITE, 0);
    offer(g, 3);
    g_assert_cmpint(virtq_pop(&g->q, &g->mem, c), ==, -VIRTQ_E_BUF);
    set_desc(g, DESC, 3, 0x1000, 16, 0, 0);
    offer(g, 3);
    g_assert_cmpint(virtq_pop(&g->q, &g->mem, c), ==, -VIRTQ_E_BUF);
    /* readable after writable */
    set_desc(g, DESC, 4, DATA, 4, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 5);
    set_desc(g, DESC, 5, DATA, 4, 0, 0);
    offer(g, 4);
    g_assert_cmpint(virtq_pop(&g->q, &g->mem, c), ==, -VIRTQ_E_ORDER);
    /* indirect inside indirect */
    set_desc(g, IND, 0, IND + 0x100, 16, VIRTQ_DESC_F_INDIRECT, 0);
    set_desc(g, DESC, 6, IND, 16, VIRTQ_DESC_F_INDIRECT, 0);
    offer(g, 6);
    g_assert_cmpint(virtq_pop(&g->q, &g->mem, c), ==, -VIRTQ_E_INDIRECT);
    /* indirect with NEXT, bad length, empty, loop inside, next beyond the table, out of RAM */
    set_desc(g, DESC, 6, IND, 16, VIRTQ_DESC_F_INDIRECT | VIRTQ_DESC_F_NEXT, 0);
    offer(g, 6);
    g_assert_cmpint(virtq_pop(&g->q, &g->mem, c), ==, -VIRTQ_E_INDIRECT);
    set_desc(g, DESC, 6, IND, 20, VIRTQ_DESC_F_INDIRECT, 0);
    offer(g, 6);
    g_assert_cmpint(virtq_pop(&g->q, &g->mem, c), ==, -VIRTQ_E_INDIRECT);
    set_desc(g, DESC, 6, IND, 0, VIRTQ_DESC_F_INDIRECT, 0);
    offer(g, 6);
    g_assert_cmpint(virtq_pop(&g->q, &g->mem, c), ==, -VIRTQ_E_INDIRECT);
    set_desc(g, IND, 0, DATA, 4, VIRTQ_DESC_F_NEXT, 1);
    set_desc(g, IND, 1, DATA, 4, VIRTQ_DESC_F_NEXT, 0);
    set_desc(g, DESC, 6, IND, 32, VIRTQ_DESC_F_INDIRECT, 0);
    offer(g, 6);
    g_assert_cmpint(virtq_pop(&g->q, &g->mem, c), ==, -VIRTQ_E_LOOP);
    set_desc(g, IND, 1, DATA, 4, VIRTQ_DESC_F_NEXT, 2);
    offer(g, 6);
    g_assert_cmpint(virtq_pop(&g->q, &g->mem, c), ==, -VIRTQ_E_NEXT);
    set_desc(g, DESC, 6, RAM_BASE + RAM_SIZE - 16, 32, VIRTQ_DESC_F_INDIRECT, 0);
    offer(g, 6);
    g_assert_cmpint(virtq_pop(&g->q, &g->mem, c), ==, -VIRTQ_E_BUF);
    g_assert_false(g->q.broken); /* each of those failed alone */

    /* the ring itself: a head outside the table breaks the queue for good */
    offer(g, QN + 3);
    g_assert_cmpint(virtq_pop(&g->q, &g->mem, c), ==, -VIRTQ_E_HEAD);
    g_assert_true(g->q.broken);
    g_assert_cmpint(virtq_pop(&g->q, &g->mem, c), ==, 0);

    /* avail idx more than num ahead */
    guest_init(g);
    g->avail_idx = QN + 1;
    memcpy(at(g, AVAIL + 2), &g->avail_idx, 2);
    g_assert_cmpint(virtq_pop(&g->q, &g->mem, c), ==, -VIRTQ_E_AVAIL_IDX);
    g_assert_true(g->q.broken);
    g_free(c);
    g_free(g);
}

/* a chain longer than VIRTQ_SEGS_MAX through a full indirect table of 1024 entries per level is
 * not possible (no nesting), so: the largest table is accepted, one more entry refused */
static void test_indirect_limits(void)
{
    struct guest *g = g_new(struct guest, 1);
    struct virtq_chain *c = g_new(struct virtq_chain, 1);
    uint64_t table = RAM_BASE + 0x4000; /* 1024 * 16 = 16 KiB */

    guest_init(g);
    for (unsigned i = 0; i < VIRTQ_INDIRECT_MAX; i++)
        set_desc(g, table, i, DATA, 1, i + 1 < VIRTQ_INDIRECT_MAX ? VIRTQ_DESC_F_NEXT : 0, i + 1);
    set_desc(g, DESC, 0, table, 16 * VIRTQ_INDIRECT_MAX, VIRTQ_DESC_F_INDIRECT, 0);
    offer(g, 0);
    g_assert_cmpint(virtq_pop(&g->q, &g->mem, c), ==, 1);
    g_assert_cmpuint(c->nout, ==, VIRTQ_INDIRECT_MAX);
    set_desc(g, DESC, 0, table, 16 * (VIRTQ_INDIRECT_MAX + 1), VIRTQ_DESC_F_INDIRECT, 0);
    offer(g, 0);
    g_assert_cmpint(virtq_pop(&g->q, &g->mem, c), ==, -VIRTQ_E_INDIRECT);
    g_free(c);
    g_free(g);
}

static void test_interrupt_suppression(void)
{
    struct guest *g = g_new(struct guest, 1);
    uint16_t flags = 1;

    guest_init(g);
    g_assert_true(virtq_want_interrupt(&g->q, &g->mem));
    memcpy(at(g, AVAIL), &flags, 2);
    g_assert_false(virtq_want_interrupt(&g->q, &g->mem));
    g_free(g);
}

/* ---- the transport, with a fake host ---- */

struct fake_host {
    unsigned irqs, kicks, last_kick;
};

static void fh_irq(struct virtio_mmio *d)
{
    ((struct fake_host *)d->host_opaque)->irqs++;
}

static void fh_kick(struct virtio_mmio *d, unsigned q)
{
    struct fake_host *h = d->host_opaque;
    h->kicks++;
    h->last_kick = q;
}

static const struct virtio_host_ops fh_ops = {.raise_irq = fh_irq, .kick = fh_kick};

static uint32_t rd(struct virtio_mmio *d, uint64_t off)
{
    uint32_t v;
    virtio_mmio_access(d, off, (uint8_t *)&v, 4, false);
    return v;
}

static void wr(struct virtio_mmio *d, uint64_t off, uint32_t v)
{
    virtio_mmio_access(d, off, (uint8_t *)&v, 4, true);
}

static unsigned processed;
static uint32_t count_chain(struct virtio_mmio *d, unsigned q, const struct virtq_chain *c)
{
    processed++;
    return 0;
}

static uint64_t two_features(struct virtio_mmio *d)
{
    return 3;
}

static const struct virtio_dev_ops test_dev = {
    .name = "test", .device_id = 42, .nqueues = 2, .features = two_features,
    .serve = count_chain,
};

static void driver_setup(struct virtio_mmio *d, uint64_t features)
{
    wr(d, VIRTIO_MMIO_STATUS, 0);
    wr(d, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
    wr(d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
    wr(d, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)features);
    wr(d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
    wr(d, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(features >> 32));
    wr(d, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
                                  VIRTIO_STATUS_FEATURES_OK);
}

static void test_transport(void)
{
    struct guest *g = g_new(struct guest, 1);
    struct fake_host h = {0};
    struct virtio_mmio d;

    guest_init(g);
    virtio_mmio_init(&d, &test_dev, NULL, &fh_ops, &h, &g->mem, 5);
    g_assert_cmphex(rd(&d, VIRTIO_MMIO_MAGIC), ==, 0x74726976);
    g_assert_cmpuint(rd(&d, VIRTIO_MMIO_VERSION), ==, 2);
    g_assert_cmpuint(rd(&d, VIRTIO_MMIO_DEVICE_ID), ==, 42);
    wr(&d, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
    g_assert_cmphex(rd(&d, VIRTIO_MMIO_DEVICE_FEATURES), ==, 3);
    wr(&d, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
    g_assert_cmphex(rd(&d, VIRTIO_MMIO_DEVICE_FEATURES), ==, 1); /* VERSION_1 */
    wr(&d, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 7);
    g_assert_cmphex(rd(&d, VIRTIO_MMIO_DEVICE_FEATURES), ==, 0);

    /* a legacy driver (no VERSION_1) or one asking for more than offered: no FEATURES_OK */
    driver_setup(&d, 1);
    g_assert_false(rd(&d, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK);
    driver_setup(&d, VIRTIO_F_VERSION_1 | 4);
    g_assert_false(rd(&d, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK);
    driver_setup(&d, VIRTIO_F_VERSION_1 | 1);
    g_assert_true(rd(&d, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK);

    /* queue 1 set up; queue 9 does not exist (reads 0, writes ignored) */
    wr(&d, VIRTIO_MMIO_QUEUE_SEL, 9);
    g_assert_cmpuint(rd(&d, VIRTIO_MMIO_QUEUE_NUM_MAX), ==, 0);
    wr(&d, VIRTIO_MMIO_QUEUE_READY, 1);
    wr(&d, VIRTIO_MMIO_QUEUE_SEL, 1);
    g_assert_cmpuint(rd(&d, VIRTIO_MMIO_QUEUE_NUM_MAX), ==, VIRTQ_NUM_MAX);
    wr(&d, VIRTIO_MMIO_QUEUE_NUM, QN);
    wr(&d, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)DESC);
    wr(&d, VIRTIO_MMIO_QUEUE_DESC_HIGH, 0);
    wr(&d, VIRTIO_MMIO_QUEUE_AVAIL_LOW, (uint32_t)AVAIL);
    wr(&d, VIRTIO_MMIO_QUEUE_USED_LOW, (uint32_t)USED);
    wr(&d, VIRTIO_MMIO_QUEUE_READY, 1);
    g_assert_cmpuint(rd(&d, VIRTIO_MMIO_QUEUE_READY), ==, 1);
    wr(&d, VIRTIO_MMIO_QUEUE_NUM, 4); /* ignored while ready */
    g_assert_cmpuint(rd(&d, VIRTIO_MMIO_QUEUE_NUM), ==, QN);
    g_assert_cmphex(rd(&d, VIRTIO_MMIO_QUEUE_DESC_LOW), ==, (uint32_t)DESC);
    wr(&d, VIRTIO_MMIO_STATUS, rd(&d, VIRTIO_MMIO_STATUS) | VIRTIO_STATUS_DRIVER_OK);

    /* a notify without ioeventfd kicks the host; processing completes the chain, interrupts */
    wr(&d, VIRTIO_MMIO_QUEUE_NOTIFY, 1);
    g_assert_cmpuint(h.kicks, ==, 1);
    g_assert_cmpuint(h.last_kick, ==, 1);
    wr(&d, VIRTIO_MMIO_QUEUE_NOTIFY, 77); /* no such queue: nothing */
    g_assert_cmpuint(h.kicks, ==, 1);
    set_desc(g, DESC, 0, DATA, 4, 0, 0);
    offer(g, 0);
    processed = 0;
    virtio_mmio_process(&d, 1);
    g_assert_cmpuint(processed, ==, 1);
    g_assert_cmpuint(used_idx(g), ==, 1);
    g_assert_cmpuint(rd(&d, VIRTIO_MMIO_INTERRUPT_STATUS), ==, VIRTIO_ISR_USED);
    g_assert_cmpuint(h.irqs, ==, 1);
    wr(&d, VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_ISR_USED);
    g_assert_cmpuint(rd(&d, VIRTIO_MMIO_INTERRUPT_STATUS), ==, 0);
    virtio_mmio_process(&d, 0); /* queue 0 not ready: nothing */
    virtio_mmio_process(&d, 3); /* no such queue */

    /* a bad chain is completed with 0 bytes and counted; the queue goes on */
    set_desc(g, DESC, 1, 0x10, 4, 0, 0);
    offer(g, 1);
    set_desc(g, DESC, 2, DATA, 4, 0, 0);
    offer(g, 2);
    processed = 0;
    virtio_mmio_process(&d, 1);
    g_assert_cmpuint(processed, ==, 1);
    g_assert_cmpuint(d.bad_chains, ==, 1);
    g_assert_cmpuint(used_idx(g), ==, 3);
    g_assert_false(rd(&d, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET);

    /* a corrupt ring: NEEDS_RESET and a config interrupt; the driver's reset clears it all */
    offer(g, 200);
    virtio_mmio_process(&d, 1);
    g_assert_true(rd(&d, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET);
    g_assert_true(rd(&d, VIRTIO_MMIO_INTERRUPT_STATUS) & VIRTIO_ISR_CONFIG);
    g_assert_false(virtio_mmio_driver_ok(&d));
    wr(&d, VIRTIO_MMIO_STATUS, 0);
    g_assert_cmpuint(rd(&d, VIRTIO_MMIO_STATUS), ==, 0);
    g_assert_cmpuint(rd(&d, VIRTIO_MMIO_QUEUE_READY), ==, 0);
    g_assert_cmpuint(rd(&d, VIRTIO_MMIO_INTERRUPT_STATUS), ==, 0);

    /* a queue layout outside RAM is refused at QueueReady */
    driver_setup(&d, VIRTIO_F_VERSION_1);
    wr(&d, VIRTIO_MMIO_QUEUE_SEL, 0);
    wr(&d, VIRTIO_MMIO_QUEUE_NUM, QN);
    wr(&d, VIRTIO_MMIO_QUEUE_DESC_LOW, 0x1000);
    wr(&d, VIRTIO_MMIO_QUEUE_AVAIL_LOW, (uint32_t)AVAIL);
    wr(&d, VIRTIO_MMIO_QUEUE_USED_LOW, (uint32_t)USED);
    wr(&d, VIRTIO_MMIO_QUEUE_READY, 1);
    g_assert_cmpuint(rd(&d, VIRTIO_MMIO_QUEUE_READY), ==, 0);
    g_assert_true(rd(&d, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET);

    /* odd accesses: unaligned, narrow and wide register reads give 0; writes are dropped */
    uint8_t b8[8] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    virtio_mmio_access(&d, VIRTIO_MMIO_MAGIC + 1, b8, 4, false);
    g_assert_cmphex(b8[0] | b8[3], ==, 0);
    memset(b8, 0xff, 8);
    virtio_mmio_access(&d, VIRTIO_MMIO_MAGIC, b8, 8, false);
    g_assert_cmphex(b8[0] | b8[7], ==, 0);
    virtio_mmio_access(&d, VIRTIO_MMIO_STATUS, b8, 1, true);
    virtio_mmio_access(&d, VIRTIO_MMIO_CONFIG + 0x40, b8, 8, false); /* no config: zeroes */
    g_assert_cmphex(b8[0], ==, 0);
    virtio_mmio_destroy(&d);
    g_free(g);
}

/* ---- virtio-blk against a temporary image ---- */

struct blk_fixture {
    struct guest *g;
    struct fake_host h;
    struct virtio_mmio d;
    struct virtio_blk *b;
    char *path;
};

static void blk_setup(struct blk_fixture *f, bool ro)
{
    GError *err = NULL;
    char *msg = NULL;
    uint8_t img[8192];
    int fd = g_file_open_tmp("brkvm-blk-XXXXXX", &f->path, &err);

    g_assert_no_error(err);
    for (unsigned i = 0; i < sizeof(img); i++)
        img[i] = (uint8_t)(i / 512 + 'A'); /* sector n is full of 'A' + n */
    g_assert_cmpint(write(fd, img, sizeof(img)), ==, sizeof(img));
    close(fd);
    f->g = g_new(struct guest, 1);
    guest_init(f->g);
    f->h = (struct fake_host){0};
    g_assert_cmpint(virtio_blk_open(&f->b, f->path, ro, &msg), ==, 0);
    g_assert_cmpuint(virtio_blk_capacity(f->b), ==, 16);
    virtio_mmio_init(&f->d, &virtio_blk_ops, f->b, &fh_ops, &f->h, &f->g->mem, 1);
    driver_setup(&f->d, VIRTIO_F_VERSION_1);
    f->d.vq[0] = f->g->q;
    f->d.status |= VIRTIO_STATUS_DRIVER_OK;
}

static void blk_teardown(struct blk_fixture *f)
{
    virtio_mmio_destroy(&f->d);
    virtio_blk_close(f->b);
    g_unlink(f->path);
    g_free(f->path);
    g_free(f->g);
}

/* one request: header (type, sector), an optional data buffer (readable for OUT), and a
 * status byte; returns the status and *written from the used ring */
static uint8_t blk_req(struct blk_fixture *f, uint32_t type, uint64_t sector, uint32_t dlen,
                       bool data_writable, uint32_t *written)
{
    struct guest *g = f->g;
    uint8_t hdr[16] = {0};
    uint16_t head = 0, n = 0;
    uint8_t status = 0xee;
    uint32_t elem[2];

    memcpy(hdr, &type, 4);
    memcpy(hdr + 8, &sector, 8);
    memcpy(at(g, DATA), hdr, 16);
    *(uint8_t *)at(g, DATA + 0x7f00) = status;
    set_desc(g, DESC, n, DATA, 16, VIRTQ_DESC_F_NEXT, n + 1);
    n++;
    if (dlen) {
        set_desc(g, DESC, n, DATA + 0x1000, dlen,
                 VIRTQ_DESC_F_NEXT | (data_writable ? VIRTQ_DESC_F_WRITE : 0), n + 1);
        n++;
    }
    set_desc(g, DESC, n, DATA + 0x7f00, 1, VIRTQ_DESC_F_WRITE, 0);
    offer(g, head);
    virtio_mmio_process(&f->d, 0);
    memcpy(elem, at(g, USED + 4 + 8 * ((used_idx(g) - 1) % QN)), 8);
    *written = elem[1];
    return *(uint8_t *)at(g, DATA + 0x7f00);
}

static void test_blk_rw(void)
{
    struct blk_fixture f;
    uint32_t w;
    uint8_t sector[512];
    int fd;

    blk_setup(&f, false);
    /* read sectors 2-3 */
    g_assert_cmpuint(blk_req(&f, 0, 2, 1024, true, &w), ==, 0);
    g_assert_cmpuint(w, ==, 1025);
    g_assert_cmpuint(((uint8_t *)at(f.g, DATA + 0x1000))[0], ==, 'C');
    g_assert_cmpuint(((uint8_t *)at(f.g, DATA + 0x1000))[1023], ==, 'D');
    /* write sector 5 */
    memset(at(f.g, DATA + 0x1000), 'z', 512);
    g_assert_cmpuint(blk_req(&f, 1, 5, 512, false, &w), ==, 0);
    g_assert_cmpuint(w, ==, 1);
    fd = open(f.path, O_RDONLY);
    g_assert_cmpint(pread(fd, sector, 512, 5 * 512), ==, 512);
    close(fd);
    g_assert_cmpuint(sector[0], ==, 'z');
    g_assert_cmpuint(sector[511], ==, 'z');
    /* flush, get-id */
    g_assert_cmpuint(blk_req(&f, 4, 0, 0, false, &w), ==, 0);
    g_assert_cmpuint(blk_req(&f, 8, 0, 20, true, &w), ==, 0);
    g_assert_cmpuint(w, ==, 21);
    g_assert_cmpmem(at(f.g, DATA + 0x1000), 5, "BRKVM", 5);
    /* past the end, straddling the end, not whole sectors, sector overflowing u64 maths */
    g_assert_cmpuint(blk_req(&f, 0, 16, 512, true, &w), ==, 1);
    g_assert_cmpuint(blk_req(&f, 0, 15, 1024, true, &w), ==, 1);
    g_assert_cmpuint(blk_req(&f, 1, 15, 1024, false, &w), ==, 1);
    g_assert_cmpuint(blk_req(&f, 0, 1, 100, true, &w), ==, 1);
    g_assert_cmpuint(blk_req(&f, 0, 0x0080000000000000ULL, 512, true, &w), ==, 1);
    g_assert_cmpuint(blk_req(&f, 1, UINT64_MAX, 512, false, &w), ==, 1);
    /* unknown type */
    g_assert_cmpuint(blk_req(&f, 99, 0, 0, false, &w), ==, 2);
    blk_teardown(&f);
}

static void test_blk_ro_and_lock(void)
{
    struct blk_fixture f;
    struct virtio_blk *other;
    char *msg = NULL;
    uint8_t sector[512];
    uint32_t w;
    int fd;

    blk_setup(&f, true);
    uint32_t feat;
    wr(&f.d, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
    feat = rd(&f.d, VIRTIO_MMIO_DEVICE_FEATURES);
    g_assert_true(feat & (1u << 5)); /* VIRTIO_BLK_F_RO */
    g_assert_true(feat & (1u << 9)); /* FLUSH */
    memset(at(f.g, DATA + 0x1000), 'z', 512);
    g_assert_cmpuint(blk_req(&f, 1, 5, 512, false, &w), ==, 1); /* IOERR */
    fd = open(f.path, O_RDONLY);
    g_assert_cmpint(pread(fd, sector, 512, 5 * 512), ==, 512);
    close(fd);
    g_assert_cmpuint(sector[0], ==, 'F'); /* unchanged */
    g_assert_cmpuint(blk_req(&f, 0, 5, 512, true, &w), ==, 0); /* reads work */
    /* config space: capacity 16 sectors at offset 0, blk_size 512 at 20 */
    uint64_t cap = 0;
    virtio_mmio_access(&f.d, VIRTIO_MMIO_CONFIG, (uint8_t *)&cap, 8, false);
    g_assert_cmpuint(cap, ==, 16);
    uint32_t bs = 0;
    virtio_mmio_access(&f.d, VIRTIO_MMIO_CONFIG + 20, (uint8_t *)&bs, 4, false);
    g_assert_cmpuint(bs, ==, 512);
    virtio_mmio_access(&f.d, VIRTIO_MMIO_CONFIG + 0xe00, (uint8_t *)&bs, 4, false);
    g_assert_cmpuint(bs, ==, 0);
    /* a second reader is fine; a writer is refused while we hold it (and vice versa) */
    g_assert_cmpint(virtio_blk_open(&other, f.path, true, &msg), ==, 0);
    virtio_blk_close(other);
    g_assert_cmpint(virtio_blk_open(&other, f.path, false, &msg), ==, -EBUSY);
    g_assert_nonnull(strstr(msg, "in use"));
    g_free(msg);
    blk_teardown(&f);
    /* missing file, directory */
    g_assert_cmpint(virtio_blk_open(&other, "/nonexistent/brkvm.img", false, &msg), ==, -ENOENT);
    g_free(msg);
    g_assert_cmpint(virtio_blk_open(&other, "/", true, &msg), ==, -EISDIR);
    g_assert_nonnull(strstr(msg, "--9p"));
    g_free(msg);
}

/* a request whose header is missing or whose chain has no writable byte */
static void test_blk_malformed(void)
{
    struct blk_fixture f;
    uint32_t elem[2];

    blk_setup(&f, false);
    /* only a status byte: no header -> UNSUPP */
    set_desc(f.g, DESC, 0, DATA + 0x7f00, 1, VIRTQ_DESC_F_WRITE, 0);
    offer(f.g, 0);
    virtio_mmio_process(&f.d, 0);
    g_assert_cmpuint(*(uint8_t *)at(f.g, DATA + 0x7f00), ==, 2);
    /* only a header, nothing writable: completed with 0 bytes, no write anywhere */
    set_desc(f.g, DESC, 0, DATA, 16, 0, 0);
    offer(f.g, 0);
    virtio_mmio_process(&f.d, 0);
    memcpy(elem, at(f.g, USED + 4 + 8), 8);
    g_assert_cmpuint(elem[1], ==, 0);
    g_assert_cmpuint(used_idx(f.g), ==, 2);
    blk_teardown(&f);
}

static void test_rng(void)
{
    struct guest *g = g_new(struct guest, 1);
    struct fake_host h = {0};
    struct virtio_mmio d;
    uint32_t elem[2];

    guest_init(g);
    virtio_mmio_init(&d, &virtio_rng_ops, NULL, &fh_ops, &h, &g->mem, 1);
    driver_setup(&d, VIRTIO_F_VERSION_1);
    d.vq[0] = g->q;
    d.status |= VIRTIO_STATUS_DRIVER_OK;
    set_desc(g, DESC, 0, DATA, 64, VIRTQ_DESC_F_WRITE, 0);
    offer(g, 0);
    virtio_mmio_process(&d, 0);
    memcpy(elem, at(g, USED + 4), 8);
    g_assert_cmpuint(elem[1], ==, 64);
    static const uint8_t zero[64];
    g_assert_true(memcmp(at(g, DATA), zero, 64) != 0);
    g_assert_cmpuint(h.irqs, ==, 1);
    virtio_mmio_destroy(&d);
    g_free(g);
}

static GString *console_out;
static void con_tx(void *opaque, const uint8_t *buf, size_t n)
{
    g_string_append_len(console_out, (const char *)buf, (gssize)n);
}

static void test_console(void)
{
    struct guest *g = g_new(struct guest, 1);
    struct fake_host h = {0};
    struct virtio_console con = {.tx = con_tx};
    struct virtio_mmio d;
    struct virtq rxq;

    console_out = g_string_new(NULL);
    guest_init(g);
    virtio_mmio_init(&d, &virtio_console_ops, &con, &fh_ops, &h, &g->mem, 1);
    driver_setup(&d, VIRTIO_F_VERSION_1);
    /* no receive queue yet: input is not taken */
    d.status |= VIRTIO_STATUS_DRIVER_OK;
    g_assert_cmpuint(virtio_console_input(&d, (const uint8_t *)"ab", 2), ==, 0);
    d.vq[1] = g->q; /* transmit queue */
    set_desc(g, DESC, 0, DATA, 6, 0, 0);
    memcpy(at(g, DATA), "hello\n", 6);
    offer(g, 0);
    virtio_mmio_process(&d, 1);
    g_assert_cmpstr(console_out->str, ==, "hello\n");
    /* receive queue at other addresses, one 4-byte buffer: 4 of 6 input bytes are taken */
    rxq = (struct virtq){.num = QN, .desc = DESC + 0x200, .avail = AVAIL + 0x200,
                         .used = USED + 0x200, .ready = true};
    d.vq[0] = rxq;
    set_desc(g, DESC + 0x200, 0, DATA + 0x100, 4, VIRTQ_DESC_F_WRITE, 0);
    uint16_t ring0 = 0, idx = 1;
    memcpy(at(g, AVAIL + 0x200 + 4), &ring0, 2);
    memcpy(at(g, AVAIL + 0x200 + 2), &idx, 2);
    virtio_mmio_process(&d, 0); /* a notify on the receive queue leaves its buffers alone */
    g_assert_cmpuint(g->ram[USED + 0x200 + 2 - RAM_BASE], ==, 0);
    g_assert_cmpuint(virtio_console_input(&d, (const uint8_t *)"abcdef", 6), ==, 4);
    g_assert_cmpmem(at(g, DATA + 0x100), 4, "abcd", 4);
    g_assert_cmpuint(virtio_console_input(&d, (const uint8_t *)"ef", 2), ==, 0);
    virtio_mmio_destroy(&d);
    g_string_free(console_out, TRUE);
    g_free(g);
}

/* virtio-9p: the mount tag in config space, a Tversion through the queue, the reply scattered
 * over two writable buffers; a request bigger than any msize gets no reply bytes */
static void test_9p(void)
{
    struct guest *g = g_new(struct guest, 1);
    struct fake_host h = {0};
    struct virtio_9p *p9;
    struct virtio_mmio d;
    char *dir = g_dir_make_tmp("brkvm-9p-XXXXXX", NULL), *msg = NULL;
    uint8_t cfg[16] = {0};
    uint32_t elem[2];

    guest_init(g);
    g_assert_cmpint(virtio_9p_open(&p9, "/nonexistent/dir", "t", false, &msg), <, 0);
    g_assert_nonnull(strstr(msg, "--9p /nonexistent/dir,t"));
    g_free(msg);
    g_assert_cmpint(virtio_9p_open(&p9, dir, "hostshare", false, &msg), ==, 0);
    virtio_mmio_init(&d, &virtio_9p_ops, p9, &fh_ops, &h, &g->mem, 1);
    wr(&d, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
    g_assert_true(rd(&d, VIRTIO_MMIO_DEVICE_FEATURES) & 1); /* MOUNT_TAG */
    virtio_mmio_access(&d, VIRTIO_MMIO_CONFIG, cfg, 8, false);
    virtio_mmio_access(&d, VIRTIO_MMIO_CONFIG + 8, cfg + 8, 4, false);
    g_assert_cmpuint(cfg[0] | cfg[1] << 8, ==, 9);
    g_assert_cmpmem(cfg + 2, 9, "hostshare", 9);
    g_assert_cmpuint(cfg[11], ==, 0);
    driver_setup(&d, VIRTIO_F_VERSION_1);
    d.vq[0] = g->q;
    d.status |= VIRTIO_STATUS_DRIVER_OK;
    /* Tversion msize 8192 "9P2000.L" */
    static const uint8_t tversion[] = {21, 0, 0, 0, 100, 0xff, 0xff, 0x00, 0x20, 0, 0,
                                       8, 0, '9', 'P', '2', '0', '0', '0', '.', 'L'};
    memcpy(at(g, DATA), tversion, sizeof(tversion));
    set_desc(g, DESC, 0, DATA, sizeof(tversion), VIRTQ_DESC_F_NEXT, 1);
    set_desc(g, DESC, 1, DATA + 0x100, 10, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 2);
    set_desc(g, DESC, 2, DATA + 0x200, 64, VIRTQ_DESC_F_WRITE, 0);
    offer(g, 0);
    virtio_mmio_process(&d, 0);
    memcpy(elem, at(g, USED + 4), 8);
    g_assert_cmpuint(elem[1], ==, 21); /* Rversion: same size */
    g_assert_cmpuint(((uint8_t *)at(g, DATA + 0x100))[4], ==, 101);
    g_assert_cmpmem(at(g, DATA + 0x200 + 3), 8, "9P2000.L", 8); /* from offset 13: scattered */
    virtio_mmio_destroy(&d);
    virtio_9p_close(p9);
    g_rmdir(dir);
    g_free(dir);
    g_free(g);
}

static void count_warning(const gchar *domain, GLogLevelFlags level, const gchar *msg, gpointer n)
{
    (void)domain;
    (void)level;
    (void)msg;
    (*(unsigned *)n)++;
}

/* A guest that repeats its mistakes (bad queue layouts, refused features, bad chains, each
 * after a device reset) must not grow brkvm's log with them: a few lines per device, then they
 * are only counted (monitor info virtio). */
static void test_log_bounded(void)
{
    struct guest *g = g_new(struct guest, 1);
    struct fake_host h = {0};
    struct virtio_mmio d;
    unsigned warnings = 0;
    guint id = g_log_set_handler("virtio", G_LOG_LEVEL_WARNING, count_warning, &warnings);

    guest_init(g);
    virtio_mmio_init(&d, &test_dev, NULL, &fh_ops, &h, &g->mem, 5);
    for (unsigned i = 0; i < 200; i++) {
        driver_setup(&d, 1); /* no VERSION_1: refused */
        driver_setup(&d, VIRTIO_F_VERSION_1 | 1);
        wr(&d, VIRTIO_MMIO_QUEUE_SEL, 0);
        wr(&d, VIRTIO_MMIO_QUEUE_NUM, 6); /* not a power of two */
        wr(&d, VIRTIO_MMIO_QUEUE_READY, 1);
        g_assert_true(rd(&d, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET);
        g_assert_cmpuint(rd(&d, VIRTIO_MMIO_QUEUE_READY), ==, 0);
        /* then a good queue with a looping chain */
        driver_setup(&d, VIRTIO_F_VERSION_1 | 1);
        wr(&d, VIRTIO_MMIO_QUEUE_SEL, 0);
        wr(&d, VIRTIO_MMIO_QUEUE_NUM, QN);
        wr(&d, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)DESC);
        wr(&d, VIRTIO_MMIO_QUEUE_AVAIL_LOW, (uint32_t)AVAIL);
        wr(&d, VIRTIO_MMIO_QUEUE_USED_LOW, (uint32_t)USED);
        wr(&d, VIRTIO_MMIO_QUEUE_READY, 1);
        wr(&d, VIRTIO_MMIO_STATUS, rd(&d, VIRTIO_MMIO_STATUS) | VIRTIO_STATUS_DRIVER_OK);
        g->avail_idx = 0;
        set_desc(g, DESC, 0, DATA, 16, VIRTQ_DESC_F_NEXT, 0);
        offer(g, 0);
        virtio_mmio_process(&d, 0);
        g_assert_cmpuint(used_idx(g), ==, 1); /* refused, completed */
        memset(at(g, USED), 0, 8);
        memset(at(g, AVAIL), 0, 8);
    }
    g_assert_cmpuint(d.bad_chains, ==, 200);
    g_assert_cmpuint(d.problems, ==, 600);
    g_assert_cmpuint(warnings, <=, VIRTIO_LOG_MAX + 1);
    g_assert_cmpuint(warnings, >=, 3); /* the first of each kind is still logged */
    g_log_remove_handler("virtio", id);
    virtio_mmio_destroy(&d);
    g_free(g);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_log_set_always_fatal(G_LOG_LEVEL_CRITICAL); /* the devices' warnings are expected */
    g_test_add_func("/virtq/layout", test_layout);
    g_test_add_func("/virtq/direct-and-indirect", test_direct_and_indirect);
    g_test_add_func("/virtq/hostile-chains", test_hostile_chains);
    g_test_add_func("/virtq/indirect-limits", test_indirect_limits);
    g_test_add_func("/virtq/interrupt-suppression", test_interrupt_suppression);
    g_test_add_func("/virtio-mmio/transport", test_transport);
    g_test_add_func("/virtio-mmio/log-bounded", test_log_bounded);
    g_test_add_func("/virtio-blk/read-write", test_blk_rw);
    g_test_add_func("/virtio-blk/ro-and-lock", test_blk_ro_and_lock);
    g_test_add_func("/virtio-blk/malformed", test_blk_malformed);
    g_test_add_func("/virtio-rng/fill", test_rng);
    g_test_add_func("/virtio-console/tx-rx", test_console);
    g_test_add_func("/virtio-9p/tag-and-version", test_9p);
    return g_test_run();
}
