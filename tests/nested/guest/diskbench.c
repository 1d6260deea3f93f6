/* diskbench.c - a small I/O benchmark for the Linux test guest (bench/disk.sh): the same
 * program under brkvm, kvmtool and QEMU.  Two modes, each printing one result line:
 *
 *   diskbench blk DEV [MIB [SECONDS]]     (positive integers)
 *     sequential write then read of MIB MiB (default 32) in 1 MiB blocks, O_DIRECT (the write
 *     ends with fdatasync), then random 4 KiB O_DIRECT reads and then writes at 4 KiB-aligned
 *     offsets inside those MIB MiB, each for SECONDS s (default 3), from a fixed seed.
 *     DISKBENCH blk seqw_mbs=F seqr_mbs=F randr_iops=F randw_iops=F
 *   diskbench file DIR [MIB [KIB [FILES]]]
 *     write then read DIR/diskbench.dat, MIB MiB (default 16) in KIB KiB requests (default 128),
 *     the write ending with fsync; then FILES small files (default 200) are created (64 bytes
 *     each), stat'ed and unlinked: 3 operations per file.
 *     DISKBENCH file write_mbs=F read_mbs=F meta_ops=F
 *
 * MB/s counts 10^6 bytes.  Exit status 0, or 1 with a message on stderr when an operation fails
 * (the figures are then never printed). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MIB (1024L * 1024L)

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int die(const char *what, const char *path)
{
    fprintf(stderr, "diskbench: %s %s: %s\n", what, path, strerror(errno));
    return 1;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL; /* fixed seed: same offsets in every VMM */

static uint64_t rng_next(void)
{
    uint64_t x = rng_state;

    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return rng_state = x;
}

static void *buf_alloc(size_t len, int fill)
{
    void *p;

    if (posix_memalign(&p, 4096, len))
        return NULL;
    memset(p, fill, len);
    return p;
}

/* full-length pread/pwrite: a short transfer is an error for a benchmark */
static int xfer(int fd, int write_it, void *buf, size_t len, off_t off)
{
    ssize_t n = write_it ? pwrite(fd, buf, len, off) : pread(fd, buf, len, off);

    if (n == (ssize_t)len)
        return 0;
    if (n >= 0)
        errno = EIO;
    return -1;
}

/* random 4 KiB requests for `secs` seconds: returns IOPS, or < 0 on error */
static double blk_random(int fd, int write_it, char *buf, long span, double secs)
{
    long blocks = span / 4096, ops = 0;
    double t0 = now(), t;

    do {
        for (int i = 0; i < 16; i++, ops++) {
            if (xfer(fd, write_it, buf, 4096, (off_t)(rng_next() % blocks) * 4096))
                return -1;
        }
        t = now() - t0;
    } while (t < secs);
    if (write_it && fdatasync(fd))
        return -1;
    return ops / (now() - t0);
}

static int bench_blk(const char *dev, long mib, double secs)
{
    long span = mib * MIB;
    char *big = buf_alloc(MIB, 0xa5), *small = buf_alloc(4096, 0x5a);
    double t0, seqw, seqr, rr, rw;
    int fd = open(dev, O_RDWR | O_DIRECT);

    if (fd < 0 || !big || !small)
        return die("open", dev);
    t0 = now();
    for (long off = 0; off < span; off += MIB) {
        if (xfer(fd, 1, big, MIB, off))
            return die("sequential write to", dev);
    }
    if (fdatasync(fd))
        return die("fdatasync", dev);
    seqw = span / 1e6 / (now() - t0);
    t0 = now();
    for (long off = 0; off < span; off += MIB) {
        if (xfer(fd, 0, big, MIB, off))
            return die("sequential read from", dev);
    }
    seqr = span / 1e6 / (now() - t0);
    if ((rr = blk_random(fd, 0, small, span, secs)) < 0)
        return die("random read from", dev);
    if ((rw = blk_random(fd, 1, small, span, secs)) < 0)
        return die("random write to", dev);
    close(fd);
    printf("DISKBENCH blk seqw_mbs=%.1f seqr_mbs=%.1f randr_iops=%.0f randw_iops=%.0f\n",
           seqw, seqr, rr, rw);
    return 0;
}

static int bench_file(const char *dir, long mib, long kib, int files)
{
    char path[512];
    size_t req = kib * 1024;
    long size = mib * MIB;
    char *buf = buf_alloc(req, 0x3c);
    double t0, wr, rd, meta;
    int fd;

    snprintf(path, sizeof(path), "%s/diskbench.dat", dir);
    if (!buf)
        return die("malloc", "");
    t0 = now();
    fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
    if (fd < 0)
        return die("create", path);
    for (long off = 0; off < size; off += req) {
        if (xfer(fd, 1, buf, req, off))
            return die("write to", path);
    }
    if (fsync(fd) || close(fd))
        return die("fsync", path);
    wr = size / 1e6 / (now() - t0);
    t0 = now();
    fd = open(path, O_RDONLY);
    if (fd < 0)
        return die("open", path);
    for (long off = 0; off < size; off += req) {
        if (xfer(fd, 0, buf, req, off))
            return die("read from", path);
    }
    close(fd);
    rd = size / 1e6 / (now() - t0);
    unlink(path);

    t0 = now();
    for (int i = 0; i < files; i++) {
        snprintf(path, sizeof(path), "%s/m%04d", dir, i);
        fd = open(path, O_CREAT | O_EXCL | O_WRONLY, 0644);
        if (fd < 0 || xfer(fd, 1, buf, 64, 0) || close(fd))
            return die("create", path);
    }
    for (int i = 0; i < files; i++) {
        struct stat st;

        snprintf(path, sizeof(path), "%s/m%04d", dir, i);
        if (stat(path, &st) || st.st_size != 64)
            return die("stat", path);
    }
    for (int i = 0; i < files; i++) {
        snprintf(path, sizeof(path), "%s/m%04d", dir, i);
        if (unlink(path))
            return die("unlink", path);
    }
    meta = 3.0 * files / (now() - t0);
    printf("DISKBENCH file write_mbs=%.1f read_mbs=%.1f meta_ops=%.0f\n", wr, rd, meta);
    return 0;
}

int main(int argc, char **argv)
{
    long a = argc > 3 ? atol(argv[3]) : 0, b = argc > 4 ? atol(argv[4]) : 0;
    int files = argc > 5 ? atoi(argv[5]) : 200;

    if (argc >= 3 && !strcmp(argv[1], "blk") && (argc <= 3 || a > 0) && (argc <= 4 || b > 0))
        return bench_blk(argv[2], argc > 3 ? a : 32, argc > 4 ? (double)b : 3.0);
    if (argc >= 3 && !strcmp(argv[1], "file") && (argc <= 3 || a > 0) && (argc <= 4 || b > 0) &&
        files > 0 && files < 10000)
        return bench_file(argv[2], argc > 3 ? a : 16, argc > 4 ? b : 128, files);
    fprintf(stderr, "usage: diskbench blk DEV [MIB [SECONDS]] | diskbench file DIR [MIB [KIB [FILES]]]\n");
    return 2;
}
