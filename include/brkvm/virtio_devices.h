/* virtio_devices.h - brkvm's virtio devices (each on the virtio-mmio transport):
 * blk (raw disk images), rng (getrandom), console (hvc0), 9p (a shared host directory). */
#ifndef BRKVM_VIRTIO_DEVICES_H
#define BRKVM_VIRTIO_DEVICES_H

#include <brkvm/virtio_mmio.h>

#include <stdbool.h>
#include <stdint.h>

#define VIRTIO_ID_NET 1
#define VIRTIO_ID_BLOCK 2
#define VIRTIO_ID_CONSOLE 3
#define VIRTIO_ID_RNG 4
#define VIRTIO_ID_9P 9

/* ---- virtio-blk: devices/virtio/blk.c ---- */
struct virtio_blk;
extern const struct virtio_dev_ops virtio_blk_ops;
/* Open a raw image (locked against a second writer: an OFD lock, write for a read-write disk,
 * read for a read-only one).  0 or -errno with *msg saying what was wrong. */
int virtio_blk_open(struct virtio_blk **out, const char *path, bool ro, char **msg);
void virtio_blk_close(struct virtio_blk *b);
uint64_t virtio_blk_capacity(const struct virtio_blk *b); /* 512-byte sectors */

/* ---- virtio-rng: devices/virtio/rng.c (no state) ---- */
extern const struct virtio_dev_ops virtio_rng_ops;

/* ---- virtio-console: devices/virtio/console.c (one port, no multiport) ---- */
struct virtio_console {
    void (*tx)(void *opaque, const uint8_t *buf, size_t n); /* bytes the guest wrote */
    void *opaque;
};
extern const struct virtio_dev_ops virtio_console_ops;
/* Give the guest input bytes (device lock taken here); returns how many it had buffers for. */
unsigned virtio_console_input(struct virtio_mmio *d, const uint8_t *buf, unsigned n);

/* ---- virtio-9p: devices/virtio/9p.c (the server: p9_server.c) ---- */
struct virtio_9p;
extern const struct virtio_dev_ops virtio_9p_ops;
/* Share dir under tag (read-only if ro).  0 or -errno with *msg. */
int virtio_9p_open(struct virtio_9p **out, const char *dir, const char *tag, bool ro, char **msg);
void virtio_9p_close(struct virtio_9p *p);

#endif
