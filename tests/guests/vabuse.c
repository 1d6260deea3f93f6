/* vabuse.c - a hostile guest that drives brkvm's virtio-mmio devices (blk, rng, console) with
 * broken requests and broken queues, each followed by a check that the device answered as
 * documented (README "Devices"): a bad chain is completed with nothing written (used len 0, the
 * status byte untouched), a corrupt ring or queue layout sets DEVICE_NEEDS_RESET (0x40) and the
 * device serves nothing more until the driver resets it, and after every case one correct
 * request completes.
 *
 * Cases (blk unless said): descriptor loops (self, two, the whole table), next outside the
 * table, buffers outside RAM, across the end of RAM, wrapping the address space, 4 GiB long, a
 * readable buffer after a writable one, indirect tables nested, with NEXT, of a bad size,
 * outside RAM, looping inside, with next outside; blk requests past the end, without a header or
 * status, GET_ID into 1 byte, unknown types; an available index running ahead, a head outside
 * the table; queue sizes 0, 6 (not a power of two), 512 (above QueueNumMax), rings outside RAM,
 * misaligned, across the end of RAM; notifications before DRIVER_OK and for queues that do not
 * exist; a queue layout rewritten while the queue is ready; FEATURES_OK without VERSION_1;
 * device resets with requests in flight; rng with buffers outside RAM and 1024 segments; the
 * console with a loop, then a line on hvc0; and a burst of bad layouts and bad features (the log
 * must not grow with it: brkvm's side is checked by the scenario).
 *
 * The guest writes only sectors 2 and 3 of the disk (PATTERN); the scenario checks the rest of
 * the image is unchanged.  Prints VABUSE-CASE NAME ok|BAD ..., then
 * VABUSE-TOTAL cases=N bad=N and powers off.  The MMU stays off: every access is Device memory
 * (uncached), which is what the device's writes through brkvm's mapping meet on the test host
 * (TCG has no caches to keep coherent). */
#include "guest_c.h"

#define RAM 0x80000000UL
#define RAM_SIZE (64UL << 20) /* the scenario runs with -m 64M */
#define RAM_END (RAM + RAM_SIZE)
#define VIRTIO 0x03000000UL
#define VIRTIO_SLOT 0x200UL
#define QMEM (RAM + (32UL << 20)) /* queues and buffers, far from the image */

#define MAGIC 0x000
#define DEVICE_ID 0x008
#define DEV_FEAT 0x010
#define DEV_FEAT_SEL 0x014
#define DRV_FEAT 0x020
#define DRV_FEAT_SEL 0x024
#define QUEUE_SEL 0x030
#define QUEUE_NUM_MAX 0x034
#define QUEUE_NUM 0x038
#define QUEUE_READY 0x044
#define QUEUE_NOTIFY 0x050
#define INT_STATUS 0x060
#define INT_ACK 0x064
#define STATUS 0x070
#define DESC_LO 0x080
#define DESC_HI 0x084
#define AVAIL_LO 0x090
#define AVAIL_HI 0x094
#define USED_LO 0x0a0
#define USED_HI 0x0a4

#define S_ACK 1
#define S_DRIVER 2
#define S_DRIVER_OK 4
#define S_FEATURES_OK 8
#define S_NEEDS_RESET 0x40

#define F_NEXT 1
#define F_WRITE 2
#define F_INDIRECT 4

#define BLK_IN 0
#define BLK_OUT 1
#define BLK_GET_ID 8
#define PATTERN 0x42524b564d5f5041UL /* "AP_MVKRB" */

struct desc {
    unsigned long addr;
    unsigned int len;
    unsigned short flags, next;
};

struct vq {
    unsigned long dev;
    unsigned q, num;
    volatile struct desc *desc;
    volatile unsigned short *avail; /* flags, idx, ring[num] */
    volatile unsigned int *used;    /* flags|idx, then {id, len} pairs */
    unsigned short avail_idx, used_seen;
    unsigned int last_id, last_len;
};

static unsigned long cases, bad;
static unsigned long blk_dev, rng_dev, con_dev, freq;
/* per device: a 4 KiB area for desc/avail/used, then one for buffers */
#define BLKQ (QMEM)
#define RNGQ (QMEM + 0x10000)
#define CONQ (QMEM + 0x20000)
#define CONQ_RX (QMEM + 0x30000)
#define BUF (QMEM + 0x100000) /* request buffers */
#define IND (QMEM + 0x200000) /* indirect tables */

static inline unsigned int rd(unsigned long dev, unsigned long off)
{
    return *(volatile unsigned int *)(dev + off);
}

static inline void wr(unsigned long dev, unsigned long off, unsigned int v)
{
    *(volatile unsigned int *)(dev + off) = v;
}

static void barrier(void)
{
    __asm__ volatile("dsb sy" ::: "memory");
}

static void fill(unsigned long addr, unsigned long len, unsigned char v)
{
    volatile unsigned char *p = (volatile unsigned char *)addr;
    for (unsigned long i = 0; i < len; i++)
        p[i] = v;
}

static void result(const char *name, int good, const char *why, unsigned long v)
{
    cases++;
    puts("VABUSE-CASE ");
    puts(name);
    if (good) {
        puts(" ok\r\n");
        return;
    }
    bad++;
    puts(" BAD ");
    puts(why);
    puts(" ");
    puthex(v);
    puts("\r\n");
}

static unsigned long ms_ticks(unsigned long ms)
{
    return freq / 1000 * ms;
}

/* reset, ACK|DRIVER, features (VERSION_1 + lo), FEATURES_OK; returns the status read back */
static unsigned int dev_init(unsigned long dev, unsigned int feat_lo, unsigned int feat_hi)
{
    wr(dev, STATUS, 0);
    wr(dev, STATUS, S_ACK);
    wr(dev, STATUS, S_ACK | S_DRIVER);
    wr(dev, DRV_FEAT_SEL, 0);
    wr(dev, DRV_FEAT, feat_lo);
    wr(dev, DRV_FEAT_SEL, 1);
    wr(dev, DRV_FEAT, feat_hi);
    wr(dev, STATUS, S_ACK | S_DRIVER | S_FEATURES_OK);
    return rd(dev, STATUS);
}

/* one queue with its rings at mem (desc at +0, avail at +0x1000, used at +0x2000) */
static int vq_setup(struct vq *v, unsigned long dev, unsigned q, unsigned num, unsigned long mem)
{
    v->dev = dev;
    v->q = q;
    v->num = num;
    v->desc = (volatile struct desc *)mem;
    v->avail = (volatile unsigned short *)(mem + 0x1000);
    v->used = (volatile unsigned int *)(mem + 0x2000);
    v->avail_idx = v->used_seen = 0;
    fill(mem, 0x3000, 0);
    wr(dev, QUEUE_SEL, q);
    wr(dev, QUEUE_NUM, num);
    wr(dev, DESC_LO, (unsigned int)mem);
    wr(dev, DESC_HI, (unsigned int)(mem >> 32));
    wr(dev, AVAIL_LO, (unsigned int)(mem + 0x1000));
    wr(dev, AVAIL_HI, 0);
    wr(dev, USED_LO, (unsigned int)(mem + 0x2000));
    wr(dev, USED_HI, 0);
    wr(dev, QUEUE_READY, 1);
    return rd(dev, QUEUE_READY) == 1;
}

static void driver_ok(unsigned long dev)
{
    wr(dev, STATUS, rd(dev, STATUS) | S_DRIVER_OK);
}

static void set_desc(struct vq *v, unsigned i, unsigned long addr, unsigned len, unsigned flags,
                     unsigned next)
{
    v->desc[i].addr = addr;
    v->desc[i].len = len;
    v->desc[i].flags = (unsigned short)flags;
    v->desc[i].next = (unsigned short)next;
}

static void ind_desc(unsigned long table, unsigned i, unsigned long addr, unsigned len,
                     unsigned flags, unsigned next)
{
    volatile struct desc *d = (volatile struct desc *)table;
    d[i].addr = addr;
    d[i].len = len;
    d[i].flags = (unsigned short)flags;
    d[i].next = (unsigned short)next;
}

/* offer the chain at head without notifying */
static void offer(struct vq *v, unsigned head)
{
    v->avail[2 + v->avail_idx % v->num] = (unsigned short)head;
    barrier();
    v->avail_idx++;
    v->avail[1] = v->avail_idx;
    barrier();
}

static void notify(struct vq *v)
{
    barrier();
    wr(v->dev, QUEUE_NOTIFY, v->q);
}

/* wait up to ms for the next used element: 1 with last_id/last_len, 0 on timeout */
static int wait_used(struct vq *v, unsigned long ms)
{
    unsigned long start = SYSREG_READ("cntvct_el0");

    for (;;) {
        unsigned short idx = (unsigned short)(v->used[0] >> 16);
        if (idx != v->used_seen) {
            unsigned slot = v->used_seen % v->num;
            v->last_id = v->used[1 + 2 * slot];
            v->last_len = v->used[2 + 2 * slot];
            v->used_seen++;
            return 1;
        }
        if (SYSREG_READ("cntvct_el0") - start > ms_ticks(ms))
            return 0;
    }
}

/* submit the chain at head and wait for it */
static int submit(struct vq *v, unsigned head)
{
    offer(v, head);
    notify(v);
    return wait_used(v, 3000);
}

/* --- blk --- */
static struct vq bq;
#define HDR BUF
#define DATA (BUF + 0x1000)
#define STAT (BUF + 0x3000)

static void blk_hdr(unsigned type, unsigned long sector)
{
    volatile unsigned int *h = (volatile unsigned int *)HDR;
    h[0] = type;
    h[1] = 0;
    *(volatile unsigned long *)(HDR + 8) = sector;
    *(volatile unsigned char *)STAT = 0xee;
}

static unsigned char blk_status(void)
{
    return *(volatile unsigned char *)STAT;
}

/* a well-formed request: header, data (1024 bytes = sectors 2-3), status */
static int blk_good(unsigned type, unsigned long sector)
{
    blk_hdr(type, sector);
    set_desc(&bq, 0, HDR, 16, F_NEXT, 1);
    set_desc(&bq, 1, DATA, 1024, F_NEXT | (type == BLK_IN ? F_WRITE : 0), 2);
    set_desc(&bq, 2, STAT, 1, F_WRITE, 0);
    return submit(&bq, 0) && bq.last_id == 0 && blk_status() == 0;
}

static void blk_setup(void)
{
    dev_init(blk_dev, 0, 1);
    vq_setup(&bq, blk_dev, 0, 8, BLKQ);
    driver_ok(blk_dev);
}

/* the device still works: write the pattern to sectors 2-3, read it back */
static void blk_check_works(const char *name)
{
    volatile unsigned long *d = (volatile unsigned long *)DATA;
    int good;

    for (unsigned i = 0; i < 128; i++)
        d[i] = PATTERN + i;
    good = blk_good(BLK_OUT, 2);
    for (unsigned i = 0; i < 128; i++)
        d[i] = 0;
    good = good && blk_good(BLK_IN, 2) && bq.last_len == 1025;
    for (unsigned i = 0; good && i < 128; i++)
        good = d[i] == PATTERN + i;
    result(name, good, "a correct request failed, status/len",
           ((unsigned long)blk_status() << 16) | bq.last_len);
}

/* a chain the device must refuse: completed with len 0, status byte untouched, no reset */
static void blk_refused(const char *name, unsigned head)
{
    unsigned long got;
    int done;

    *(volatile unsigned char *)STAT = 0xee;
    done = submit(&bq, head);
    got = ((unsigned long)bq.last_id << 32) | ((unsigned long)blk_status() << 16) | bq.last_len;
    result(name, done && bq.last_id == head && bq.last_len == 0 && blk_status() == 0xee &&
                     !(rd(blk_dev, STATUS) & S_NEEDS_RESET),
           done ? "completion id/len/status" : "not completed", done ? got : 0);
}

/* a request the device serves with an error status */
static void blk_status_is(const char *name, unsigned want)
{
    int done = submit(&bq, 0);
    result(name, done && blk_status() == want, "status", done ? blk_status() : 0xdead);
}

static void blk_cases(void)
{
    blk_setup();
    blk_check_works("blk-baseline");

    /* descriptor loops */
    blk_hdr(BLK_IN, 0);
    set_desc(&bq, 0, HDR, 16, F_NEXT, 0);
    blk_refused("loop-self", 0);
    set_desc(&bq, 0, HDR, 16, F_NEXT, 1);
    set_desc(&bq, 1, DATA, 16, F_NEXT, 0);
    blk_refused("loop-two", 0);
    for (unsigned i = 0; i < 8; i++)
        set_desc(&bq, i, HDR, 16, F_NEXT, (i + 1) % 8);
    blk_refused("loop-whole-table", 3);
    set_desc(&bq, 0, HDR, 16, F_NEXT, 200);
    blk_refused("next-outside-table", 0);
    /* buffers */
    set_desc(&bq, 0, HDR, 16, F_NEXT, 1);
    set_desc(&bq, 2, STAT, 1, F_WRITE, 0);
    set_desc(&bq, 1, 0x10000000UL, 512, F_NEXT | F_WRITE, 2);
    blk_refused("buf-outside-ram", 0);
    set_desc(&bq, 1, RAM_END - 256, 512, F_NEXT | F_WRITE, 2);
    blk_refused("buf-across-ram-end", 0);
    set_desc(&bq, 1, RAM - 256, 512, F_NEXT | F_WRITE, 2);
    blk_refused("buf-across-ram-start", 0);
    set_desc(&bq, 1, 0xfffffffffffffe00UL, 0x400, F_NEXT | F_WRITE, 2);
    blk_refused("buf-wraps-address-space", 0);
    set_desc(&bq, 1, DATA, 0xffffffffU, F_NEXT | F_WRITE, 2);
    blk_refused("buf-4GiB-long", 0);
    set_desc(&bq, 1, DATA, 512, F_NEXT | F_WRITE, 2);
    set_desc(&bq, 2, STAT, 1, F_WRITE | F_NEXT, 3);
    set_desc(&bq, 3, DATA + 512, 16, 0, 0);
    blk_refused("readable-after-writable", 0);
    /* indirect tables */
    set_desc(&bq, 0, IND, 3 * 16, F_INDIRECT, 0);
    ind_desc(IND, 0, HDR, 16, F_NEXT, 1);
    ind_desc(IND, 1, IND + 0x100, 16, F_INDIRECT | F_NEXT, 2);
    ind_desc(IND, 2, STAT, 1, F_WRITE, 0);
    ind_desc(IND + 0x100, 0, DATA, 512, F_WRITE, 0);
    blk_refused("indirect-in-indirect", 0);
    set_desc(&bq, 0, IND, 3 * 16, F_INDIRECT | F_NEXT, 1);
    ind_desc(IND, 1, DATA, 512, F_WRITE | F_NEXT, 2);
    blk_refused("indirect-with-next", 0);
    set_desc(&bq, 0, IND, 40, F_INDIRECT, 0);
    blk_refused("indirect-size-not-16n", 0);
    set_desc(&bq, 0, IND, 0, F_INDIRECT, 0);
    blk_refused("indirect-size-0", 0);
    set_desc(&bq, 0, 0x20000000UL, 48, F_INDIRECT, 0);
    blk_refused("indirect-outside-ram", 0);
    set_desc(&bq, 0, RAM_END - 32, 48, F_INDIRECT, 0);
    blk_refused("indirect-across-ram-end", 0);
    set_desc(&bq, 0, IND, 3 * 16, F_INDIRECT, 0);
    ind_desc(IND, 2, STAT, 1, F_WRITE | F_NEXT, 1);
    blk_refused("indirect-loop", 0);
    ind_desc(IND, 2, STAT, 1, F_WRITE | F_NEXT, 7);
    blk_refused("indirect-next-outside", 0);
    set_desc(&bq, 0, IND, 1040 * 16, F_INDIRECT, 0);
    blk_refused("indirect-1040-entries", 0);
    blk_check_works("blk-after-bad-chains");

    /* requests the device answers with an error */
    blk_hdr(BLK_IN, 1UL << 40);
    set_desc(&bq, 0, HDR, 16, F_NEXT, 1);
    set_desc(&bq, 1, DATA, 1024, F_NEXT | F_WRITE, 2);
    set_desc(&bq, 2, STAT, 1, F_WRITE, 0);
    blk_status_is("read-past-end", 1);
    blk_hdr(BLK_OUT, 0x7fffffffffffffUL);
    set_desc(&bq, 1, DATA, 1024, F_NEXT, 2);
    blk_status_is("write-sector-overflows", 1);
    blk_hdr(BLK_OUT, 2);
    set_desc(&bq, 1, DATA, 100, F_NEXT, 2);
    blk_status_is("write-not-whole-sectors", 1);
    blk_hdr(0x77, 0);
    blk_status_is("unknown-type", 2);
    blk_hdr(BLK_GET_ID, 0);
    set_desc(&bq, 1, STAT, 1, F_WRITE, 0);
    *(volatile unsigned char *)STAT = 0xee;
    result("get-id-into-1-byte", submit(&bq, 0) && bq.last_len == 1 && blk_status() == 0,
           "len/status", ((unsigned long)blk_status() << 16) | bq.last_len);
    set_desc(&bq, 0, STAT, 1, F_WRITE, 0);
    result("no-header", submit(&bq, 0) && blk_status() == 2, "status", blk_status());
    set_desc(&bq, 0, HDR, 16, 0, 0);
    result("no-status-byte", submit(&bq, 0) && bq.last_len == 0, "len", bq.last_len);
    blk_check_works("blk-after-bad-requests");

    /* a corrupt ring: the device needs a reset, serves nothing until then */
    blk_hdr(BLK_IN, 2);
    set_desc(&bq, 0, HDR, 16, F_NEXT, 1);
    set_desc(&bq, 1, DATA, 1024, F_NEXT | F_WRITE, 2);
    set_desc(&bq, 2, STAT, 1, F_WRITE, 0);
    bq.avail[2 + bq.avail_idx % 8] = 0;
    bq.avail_idx += 100;
    bq.avail[1] = bq.avail_idx;
    notify(&bq);
    wait_used(&bq, 300);
    result("avail-idx-runs-ahead", (rd(blk_dev, STATUS) & S_NEEDS_RESET) != 0, "status",
           rd(blk_dev, STATUS));
    offer(&bq, 0);
    notify(&bq);
    result("nothing-served-when-broken", !wait_used(&bq, 300), "a request was served", 0);
    blk_setup();
    blk_check_works("blk-after-reset");
    offer(&bq, 9);
    notify(&bq);
    wait_used(&bq, 300);
    result("head-outside-table", (rd(blk_dev, STATUS) & S_NEEDS_RESET) != 0, "status",
           rd(blk_dev, STATUS));
    blk_setup();
    blk_check_works("blk-after-reset-2");
}

/* a queue layout the device must refuse: QueueReady stays 0, NEEDS_RESET set */
static void layout_refused(const char *name, unsigned num, unsigned long desc, unsigned long avail,
                           unsigned long used)
{
    unsigned int st;

    dev_init(blk_dev, 0, 1);
    wr(blk_dev, QUEUE_SEL, 0);
    wr(blk_dev, QUEUE_NUM, num);
    wr(blk_dev, DESC_LO, (unsigned int)desc);
    wr(blk_dev, DESC_HI, (unsigned int)(desc >> 32));
    wr(blk_dev, AVAIL_LO, (unsigned int)avail);
    wr(blk_dev, AVAIL_HI, (unsigned int)(avail >> 32));
    wr(blk_dev, USED_LO, (unsigned int)used);
    wr(blk_dev, USED_HI, (unsigned int)(used >> 32));
    wr(blk_dev, QUEUE_READY, 1);
    st = rd(blk_dev, STATUS);
    result(name, rd(blk_dev, QUEUE_READY) == 0 && (st & S_NEEDS_RESET), "ready/status",
           ((unsigned long)rd(blk_dev, QUEUE_READY) << 32) | st);
}

static void layout_cases(void)
{
    layout_refused("qsize-0", 0, BLKQ, BLKQ + 0x1000, BLKQ + 0x2000);
    layout_refused("qsize-6", 6, BLKQ, BLKQ + 0x1000, BLKQ + 0x2000);
    layout_refused("qsize-512", 512, BLKQ, BLKQ + 0x1000, BLKQ + 0x2000);
    layout_refused("qsize-65535", 65535, BLKQ, BLKQ + 0x1000, BLKQ + 0x2000);
    layout_refused("desc-outside-ram", 8, 0x10000000UL, BLKQ + 0x1000, BLKQ + 0x2000);
    layout_refused("desc-misaligned", 8, BLKQ + 8, BLKQ + 0x1000, BLKQ + 0x2000);
    layout_refused("avail-high-half", 8, BLKQ, BLKQ + 0x1000 + (1UL << 32), BLKQ + 0x2000);
    layout_refused("used-across-ram-end", 8, BLKQ, BLKQ + 0x1000, RAM_END - 16);
    layout_refused("desc-across-ram-end", 256, RAM_END - 0x800, BLKQ + 0x1000, BLKQ + 0x2000);
    blk_setup();
    blk_check_works("blk-after-bad-layouts");

    /* a layout rewritten while the queue is ready is ignored */
    wr(blk_dev, QUEUE_SEL, 0);
    wr(blk_dev, DESC_LO, 0x10000000);
    wr(blk_dev, QUEUE_NUM, 3);
    result("layout-locked-while-ready",
           rd(blk_dev, DESC_LO) == (unsigned int)BLKQ && rd(blk_dev, QUEUE_NUM) == 8, "desc_lo",
           rd(blk_dev, DESC_LO));
    /* queues that do not exist */
    wr(blk_dev, QUEUE_SEL, 7);
    wr(blk_dev, QUEUE_NUM, 8);
    wr(blk_dev, QUEUE_READY, 1);
    result("queue-sel-7", rd(blk_dev, QUEUE_READY) == 0 && rd(blk_dev, QUEUE_NUM_MAX) == 0,
           "ready", rd(blk_dev, QUEUE_READY));
    wr(blk_dev, QUEUE_SEL, 0xffffffffU);
    wr(blk_dev, QUEUE_READY, 1);
    wr(blk_dev, QUEUE_NOTIFY, 5);
    wr(blk_dev, QUEUE_NOTIFY, 0xffffffffU);
    wr(blk_dev, QUEUE_NOTIFY, 0x10000);
    wr(blk_dev, QUEUE_SEL, 0);
    blk_check_works("blk-after-bad-queue-numbers");

    /* features without VERSION_1 (a legacy driver): FEATURES_OK is refused */
    result("features-no-version-1", !(dev_init(blk_dev, 0, 0) & S_FEATURES_OK), "status",
           rd(blk_dev, STATUS));
    result("features-unknown-bits", !(dev_init(blk_dev, 0x80000000U, 0x80000001U) & S_FEATURES_OK),
           "status", rd(blk_dev, STATUS));

    /* notifications before DRIVER_OK are not served; after DRIVER_OK the request is */
    dev_init(blk_dev, 0, 1);
    vq_setup(&bq, blk_dev, 0, 8, BLKQ);
    blk_hdr(BLK_IN, 2);
    set_desc(&bq, 0, HDR, 16, F_NEXT, 1);
    set_desc(&bq, 1, DATA, 1024, F_NEXT | F_WRITE, 2);
    set_desc(&bq, 2, STAT, 1, F_WRITE, 0);
    offer(&bq, 0);
    notify(&bq);
    notify(&bq);
    result("notify-before-driver-ok", !wait_used(&bq, 300), "served before DRIVER_OK", 0);
    driver_ok(blk_dev);
    notify(&bq);
    result("served-after-driver-ok", wait_used(&bq, 3000) && blk_status() == 0, "status",
           blk_status());

    /* resets with requests in flight: 64 requests offered, reset right after the notify */
    for (unsigned round = 0; round < 20; round++) {
        blk_setup();
        blk_hdr(BLK_IN, 0);
        set_desc(&bq, 0, HDR, 16, F_NEXT, 1);
        set_desc(&bq, 1, DATA, 4096, F_NEXT | F_WRITE, 2);
        set_desc(&bq, 2, STAT, 1, F_WRITE, 0);
        for (unsigned i = 0; i < 8; i++)
            offer(&bq, 0);
        notify(&bq);
        for (unsigned i = 0; i < round * 50; i++)
            __asm__ volatile("nop");
        wr(blk_dev, STATUS, 0);
    }
    result("reset-in-flight-x20", rd(blk_dev, STATUS) == 0, "status", rd(blk_dev, STATUS));
    blk_setup();
    blk_check_works("blk-after-resets");
}

/* --- rng --- */
static void rng_cases(void)
{
    struct vq rq;
    volatile unsigned long *b = (volatile unsigned long *)(BUF + 0x10000);
    int done;

    dev_init(rng_dev, 0, 1);
    vq_setup(&rq, rng_dev, 0, 4, RNGQ);
    driver_ok(rng_dev);
    for (unsigned i = 0; i < 8; i++)
        b[i] = 0;
    rq.desc[0].addr = (unsigned long)b;
    rq.desc[0].len = 64;
    rq.desc[0].flags = F_WRITE;
    done = submit(&rq, 0);
    result("rng-baseline", done && rq.last_len == 64 && (b[0] | b[1]) != 0, "len", rq.last_len);
    rq.desc[0].addr = RAM_END - 8;
    done = submit(&rq, 0);
    result("rng-buf-across-ram-end", done && rq.last_len == 0, "len", rq.last_len);
    rq.desc[0].addr = 0x40000000UL;
    done = submit(&rq, 0);
    result("rng-buf-outside-ram", done && rq.last_len == 0, "len", rq.last_len);
    /* 1024 one-byte segments through an indirect table: the most a chain may have */
    for (unsigned i = 0; i < 1024; i++)
        ind_desc(IND + 0x10000, i, BUF + 0x20000 + i, 1, F_WRITE | (i < 1023 ? F_NEXT : 0), i + 1);
    rq.desc[0].addr = IND + 0x10000;
    rq.desc[0].len = 1024 * 16;
    rq.desc[0].flags = F_INDIRECT;
    done = submit(&rq, 0);
    result("rng-1024-segments", done && rq.last_len == 1024, "len", rq.last_len);
    rq.desc[0].addr = (unsigned long)b;
    rq.desc[0].len = 64;
    rq.desc[0].flags = 0; /* device-readable only: nothing to fill */
    done = submit(&rq, 0);
    result("rng-readable-only", done && rq.last_len == 0, "len", rq.last_len);
    /* a reset of the rng with requests in flight, then it works */
    rq.desc[0].flags = F_WRITE;
    rq.desc[0].len = 65536;
    for (unsigned i = 0; i < 4; i++)
        offer(&rq, 0);
    notify(&rq);
    wr(rng_dev, STATUS, 0);
    dev_init(rng_dev, 0, 1);
    vq_setup(&rq, rng_dev, 0, 4, RNGQ);
    driver_ok(rng_dev);
    rq.desc[0].addr = (unsigned long)b;
    rq.desc[0].len = 32;
    rq.desc[0].flags = F_WRITE;
    done = submit(&rq, 0);
    result("rng-after-reset", done && rq.last_len == 32, "len", rq.last_len);
}

/* --- console: a loop on the transmit queue, then a line --- */
static void con_cases(void)
{
    struct vq tx, rx;
    static const char line[] = "VABUSE-HVC line through virtio-console\r\n";
    unsigned long buf = BUF + 0x30000;
    unsigned n = 0;
    int done;

    dev_init(con_dev, 0, 1);
    vq_setup(&rx, con_dev, 0, 4, CONQ_RX); /* receive buffers: none offered */
    vq_setup(&tx, con_dev, 1, 4, CONQ);
    driver_ok(con_dev);
    tx.desc[0].addr = buf;
    tx.desc[0].len = 8;
    tx.desc[0].flags = F_NEXT;
    tx.desc[0].next = 1;
    tx.desc[1].addr = buf;
    tx.desc[1].len = 8;
    tx.desc[1].flags = F_NEXT;
    tx.desc[1].next = 0;
    fill(buf, 8, 'X');
    done = submit(&tx, 0);
    result("con-tx-loop", done && tx.last_len == 0, "len", tx.last_len);
    while (line[n]) {
        *(volatile char *)(buf + n) = line[n];
        n++;
    }
    tx.desc[0].len = n;
    tx.desc[0].flags = 0;
    done = submit(&tx, 0);
    result("con-tx-line", done, "not completed", 0);
}

/* a burst: 300 bad layouts and 300 refused feature sets (brkvm's log must stay short) */
static void burst_cases(void)
{
    for (unsigned i = 0; i < 300; i++) {
        dev_init(rng_dev, 0, 1);
        wr(rng_dev, QUEUE_SEL, 0);
        wr(rng_dev, QUEUE_NUM, 3);
        wr(rng_dev, QUEUE_READY, 1);
        dev_init(rng_dev, 0xffffffffU, 0xffffffffU);
    }
    result("burst-600", (rd(rng_dev, STATUS) & S_FEATURES_OK) == 0, "status", rd(rng_dev, STATUS));
    wr(rng_dev, STATUS, 0);
}

int main(void)
{
    freq = SYSREG_READ("cntfrq_el0");
    for (unsigned s = 0; s < 16; s++) {
        unsigned long dev = VIRTIO + s * VIRTIO_SLOT;
        if (rd(dev, MAGIC) != 0x74726976)
            continue;
        switch (rd(dev, DEVICE_ID)) {
        case 2: blk_dev = dev; break;
        case 3: con_dev = dev; break;
        case 4: rng_dev = dev; break;
        }
    }
    puts("GUEST-VABUSE start blk=");
    puthex(blk_dev);
    puts(" rng=");
    puthex(rng_dev);
    puts(" con=");
    puthex(con_dev);
    puts("\r\n");
    if (!blk_dev || !rng_dev || !con_dev) {
        puts("GUEST-FAIL the guest needs -d, --rng and --console virtio\r\n");
        return 0;
    }
    blk_cases();
    layout_cases();
    rng_cases();
    con_cases();
    burst_cases();
    puts("VABUSE-TOTAL cases=");
    putdec(cases);
    puts(" bad=");
    putdec(bad);
    puts("\r\n");
    return 0;
}
