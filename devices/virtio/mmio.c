/* mmio.c - virtio-mmio version 2: registers, feature negotiation, queue setup, interrupt status
 * and the DT node.  Register accesses come from vCPU threads, queue work from the device's I/O
 * thread: both under d->lock. */
#define G_LOG_DOMAIN "virtio"
#include <brkvm/fdt.h>
#include <brkvm/virtio_mmio.h>

#include <glib.h>
#include <libfdt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void virtio_mmio_init(struct virtio_mmio *d, const struct virtio_dev_ops *ops, void *dev,
                      const struct virtio_host_ops *host, void *host_opaque,
                      const struct virtq_mem *mem, unsigned spi)
{
    memset(d, 0, sizeof(*d));
    pthread_mutex_init(&d->lock, NULL);
    d->ops = ops;
    d->dev = dev;
    d->host = host;
    d->host_opaque = host_opaque;
    d->mem = *mem;
    d->spi = spi;
    d->chain = g_new0(struct virtq_chain, 1);
}

void virtio_mmio_destroy(struct virtio_mmio *d)
{
    g_clear_pointer(&d->chain, g_free);
    pthread_mutex_destroy(&d->lock);
}

bool virtio_mmio_driver_ok(const struct virtio_mmio *d)
{
    return (d->status & VIRTIO_STATUS_DRIVER_OK) &&
           !(d->status & (VIRTIO_STATUS_FAILED | VIRTIO_STATUS_NEEDS_RESET));
}

static uint64_t device_features(struct virtio_mmio *d)
{
    return VIRTIO_F_VERSION_1 | (d->ops->features ? d->ops->features(d) : 0);
}

/* lock held */
static void reset(struct virtio_mmio *d)
{
    d->status = d->isr = 0;
    d->dev_feat_sel = d->drv_feat_sel = d->queue_sel = 0;
    d->driver_features = 0;
    memset(d->vq, 0, sizeof(d->vq));
    if (d->ops->reset)
        d->ops->reset(d);
}

void virtio_mmio_reset(struct virtio_mmio *d)
{
    pthread_mutex_lock(&d->lock);
    reset(d);
    pthread_mutex_unlock(&d->lock);
}

/* lock held: one mistake of the guest's driver, counted; logged while the device's budget of
 * VIRTIO_LOG_MAX lines lasts, then once that the rest are only counted */
static void G_GNUC_PRINTF(2, 3) driver_problem(struct virtio_mmio *d, const char *fmt, ...)
{
    va_list ap;
    char *msg;

    d->problems++;
    if (d->logged >= VIRTIO_LOG_MAX)
        return;
    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_warning("virtio-%s (SPI %u): %s", d->ops->name, d->spi, msg);
    g_free(msg);
    if (++d->logged == VIRTIO_LOG_MAX)
        g_warning("virtio-%s (SPI %u): further mistakes of the guest's driver are counted, not "
                  "logged (monitor info virtio)", d->ops->name, d->spi);
}

/* lock held: the device cannot go on until the driver resets it (spec 2.1.2) */
static void needs_reset(struct virtio_mmio *d, const char *why)
{
    driver_problem(d, "%s; the device needs a reset by the guest", why);
    d->status |= VIRTIO_STATUS_NEEDS_RESET;
    if (d->status & VIRTIO_STATUS_DRIVER_OK) {
        d->isr |= VIRTIO_ISR_CONFIG;
        d->host->raise_irq(d);
    }
}

static struct virtq *selected(struct virtio_mmio *d)
{
    return d->queue_sel < d->ops->nqueues ? &d->vq[d->queue_sel] : NULL;
}

static uint32_t reg_read(struct virtio_mmio *d, uint64_t off)
{
    struct virtq *q = selected(d);

    switch (off) {
    case VIRTIO_MMIO_MAGIC: return VIRTIO_MMIO_MAGIC_VALUE;
    case VIRTIO_MMIO_VERSION: return 2;
    case VIRTIO_MMIO_DEVICE_ID: return d->ops->device_id;
    case VIRTIO_MMIO_VENDOR_ID: return VIRTIO_MMIO_VENDOR;
    case VIRTIO_MMIO_DEVICE_FEATURES:
        return d->dev_feat_sel < 2 ? (uint32_t)(device_features(d) >> (32 * d->dev_feat_sel)) : 0;
    case VIRTIO_MMIO_QUEUE_NUM_MAX: return q ? VIRTQ_NUM_MAX : 0;
    case VIRTIO_MMIO_QUEUE_NUM: return q ? q->num : 0;
    case VIRTIO_MMIO_QUEUE_READY: return q ? q->ready : 0;
    case VIRTIO_MMIO_INTERRUPT_STATUS: return d->isr;
    case VIRTIO_MMIO_STATUS: return d->status;
    case VIRTIO_MMIO_QUEUE_DESC_LOW: return q ? (uint32_t)q->desc : 0;
    case VIRTIO_MMIO_QUEUE_DESC_HIGH: return q ? (uint32_t)(q->desc >> 32) : 0;
    case VIRTIO_MMIO_QUEUE_AVAIL_LOW: return q ? (uint32_t)q->avail : 0;
    case VIRTIO_MMIO_QUEUE_AVAIL_HIGH: return q ? (uint32_t)(q->avail >> 32) : 0;
    case VIRTIO_MMIO_QUEUE_USED_LOW: return q ? (uint32_t)q->used : 0;
    case VIRTIO_MMIO_QUEUE_USED_HIGH: return q ? (uint32_t)(q->used >> 32) : 0;
    case VIRTIO_MMIO_CONFIG_GENERATION: return 0; /* brkvm's config spaces never change */
    default: return 0;
    }
}

static void set_half(uint64_t *v, bool high, uint32_t val)
{
    *v = high ? (*v & 0xffffffffULL) | ((uint64_t)val << 32) : (*v & ~0xffffffffULL) | val;
}

static void status_write(struct virtio_mmio *d, uint32_t val)
{
    if (val == 0) {
        reset(d);
        return;
    }
    /* FEATURES_OK only for a subset of ours that includes VERSION_1 (no legacy drivers) */
    if ((val & VIRTIO_STATUS_FEATURES_OK) && !(d->status & VIRTIO_STATUS_FEATURES_OK)) {
        uint64_t offered = device_features(d);
        if ((d->driver_features & ~offered) || !(d->driver_features & VIRTIO_F_VERSION_1)) {
            driver_problem(d, "driver features %#llx not acceptable (offered %#llx)",
                           (unsigned long long)d->driver_features, (unsigned long long)offered);
            val &= ~VIRTIO_STATUS_FEATURES_OK;
        }
    }
    d->status = (val & ~VIRTIO_STATUS_NEEDS_RESET) | (d->status & VIRTIO_STATUS_NEEDS_RESET);
}

static void reg_write(struct virtio_mmio *d, uint64_t off, uint32_t val)
{
    struct virtq *q = selected(d);
    /* queue layout is set between FEATURES_OK and DRIVER_OK, and only while not ready */
    bool q_editable = q && !q->ready;

    switch (off) {
    case VIRTIO_MMIO_DEVICE_FEATURES_SEL: d->dev_feat_sel = val; break;
    case VIRTIO_MMIO_DRIVER_FEATURES_SEL: d->drv_feat_sel = val; break;
    case VIRTIO_MMIO_DRIVER_FEATURES:
        if (d->drv_feat_sel < 2 && !(d->status & VIRTIO_STATUS_FEATURES_OK))
            set_half(&d->driver_features, d->drv_feat_sel == 1, val);
        break;
    case VIRTIO_MMIO_QUEUE_SEL: d->queue_sel = val; break;
    case VIRTIO_MMIO_QUEUE_NUM:
        if (q_editable)
            q->num = val > 0xffff ? 0 : (uint16_t)val; /* checked at QueueReady */
        break;
    case VIRTIO_MMIO_QUEUE_DESC_LOW:
    case VIRTIO_MMIO_QUEUE_DESC_HIGH:
        if (q_editable)
            set_half(&q->desc, off == VIRTIO_MMIO_QUEUE_DESC_HIGH, val);
        break;
    case VIRTIO_MMIO_QUEUE_AVAIL_LOW:
    case VIRTIO_MMIO_QUEUE_AVAIL_HIGH:
        if (q_editable)
            set_half(&q->avail, off == VIRTIO_MMIO_QUEUE_AVAIL_HIGH, val);
        break;
    case VIRTIO_MMIO_QUEUE_USED_LOW:
    case VIRTIO_MMIO_QUEUE_USED_HIGH:
        if (q_editable)
            set_half(&q->used, off == VIRTIO_MMIO_QUEUE_USED_HIGH, val);
        break;
    case VIRTIO_MMIO_QUEUE_READY:
        if (!q)
            break;
        if (!(val & 1)) {
            q->ready = false;
            q->last_avail = q->used_idx = 0;
            q->broken = false;
        } else if (!q->ready) {
            enum virtq_error e = virtq_check_layout(q, &d->mem);
            if (e) {
                char why[160];
                snprintf(why, sizeof(why), "queue %u: %s (size %u, desc %#llx, avail %#llx, "
                         "used %#llx)", d->queue_sel, virtq_error_name(e), q->num,
                         (unsigned long long)q->desc, (unsigned long long)q->avail,
                         (unsigned long long)q->used);
                needs_reset(d, why);
            } else {
                q->ready = true;
                q->last_avail = q->used_idx = 0;
                q->broken = false;
            }
        }
        break;
    case VIRTIO_MMIO_QUEUE_NOTIFY:
        /* with an ioeventfd KVM takes these writes itself and they never get here */
        if (val < d->ops->nqueues && d->host->kick)
            d->host->kick(d, val);
        break;
    case VIRTIO_MMIO_INTERRUPT_ACK: d->isr &= ~val; break;
    case VIRTIO_MMIO_STATUS: status_write(d, val); break;
    default: break; /* read-only or unknown: ignored */
    }
}

void virtio_mmio_access(void *dev, uint64_t offset, uint8_t *data, unsigned len, bool is_write)
{
    struct virtio_mmio *d = dev;

    pthread_mutex_lock(&d->lock);
    if (offset >= VIRTIO_MMIO_CONFIG) {
        if (d->ops->config)
            d->ops->config(d, offset - VIRTIO_MMIO_CONFIG, data, len, is_write);
        else if (!is_write)
            memset(data, 0, len);
    } else if (len == 4 && !(offset & 3)) {
        uint32_t v;
        if (is_write) {
            memcpy(&v, data, 4);
            reg_write(d, offset, v);
        } else {
            v = reg_read(d, offset);
            memcpy(data, &v, 4);
        }
    } else if (!is_write) {
        memset(data, 0, len); /* the spec allows only aligned 32-bit register accesses */
    }
    pthread_mutex_unlock(&d->lock);
}

void virtio_config_read(const void *cfg, size_t size, uint64_t off, uint8_t *data, unsigned len)
{
    memset(data, 0, len);
    if (off < size)
        memcpy(data, (const uint8_t *)cfg + off, off + len <= size ? len : size - off);
}

void virtio_mmio_process(struct virtio_mmio *d, unsigned q)
{
    bool any = false;

    pthread_mutex_lock(&d->lock);
    if (q < d->ops->nqueues && !(d->ops->held_queues & (1u << q)) && virtio_mmio_driver_ok(d) &&
        d->vq[q].ready && d->ops->serve) {
        while (virtio_mmio_pop(d, q, d->chain) == 1) {
            virtio_mmio_push(d, q, d->chain->head, d->ops->serve(d, q, d->chain));
            d->served++;
            any = true;
        }
    }
    if (any)
        virtio_mmio_notify(d, q);
    pthread_mutex_unlock(&d->lock);
}

int virtio_mmio_pop(struct virtio_mmio *d, unsigned q, struct virtq_chain *c)
{
    for (;;) {
        int r = virtq_pop(&d->vq[q], &d->mem, c);
        if (r >= 0)
            return r;
        d->bad_chains++;
        if (d->vq[q].broken) {
            needs_reset(d, "the available ring is corrupt");
            return 0;
        }
        driver_problem(d, "queue %u: the guest's descriptor chain was refused: %s (its request "
                       "fails)", q, virtq_error_name((enum virtq_error)-r));
        virtq_push(&d->vq[q], &d->mem, c->head, 0);
        virtio_mmio_notify(d, q);
    }
}

void virtio_mmio_push(struct virtio_mmio *d, unsigned q, uint16_t head, uint32_t written)
{
    virtq_push(&d->vq[q], &d->mem, head, written);
}

void virtio_mmio_notify(struct virtio_mmio *d, unsigned q)
{
    if (virtq_want_interrupt(&d->vq[q], &d->mem)) {
        d->isr |= VIRTIO_ISR_USED;
        d->irqs++;
        d->host->raise_irq(d);
    }
}

static int virtio_dt_node(void *fdt, void *dev, uint64_t base, uint64_t size,
                          const struct fdt_ctx *ctx)
{
    struct virtio_mmio *d = dev;
    char name[40];
    fdt64_t reg[2] = {cpu_to_fdt64(base), cpu_to_fdt64(size)};
    /* edge: the irqfd gives the GIC a pulse per notification */
    fdt32_t irq[3] = {cpu_to_fdt32(FDT_GIC_SPI), cpu_to_fdt32(d->spi),
                      cpu_to_fdt32(FDT_IRQ_EDGE_RISING)};
    int r;

    (void)ctx;
    snprintf(name, sizeof(name), "virtio@%llx", (unsigned long long)base);
    if ((r = fdt_begin_node(fdt, name)) < 0 ||
        (r = fdt_property_string(fdt, "compatible", "virtio,mmio")) < 0 ||
        (r = fdt_property(fdt, "reg", reg, sizeof(reg))) < 0 ||
        (r = fdt_property(fdt, "interrupts", irq, sizeof(irq))) < 0 ||
        (r = fdt_property(fdt, "dma-coherent", NULL, 0)) < 0)
        return r;
    return fdt_end_node(fdt);
}

const struct mmio_ops virtio_mmio_ops = {
    .name = "virtio_mmio",
    .access = virtio_mmio_access,
    .dt_node = virtio_dt_node,
};
