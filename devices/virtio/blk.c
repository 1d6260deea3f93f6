/* blk.c - virtio-blk over a raw image file.  Requests run synchronously in the device's I/O
 * thread with preadv/pwritev; FLUSH is fdatasync, so what the guest was told is stable is in the
 * host file (a kill -9 of brkvm loses nothing the guest flushed, nor anything written at all:
 * writes go to the host's page cache before completion is reported). */
#define G_LOG_DOMAIN "virtio-blk"
#include <brkvm/virtio_devices.h>

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#define VIRTIO_BLK_F_SEG_MAX (1ULL << 2)
#define VIRTIO_BLK_F_RO (1ULL << 5)
#define VIRTIO_BLK_F_BLK_SIZE (1ULL << 6)
#define VIRTIO_BLK_F_FLUSH (1ULL << 9)

#define VIRTIO_BLK_T_IN 0
#define VIRTIO_BLK_T_OUT 1
#define VIRTIO_BLK_T_FLUSH 4
#define VIRTIO_BLK_T_GET_ID 8
#define VIRTIO_BLK_S_OK 0
#define VIRTIO_BLK_S_IOERR 1
#define VIRTIO_BLK_S_UNSUPP 2
#define VIRTIO_BLK_ID_BYTES 20
#define SECTOR 512ULL

struct virtio_blk {
    int fd;
    bool ro;
    uint64_t size;     /* bytes of the image */
    char serial[VIRTIO_BLK_ID_BYTES + 1];
    char *path;
    struct iovec iov[VIRTQ_SEGS_MAX];
    uint64_t reads, writes, flushes, errors; /* requests, for the log */
};

int virtio_blk_open(struct virtio_blk **out, const char *path, bool ro, char **msg)
{
    struct virtio_blk *b;
    struct flock lk = {.l_type = ro ? F_RDLCK : F_WRLCK, .l_whence = SEEK_SET};
    struct stat st;
    int fd, r;

    fd = open(path, (ro ? O_RDONLY : O_RDWR) | O_CLOEXEC);
    if (fd < 0) {
        r = -errno;
        *msg = g_strdup_printf("--disk %s: %s%s", path, strerror(errno),
                               errno == EACCES || errno == EROFS ? " (use ,ro for read-only)" : "");
        return r;
    }
    if (fstat(fd, &st) < 0 || !(S_ISREG(st.st_mode) || S_ISBLK(st.st_mode))) {
        r = S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
        *msg = g_strdup_printf("--disk %s: %s", path,
                               S_ISDIR(st.st_mode) ? "is a directory (share one with --9p DIR,TAG)"
                                                   : "not a regular file or block device");
        close(fd);
        return r;
    }
    /* one writer per image, across brkvm processes (OFD locks belong to this open file) */
    if (fcntl(fd, F_OFD_SETLK, &lk) < 0) {
        r = -errno;
        *msg = g_strdup_printf("--disk %s: %s", path,
                               ro ? "in use read-write by another process (a brkvm?)"
                                  : "in use by another process (a brkvm?); a read-write disk "
                                    "needs the image to itself");
        close(fd);
        return r == -EAGAIN || r == -EACCES ? -EBUSY : r;
    }
    b = g_new0(struct virtio_blk, 1);
    b->fd = fd;
    b->ro = ro;
    b->path = g_strdup(path);
    if (S_ISBLK(st.st_mode)) {
        off_t end = lseek(fd, 0, SEEK_END);
        b->size = end > 0 ? (uint64_t)end : 0;
    } else {
        b->size = (uint64_t)st.st_size;
    }
    if (b->size % SECTOR)
        g_warning("--disk %s: %llu bytes is not a whole number of 512-byte sectors; the last "
                  "%llu bytes are not visible to the guest", path, (unsigned long long)b->size,
                  (unsigned long long)(b->size % SECTOR));
    /* a serial that stays the same for the same file: device and inode */
    snprintf(b->serial, sizeof(b->serial), "BRKVM%04llx%010llx",
             (unsigned long long)(st.st_dev & 0xffff), (unsigned long long)st.st_ino & 0xffffffffffULL);
    *out = b;
    return 0;
}

void virtio_blk_close(struct virtio_blk *b)
{
    if (!b)
        return;
    g_info("%s: %llu reads, %llu writes, %llu flushes, %llu failed requests", b->path,
           (unsigned long long)b->reads, (unsigned long long)b->writes,
           (unsigned long long)b->flushes, (unsigned long long)b->errors);
    close(b->fd);
    g_free(b->path);
    g_free(b);
}

uint64_t virtio_blk_capacity(const struct virtio_blk *b)
{
    return b->size / SECTOR;
}

static uint64_t blk_features(struct virtio_mmio *d)
{
    struct virtio_blk *b = d->dev;
    return VIRTIO_BLK_F_SEG_MAX | VIRTIO_BLK_F_BLK_SIZE | VIRTIO_BLK_F_FLUSH |
           VIRTIO_F_RING_INDIRECT_DESC | (b->ro ? VIRTIO_BLK_F_RO : 0);
}

/* config: capacity (le64 @0), size_max (@8), seg_max (le32 @12), geometry (@16), blk_size (@20) */
static void blk_config(struct virtio_mmio *d, uint64_t off, uint8_t *data, unsigned len,
                       bool is_write)
{
    struct virtio_blk *b = d->dev;
    uint8_t cfg[24] = {0};
    uint64_t cap = virtio_blk_capacity(b);
    uint32_t seg_max = VIRTQ_SEGS_MAX - 2, blk_size = SECTOR;

    if (is_write)
        return; /* nothing writable (no WCE feature) */
    memcpy(cfg, &cap, 8);
    memcpy(cfg + 12, &seg_max, 4);
    memcpy(cfg + 20, &blk_size, 4);
    virtio_config_read(cfg, sizeof(cfg), off, data, len);
}

/* the chain's buffers as iovecs: readable [from, to) or writable, trimmed of the bytes that are
 * header (skip, at the front) and status (at the end) */
static int build_iov(struct virtio_blk *b, const struct virtq_chain *c, unsigned first,
                     unsigned n, uint64_t skip, uint64_t drop_tail, uint64_t *total)
{
    int cnt = 0;
    uint64_t sum = 0, avail = 0;

    for (unsigned i = first; i < first + n; i++)
        avail += c->buf[i].len;
    if (avail < skip + drop_tail)
        return -1;
    avail -= skip + drop_tail;
    for (unsigned i = first; i < first + n && sum < avail; i++) {
        uint64_t off = 0, len = c->buf[i].len;
        if (skip) {
            uint64_t s = skip < len ? skip : len;
            skip -= s;
            off = s;
            len -= s;
        }
        if (len > avail - sum)
            len = avail - sum;
        if (!len)
            continue;
        b->iov[cnt++] = (struct iovec){.iov_base = c->buf[i].p + off, .iov_len = len};
        sum += len;
    }
    *total = sum;
    return cnt;
}

/* full transfer with retries on short counts (a regular file rarely gives them) */
static int do_io(struct virtio_blk *b, int cnt, uint64_t pos, bool write)
{
    struct iovec *iov = b->iov;

    while (cnt > 0) {
        ssize_t n = write ? pwritev(b->fd, iov, cnt, (off_t)pos) : preadv(b->fd, iov, cnt, (off_t)pos);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        if (n == 0)
            return -EIO;
        pos += (uint64_t)n;
        while (cnt > 0 && (size_t)n >= iov->iov_len) {
            n -= (ssize_t)iov->iov_len;
            iov++;
            cnt--;
        }
        if (cnt > 0) {
            iov->iov_base = (uint8_t *)iov->iov_base + n;
            iov->iov_len -= (size_t)n;
        }
    }
    return 0;
}

/* one request; returns the bytes written into the guest's buffers (data + status) */
static uint32_t blk_request(struct virtio_mmio *d, unsigned q, const struct virtq_chain *c)
{
    struct virtio_blk *b = d->dev;
    struct { uint32_t type, reserved; uint64_t sector; } hdr = {0};
    uint8_t status = VIRTIO_BLK_S_IOERR;
    uint64_t len = 0, pos;
    uint32_t written = 0;
    int cnt;

    /* a request needs a 16-byte header and a status byte at the very end */
    b->errors++; /* until it succeeds */
    if (!c->nin)
        return 0; /* nowhere to put a status: nothing to tell */
    if (virtq_chain_read(c, 0, &hdr, sizeof(hdr)) != sizeof(hdr))
        hdr.type = UINT32_MAX; /* no header: answered as unsupported */
    pos = hdr.sector * SECTOR; /* used only after hdr.sector <= size / SECTOR is checked */
    switch (hdr.type) {
    case VIRTIO_BLK_T_IN:
        cnt = build_iov(b, c, c->nout, c->nin, 0, 1, &len);
        if (cnt < 0 || hdr.sector > b->size / SECTOR || len > b->size - pos || len % SECTOR)
            break; /* past the end, or not whole sectors */
        if (do_io(b, cnt, pos, false) == 0) {
            status = VIRTIO_BLK_S_OK;
            written = (uint32_t)len;
            b->reads++;
        }
        break;
    case VIRTIO_BLK_T_OUT:
        cnt = build_iov(b, c, 0, c->nout, sizeof(hdr), 0, &len);
        if (b->ro || cnt < 0 || hdr.sector > b->size / SECTOR || len > b->size - pos ||
            len % SECTOR)
            break;
        if (do_io(b, cnt, pos, true) == 0) {
            status = VIRTIO_BLK_S_OK;
            b->writes++;
        }
        break;
    case VIRTIO_BLK_T_FLUSH:
        if (b->ro || fdatasync(b->fd) == 0) {
            status = VIRTIO_BLK_S_OK;
            b->flushes++;
        }
        break;
    case VIRTIO_BLK_T_GET_ID:
        if (c->in_len >= 1) {
            char id[VIRTIO_BLK_ID_BYTES] = {0};
            size_t n = c->in_len - 1 < sizeof(id) ? c->in_len - 1 : sizeof(id);
            memcpy(id, b->serial, strnlen(b->serial, sizeof(id)));
            written = (uint32_t)virtq_chain_write(c, 0, id, n);
            status = VIRTIO_BLK_S_OK;
        }
        break;
    default:
        status = VIRTIO_BLK_S_UNSUPP;
        break;
    }
    if (status == VIRTIO_BLK_S_OK)
        b->errors--;
    virtq_chain_write(c, c->in_len - 1, &status, 1);
    return written + 1;
}

const struct virtio_dev_ops virtio_blk_ops = {
    .name = "blk",
    .device_id = VIRTIO_ID_BLOCK,
    .nqueues = 1,
    .features = blk_features,
    .config = blk_config,
    .serve = blk_request,
};
