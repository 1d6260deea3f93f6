/* 9p.c - virtio-9p: one queue of 9P2000.L requests for one shared host directory (the protocol
 * and the containment are p9_server.c's).  Each request is gathered from the guest's readable
 * buffers into a bounce buffer first, so the server parses bytes the guest can no longer change,
 * and the reply is scattered into its writable buffers. */
#define G_LOG_DOMAIN "virtio-9p"
#include <brkvm/p9.h>
#include <brkvm/virtio_devices.h>

#include <errno.h>
#include <glib.h>
#include <string.h>

#define VIRTIO_9P_F_MOUNT_TAG (1ULL << 0)
#define P9_BOUNCE (P9_SERVER_MAX_MSIZE + 4096) /* the largest message and some slack */

struct virtio_9p {
    struct p9_server *srv;
    char *tag;
    bool ro;
    uint8_t *req, *resp;
    uint64_t requests, too_big;
};

int virtio_9p_open(struct virtio_9p **out, const char *dir, const char *tag, bool ro, char **msg)
{
    struct virtio_9p *p = g_new0(struct virtio_9p, 1);
    char *why = NULL;
    int r = p9_server_init(&p->srv, dir, ro, &why);

    if (r) {
        *msg = g_strdup_printf("--9p %s,%s: %s", dir, tag, why);
        g_free(why);
        g_free(p);
        return r;
    }
    p->tag = g_strdup(tag);
    p->ro = ro;
    p->req = g_malloc(P9_BOUNCE);
    p->resp = g_malloc(P9_BOUNCE);
    *out = p;
    return 0;
}

void virtio_9p_close(struct virtio_9p *p)
{
    if (!p)
        return;
    g_info("9p %s: %llu requests, %llu refused as too big", p->tag,
           (unsigned long long)p->requests, (unsigned long long)p->too_big);
    p9_server_destroy(p->srv);
    g_free(p->tag);
    g_free(p->req);
    g_free(p->resp);
    g_free(p);
}

static uint64_t p9_features(struct virtio_mmio *d)
{
    (void)d;
    return VIRTIO_9P_F_MOUNT_TAG | VIRTIO_F_RING_INDIRECT_DESC;
}

/* config: tag_len (le16), then the tag bytes (no NUL) */
static void p9_config(struct virtio_mmio *d, uint64_t off, uint8_t *data, unsigned len,
                      bool is_write)
{
    struct virtio_9p *p = d->dev;
    uint16_t tlen = (uint16_t)strlen(p->tag);
    uint8_t cfg[2 + 256];

    if (is_write)
        return;
    memcpy(cfg, &tlen, 2);
    memcpy(cfg + 2, p->tag, tlen);
    virtio_config_read(cfg, 2u + tlen, off, data, len);
}

static uint32_t p9_serve(struct virtio_mmio *d, unsigned q, const struct virtq_chain *c)
{
    struct virtio_9p *p = d->dev;
    size_t len, cap, n;

    (void)q;
    p->requests++;
    if (c->out_len > P9_BOUNCE) { /* larger than any msize we agree to: no answer fits */
        p->too_big++;
        return 0;
    }
    len = virtq_chain_read(c, 0, p->req, c->out_len);
    cap = c->in_len < P9_BOUNCE ? c->in_len : P9_BOUNCE;
    n = p9_server_handle(p->srv, p->req, len, p->resp, cap);
    return (uint32_t)virtq_chain_write(c, 0, p->resp, n);
}

const struct virtio_dev_ops virtio_9p_ops = {
    .name = "9p",
    .device_id = VIRTIO_ID_9P,
    .nqueues = 1,
    .features = p9_features,
    .config = p9_config,
    .serve = p9_serve,
};
