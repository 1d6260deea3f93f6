/* rng.c - virtio-rng: every writable buffer the guest offers is filled from getrandom(). */
#define G_LOG_DOMAIN "virtio-rng"
#include <brkvm/virtio_devices.h>

#include <errno.h>
#include <sys/random.h>

#define RNG_CHUNK 65536 /* per request: a guest asking for more gets this much */

static uint32_t fill(struct virtio_mmio *d, unsigned q, const struct virtq_chain *c)
{
    uint32_t done = 0;

    for (unsigned i = c->nout; i < c->nout + c->nin && done < RNG_CHUNK; i++) {
        uint32_t want = c->buf[i].len, got = 0;
        if (want > RNG_CHUNK - done)
            want = RNG_CHUNK - done;
        while (got < want) {
            ssize_t n = getrandom(c->buf[i].p + got, want - got, 0);
            if (n < 0) {
                if (errno == EINTR)
                    continue;
                return done + got;
            }
            got += (uint32_t)n;
        }
        done += got;
    }
    return done;
}

const struct virtio_dev_ops virtio_rng_ops = {
    .name = "rng",
    .device_id = VIRTIO_ID_RNG,
    .nqueues = 1,
    .serve = fill,
};
