/* virtio_mmio.h - the virtio-mmio transport, version 2 ("modern"): the register file, feature
 * negotiation, queue setup and the interrupt status, shared by every brkvm virtio device.
 *
 * The transport is pure logic: what it needs from the VMM (raise the interrupt, wake the device's
 * I/O thread) comes through struct virtio_host_ops, so it is unit-tested without KVM.  Devices
 * do their work in ops->serve, called by the VMM's I/O thread with the device lock held. */
#ifndef BRKVM_VIRTIO_MMIO_H
#define BRKVM_VIRTIO_MMIO_H

#include <brkvm/bus.h>
#include <brkvm/virtqueue.h>

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#define VIRTIO_MMIO_MAX_QUEUES 4
/* log lines a device writes about its driver's mistakes over the whole run (then one saying
 * the rest are only counted): a guest repeating a mistake, even across resets, cannot flood
 * brkvm's stderr */
#define VIRTIO_LOG_MAX 4
#define VIRTIO_MMIO_CONFIG 0x100 /* device-specific configuration space starts here */

/* registers (offsets from the slot base) */
#define VIRTIO_MMIO_MAGIC 0x000
#define VIRTIO_MMIO_VERSION 0x004
#define VIRTIO_MMIO_DEVICE_ID 0x008
#define VIRTIO_MMIO_VENDOR_ID 0x00c
#define VIRTIO_MMIO_DEVICE_FEATURES 0x010
#define VIRTIO_MMIO_DEVICE_FEATURES_SEL 0x014
#define VIRTIO_MMIO_DRIVER_FEATURES 0x020
#define VIRTIO_MMIO_DRIVER_FEATURES_SEL 0x024
#define VIRTIO_MMIO_QUEUE_SEL 0x030
#define VIRTIO_MMIO_QUEUE_NUM_MAX 0x034
#define VIRTIO_MMIO_QUEUE_NUM 0x038
#define VIRTIO_MMIO_QUEUE_READY 0x044
#define VIRTIO_MMIO_QUEUE_NOTIFY 0x050
#define VIRTIO_MMIO_INTERRUPT_STATUS 0x060
#define VIRTIO_MMIO_INTERRUPT_ACK 0x064
#define VIRTIO_MMIO_STATUS 0x070
#define VIRTIO_MMIO_QUEUE_DESC_LOW 0x080
#define VIRTIO_MMIO_QUEUE_DESC_HIGH 0x084
#define VIRTIO_MMIO_QUEUE_AVAIL_LOW 0x090
#define VIRTIO_MMIO_QUEUE_AVAIL_HIGH 0x094
#define VIRTIO_MMIO_QUEUE_USED_LOW 0x0a0
#define VIRTIO_MMIO_QUEUE_USED_HIGH 0x0a4
#define VIRTIO_MMIO_CONFIG_GENERATION 0x0fc

#define VIRTIO_MMIO_MAGIC_VALUE 0x74726976 /* "virt" */
#define VIRTIO_MMIO_VENDOR 0x4d564b42      /* "BKVM" */

/* device status bits */
#define VIRTIO_STATUS_ACKNOWLEDGE 1
#define VIRTIO_STATUS_DRIVER 2
#define VIRTIO_STATUS_DRIVER_OK 4
#define VIRTIO_STATUS_FEATURES_OK 8
#define VIRTIO_STATUS_NEEDS_RESET 0x40
#define VIRTIO_STATUS_FAILED 0x80

#define VIRTIO_F_RING_INDIRECT_DESC (1ULL << 28)
#define VIRTIO_F_VERSION_1 (1ULL << 32)

#define VIRTIO_ISR_USED 1
#define VIRTIO_ISR_CONFIG 2

struct virtio_mmio;

/* What the transport needs from the VMM. */
struct virtio_host_ops {
    void (*raise_irq)(struct virtio_mmio *d);        /* an edge on the device's interrupt */
    void (*kick)(struct virtio_mmio *d, unsigned q); /* QueueNotify seen by the transport
                                                        (no ioeventfd): wake the I/O thread */
};

/* One device type. */
struct virtio_dev_ops {
    const char *name;   /* "blk", "rng", ... for messages and the DT node name */
    uint32_t device_id; /* VIRTIO_ID_* */
    unsigned nqueues;
    /* device feature bits besides VERSION_1 (added by the transport) */
    uint64_t (*features)(struct virtio_mmio *d);
    /* device config space: offset from 0x100; reads fill data (len 1, 2, 4 or 8) */
    void (*config)(struct virtio_mmio *d, uint64_t off, uint8_t *data, unsigned len,
                   bool is_write);
    /* I/O thread, device lock held, driver ready: one request, returning the bytes written
     * into the chain (the transport pops, completes and interrupts: virtio_mmio_serve) */
    uint32_t (*serve)(struct virtio_mmio *d, unsigned q, const struct virtq_chain *c);
    /* bit q: queue q's buffers wait for data from the host (console input) and are never
     * taken by virtio_mmio_process */
    uint32_t held_queues;
    /* the driver reset the device (status 0): forget in-flight state; lock held */
    void (*reset)(struct virtio_mmio *d);
};

struct virtio_mmio {
    pthread_mutex_t lock;
    const struct virtio_dev_ops *ops;
    void *dev; /* the device's own state */
    const struct virtio_host_ops *host;
    void *host_opaque;
    struct virtq_mem mem;
    unsigned spi; /* GIC SPI (0-based) for the DT and the irqfd */
    uint32_t status, dev_feat_sel, drv_feat_sel, queue_sel, isr;
    uint64_t driver_features;
    struct virtq vq[VIRTIO_MMIO_MAX_QUEUES];
    uint64_t bad_chains;                 /* chains refused since start (all queues) */
    uint64_t problems;  /* the driver's mistakes since start: refused features, queue layouts,
                           chains, corrupt rings (monitor info virtio) */
    unsigned logged;    /* of them, logged: at most VIRTIO_LOG_MAX over the device's life */
    uint64_t served, irqs;               /* chains completed, interrupts raised (monitor) */
    struct virtq_chain *chain;           /* scratch for the queue handlers (lock held) */
};

extern const struct mmio_ops virtio_mmio_ops;

void virtio_mmio_init(struct virtio_mmio *d, const struct virtio_dev_ops *ops, void *dev,
                      const struct virtio_host_ops *host, void *host_opaque,
                      const struct virtq_mem *mem, unsigned spi);

void virtio_mmio_destroy(struct virtio_mmio *d);
/* back to the state before the driver (a machine reset): takes the lock */
void virtio_mmio_reset(struct virtio_mmio *d);

/* Register access (the bus calls it through virtio_mmio_ops; exported for the unit tests). */
void virtio_mmio_access(void *dev, uint64_t offset, uint8_t *data, unsigned len, bool is_write);

/* I/O thread: every available chain of queue q through ops->serve, completed, one interrupt at
 * the end -- if the driver made q ready (takes the lock). */
void virtio_mmio_process(struct virtio_mmio *d, unsigned q);

/* For device queue handlers (lock held): the next chain of queue q, 1 / 0 (empty).  Bad chains
 * are completed with 0 bytes here (the guest's request fails) and logged once per queue. */
int virtio_mmio_pop(struct virtio_mmio *d, unsigned q, struct virtq_chain *c);
/* Complete a chain; call virtio_mmio_notify after a batch. */
void virtio_mmio_push(struct virtio_mmio *d, unsigned q, uint16_t head, uint32_t written);
/* Interrupt the driver for used buffers on q, unless it asked not to be. */
void virtio_mmio_notify(struct virtio_mmio *d, unsigned q);

/* A config-space read for devices: len bytes at off of cfg (size bytes), zeroes beyond it. */
void virtio_config_read(const void *cfg, size_t size, uint64_t off, uint8_t *data, unsigned len);

/* true when the driver finished initialisation and has not failed or been reset */
bool virtio_mmio_driver_ok(const struct virtio_mmio *d);

#endif
