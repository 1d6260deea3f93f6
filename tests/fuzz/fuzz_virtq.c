/* fuzz_virtq.c - libFuzzer target: a hostile guest's virtqueues.  The input is the guest: a
 * 16-byte header chooses the device (blk read-write, blk read-only, rng, console, 9p), the queue
 * size and where the three rings lie (inside or around guest RAM), and the rest is guest RAM
 * itself from its first byte (descriptor tables, rings, indirect tables, request headers; the
 * rest of the 64 KiB is zero).
 * The driver then sets the queue up through the virtio-mmio registers and notifies it a few
 * times, moving avail->idx as the input says.  ASan guards guest RAM's edges: the device must
 * never read or write outside it, nor outside the image file.
 *
 * Built by tests/fuzz/run.sh (clang -fsanitize=fuzzer) and, for the corpus replay test, with
 * tests/fuzz/replay.c by meson. */
#include <brkvm/virtio_devices.h>
#include <brkvm/virtio_mmio.h>

#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define RAM_BASE 0x40000000ULL
#define RAM_SIZE 0x10000ULL

static char *image_path; /* a 64 KiB image, made once per process */
static char *share_dir;  /* an empty 9p share, made once per process */

static void make_image(void)
{
    GError *err = NULL;
    int fd;
    static uint8_t zero[65536];

    if (image_path)
        return;
    fd = g_file_open_tmp("brkvm-fuzz-blk-XXXXXX", &image_path, &err);
    if (fd < 0 || write(fd, zero, sizeof(zero)) != (ssize_t)sizeof(zero))
        abort();
    close(fd);
}

static bool quiet;
static void no_log(const gchar *domain, GLogLevelFlags level, const gchar *msg, gpointer data)
{
}

static void irq(struct virtio_mmio *d)
{
    (void)d;
}

static void kick(struct virtio_mmio *d, unsigned q)
{
    (void)d;
    (void)q;
}

static const struct virtio_host_ops host = {.raise_irq = irq, .kick = kick};

static void console_tx(void *opaque, const uint8_t *buf, size_t n)
{
    volatile uint8_t sink = 0;
    for (size_t i = 0; i < n; i++) /* touch every byte: ASan checks the bounds */
        sink ^= buf[i];
    (void)sink;
}

static void wr(struct virtio_mmio *d, uint64_t off, uint32_t v)
{
    virtio_mmio_access(d, off, (uint8_t *)&v, 4, true);
}

static uint64_t pick_addr(uint8_t sel, uint16_t off)
{
    switch (sel & 3) {
    case 0: return RAM_BASE + (off & 0xfff0);         /* anywhere in RAM, aligned */
    case 1: return RAM_BASE + off;                    /* maybe misaligned */
    case 2: return RAM_BASE + RAM_SIZE - (off & 0xff); /* across the end */
    default: return (uint64_t)off << (sel >> 2);     /* outside RAM, wild */
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* guest RAM exactly as big as declared: ASan reports any access past it */
    uint8_t *ram = malloc(RAM_SIZE);
    struct virtq_mem mem = {.ram = ram, .base = RAM_BASE, .size = RAM_SIZE};
    struct virtio_console con = {.tx = console_tx};
    struct virtio_blk *blk = NULL;
    const struct virtio_dev_ops *ops;
    struct virtio_mmio d;
    char *msg = NULL;
    void *dev = NULL;
    uint8_t hdr[16] = {0};
    unsigned q;

    memcpy(hdr, data, size < 16 ? size : 16);
    data += size < 16 ? size : 16;
    size -= size < 16 ? size : 16;
    memset(ram, 0, RAM_SIZE);
    memcpy(ram, data, size < RAM_SIZE ? size : RAM_SIZE);
    if (!quiet) { /* the devices' warnings about bad rings are expected: keep stderr clean */
        g_log_set_default_handler(no_log, NULL);
        quiet = true;
    }

    if (hdr[0] & 8) { /* 9p: the transport and the bounce buffers (fuzz_p9 does the protocol) */
        struct virtio_9p *p9;
        if (!share_dir && !(share_dir = g_dir_make_tmp("brkvm-fuzz-9p-XXXXXX", NULL)))
            abort();
        if (virtio_9p_open(&p9, share_dir, "fuzz", hdr[0] & 16, &msg))
            abort();
        ops = &virtio_9p_ops;
        dev = p9;
        q = 0;
    } else switch (hdr[0] & 3) {
    case 0:
    case 1:
        make_image();
        if (virtio_blk_open(&blk, image_path, hdr[0] & 1, &msg)) {
            g_free(msg);
            free(ram);
            return 0;
        }
        ops = &virtio_blk_ops;
        dev = blk;
        q = 0;
        break;
    case 2:
        ops = &virtio_rng_ops;
        q = 0;
        break;
    default:
        ops = &virtio_console_ops;
        dev = &con;
        q = (hdr[0] >> 2) & 1;
        break;
    }
    virtio_mmio_init(&d, ops, dev, &host, NULL, &mem, 1);
    wr(&d, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
    wr(&d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
    wr(&d, VIRTIO_MMIO_DRIVER_FEATURES, 1);
    wr(&d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
    wr(&d, VIRTIO_MMIO_DRIVER_FEATURES, hdr[1] & 0x10 ? (uint32_t)(1u << 28) : 0);
    wr(&d, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
                                   VIRTIO_STATUS_FEATURES_OK);
    wr(&d, VIRTIO_MMIO_QUEUE_SEL, q);
    wr(&d, VIRTIO_MMIO_QUEUE_NUM, (uint32_t)1 << (hdr[1] & 0xf)); /* 1 .. 32768 */
    uint64_t desc = pick_addr(hdr[2], (uint16_t)(hdr[3] | hdr[4] << 8));
    uint64_t avail = pick_addr(hdr[5], (uint16_t)(hdr[6] | hdr[7] << 8));
    uint64_t used = pick_addr(hdr[8], (uint16_t)(hdr[9] | hdr[10] << 8));
    wr(&d, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)desc);
    wr(&d, VIRTIO_MMIO_QUEUE_DESC_HIGH, (uint32_t)(desc >> 32));
    wr(&d, VIRTIO_MMIO_QUEUE_AVAIL_LOW, (uint32_t)avail);
    wr(&d, VIRTIO_MMIO_QUEUE_AVAIL_HIGH, (uint32_t)(avail >> 32));
    wr(&d, VIRTIO_MMIO_QUEUE_USED_LOW, (uint32_t)used);
    wr(&d, VIRTIO_MMIO_QUEUE_USED_HIGH, (uint32_t)(used >> 32));
    wr(&d, VIRTIO_MMIO_QUEUE_READY, 1);
    wr(&d, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
                                   VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK);
    /* notify a few times; between them the "guest" moves its avail index */
    for (unsigned round = 0; round < 4; round++) {
        if (ops == &virtio_console_ops && hdr[11] & (1u << round))
            virtio_console_input(&d, hdr, sizeof(hdr));
        else
            virtio_mmio_process(&d, q);
        if (avail >= RAM_BASE && avail + 4 <= RAM_BASE + RAM_SIZE) {
            uint16_t idx;
            memcpy(&idx, ram + (avail - RAM_BASE) + 2, 2);
            idx = (uint16_t)(idx + hdr[12 + round]);
            memcpy(ram + (avail - RAM_BASE) + 2, &idx, 2);
        }
        if (hdr[15] & (1u << round)) /* a reset in the middle: later notifications find none */
            wr(&d, VIRTIO_MMIO_STATUS, 0);
    }
    virtio_mmio_destroy(&d);
    virtio_blk_close(blk);
    if (ops == &virtio_9p_ops)
        virtio_9p_close(dev);
    free(ram);
    return 0;
}
