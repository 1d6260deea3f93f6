/* virtqueue.h - the split virtqueue of virtio 1.x, walked as pure code over guest RAM.
 *
 * Nothing the guest wrote is trusted: ring addresses, queue sizes, descriptor chains (lengths,
 * addresses, loops, indirect tables, their nesting) are checked against guest RAM before any
 * byte is touched, so a hostile guest can only make its own I/O fail.  No KVM, no threads. */
#ifndef BRKVM_VIRTQUEUE_H
#define BRKVM_VIRTQUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VIRTQ_NUM_MAX 256      /* QueueNumMax of every brkvm queue */
#define VIRTQ_SEGS_MAX 1024    /* buffers in one chain (direct + indirect) */
#define VIRTQ_INDIRECT_MAX 1024 /* entries of one indirect table */

#define VIRTQ_DESC_F_NEXT 1
#define VIRTQ_DESC_F_WRITE 2
#define VIRTQ_DESC_F_INDIRECT 4

/* Guest RAM as the device sees it: host mapping of [base, base + size). */
struct virtq_mem {
    uint8_t *ram;
    uint64_t base, size;
};

/* One queue's driver-set layout and the device's progress through it. */
struct virtq {
    uint16_t num;            /* queue size (power of two, <= VIRTQ_NUM_MAX) */
    bool ready;
    uint64_t desc, avail, used; /* guest-physical addresses of the three areas */
    uint16_t last_avail;     /* next avail->ring entry to take */
    uint16_t used_idx;       /* our copy of used->idx */
    bool broken;             /* the driver broke the ring itself: nothing more is taken */
};

struct virtq_buf {
    uint8_t *p;   /* host address inside guest RAM */
    uint32_t len;
};

/* One descriptor chain: the device-readable buffers first (nout), then the device-writable
 * ones (nin), as the spec requires of drivers. */
struct virtq_chain {
    uint16_t head;
    unsigned nout, nin;
    uint64_t out_len, in_len;
    struct virtq_buf buf[VIRTQ_SEGS_MAX];
};

/* Why a queue or chain was refused (for the device's log line). */
enum virtq_error {
    VIRTQ_OK = 0,
    VIRTQ_E_LAYOUT,     /* size not a power of two / too big, areas outside RAM or misaligned */
    VIRTQ_E_AVAIL_IDX,  /* avail->idx ran more than num ahead of us */
    VIRTQ_E_HEAD,       /* head index >= num */
    VIRTQ_E_NEXT,       /* next index >= num */
    VIRTQ_E_LOOP,       /* more descriptors than the table holds: a loop */
    VIRTQ_E_BUF,        /* a buffer outside guest RAM */
    VIRTQ_E_ORDER,      /* a readable buffer after a writable one */
    VIRTQ_E_INDIRECT,   /* bad indirect table: size, nesting, NEXT with INDIRECT */
    VIRTQ_E_SEGS,       /* more than VIRTQ_SEGS_MAX buffers */
};

const char *virtq_error_name(enum virtq_error e);

/* Check the layout the driver set (before QueueReady takes effect).  VIRTQ_OK or
 * VIRTQ_E_LAYOUT. */
enum virtq_error virtq_check_layout(const struct virtq *q, const struct virtq_mem *m);

/*
 * Take the next available chain.  Returns 1 with *c filled, 0 when the ring is empty, or
 * -enum virtq_error: for a bad chain whose head is valid, c->head is set and the caller
 * should complete it with virtq_push(.., 0) (the guest's request fails, the queue goes on);
 * for a broken ring (bad avail idx or head) q->broken is set and nothing more is taken.
 */
int virtq_pop(struct virtq *q, const struct virtq_mem *m, struct virtq_chain *c);

/* Put a chain on the used ring with the number of bytes written into its buffers. */
void virtq_push(struct virtq *q, const struct virtq_mem *m, uint16_t head, uint32_t written);

/* True when the driver did not suppress interrupts (VIRTQ_AVAIL_F_NO_INTERRUPT). */
bool virtq_want_interrupt(const struct virtq *q, const struct virtq_mem *m);

/* Copy helpers over a chain's readable / writable buffers.  They return bytes copied. */
size_t virtq_chain_read(const struct virtq_chain *c, size_t off, void *dst, size_t len);
size_t virtq_chain_write(const struct virtq_chain *c, size_t off, const void *src, size_t len);

#endif
