/* test_p9.c - the 9P2000.L server driven by encoded T-messages, over a temporary directory:
 * a full session, a read-only share, every escape attempt (.., '/', symlinks in and out of
 * the root, a directory swapped for a symlink between walk and open), malformed messages,
 * fid handling.  The encoder and reply decoder here are the test's own (not p9_msg.c). */
#include <brkvm/p9.h>

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <stdarg.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

enum {
    TSTATFS = 8, TLOPEN = 12, TLCREATE = 14, TSYMLINK = 16, TMKNOD = 18, TRENAME = 20,
    TREADLINK = 22, TGETATTR = 24, TSETATTR = 26, TXATTRWALK = 30, TXATTRCREATE = 32,
    TREADDIR = 40, TFSYNC = 50, TLOCK = 52, TGETLOCK = 54, TLINK = 70, TMKDIR = 72,
    TRENAMEAT = 74, TUNLINKAT = 76, TVERSION = 100, TAUTH = 102, TATTACH = 104, TFLUSH = 108,
    TWALK = 110, TREAD = 116, TWRITE = 118, TCLUNK = 120, TREMOVE = 122, RLERROR = 7,
};
#define ROOTFID 1
#define CAP 70000

/* ---- the test's encoder ---- */
struct msg {
    uint8_t b[CAP];
    size_t n;
};

static void put(struct msg *m, uint64_t v, int bytes)
{
    g_assert_cmpuint(m->n + (size_t)bytes, <=, sizeof(m->b));
    for (int i = 0; i < bytes; i++)
        m->b[m->n++] = (uint8_t)(v >> (8 * i));
}

static void put_s(struct msg *m, const char *s)
{
    size_t l = strlen(s);
    put(m, l, 2);
    memcpy(m->b + m->n, s, l);
    m->n += l;
}

static void begin(struct msg *m, uint8_t type)
{
    m->n = 0;
    put(m, 0, 4);
    put(m, type, 1);
    put(m, 0x1234, 2);
}

static void finish(struct msg *m)
{
    for (int i = 0; i < 4; i++)
        m->b[i] = (uint8_t)(m->n >> (8 * i));
}

/* ---- the fixture: root/ is shared, outside/secret is what must stay out of reach ---- */
struct fx {
    struct p9_server *s;
    char *tmp, *root, *outside;
    struct msg m;
    uint8_t r[CAP + 64];
    size_t rn, rpos; /* reply length, decode position */
};

static char *path(struct fx *f, const char *rel)
{
    return g_build_filename(f->root, rel, NULL);
}

static void write_file(const char *p, const char *text)
{
    g_assert_true(g_file_set_contents(p, text, -1, NULL));
}

static void fx_init(struct fx *f, bool ro)
{
    char *p, *msg = NULL;

    memset(f, 0, sizeof(*f));
    f->tmp = g_dir_make_tmp("test_p9.XXXXXX", NULL);
    g_assert_nonnull(f->tmp);
    f->root = g_build_filename(f->tmp, "root", NULL);
    f->outside = g_build_filename(f->tmp, "outside", NULL);
    g_assert_cmpint(g_mkdir(f->root, 0755), ==, 0);
    g_assert_cmpint(g_mkdir(f->outside, 0755), ==, 0);
    p = g_build_filename(f->outside, "secret", NULL);
    write_file(p, "OUTSIDE-SECRET");
    g_free(p);
    p = path(f, "file");
    write_file(p, "inside");
    g_free(p);
    p = path(f, "dir");
    g_assert_cmpint(g_mkdir(p, 0755), ==, 0);
    g_free(p);
    g_assert_cmpint(p9_server_init(&f->s, f->root, ro, &msg), ==, 0);
    g_assert_null(msg);
    g_assert_cmpstr(p9_server_root(f->s), ==, f->root);
}

static void rm_rf(const char *p)
{
    char *cmd = g_strdup_printf("chmod -R u+rwx '%s' 2>/dev/null; rm -rf '%s'", p, p);
    g_assert_cmpint(system(cmd), ==, 0);
    g_free(cmd);
}

/* outside/ holds exactly "secret", unchanged */
static void assert_outside_intact(struct fx *f)
{
    GDir *d = g_dir_open(f->outside, 0, NULL);
    char *p = g_build_filename(f->outside, "secret", NULL), *text = NULL;
    int n = 0;

    g_assert_nonnull(d);
    for (const char *e; (e = g_dir_read_name(d)); n++)
        g_assert_cmpstr(e, ==, "secret");
    g_dir_close(d);
    g_assert_cmpint(n, ==, 1);
    g_assert_true(g_file_get_contents(p, &text, NULL, NULL));
    g_assert_cmpstr(text, ==, "OUTSIDE-SECRET");
    g_free(text);
    g_free(p);
}

static void fx_done(struct fx *f)
{
    assert_outside_intact(f);
    p9_server_destroy(f->s);
    rm_rf(f->tmp);
    g_free(f->tmp);
    g_free(f->root);
    g_free(f->outside);
}

/* send f->m; check the reply's framing; returns the Rlerror code or 0 */
static uint32_t rpc_cap(struct fx *f, size_t cap)
{
    uint32_t size;

    finish(&f->m);
    memset(f->r, 0xa5, sizeof(f->r));
    f->rn = p9_server_handle(f->s, f->m.b, f->m.n, f->r, cap);
    for (size_t i = cap; i < sizeof(f->r); i++)
        g_assert_cmpuint(f->r[i], ==, 0xa5); /* nothing written past resp_cap */
    g_assert_cmpuint(f->rn, >=, 7);
    g_assert_cmpuint(f->rn, <=, cap);
    size = f->r[0] | f->r[1] << 8 | f->r[2] << 16 | (uint32_t)f->r[3] << 24;
    g_assert_cmpuint(size, ==, f->rn);
    g_assert_cmpuint(f->r[5] | f->r[6] << 8, ==, 0x1234);
    f->rpos = 7;
    if (f->r[4] == RLERROR) {
        uint32_t e = f->r[7] | f->r[8] << 8 | f->r[9] << 16 | (uint32_t)f->r[10] << 24;
        g_assert_cmpuint(f->rn, ==, 11);
        g_assert_cmpuint(e, !=, 0);
        return e;
    }
    g_assert_cmpuint(f->r[4], ==, f->m.b[4] + 1);
    return 0;
}

static uint32_t rpc(struct fx *f)
{
    return rpc_cap(f, CAP);
}

static uint64_t get(struct fx *f, int bytes)
{
    uint64_t v = 0;

    g_assert_cmpuint(f->rpos + (size_t)bytes, <=, f->rn);
    for (int i = 0; i < bytes; i++)
        v |= (uint64_t)f->r[f->rpos++] << (8 * i);
    return v;
}

static char *get_s(struct fx *f)
{
    size_t l = get(f, 2);
    char *s;

    g_assert_cmpuint(f->rpos + l, <=, f->rn);
    s = g_strndup((const char *)f->r + f->rpos, l);
    f->rpos += l;
    return s;
}

struct qid {
    uint8_t type;
    uint64_t path;
};

static struct qid get_qid(struct fx *f)
{
    struct qid q;
    q.type = (uint8_t)get(f, 1);
    get(f, 4);
    q.path = get(f, 8);
    return q;
}

static void assert_done(struct fx *f)
{
    g_assert_cmpuint(f->rpos, ==, f->rn);
}

/* ---- one helper per message ---- */
static uint32_t t_version(struct fx *f, uint32_t msize, const char *v, uint32_t *got,
                          char **gotv)
{
    uint32_t e;
    begin(&f->m, TVERSION);
    put(&f->m, msize, 4);
    put_s(&f->m, v);
    if ((e = rpc(f)))
        return e;
    *got = (uint32_t)get(f, 4);
    *gotv = get_s(f);
    assert_done(f);
    return 0;
}

static uint32_t t_attach(struct fx *f, uint32_t fid, struct qid *q)
{
    uint32_t e;
    begin(&f->m, TATTACH);
    put(&f->m, fid, 4);
    put(&f->m, 0xffffffff, 4);
    put_s(&f->m, "root");
    put_s(&f->m, "");
    put(&f->m, 0, 4);
    if ((e = rpc(f)))
        return e;
    *q = get_qid(f);
    assert_done(f);
    return 0;
}

/* walk names (NULL-terminated); *nq gets the number of qids, q[] them */
static uint32_t t_walkv(struct fx *f, uint32_t fid, uint32_t newfid, int *nq, struct qid *q,
                        const char *const *names)
{
    uint32_t e;
    int n = 0;
    begin(&f->m, TWALK);
    put(&f->m, fid, 4);
    put(&f->m, newfid, 4);
    while (names[n])
        n++;
    put(&f->m, (uint64_t)n, 2);
    for (int i = 0; i < n; i++)
        put_s(&f->m, names[i]);
    if ((e = rpc(f)))
        return e;
    *nq = (int)get(f, 2);
    g_assert_cmpint(*nq, <=, n);
    for (int i = 0; i < *nq; i++)
        q[i] = get_qid(f);
    assert_done(f);
    return 0;
}

/* a complete walk: 0 and the last qid, or the error; a partial walk is -1 */
static int64_t walk(struct fx *f, uint32_t fid, uint32_t newfid, struct qid *last, ...)
{
    const char *names[20];
    struct qid q[20];
    int n = 0, nq;
    uint32_t e;
    va_list ap;

    va_start(ap, last);
    while ((names[n] = va_arg(ap, const char *)))
        n++;
    va_end(ap);
    if ((e = t_walkv(f, fid, newfid, &nq, q, names)))
        return e;
    if (nq < n)
        return -1;
    if (last && n)
        *last = q[n - 1];
    return 0;
}

static uint32_t t_fid(struct fx *f, uint8_t type, uint32_t fid)
{
    begin(&f->m, type);
    put(&f->m, fid, 4);
    return rpc(f);
}

static uint32_t t_lopen(struct fx *f, uint32_t fid, uint32_t flags)
{
    begin(&f->m, TLOPEN);
    put(&f->m, fid, 4);
    put(&f->m, flags, 4);
    return rpc(f);
}

static uint32_t t_lcreate(struct fx *f, uint32_t fid, const char *name, uint32_t flags,
                          uint32_t mode)
{
    begin(&f->m, TLCREATE);
    put(&f->m, fid, 4);
    put_s(&f->m, name);
    put(&f->m, flags, 4);
    put(&f->m, mode, 4);
    put(&f->m, 0, 4);
    return rpc(f);
}

static uint32_t t_write(struct fx *f, uint32_t fid, uint64_t off, const char *data)
{
    uint32_t e;
    begin(&f->m, TWRITE);
    put(&f->m, fid, 4);
    put(&f->m, off, 8);
    put(&f->m, strlen(data), 4);
    memcpy(f->m.b + f->m.n, data, strlen(data));
    f->m.n += strlen(data);
    if ((e = rpc(f)))
        return e;
    g_assert_cmpuint(get(f, 4), ==, strlen(data));
    return 0;
}

/* read: the data as a string (g_free) or NULL with *err */
static char *t_read(struct fx *f, uint32_t fid, uint64_t off, uint32_t count, uint32_t *err)
{
    size_t n;
    begin(&f->m, TREAD);
    put(&f->m, fid, 4);
    put(&f->m, off, 8);
    put(&f->m, count, 4);
    if ((*err = rpc(f)))
        return NULL;
    n = get(f, 4);
    g_assert_cmpuint(n, <=, count);
    g_assert_cmpuint(f->rpos + n, ==, f->rn);
    f->rpos += n;
    return g_strndup((const char *)f->r + 11, n);
}

struct attr {
    struct qid qid;
    uint32_t mode, uid, gid;
    uint64_t size, atime, mtime;
};

static uint32_t t_getattr(struct fx *f, uint32_t fid, struct attr *a)
{
    uint32_t e;
    begin(&f->m, TGETATTR);
    put(&f->m, fid, 4);
    put(&f->m, 0x3fff, 8);
    if ((e = rpc(f)))
        return e;
    g_assert_cmpuint(get(f, 8), ==, 0x7ff);
    a->qid = get_qid(f);
    a->mode = (uint32_t)get(f, 4);
    a->uid = (uint32_t)get(f, 4);
    a->gid = (uint32_t)get(f, 4);
    get(f, 8); /* nlink */
    get(f, 8); /* rdev */
    a->size = get(f, 8);
    get(f, 8);
    get(f, 8);
    a->atime = get(f, 8);
    get(f, 8);
    a->mtime = get(f, 8);
    for (int i = 0; i < 7; i++)
        get(f, 8);
    assert_done(f);
    return 0;
}

static uint32_t t_setattr(struct fx *f, uint32_t fid, uint32_t valid, uint32_t mode,
                          uint32_t uid, uint64_t size, uint64_t atime, uint64_t mtime)
{
    begin(&f->m, TSETATTR);
    put(&f->m, fid, 4);
    put(&f->m, valid, 4);
    put(&f->m, mode, 4);
    put(&f->m, uid, 4);
    put(&f->m, uid, 4);
    put(&f->m, size, 8);
    put(&f->m, atime, 8);
    put(&f->m, 0, 8);
    put(&f->m, mtime, 8);
    put(&f->m, 0, 8);
    return rpc(f);
}

/* readdir one reply: appends "name" strings to names, returns the last offset or -errno */
static int64_t t_readdir(struct fx *f, uint32_t fid, uint64_t off, uint32_t count,
                         GPtrArray *names)
{
    uint32_t e;
    size_t n, end;
    uint64_t last = off;
    begin(&f->m, TREADDIR);
    put(&f->m, fid, 4);
    put(&f->m, off, 8);
    put(&f->m, count, 4);
    if ((e = rpc(f)))
        return -(int64_t)e;
    n = get(f, 4);
    g_assert_cmpuint(n, <=, count);
    end = f->rpos + n;
    g_assert_cmpuint(end, ==, f->rn);
    while (f->rpos < end) {
        get_qid(f);
        last = get(f, 8);
        get(f, 1);
        g_ptr_array_add(names, get_s(f));
    }
    return (int64_t)last;
}

static bool has(GPtrArray *a, const char *s)
{
    for (guint i = 0; i < a->len; i++)
        if (!strcmp(a->pdata[i], s))
            return true;
    return false;
}

/* the whole listing of a directory fid (opened) with count bytes per reply */
static GPtrArray *list(struct fx *f, uint32_t fid, uint32_t count)
{
    GPtrArray *a = g_ptr_array_new_with_free_func(g_free);
    int64_t off = 0;

    for (int i = 0; i < 10000; i++) {
        guint before = a->len;
        off = t_readdir(f, fid, (uint64_t)off, count, a);
        g_assert_cmpint(off, >=, 0);
        if (a->len == before)
            return a;
    }
    g_assert_not_reached();
}

static uint32_t t_dir_name(struct fx *f, uint8_t type, uint32_t dfid, const char *name,
                           uint32_t mode)
{
    begin(&f->m, type);
    put(&f->m, dfid, 4);
    put_s(&f->m, name);
    put(&f->m, mode, 4);
    if (type == TMKNOD) {
        put(&f->m, 1, 4);
        put(&f->m, 3, 4);
    }
    if (type != TUNLINKAT)
        put(&f->m, 0, 4); /* gid */
    return rpc(f);
}

static uint32_t t_mkdir(struct fx *f, uint32_t dfid, const char *name)
{
    return t_dir_name(f, TMKDIR, dfid, name, 0750);
}

static uint32_t t_unlinkat(struct fx *f, uint32_t dfid, const char *name, uint32_t flags)
{
    return t_dir_name(f, TUNLINKAT, dfid, name, flags);
}

static uint32_t t_symlink(struct fx *f, uint32_t dfid, const char *name, const char *target)
{
    begin(&f->m, TSYMLINK);
    put(&f->m, dfid, 4);
    put_s(&f->m, name);
    put_s(&f->m, target);
    put(&f->m, 0, 4);
    return rpc(f);
}

static uint32_t t_renameat(struct fx *f, uint32_t od, const char *on, uint32_t nd,
                           const char *nn)
{
    begin(&f->m, TRENAMEAT);
    put(&f->m, od, 4);
    put_s(&f->m, on);
    put(&f->m, nd, 4);
    put_s(&f->m, nn);
    return rpc(f);
}

static uint32_t t_rename(struct fx *f, uint32_t fid, uint32_t dfid, const char *name)
{
    begin(&f->m, TRENAME);
    put(&f->m, fid, 4);
    put(&f->m, dfid, 4);
    put_s(&f->m, name);
    return rpc(f);
}

static uint32_t t_link(struct fx *f, uint32_t dfid, uint32_t fid, const char *name)
{
    begin(&f->m, TLINK);
    put(&f->m, dfid, 4);
    put(&f->m, fid, 4);
    put_s(&f->m, name);
    return rpc(f);
}

static bool exists(struct fx *f, const char *rel)
{
    char *p = path(f, rel);
    struct stat st;
    bool r = lstat(p, &st) == 0;
    g_free(p);
    return r;
}

static char *contents(struct fx *f, const char *rel)
{
    char *p = path(f, rel), *t = NULL;
    if (!g_file_get_contents(p, &t, NULL, NULL))
        t = NULL;
    g_free(p);
    return t;
}

/* version + attach ROOTFID */
static struct qid start(struct fx *f)
{
    uint32_t ms;
    char *v;
    struct qid q;

    g_assert_cmpuint(t_version(f, 65536, "9P2000.L", &ms, &v), ==, 0);
    g_assert_cmpuint(ms, ==, 65536);
    g_assert_cmpstr(v, ==, "9P2000.L");
    g_free(v);
    g_assert_cmpuint(t_attach(f, ROOTFID, &q), ==, 0);
    g_assert_cmpuint(q.type, ==, 0x80);
    return q;
}

/* ---- tests ---- */

static void test_version(void)
{
    struct fx f;
    uint32_t ms;
    char *v;

    fx_init(&f, false);
    g_assert_cmpuint(t_version(&f, 8192, "9P2000.L", &ms, &v), ==, 0);
    g_assert_cmpuint(ms, ==, 8192);
    g_assert_cmpstr(v, ==, "9P2000.L");
    g_free(v);
    g_assert_cmpuint(t_version(&f, 1u << 30, "9P2000.L", &ms, &v), ==, 0);
    g_assert_cmpuint(ms, ==, P9_SERVER_MAX_MSIZE);
    g_free(v);
    g_assert_cmpuint(t_version(&f, 8192, "9P2000.u", &ms, &v), ==, 0);
    g_assert_cmpstr(v, ==, "unknown");
    g_free(v);
    g_assert_cmpuint(t_version(&f, 8192, "9P2000", &ms, &v), ==, 0);
    g_assert_cmpstr(v, ==, "unknown");
    g_free(v);
    g_assert_cmpuint(t_version(&f, 100, "9P2000.L", &ms, &v), ==, EINVAL);
    fx_done(&f);
}

static void test_session(void)
{
    struct fx f;
    struct qid rq, q;
    struct attr a;
    uint32_t e;
    char *s;
    GPtrArray *names;
    struct stat st;
    char *p;

    fx_init(&f, false);
    rq = start(&f);

    /* clone, then create + write + read back */
    g_assert_cmpint(walk(&f, ROOTFID, 2, NULL, NULL), ==, 0);
    g_assert_cmpuint(t_lcreate(&f, 2, "new", 2 /* RDWR */, 0640), ==, 0);
    q = get_qid(&f);
    g_assert_cmpuint(q.type, ==, 0);
    g_assert_cmpuint(get(&f, 4), ==, 0); /* iounit */
    g_assert_cmpuint(t_write(&f, 2, 0, "hello world"), ==, 0);
    s = t_read(&f, 2, 6, 100, &e);
    g_assert_cmpstr(s, ==, "world");
    g_free(s);
    s = contents(&f, "new");
    g_assert_cmpstr(s, ==, "hello world");
    g_free(s);
    p = path(&f, "new");
    g_assert_cmpint(lstat(p, &st), ==, 0);
    g_assert_cmpuint(st.st_mode & 07777, ==, 0640); /* the host umask did not apply */
    g_assert_cmpuint(st.st_ino, ==, q.path);
    g_free(p);

    /* getattr through the fid */
    g_assert_cmpuint(t_getattr(&f, 2, &a), ==, 0);
    g_assert_cmpuint(a.size, ==, 11);
    g_assert_cmpuint(a.mode, ==, S_IFREG | 0640);
    g_assert_cmpuint(a.qid.path, ==, q.path);

    /* setattr: truncate, mode, times */
    g_assert_cmpuint(t_setattr(&f, 2, 0x8 /* SIZE */, 0, 0, 5, 0, 0), ==, 0);
    s = t_read(&f, 2, 0, 100, &e);
    g_assert_cmpstr(s, ==, "hello");
    g_free(s);
    g_assert_cmpuint(t_setattr(&f, 2, 0x1, 0600, 0, 0, 0, 0), ==, 0);
    g_assert_cmpuint(t_setattr(&f, 2, 0x10 | 0x20 | 0x80 | 0x100, 0, 0, 0, 1000000, 2000000),
                     ==, 0);
    g_assert_cmpuint(t_getattr(&f, 2, &a), ==, 0);
    g_assert_cmpuint(a.mode, ==, S_IFREG | 0600);
    g_assert_cmpuint(a.size, ==, 5);
    g_assert_cmpuint(a.atime, ==, 1000000);
    g_assert_cmpuint(a.mtime, ==, 2000000);
    g_assert_cmpuint(t_setattr(&f, 2, 0x20 /* MTIME now */, 0, 0, 0, 0, 0), ==, 0);
    g_assert_cmpuint(t_getattr(&f, 2, &a), ==, 0);
    g_assert_cmpuint(a.mtime, >, 2000000);
    g_assert_cmpuint(t_setattr(&f, 2, 0x6 /* UID|GID */, 0, getuid(), 0, 0, 0), ==, 0);
    g_assert_cmpuint(t_fid(&f, TFSYNC, 2), ==, 0);
    g_assert_cmpuint(t_fid(&f, TCLUNK, 2), ==, 0);
    g_assert_cmpuint(t_fid(&f, TCLUNK, 2), ==, EBADF);

    /* walk to an existing file, open, read */
    g_assert_cmpint(walk(&f, ROOTFID, 3, &q, "file", NULL), ==, 0);
    g_assert_cmpuint(t_lopen(&f, 3, 0), ==, 0);
    g_assert_cmpuint(t_lopen(&f, 3, 0), ==, EBUSY);
    s = t_read(&f, 3, 0, 4096, &e);
    g_assert_cmpstr(s, ==, "inside");
    g_free(s);
    g_assert_cmpuint(t_fid(&f, TCLUNK, 3), ==, 0);

    /* mkdir, then create inside */
    g_assert_cmpuint(t_mkdir(&f, ROOTFID, "sub"), ==, 0);
    q = get_qid(&f);
    g_assert_cmpuint(q.type, ==, 0x80);
    g_assert_cmpuint(t_mkdir(&f, ROOTFID, "sub"), ==, EEXIST);
    g_assert_cmpint(walk(&f, ROOTFID, 4, NULL, "sub", NULL), ==, 0);
    g_assert_cmpuint(t_lcreate(&f, 4, "in", 0, 0644), ==, 0);
    g_assert_cmpuint(t_fid(&f, TCLUNK, 4), ==, 0);
    g_assert_true(exists(&f, "sub/in"));

    /* readdir of the root */
    g_assert_cmpint(walk(&f, ROOTFID, 5, NULL, NULL), ==, 0);
    g_assert_cmpuint(t_lopen(&f, 5, 0), ==, 0);
    names = list(&f, 5, 8192);
    g_assert_true(has(names, "."));
    g_assert_true(has(names, ".."));
    g_assert_true(has(names, "file"));
    g_assert_true(has(names, "dir"));
    g_assert_true(has(names, "new"));
    g_assert_true(has(names, "sub"));
    g_assert_cmpuint(names->len, ==, 6);
    g_ptr_array_free(names, TRUE);
    g_assert_cmpuint(t_fid(&f, TCLUNK, 5), ==, 0);

    /* renameat, rename (by fid), link */
    g_assert_cmpuint(t_renameat(&f, ROOTFID, "new", ROOTFID, "renamed"), ==, 0);
    g_assert_false(exists(&f, "new"));
    g_assert_true(exists(&f, "renamed"));
    g_assert_cmpint(walk(&f, ROOTFID, 6, NULL, "sub", NULL), ==, 0);
    g_assert_cmpuint(t_renameat(&f, ROOTFID, "renamed", 6, "moved"), ==, 0);
    g_assert_true(exists(&f, "sub/moved"));
    g_assert_cmpint(walk(&f, 6, 7, NULL, "moved", NULL), ==, 0);
    g_assert_cmpuint(t_rename(&f, 7, ROOTFID, "back"), ==, 0);
    g_assert_true(exists(&f, "back"));
    g_assert_false(exists(&f, "sub/moved"));
    g_assert_cmpuint(t_link(&f, 6, 7, "hard"), ==, 0);
    p = path(&f, "sub/hard");
    g_assert_cmpint(lstat(p, &st), ==, 0);
    g_assert_cmpuint(st.st_nlink, ==, 2);
    g_free(p);

    /* Tremove of the renamed fid: its new name */
    g_assert_cmpuint(t_fid(&f, TREMOVE, 7), ==, 0);
    g_assert_false(exists(&f, "back"));
    g_assert_cmpuint(t_fid(&f, TCLUNK, 7), ==, EBADF); /* remove clunked it */

    /* unlinkat of a file and of a directory */
    g_assert_cmpuint(t_unlinkat(&f, 6, "hard", 0), ==, 0);
    g_assert_cmpuint(t_unlinkat(&f, 6, "in", 0), ==, 0);
    g_assert_cmpuint(t_unlinkat(&f, ROOTFID, "sub", 0), ==, EISDIR);
    g_assert_cmpuint(t_unlinkat(&f, ROOTFID, "sub", 0x200), ==, 0);
    g_assert_false(exists(&f, "sub"));
    g_assert_cmpuint(t_fid(&f, TCLUNK, 6), ==, 0);

    /* symlink + readlink: the text comes back, nothing is resolved */
    g_assert_cmpuint(t_symlink(&f, ROOTFID, "ln", "../../etc/passwd"), ==, 0);
    q = get_qid(&f);
    g_assert_cmpuint(q.type, ==, 0x02);
    g_assert_cmpint(walk(&f, ROOTFID, 8, &q, "ln", NULL), ==, 0);
    g_assert_cmpuint(q.type, ==, 0x02);
    g_assert_cmpuint(t_fid(&f, TREADLINK, 8), ==, 0);
    s = get_s(&f);
    g_assert_cmpstr(s, ==, "../../etc/passwd");
    g_free(s);
    g_assert_cmpuint(t_fid(&f, TREADLINK, ROOTFID), ==, EINVAL);

    /* mknod: a FIFO yes, devices no; opening the FIFO does not block */
    g_assert_cmpuint(t_dir_name(&f, TMKNOD, ROOTFID, "fifo", S_IFIFO | 0600), ==, 0);
    g_assert_cmpuint(t_dir_name(&f, TMKNOD, ROOTFID, "null", S_IFCHR | 0600), ==, EPERM);
    g_assert_cmpuint(t_dir_name(&f, TMKNOD, ROOTFID, "sda", S_IFBLK | 0600), ==, EPERM);
    g_assert_false(exists(&f, "null"));
    g_assert_cmpint(walk(&f, ROOTFID, 9, NULL, "fifo", NULL), ==, 0);
    g_assert_cmpuint(t_lopen(&f, 9, 0), ==, 0);
    g_assert_cmpuint(t_fid(&f, TCLUNK, 9), ==, 0);

    /* statfs */
    g_assert_cmpuint(t_fid(&f, TSTATFS, ROOTFID), ==, 0);
    get(&f, 4);
    g_assert_cmpuint(get(&f, 4), >, 0); /* bsize */
    for (int i = 0; i < 6; i++)
        get(&f, 8);
    g_assert_cmpuint(get(&f, 4), >=, 255); /* namelen */
    assert_done(&f);

    /* lock / getlock / flush / xattrwalk / auth / unknown */
    begin(&f.m, TLOCK);
    put(&f.m, ROOTFID, 4);
    put(&f.m, 1, 1);
    put(&f.m, 0, 4);
    put(&f.m, 0, 8);
    put(&f.m, 0, 8);
    put(&f.m, 42, 4);
    put_s(&f.m, "guest");
    g_assert_cmpuint(rpc(&f), ==, 0);
    g_assert_cmpuint(get(&f, 1), ==, 0);
    begin(&f.m, TGETLOCK);
    put(&f.m, ROOTFID, 4);
    put(&f.m, 1, 1);
    put(&f.m, 10, 8);
    put(&f.m, 20, 8);
    put(&f.m, 42, 4);
    put_s(&f.m, "guest");
    g_assert_cmpuint(rpc(&f), ==, 0);
    g_assert_cmpuint(get(&f, 1), ==, 2); /* unlocked */
    g_assert_cmpuint(get(&f, 8), ==, 10);
    g_assert_cmpuint(get(&f, 8), ==, 20);
    g_assert_cmpuint(get(&f, 4), ==, 42);
    s = get_s(&f);
    g_assert_cmpstr(s, ==, "guest");
    g_free(s);
    begin(&f.m, TFLUSH);
    put(&f.m, 7, 2);
    g_assert_cmpuint(rpc(&f), ==, 0);
    assert_done(&f);
    begin(&f.m, TXATTRWALK);
    put(&f.m, ROOTFID, 4);
    put(&f.m, 50, 4);
    put_s(&f.m, "user.x");
    g_assert_cmpuint(rpc(&f), ==, EOPNOTSUPP);
    begin(&f.m, 200);
    g_assert_cmpuint(rpc(&f), ==, ENOTSUP);
    begin(&f.m, 124); /* Tstat of 9P2000.u */
    put(&f.m, ROOTFID, 4);
    g_assert_cmpuint(rpc(&f), ==, ENOTSUP);

    /* Tremove of the root: refused, but clunked */
    g_assert_cmpuint(t_fid(&f, TREMOVE, ROOTFID), ==, EBUSY);
    g_assert_cmpuint(t_getattr(&f, ROOTFID, &a), ==, EBADF);
    g_assert_true(g_file_test(f.root, G_FILE_TEST_IS_DIR));
    (void)rq;
    fx_done(&f);
}

/* many long names, read in small pieces: each exactly once */
static void test_readdir_resume(void)
{
    struct fx f;
    GPtrArray *names;

    fx_init(&f, false);
    start(&f);
    for (int i = 0; i < 60; i++) {
        char *n = g_strdup_printf("entry-with-a-fairly-long-name-%03d", i), *p = path(&f, n);
        write_file(p, "x");
        g_free(n);
        g_free(p);
    }
    g_assert_cmpint(walk(&f, ROOTFID, 2, NULL, NULL), ==, 0);
    g_assert_cmpuint(t_lopen(&f, 2, 0), ==, 0);
    names = list(&f, 2, 200); /* about 3 entries per reply */
    g_assert_cmpuint(names->len, ==, 64);
    for (int i = 0; i < 60; i++) {
        char *n = g_strdup_printf("entry-with-a-fairly-long-name-%03d", i);
        int c = 0;
        for (guint k = 0; k < names->len; k++)
            c += !strcmp(names->pdata[k], n);
        g_assert_cmpint(c, ==, 1);
        g_free(n);
    }
    g_ptr_array_free(names, TRUE);
    /* a count too small for one entry: an empty reply, not an error */
    names = g_ptr_array_new_with_free_func(g_free);
    g_assert_cmpint(t_readdir(&f, 2, 0, 10, names), >=, 0);
    g_assert_cmpuint(names->len, ==, 0);
    g_ptr_array_free(names, TRUE);
    /* readdir needs an opened directory */
    names = g_ptr_array_new_with_free_func(g_free);
    g_assert_cmpint(t_readdir(&f, ROOTFID, 0, 4096, names), ==, -EBADF);
    g_ptr_array_free(names, TRUE);
    fx_done(&f);
}

/* read-only: every modifying op is EROFS and nothing changes */
static void test_readonly(void)
{
    struct fx f;
    char *s;
    uint32_t e;
    static const uint32_t wflags[] = {1, 2, 01000, 02000, 0100};
    struct stat before, after;
    char *p;

    fx_init(&f, true);
    start(&f);
    p = path(&f, "file");
    g_assert_cmpint(lstat(p, &before), ==, 0);
    g_assert_cmpint(walk(&f, ROOTFID, 2, NULL, "file", NULL), ==, 0);
    g_assert_cmpint(walk(&f, ROOTFID, 3, NULL, "dir", NULL), ==, 0);
    for (size_t i = 0; i < G_N_ELEMENTS(wflags); i++)
        g_assert_cmpuint(t_lopen(&f, 2, wflags[i]), ==, EROFS);
    g_assert_cmpuint(t_lcreate(&f, 3, "x", 2, 0644), ==, EROFS);
    g_assert_cmpuint(t_write(&f, 2, 0, "x"), ==, EROFS);
    g_assert_cmpuint(t_setattr(&f, 2, 0x8, 0, 0, 0, 0, 0), ==, EROFS);
    g_assert_cmpuint(t_setattr(&f, 2, 0x1, 0777, 0, 0, 0, 0), ==, EROFS);
    g_assert_cmpuint(t_setattr(&f, 2, 0x30, 0, 0, 0, 0, 0), ==, EROFS);
    g_assert_cmpuint(t_mkdir(&f, ROOTFID, "m"), ==, EROFS);
    g_assert_cmpuint(t_symlink(&f, ROOTFID, "l", "file"), ==, EROFS);
    g_assert_cmpuint(t_dir_name(&f, TMKNOD, ROOTFID, "n", S_IFIFO | 0600), ==, EROFS);
    g_assert_cmpuint(t_link(&f, ROOTFID, 2, "h"), ==, EROFS);
    g_assert_cmpuint(t_rename(&f, 2, ROOTFID, "r"), ==, EROFS);
    g_assert_cmpuint(t_renameat(&f, ROOTFID, "file", ROOTFID, "r"), ==, EROFS);
    g_assert_cmpuint(t_unlinkat(&f, ROOTFID, "file", 0), ==, EROFS);
    g_assert_cmpuint(t_unlinkat(&f, ROOTFID, "dir", 0x200), ==, EROFS);
    begin(&f.m, TXATTRCREATE);
    put(&f.m, 2, 4);
    put_s(&f.m, "user.x");
    put(&f.m, 1, 8);
    put(&f.m, 0, 4);
    g_assert_cmpuint(rpc(&f), ==, EROFS);
    g_assert_cmpuint(t_fid(&f, TREMOVE, 3), ==, EROFS);
    /* reading still works */
    g_assert_cmpuint(t_lopen(&f, 2, 0), ==, 0);
    s = t_read(&f, 2, 0, 100, &e);
    g_assert_cmpstr(s, ==, "inside");
    g_free(s);
    g_assert_cmpuint(t_write(&f, 2, 0, "x"), ==, EROFS);
    /* nothing changed */
    g_assert_cmpint(lstat(p, &after), ==, 0);
    g_assert_cmpuint(after.st_mode, ==, before.st_mode);
    g_assert_cmpint(after.st_mtim.tv_sec, ==, before.st_mtim.tv_sec);
    g_assert_cmpint(after.st_mtim.tv_nsec, ==, before.st_mtim.tv_nsec);
    s = contents(&f, "file");
    g_assert_cmpstr(s, ==, "inside");
    g_free(s);
    g_assert_true(exists(&f, "dir"));
    g_assert_false(exists(&f, "x") || exists(&f, "m") || exists(&f, "l") || exists(&f, "n") ||
                   exists(&f, "h") || exists(&f, "r"));
    g_free(p);
    fx_done(&f);
}

/* "..", '/', and a name that is not a component */
static void test_escape_names(void)
{
    struct fx f;
    struct qid rq, q;
    struct attr a;
    int nq;
    struct qid qs[8];

    fx_init(&f, false);
    rq = start(&f);
    /* ".." at the root is the root */
    g_assert_cmpint(walk(&f, ROOTFID, 2, &q, "..", NULL), ==, 0);
    g_assert_cmpuint(q.path, ==, rq.path);
    g_assert_cmpint(walk(&f, ROOTFID, 3, &q, "..", "..", "..", NULL), ==, 0);
    g_assert_cmpuint(q.path, ==, rq.path);
    g_assert_cmpuint(t_getattr(&f, 3, &a), ==, 0);
    g_assert_cmpuint(a.qid.path, ==, rq.path);
    /* the root's parent holds "outside": from ".." it is not there */
    g_assert_cmpint(walk(&f, ROOTFID, 4, NULL, "..", "outside", NULL), ==, -1);
    g_assert_cmpint(walk(&f, ROOTFID, 4, NULL, "dir", "..", "..", "outside", "secret", NULL),
                    ==, -1);
    {
        const char *names[] = {"dir", "..", "..", "outside", "secret", NULL};
        g_assert_cmpuint(t_walkv(&f, ROOTFID, 4, &nq, qs, names), ==, 0);
        g_assert_cmpint(nq, ==, 3); /* stopped at "outside" */
        g_assert_cmpuint(qs[2].path, ==, rq.path);
    }
    g_assert_cmpuint(t_getattr(&f, 4, &a), ==, EBADF); /* a partial walk makes no fid */
    /* from the opened root, readdir's ".." is the root too */
    g_assert_cmpint(walk(&f, ROOTFID, 5, NULL, "dir", "..", NULL), ==, 0);
    g_assert_cmpuint(t_getattr(&f, 5, &a), ==, 0);
    g_assert_cmpuint(a.qid.path, ==, rq.path);
    /* names with '/' or NUL, empty names, dots where a new name is needed */
    static const char *bad[] = {"../outside", "dir/..", "/etc", "a/b", "", "/", "..//"};
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_assert_cmpint(walk(&f, ROOTFID, 6, NULL, bad[i], NULL), ==, EINVAL);
        g_assert_cmpuint(t_lcreate(&f, ROOTFID, bad[i], 0, 0644), ==, EINVAL);
        g_assert_cmpuint(t_mkdir(&f, ROOTFID, bad[i]), ==, EINVAL);
        g_assert_cmpuint(t_symlink(&f, ROOTFID, bad[i], "x"), ==, EINVAL);
        g_assert_cmpuint(t_renameat(&f, ROOTFID, "file", ROOTFID, bad[i]), ==, EINVAL);
        g_assert_cmpuint(t_unlinkat(&f, ROOTFID, bad[i], 0), ==, EINVAL);
    }
    static const char *dots[] = {".", ".."};
    for (size_t i = 0; i < 2; i++) {
        g_assert_cmpuint(t_lcreate(&f, ROOTFID, dots[i], 0, 0644), ==, EINVAL);
        g_assert_cmpuint(t_mkdir(&f, ROOTFID, dots[i]), ==, EINVAL);
        g_assert_cmpuint(t_unlinkat(&f, 5, dots[i], 0x200), ==, EINVAL);
        g_assert_cmpuint(t_renameat(&f, ROOTFID, dots[i], ROOTFID, "x"), ==, EINVAL);
        g_assert_cmpuint(t_renameat(&f, 2, dots[i], 2, "x"), ==, EINVAL);
    }
    /* a NUL inside a name */
    begin(&f.m, TMKDIR);
    put(&f.m, ROOTFID, 4);
    put(&f.m, 5, 2);
    memcpy(f.m.b + f.m.n, "ab\0cd", 5);
    f.m.n += 5;
    put(&f.m, 0755, 4);
    put(&f.m, 0, 4);
    g_assert_cmpuint(rpc(&f), ==, EINVAL);
    g_assert_false(exists(&f, "ab"));
    /* the root cannot be renamed or removed by fid */
    g_assert_cmpuint(t_rename(&f, 2, ROOTFID, "x"), ==, EBUSY);
    g_assert_true(g_file_test(f.root, G_FILE_TEST_IS_DIR));
    fx_done(&f);
}

/* symlinks that point outside: a walk ends at the link; nothing goes through it */
static void test_escape_symlinks(void)
{
    struct fx f;
    struct qid q;
    char *p, *s;
    struct attr a;
    uint32_t e;
    GPtrArray *names;

    fx_init(&f, false);
    start(&f);
    struct {
        const char *name, *target;
    } links[] = {{"abs", f.outside}, {"etc", "/etc"}, {"rel", "../outside"},
                 {"dir/up", "../../.."}, {"abssecret", NULL}, {"self", "."}};
    char *abssecret = g_build_filename(f.outside, "secret", NULL);
    links[4].target = abssecret;
    for (size_t i = 0; i < G_N_ELEMENTS(links); i++) {
        p = path(&f, links[i].name);
        g_assert_cmpint(symlink(links[i].target, p), ==, 0);
        g_free(p);
    }
    for (size_t i = 0; i < G_N_ELEMENTS(links); i++) {
        const char *ln = links[i].name, *leaf = strchr(ln, '/') ? ln + 4 : ln;
        uint32_t lfid = 100 + (uint32_t)i;

        /* walking through it: never */
        if (strchr(ln, '/'))
            g_assert_cmpint(walk(&f, ROOTFID, 20, NULL, "dir", leaf, "secret", NULL), ==, -1);
        else
            g_assert_cmpint(walk(&f, ROOTFID, 20, NULL, ln, "secret", NULL), ==, -1);
        if (strchr(ln, '/'))
            g_assert_cmpint(walk(&f, ROOTFID, 20, NULL, "dir", leaf, "passwd", NULL), ==, -1);
        else
            g_assert_cmpint(walk(&f, ROOTFID, 20, NULL, ln, "passwd", NULL), ==, -1);
        /* walking to it: the link itself */
        if (strchr(ln, '/'))
            g_assert_cmpint(walk(&f, ROOTFID, lfid, &q, "dir", leaf, NULL), ==, 0);
        else
            g_assert_cmpint(walk(&f, ROOTFID, lfid, &q, ln, NULL), ==, 0);
        g_assert_cmpuint(q.type, ==, 0x02);
        g_assert_cmpuint(t_getattr(&f, lfid, &a), ==, 0);
        g_assert_true(S_ISLNK(a.mode));
        /* opening it: refused, for reading and for writing */
        g_assert_cmpuint(t_lopen(&f, lfid, 0), ==, ELOOP);
        g_assert_cmpuint(t_lopen(&f, lfid, 2 | 01000), ==, ELOOP);
        g_assert_cmpuint(t_lopen(&f, lfid, 0200000), ==, ELOOP);
        /* using it as a directory: refused */
        g_assert_cmpuint(t_lcreate(&f, lfid, "pwn", 2, 0644), ==, ENOTDIR);
        g_assert_cmpuint(t_mkdir(&f, lfid, "pwn"), ==, ENOTDIR);
        g_assert_cmpuint(t_symlink(&f, lfid, "pwn", "x"), ==, ENOTDIR);
        g_assert_cmpuint(t_dir_name(&f, TMKNOD, lfid, "pwn", S_IFIFO | 0600), ==, ENOTDIR);
        g_assert_cmpuint(t_unlinkat(&f, lfid, "secret", 0), ==, ENOTDIR);
        g_assert_cmpuint(t_renameat(&f, lfid, "secret", ROOTFID, "stolen"), ==, ENOTDIR);
        g_assert_cmpuint(t_renameat(&f, ROOTFID, "file", lfid, "planted"), ==, ENOTDIR);
        g_assert_cmpuint(t_link(&f, lfid, ROOTFID, "pwn"), ==, ENOTDIR);
        /* attributes of the link, not of its target */
        g_assert_cmpuint(t_setattr(&f, lfid, 0x8, 0, 0, 0, 0, 0), ==, EINVAL);
        g_assert_cmpuint(t_setattr(&f, lfid, 0x1, 0777, 0, 0, 0, 0), ==, EOPNOTSUPP);
        g_assert_cmpuint(t_setattr(&f, lfid, 0x6, 0, getuid(), 0, 0, 0), ==, 0);
        g_assert_cmpuint(t_setattr(&f, lfid, 0x30 | 0x180, 0, 0, 0, 5, 5), ==, 0);
        g_assert_cmpuint(t_fid(&f, TSTATFS, lfid), ==, 0);
        /* readlink: the text, for the guest to resolve */
        g_assert_cmpuint(t_fid(&f, TREADLINK, lfid), ==, 0);
        s = get_s(&f);
        g_assert_cmpstr(s, ==, links[i].target);
        g_free(s);
        s = t_read(&f, lfid, 0, 100, &e);
        g_assert_null(s);
        g_assert_cmpuint(e, ==, EBADF);
    }
    /* the target of an absolute link has not been touched through any of this */
    p = g_build_filename(f.outside, "secret", NULL);
    {
        struct stat st;
        g_assert_cmpint(stat(p, &st), ==, 0);
        g_assert_cmpuint(st.st_mode & 0777, ==, 0644 & ~0);
        g_assert_cmpint(st.st_mtim.tv_sec, !=, 5);
    }
    g_free(p);
    /* the link "rel" can be renamed and removed inside the root; its target stays */
    g_assert_cmpuint(t_renameat(&f, ROOTFID, "rel", ROOTFID, "rel2"), ==, 0);
    g_assert_cmpuint(t_unlinkat(&f, ROOTFID, "rel2", 0), ==, 0);
    g_assert_cmpuint(t_fid(&f, TREMOVE, 100), ==, 0); /* "abs": the link goes */
    g_assert_false(exists(&f, "abs"));
    /* a guest-made symlink out: same story */
    g_assert_cmpuint(t_symlink(&f, ROOTFID, "mine", "/"), ==, 0);
    g_assert_cmpint(walk(&f, ROOTFID, 30, NULL, "mine", "etc", NULL), ==, -1);
    g_assert_cmpint(walk(&f, ROOTFID, 30, NULL, "mine", NULL), ==, 0);
    g_assert_cmpuint(t_lopen(&f, 30, 0), ==, ELOOP);
    /* listing the root shows links as links */
    g_assert_cmpint(walk(&f, ROOTFID, 31, NULL, NULL), ==, 0);
    g_assert_cmpuint(t_lopen(&f, 31, 0), ==, 0);
    names = list(&f, 31, 8192);
    g_assert_false(has(names, "secret"));
    g_assert_true(has(names, "etc"));
    g_ptr_array_free(names, TRUE);
    g_free(abssecret);
    fx_done(&f);
}

/* a directory (and a file) swapped for a symlink to the outside after the walk */
static void test_escape_swap(void)
{
    struct fx f;
    char *p, *q, *s;
    uint32_t e;
    GPtrArray *names;

    fx_init(&f, false);
    start(&f);
    p = path(&f, "sw");
    g_assert_cmpint(g_mkdir(p, 0755), ==, 0);
    q = path(&f, "sw/inner");
    write_file(q, "mine");
    g_free(q);
    /* walk to sw (fids 2..5), then swap it for a symlink to outside/ */
    for (uint32_t fid = 2; fid <= 5; fid++)
        g_assert_cmpint(walk(&f, ROOTFID, fid, NULL, "sw", NULL), ==, 0);
    q = path(&f, "sw.old");
    g_assert_cmpint(rename(p, q), ==, 0);
    g_assert_cmpint(symlink(f.outside, p), ==, 0);
    /* the fids still name the directory they walked to */
    g_assert_cmpuint(t_lopen(&f, 2, 0), ==, 0);
    names = list(&f, 2, 4096);
    g_assert_true(has(names, "inner"));
    g_assert_false(has(names, "secret"));
    g_ptr_array_free(names, TRUE);
    g_assert_cmpuint(t_lcreate(&f, 3, "created", 2, 0644), ==, 0);
    g_assert_true(exists(&f, "sw.old/created"));
    g_assert_cmpint(walk(&f, 4, 10, NULL, "secret", NULL), ==, ENOENT);
    g_assert_cmpint(walk(&f, 4, 10, NULL, "inner", NULL), ==, 0);
    g_assert_cmpuint(t_lopen(&f, 10, 0), ==, 0);
    s = t_read(&f, 10, 0, 100, &e);
    g_assert_cmpstr(s, ==, "mine");
    g_free(s);
    g_assert_cmpuint(t_mkdir(&f, 5, "made"), ==, 0);
    g_assert_true(exists(&f, "sw.old/made"));
    g_assert_cmpuint(t_unlinkat(&f, 5, "secret", 0), ==, ENOENT);
    /* walking from the parent again finds the link, and stops there */
    g_assert_cmpint(walk(&f, ROOTFID, 11, NULL, "sw", "secret", NULL), ==, -1);
    g_assert_cmpint(walk(&f, ROOTFID, 11, NULL, "sw", NULL), ==, 0);
    g_assert_cmpuint(t_lopen(&f, 11, 0), ==, ELOOP);
    g_assert_cmpuint(t_lcreate(&f, 11, "pwn", 2, 0644), ==, ENOTDIR);
    /* removed and replaced: the old fid's directory is gone, nothing lands outside */
    g_assert_cmpint(walk(&f, ROOTFID, 12, NULL, "dir", NULL), ==, 0);
    g_assert_cmpint(walk(&f, ROOTFID, 13, NULL, "dir", NULL), ==, 0);
    g_free(p);
    p = path(&f, "dir");
    g_assert_cmpint(rmdir(p), ==, 0);
    g_assert_cmpint(symlink(f.outside, p), ==, 0);
    g_assert_cmpuint(t_lcreate(&f, 12, "pwn", 2, 0644), ==, ENOENT);
    g_assert_cmpuint(t_mkdir(&f, 13, "pwn"), ==, ENOENT);
    g_assert_cmpuint(t_lopen(&f, 13, 0), ==, 0);
    names = g_ptr_array_new_with_free_func(g_free);
    {
        int64_t rc = t_readdir(&f, 13, 0, 4096, names); /* a deleted directory: ENOENT */
        g_assert_true(rc == -ENOENT || (rc >= 0 && !has(names, "secret")));
    }
    g_ptr_array_free(names, TRUE);
    /* a file swapped for a symlink between walk and open: the fid's file is opened */
    g_free(p);
    p = path(&f, "file");
    g_assert_cmpint(walk(&f, ROOTFID, 14, NULL, "file", NULL), ==, 0);
    g_free(q);
    q = path(&f, "file.old");
    g_assert_cmpint(rename(p, q), ==, 0);
    g_free(q);
    q = g_build_filename(f.outside, "secret", NULL);
    g_assert_cmpint(symlink(q, p), ==, 0);
    g_assert_cmpuint(t_lopen(&f, 14, 2 | 01000), ==, 0); /* RDWR|TRUNC */
    g_assert_cmpuint(t_write(&f, 14, 0, "overwritten"), ==, 0);
    s = contents(&f, "file.old");
    g_assert_cmpstr(s, ==, "overwritten");
    g_free(s);
    /* and Tremove of it now refuses to remove the link that took its name */
    g_assert_cmpuint(t_fid(&f, TREMOVE, 14), ==, ESTALE);
    g_assert_true(exists(&f, "file"));
    g_free(p);
    g_free(q);
    fx_done(&f); /* outside/ is intact */
}

/* malformed messages: table of raw requests and the expected Rlerror */
static void test_malformed(void)
{
    struct fx f;
    static const struct {
        const char *what;
        uint8_t b[40];
        size_t n;
        uint16_t tag;
        uint32_t err;
    } t[] = {
        {"empty", {0}, 0, 0xffff, EPROTO},
        {"3 bytes", {7, 0, 0}, 3, 0xffff, EPROTO},
        {"6 bytes", {7, 0, 0, 0, 100, 1}, 6, 0xffff, EPROTO},
        {"size < 7", {6, 0, 0, 0, 100, 0x34, 0x12}, 7, 0x1234, EPROTO},
        {"size 0", {0, 0, 0, 0, 120, 0x34, 0x12, 1, 0, 0, 0}, 11, 0x1234, EPROTO},
        {"size > buffer", {12, 0, 0, 0, 120, 0x34, 0x12, 1, 0, 0, 0}, 11, 0x1234, EPROTO},
        {"size 4G", {255, 255, 255, 255, 120, 0x34, 0x12, 1, 0, 0, 0}, 11, 0x1234, EPROTO},
        {"clunk short", {10, 0, 0, 0, 120, 0x34, 0x12, 1, 0, 0}, 10, 0x1234, EPROTO},
        /* the fid is in the buffer, but beyond size */
        {"clunk cut by size", {7, 0, 0, 0, 120, 0x34, 0x12, 1, 0, 0, 0}, 11, 0x1234, EPROTO},
        {"version string too long", {13, 0, 0, 0, 100, 1, 0, 0, 32, 0, 0, 9, 0}, 13, 1, EPROTO},
        {"walk string too long",
         {20, 0, 0, 0, 110, 2, 0, 1, 0, 0, 0, 9, 0, 0, 0, 1, 0, 200, 0, 'a'}, 20, 2, EPROTO},
        {"walk nwname 17",
         {17, 0, 0, 0, 110, 3, 0, 1, 0, 0, 0, 9, 0, 0, 0, 17, 0}, 17, 3, EINVAL},
        {"walk nwname 65535",
         {17, 0, 0, 0, 110, 3, 0, 1, 0, 0, 0, 9, 0, 0, 0, 255, 255}, 17, 3, EINVAL},
        {"walk names missing",
         {17, 0, 0, 0, 110, 4, 0, 1, 0, 0, 0, 9, 0, 0, 0, 2, 0}, 17, 4, EPROTO},
        {"write count > data",
         {27, 0, 0, 0, 118, 5, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 255, 255, 'a',
          'b', 'c', 'd'},
         27, 5, EPROTO},
        {"attach no n_uname",
         {19, 0, 0, 0, 104, 6, 0, 9, 0, 0, 0, 255, 255, 255, 255, 0, 0, 0, 0}, 19, 6, EPROTO},
        {"unknown type 0", {7, 0, 0, 0, 0, 7, 0}, 7, 7, ENOTSUP},
        {"unknown type 255", {7, 0, 0, 0, 255, 8, 0}, 7, 8, ENOTSUP},
        {"Rlerror as a request", {11, 0, 0, 0, 7, 9, 0, 1, 0, 0, 0}, 11, 9, ENOTSUP},
        {"Rversion as a request", {7, 0, 0, 0, 101, 10, 0}, 7, 10, ENOTSUP},
    };
    uint8_t r[256];

    fx_init(&f, false);
    start(&f);
    for (size_t i = 0; i < G_N_ELEMENTS(t); i++) {
        size_t n;
        memset(r, 0xa5, sizeof(r));
        n = p9_server_handle(f.s, t[i].b, t[i].n, r, 100);
        g_test_message("%s", t[i].what);
        g_assert_cmpuint(n, ==, 11);
        g_assert_cmpuint(r[0], ==, 11);
        g_assert_cmpuint(r[4], ==, RLERROR);
        g_assert_cmpuint(r[5] | r[6] << 8, ==, t[i].tag);
        g_assert_cmpuint(r[7] | r[8] << 8, ==, t[i].err);
        for (size_t k = 100; k < sizeof(r); k++)
            g_assert_cmpuint(r[k], ==, 0xa5);
    }
    /* a reply buffer below 11 bytes: nothing written */
    memset(r, 0xa5, sizeof(r));
    g_assert_cmpuint(p9_server_handle(f.s, t[3].b, t[3].n, r, 10), ==, 0);
    g_assert_cmpuint(r[0], ==, 0xa5);
    /* huge read counts: bounded by msize and by resp_cap */
    {
        char *p = path(&f, "big");
        char *big = g_malloc(200000);
        uint32_t e;
        memset(big, 'z', 200000);
        g_assert_true(g_file_set_contents(p, big, 200000, NULL));
        g_free(p);
        g_assert_cmpint(walk(&f, ROOTFID, 2, NULL, "big", NULL), ==, 0);
        g_assert_cmpuint(t_lopen(&f, 2, 0), ==, 0);
        g_free(t_read(&f, 2, 0, 0xffffffff, &e));
        g_assert_cmpuint(f.rn, ==, 65536); /* msize */
        begin(&f.m, TREAD);
        put(&f.m, 2, 4);
        put(&f.m, 0, 8);
        put(&f.m, 0xffffffff, 4);
        g_assert_cmpuint(rpc_cap(&f, 1000), ==, 0);
        g_assert_cmpuint(f.rn, ==, 1000); /* resp_cap */
        g_assert_cmpuint(get(&f, 4), ==, 1000 - 11);
        begin(&f.m, TREAD);
        put(&f.m, 2, 4);
        put(&f.m, 0xffffffffffffffffULL, 8);
        put(&f.m, 10, 4);
        g_assert_cmpuint(rpc(&f), ==, EINVAL);
        g_free(big);
        /* a reply that cannot fit resp_cap: Rlerror, and nothing done */
        begin(&f.m, TGETATTR);
        put(&f.m, 2, 4);
        put(&f.m, 0x7ff, 8);
        g_assert_cmpuint(rpc_cap(&f, 64), ==, EMSGSIZE);
        begin(&f.m, TMKDIR);
        put(&f.m, ROOTFID, 4);
        put_s(&f.m, "nofit");
        put(&f.m, 0755, 4);
        put(&f.m, 0, 4);
        g_assert_cmpuint(rpc_cap(&f, 12), ==, EMSGSIZE);
        g_assert_false(exists(&f, "nofit"));
        /* readdir with a huge count */
        g_assert_cmpint(walk(&f, ROOTFID, 3, NULL, NULL), ==, 0);
        g_assert_cmpuint(t_lopen(&f, 3, 0), ==, 0);
        begin(&f.m, TREADDIR);
        put(&f.m, 3, 4);
        put(&f.m, 0, 8);
        put(&f.m, 0xffffffff, 4);
        g_assert_cmpuint(rpc_cap(&f, 50), ==, 0);
        g_assert_cmpuint(f.rn, <=, 50);
    }
    /* a request with trailing bytes beyond its size: the size wins */
    {
        uint8_t b[] = {11, 0, 0, 0, 120, 0x34, 0x12, 99, 0, 0, 0, 1, 2, 3};
        size_t n = p9_server_handle(f.s, b, sizeof(b), r, sizeof(r));
        g_assert_cmpuint(n, ==, 11);
        g_assert_cmpuint(r[4], ==, RLERROR);
        g_assert_cmpuint(r[7], ==, EBADF); /* fid 99, not a parse error */
    }
    fx_done(&f);
}

/* unknown fids, fid reuse, the fid limit, version clunks all */
static void test_fids(void)
{
    struct fx f;
    struct qid q;
    struct attr a;
    uint32_t e;
    static const uint8_t fid_ops[] = {TSTATFS, TREADLINK, TCLUNK, TREMOVE, TFSYNC};

    fx_init(&f, false);
    start(&f);
    for (size_t i = 0; i < G_N_ELEMENTS(fid_ops); i++)
        g_assert_cmpuint(t_fid(&f, fid_ops[i], 77), ==, EBADF);
    g_assert_cmpuint(t_getattr(&f, 77, &a), ==, EBADF);
    g_assert_cmpuint(t_lopen(&f, 77, 0), ==, EBADF);
    g_assert_cmpuint(t_lcreate(&f, 77, "x", 0, 0644), ==, EBADF);
    g_assert_cmpuint(t_write(&f, 77, 0, "x"), ==, EBADF);
    g_assert_null(t_read(&f, 77, 0, 1, &e));
    g_assert_cmpuint(e, ==, EBADF);
    g_assert_cmpuint(t_mkdir(&f, 77, "x"), ==, EBADF);
    g_assert_cmpuint(t_setattr(&f, 77, 1, 0, 0, 0, 0, 0), ==, EBADF);
    g_assert_cmpuint(t_renameat(&f, ROOTFID, "file", 77, "x"), ==, EBADF);
    g_assert_cmpuint(t_rename(&f, 77, ROOTFID, "x"), ==, EBADF);
    g_assert_cmpuint(t_link(&f, ROOTFID, 77, "x"), ==, EBADF);
    g_assert_cmpint(walk(&f, 77, 78, NULL, NULL), ==, EBADF);
    g_assert_true(exists(&f, "file"));
    /* reuse: attach or walk onto a fid in use */
    g_assert_cmpuint(t_attach(&f, ROOTFID, &q), ==, EEXIST);
    g_assert_cmpint(walk(&f, ROOTFID, 2, NULL, "file", NULL), ==, 0);
    g_assert_cmpint(walk(&f, ROOTFID, 2, NULL, "dir", NULL), ==, EEXIST);
    g_assert_cmpuint(t_attach(&f, 0xffffffff, &q), ==, EINVAL); /* NOFID */
    /* walking a fid onto itself replaces it */
    g_assert_cmpint(walk(&f, ROOTFID, 3, NULL, NULL), ==, 0);
    g_assert_cmpint(walk(&f, 3, 3, &q, "dir", NULL), ==, 0);
    g_assert_cmpuint(t_getattr(&f, 3, &a), ==, 0);
    g_assert_true(S_ISDIR(a.mode));
    g_assert_cmpuint(a.qid.path, !=, 0);
    /* the limit */
    for (uint32_t i = 4; i <= P9_SERVER_MAX_FIDS; i++)
        g_assert_cmpint(walk(&f, ROOTFID, 1000 + i, NULL, NULL), ==, 0);
    g_assert_cmpint(walk(&f, ROOTFID, 99999, NULL, NULL), ==, EMFILE);
    g_assert_cmpuint(t_attach(&f, 99999, &q), ==, EMFILE);
    g_assert_cmpuint(t_fid(&f, TCLUNK, 1004), ==, 0);
    g_assert_cmpint(walk(&f, ROOTFID, 99999, NULL, NULL), ==, 0);
    /* Tversion starts a new session: no fid survives */
    start(&f);
    g_assert_cmpuint(t_getattr(&f, 99999, &a), ==, EBADF);
    g_assert_cmpuint(t_getattr(&f, ROOTFID, &a), ==, 0);
    fx_done(&f);
}

static void test_init_errors(void)
{
    struct p9_server *s = NULL;
    char *msg = NULL;

    g_assert_cmpint(p9_server_init(&s, "/nonexistent/p9", false, &msg), ==, -ENOENT);
    g_assert_nonnull(strstr(msg, "/nonexistent/p9"));
    g_free(msg);
    msg = NULL;
    g_assert_cmpint(p9_server_init(&s, "/dev/null", false, &msg), ==, -ENOTDIR);
    g_free(msg);
    p9_server_destroy(NULL);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    struct rlimit rl;

    umask(022);
    /* the fid limit test holds 4096 fds (as brkvm would need to) */
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    g_test_add_func("/p9/init_errors", test_init_errors);
    g_test_add_func("/p9/version", test_version);
    g_test_add_func("/p9/session", test_session);
    g_test_add_func("/p9/readdir_resume", test_readdir_resume);
    g_test_add_func("/p9/readonly", test_readonly);
    g_test_add_func("/p9/escape_names", test_escape_names);
    g_test_add_func("/p9/escape_symlinks", test_escape_symlinks);
    g_test_add_func("/p9/escape_swap", test_escape_swap);
    g_test_add_func("/p9/malformed", test_malformed);
    g_test_add_func("/p9/fids", test_fids);
    return g_test_run();
}
