/* console.c - virtio-console with one port (no MULTIPORT): queue 0 receives (host to guest),
 * queue 1 transmits.  The guest sees it as hvc0. */
#define G_LOG_DOMAIN "virtio-console"
#include <brkvm/virtio_devices.h>

#include <string.h>

#define VIRTIO_CONSOLE_F_SIZE (1ULL << 0)
#define RXQ 0
#define TXQ 1

/* config: cols (le16), rows (le16), max_nr_ports (le32): 80x25, one port */
static void console_config(struct virtio_mmio *d, uint64_t off, uint8_t *data, unsigned len,
                           bool is_write)
{
    uint8_t cfg[8] = {80, 0, 25, 0, 1, 0, 0, 0};

    (void)d;
    if (is_write)
        return;
    virtio_config_read(cfg, sizeof(cfg), off, data, len);
}

/* transmit queue: the guest's bytes out (receive buffers wait for input: held_queues) */
static uint32_t transmit(struct virtio_mmio *d, unsigned q, const struct virtq_chain *c)
{
    struct virtio_console *con = d->dev;

    for (unsigned i = 0; i < c->nout; i++)
        con->tx(con->opaque, c->buf[i].p, c->buf[i].len);
    return 0;
}

unsigned virtio_console_input(struct virtio_mmio *d, const uint8_t *buf, unsigned n)
{
    struct virtq_chain *c = d->chain;
    unsigned done = 0;

    pthread_mutex_lock(&d->lock);
    while (done < n && virtio_mmio_driver_ok(d) && d->vq[RXQ].ready &&
           virtio_mmio_pop(d, RXQ, c) == 1) {
        size_t w = virtq_chain_write(c, 0, buf + done, n - done);
        virtio_mmio_push(d, RXQ, c->head, (uint32_t)w);
        d->served++;
        done += (unsigned)w;
    }
    if (done)
        virtio_mmio_notify(d, RXQ);
    pthread_mutex_unlock(&d->lock);
    return done;
}

static uint64_t console_features(struct virtio_mmio *d)
{
    (void)d;
    return VIRTIO_CONSOLE_F_SIZE;
}

const struct virtio_dev_ops virtio_console_ops = {
    .name = "console",
    .device_id = VIRTIO_ID_CONSOLE,
    .nqueues = 2,
    .features = console_features,
    .config = console_config,
    .serve = transmit,
    .held_queues = 1u << RXQ,
};
