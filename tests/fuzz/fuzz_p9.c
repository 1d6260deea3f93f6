/* fuzz_p9.c - libFuzzer target: arbitrary 9P messages into a p9_server rooted in a fresh
 * temporary directory.  Besides the sanitizers it checks every reply's framing (within
 * resp_cap, size field = length, the request's tag, R-type = T-type + 1 or Rlerror) and
 * containment: next to root/ lies outside/ with a secret file, reachable from root/ through
 * symlinks (absolute and relative); after each input outside/ must be unchanged (entries,
 * contents, mode, times) and no reply may carry the secret's text.
 *
 * Input: byte 0 configures (bit 0: read-only share; bit 1: patch each message's size field to
 * its length so mutations reach the handlers; bits 2-3: resp_cap 11, 200, 4096 or 70000;
 * bit 4: start with Tversion(65536, "9P2000.L") + Tattach(fid 0)), then messages, each as
 * len[2, little-endian] and len bytes (the last one cut to what is left).
 *
 * Built by tests/fuzz/run.sh (clang -fsanitize=fuzzer) and, for the corpus replay test, with
 * tests/fuzz/replay.c by meson. */
#include <brkvm/p9.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#include "fuzz_check.h"

/* The secret's text is random per process and compared in a function without coverage
 * instrumentation (no CMP feedback): libFuzzer cannot learn it and echo it (Tgetlock does echo
 * its client_id), so finding it in a reply means it was read from outside. */
static char secret[33];

#if defined(__clang__)
__attribute__((no_sanitize_coverage))
#endif
static bool has_secret(const uint8_t *r, size_t rn)
{
    for (size_t i = 0; i + 32 <= rn; i++) {
        size_t k = 0;
        while (k < 32 && r[i + k] == (uint8_t)secret[k])
            k++;
        if (k == 32)
            return true;
    }
    return false;
}
#define RESP_MAX 70000

static char *base; /* one temporary directory per process, a subdirectory per input */

static void mkfile(const char *dir, const char *name, const char *text)
{
    char *p = g_build_filename(dir, name, NULL);
    int fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

    CHECK(fd >= 0);
    CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
    close(fd);
    g_free(p);
}

static void mkdirp(const char *dir, const char *name)
{
    char *p = g_build_filename(dir, name, NULL);
    CHECK(mkdir(p, 0755) == 0);
    g_free(p);
}

static void mklink(const char *dir, const char *name, const char *target)
{
    char *p = g_build_filename(dir, name, NULL);
    CHECK(symlink(target, p) == 0);
    g_free(p);
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
    if (flag == FTW_DP)
        return rmdir(p) < 0 ? -1 : 0;
    return unlink(p) < 0 ? -1 : 0;
}

/* a directory-content fingerprint of outside/ */
struct snap {
    struct stat dir, secret;
    int entries;
};

static void take(const char *outside, struct snap *s)
{
    char *p = g_build_filename(outside, "secret", NULL);
    GDir *d = g_dir_open(outside, 0, NULL);

    CHECK(d);
    s->entries = 0;
    while (g_dir_read_name(d))
        s->entries++;
    g_dir_close(d);
    CHECK(lstat(outside, &s->dir) == 0);
    CHECK(lstat(p, &s->secret) == 0);
    g_free(p);
}

static bool same_stat(const struct stat *a, const struct stat *b)
{
    return a->st_ino == b->st_ino && a->st_mode == b->st_mode && a->st_uid == b->st_uid &&
           a->st_gid == b->st_gid && a->st_size == b->st_size && a->st_nlink == b->st_nlink &&
           a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
           a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

static void check_reply(const uint8_t *req, size_t n, const uint8_t *r, size_t rn, size_t cap)
{
    uint32_t size;

    CHECK(rn >= 7 && rn <= cap);
    size = r[0] | r[1] << 8 | r[2] << 16 | (uint32_t)r[3] << 24;
    CHECK(size == rn);
    CHECK(!has_secret(r, rn));
    if (n < 7) {
        CHECK(r[4] == 7 && r[5] == 0xff && r[6] == 0xff && rn == 11);
        return;
    }
    CHECK(r[5] == req[5] && r[6] == req[6]);
    CHECK(r[4] == 7 || r[4] == (uint8_t)(req[4] + 1));
    if (r[4] == 7)
        CHECK(rn == 11 && (r[7] | r[8] << 8 | r[9] << 16 | (uint32_t)r[10] << 24) != 0);
}

static void send(struct p9_server *s, uint8_t *req, size_t n, bool fix, size_t cap)
{
    static uint8_t resp[RESP_MAX + 16];
    size_t rn;

    if (fix && n >= 4)
        for (int i = 0; i < 4; i++)
            req[i] = (uint8_t)(n >> (8 * i));
    memset(resp + cap, 0x5a, 16);
    rn = p9_server_handle(s, req, n, resp, cap);
    for (int i = 0; i < 16; i++)
        CHECK(resp[cap + i] == 0x5a);
    check_reply(req, n, resp, rn, cap);
}

static void remove_base(void)
{
    rmdir(base);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const size_t caps[4] = {11, 200, 4096, RESP_MAX};
    static unsigned runs;
    struct p9_server *s = NULL;
    char *dir, *root, *outside, *secret_path, *msg = NULL;
    struct snap before, after;
    size_t pos, cap;
    bool fix;

    if (size < 1)
        return 0;
    if (!base) {
        /* tmpfs when there is one: thousands of small trees a second */
        base = access("/dev/shm", W_OK) == 0 ? g_strdup("/dev/shm/fuzz_p9.XXXXXX") : NULL;
        if (base)
            CHECK(mkdtemp(base));
        else
            base = g_dir_make_tmp("fuzz_p9.XXXXXX", NULL);
        CHECK(base);
        atexit(remove_base);
        for (int i = 0; i < 32; i++)
            secret[i] = "0123456789abcdef"[g_random_int_range(0, 16)];
    }
    dir = g_strdup_printf("%s/%u", base, runs++);
    root = g_build_filename(dir, "root", NULL);
    outside = g_build_filename(dir, "outside", NULL);
    secret_path = g_build_filename(outside, "secret", NULL);
    CHECK(mkdir(dir, 0755) == 0);
    mkdirp(dir, "root");
    mkdirp(dir, "outside");
    mkfile(outside, "secret", secret);
    mkfile(root, "file", "hello, world\n");
    mkdirp(root, "dir");
    mkfile(root, "dir/sub", "sub");
    mklink(root, "abs", outside);
    mklink(root, "abssecret", secret_path);
    mklink(root, "rel", "../outside");
    mklink(root, "dir/up", "../../outside/secret");
    mklink(root, "etc", "/etc");
    take(outside, &before);
    CHECK(p9_server_init(&s, root, data[0] & 1, &msg) == 0);

    fix = data[0] & 2;
    cap = caps[(data[0] >> 2) & 3];
    if (data[0] & 16) {
        uint8_t v[] = {21, 0, 0, 0, 100, 0xff, 0xff, 0, 0, 1, 0, 8, 0, '9', 'P', '2', '0',
                       '0', '0', '.', 'L'};
        uint8_t a[] = {19, 0, 0, 0, 104, 1, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff,
                       0, 0, 0, 0, 0, 0, 0, 0};
        a[0] = sizeof(a);
        send(s, v, sizeof(v), false, RESP_MAX);
        send(s, a, sizeof(a), false, RESP_MAX);
    }
    pos = 1;
    while (pos + 2 <= size) {
        size_t n = data[pos] | (size_t)data[pos + 1] << 8;
        uint8_t *buf;

        pos += 2;
        if (n > size - pos)
            n = size - pos;
        buf = malloc(n ? n : 1); /* exactly n bytes: ASan sees any overread */
        CHECK(buf);
        if (n)
            memcpy(buf, data + pos, n);
        send(s, buf, n, fix, cap);
        free(buf);
        pos += n;
    }
    p9_server_destroy(s);

    take(outside, &after);
    CHECK(after.entries == 1);
    CHECK(same_stat(&before.dir, &after.dir));
    CHECK(same_stat(&before.secret, &after.secret));
    CHECK(nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS) == 0);
    g_free(secret_path);
    g_free(outside);
    g_free(root);
    g_free(dir);
    return 0;
}
