/* p9_server.c - 9P2000.L operations over one host directory: fids and the message handlers.
 *
 * Containment: why nothing outside the root is reachable.
 *  - A fid never holds a path, only an fd: an O_PATH|O_NOFOLLOW fd of the object it names (for
 *    a symlink, the link itself).  The root fid is an O_PATH fd of the root directory; every
 *    other fid comes from walking one validated component at a time from an existing fid.
 *  - A component is validated before use: 1..NAME_MAX bytes, no '/', no NUL.  So every *at()
 *    call resolves exactly one name inside the directory its fd refers to; nothing is
 *    resolved from "/" or from the cwd.
 *  - Symlinks on the host are never followed: walks use openat(O_PATH|O_NOFOLLOW), so a walk
 *    to a symlink yields the link itself, and walking on from it fails (it is not a
 *    directory: checked with fstat before each step).  Creating ops (mkdirat, symlinkat,
 *    mknodat, linkat, renameat, unlinkat) never follow a final symlink; file creation uses
 *    openat2(O_CREAT|O_EXCL|O_NOFOLLOW, RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS|
 *    RESOLVE_NO_MAGICLINKS).  Readlink returns the link text for the guest to resolve in its
 *    own namespace.  chown uses fchownat(fd, "", AT_EMPTY_PATH|AT_SYMLINK_NOFOLLOW).
 *  - ".." is the only way up: a walk step ".." from a directory whose (st_dev, st_ino) is the
 *    root's stays at the root; from any other directory below the root it is openat(fd, "..")
 *    of a directory that is itself below the root, so it ends at most at the root.
 *  - Opening for I/O (Tlopen) and inode operations that need a real fd (chmod, truncate,
 *    utimes) go through /proc/self/fd/N of the fid's O_PATH fd, for non-symlinks only: that
 *    magic link names the very inode the fid holds, with no path walk, so a directory or file
 *    swapped for a symlink (or renamed, or moved) after the walk cannot redirect it: the fid
 *    keeps operating on the object it walked to, which was inside the root.
 *  - Limitation: a directory that a *host* process moves out of the tree while a fid holds it
 *    stays reachable through that fid (and its ".." leads outside); the guest itself cannot do
 *    that, as every rename here is within the root.  Device nodes inside the share are not
 *    opened (EPERM) and cannot be created, so the share gives no access to host devices.
 */
#include <brkvm/p9.h>
#include <brkvm/p9_msg.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

struct p9_fid {
    int fd;        /* O_PATH|O_NOFOLLOW: the object itself (a symlink is the link) */
    int open_fd;   /* -1, or the fd Tlopen/Tlcreate opened for I/O */
    int parent_fd; /* O_PATH of the directory it was walked from, -1 if unknown */
    char *name;    /* its name in parent_fd (NULL if unknown): for Tremove/Trename */
    uint32_t uid;  /* n_uname of the attach it descends from: owner of what it creates */
};

struct p9_server {
    char *root;
    int root_fd;
    dev_t root_dev;
    ino_t root_ino;
    bool ro;
    uint32_t msize;
    GHashTable *fids; /* fid number -> struct p9_fid */
};

struct p9_req {
    struct p9_server *s;
    struct p9_in in;
    struct p9_out out;
};

/* a string as it came off the wire */
struct p9_str {
    const char *s;
    uint16_t len;
};

static int neg_errno(void)
{
    return errno > 0 ? -errno : -EIO;
}

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

static void fid_free(gpointer p)
{
    struct p9_fid *f = p;

    close_fd(&f->fd);
    close_fd(&f->open_fd);
    close_fd(&f->parent_fd);
    g_free(f->name);
    g_free(f);
}

static struct p9_fid *fid_get(struct p9_server *s, uint32_t id)
{
    return g_hash_table_lookup(s->fids, GUINT_TO_POINTER(id));
}

/* the fid a modifying request names, after its arguments parsed: 0, or -EPROTO (malformed),
 * -EROFS (read-only share), -EBADF (unknown fid) */
static int fid_for_change(struct p9_req *r, uint32_t fidno, struct p9_fid **f)
{
    if (r->in.err)
        return -EPROTO;
    if (r->s->ro)
        return -EROFS;
    if (!(*f = fid_get(r->s, fidno)))
        return -EBADF;
    return 0;
}

/* may fid number id be created? 0 or -EEXIST/-EMFILE */
static int fid_check_new(struct p9_server *s, uint32_t id)
{
    if (id == P9_NOFID)
        return -EINVAL;
    if (fid_get(s, id))
        return -EEXIST;
    if (g_hash_table_size(s->fids) >= P9_SERVER_MAX_FIDS)
        return -EMFILE;
    return 0;
}

/* install a fid taking ownership of fd/parent_fd/name (replacing one of that number) */
static void fid_put(struct p9_server *s, uint32_t id, int fd, int parent_fd, char *name,
                    uint32_t uid)
{
    struct p9_fid *f = g_new0(struct p9_fid, 1);

    *f = (struct p9_fid){.fd = fd, .open_fd = -1, .parent_fd = parent_fd, .name = name,
                         .uid = uid};
    g_hash_table_replace(s->fids, GUINT_TO_POINTER(id), f);
}

static void proc_path(char buf[32], int fd)
{
    snprintf(buf, 32, "/proc/self/fd/%d", fd);
}

static void qid_from_stat(struct p9_qid *q, const struct stat *st)
{
    q->type = S_ISDIR(st->st_mode) ? P9_QTDIR : S_ISLNK(st->st_mode) ? P9_QTSYMLINK : P9_QTFILE;
    q->version = 0;
    q->path = st->st_ino;
}

static bool is_root(const struct p9_server *s, const struct stat *st)
{
    return st->st_dev == s->root_dev && st->st_ino == s->root_ino;
}

/* a single path component for a create/lookup: 1..NAME_MAX bytes, no '/', no NUL; "." and
 * ".." are refused unless dots (walk handles them itself) */
static int str_to_name(struct p9_str in, char out[NAME_MAX + 1], bool dots)
{
    if (in.len == 0 || in.len > NAME_MAX)
        return in.len ? -ENAMETOOLONG : -EINVAL;
    if (memchr(in.s, '/', in.len) || memchr(in.s, '\0', in.len))
        return -EINVAL;
    memcpy(out, in.s, in.len);
    out[in.len] = '\0';
    if (!dots && (!strcmp(out, ".") || !strcmp(out, "..")))
        return -EINVAL;
    return 0;
}

static struct p9_str get_str(struct p9_in *in)
{
    struct p9_str r;

    p9_get_str(in, &r.s, &r.len);
    return r;
}

/* Linux's (generic) O_* values on the wire to the host's.  No O_NOFOLLOW here: Tlopen opens
 * the magic link /proc/self/fd/N (of a non-symlink), which O_NOFOLLOW would refuse. */
static int open_flags_from_dotl(uint32_t fl)
{
    int h = O_CLOEXEC | O_NOCTTY;

    switch (fl & P9_DOTL_ACCMODE) {
    case P9_DOTL_RDONLY: h |= O_RDONLY; break;
    case P9_DOTL_WRONLY: h |= O_WRONLY; break;
    case P9_DOTL_RDWR: h |= O_RDWR; break;
    default: return -EINVAL;
    }
    if (fl & P9_DOTL_TRUNC)
        h |= O_TRUNC;
    if (fl & P9_DOTL_APPEND)
        h |= O_APPEND;
    if (fl & P9_DOTL_NONBLOCK)
        h |= O_NONBLOCK;
    if (fl & P9_DOTL_DSYNC)
        h |= O_DSYNC;
    if ((fl & P9_DOTL_SYNC) == P9_DOTL_SYNC)
        h |= O_SYNC;
    if (fl & P9_DOTL_DIRECTORY)
        h |= O_DIRECTORY;
    return h;
}

static bool dotl_writes(uint32_t fl)
{
    return (fl & P9_DOTL_ACCMODE) != P9_DOTL_RDONLY ||
           (fl & (P9_DOTL_TRUNC | P9_DOTL_APPEND | P9_DOTL_CREATE));
}

/* After creating dfd/name: open it O_PATH without following, set mode (unless it is a
 * symlink or mode < 0) and owner, fill the qid. */
static int new_entry_finish(int dfd, const char *name, long mode, uint32_t uid, uint32_t gid,
                            struct p9_qid *qid)
{
    int fd = openat(dfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    char pp[32];

    if (fd < 0)
        return neg_errno();
    if (fstat(fd, &st) < 0) {
        int r = neg_errno();
        close(fd);
        return r;
    }
    if (mode >= 0 && !S_ISLNK(st.st_mode)) {
        proc_path(pp, fd);
        (void)chmod(pp, (mode_t)mode & 07777); /* undo the host's umask */
    }
    /* best effort: as root the guest's owner, else the files stay brkvm's */
    (void)fchownat(fd, "", uid == P9_NONUNAME ? (uid_t)-1 : uid, gid, AT_EMPTY_PATH |
                   AT_SYMLINK_NOFOLLOW);
    close(fd);
    qid_from_stat(qid, &st);
    return 0;
}

/* ---- session ---- */

static int op_version(struct p9_req *r)
{
    uint32_t msize = p9_get32(&r->in);
    struct p9_str v = get_str(&r->in);
    static const char l[] = "9P2000.L";
    bool ok;

    if (r->in.err)
        return -EPROTO;
    if (msize < P9_SERVER_MIN_MSIZE)
        return -EINVAL;
    g_hash_table_remove_all(r->s->fids); /* a new session: every fid is clunked */
    r->s->msize = msize < P9_SERVER_MAX_MSIZE ? msize : P9_SERVER_MAX_MSIZE;
    ok = v.len == sizeof(l) - 1 && !memcmp(v.s, l, v.len);
    p9_put32(&r->out, r->s->msize);
    if (ok)
        p9_put_str(&r->out, l, sizeof(l) - 1);
    else
        p9_put_str(&r->out, "unknown", 7);
    return 0;
}

static int op_attach(struct p9_req *r)
{
    uint32_t fid = p9_get32(&r->in);
    struct stat st;
    uint32_t uid;
    struct p9_qid q;
    int fd, e;

    p9_get32(&r->in); /* afid: no authentication */
    get_str(&r->in);  /* uname */
    get_str(&r->in);  /* aname: the share is the tag, there is one tree */
    uid = p9_get32(&r->in);
    if (r->in.err)
        return -EPROTO;
    if ((e = fid_check_new(r->s, fid)))
        return e;
    fd = fcntl(r->s->root_fd, F_DUPFD_CLOEXEC, 0);
    if (fd < 0)
        return neg_errno();
    if (fstat(fd, &st) < 0) {
        e = neg_errno();
        close(fd);
        return e;
    }
    fid_put(r->s, fid, fd, -1, NULL, uid);
    qid_from_stat(&q, &st);
    p9_put_qid(&r->out, &q);
    return 0;
}

static int op_flush(struct p9_req *r)
{
    p9_get16(&r->in); /* oldtag: every request is answered before the next is read */
    return r->in.err ? -EPROTO : 0;
}

static int op_clunk(struct p9_req *r)
{
    uint32_t fid = p9_get32(&r->in);

    if (r->in.err)
        return -EPROTO;
    return g_hash_table_remove(r->s->fids, GUINT_TO_POINTER(fid)) ? 0 : -EBADF;
}

/* ---- walking ---- */

/* One walk step from directory cur: the new O_PATH fd or -errno. */
static int walk_step(struct p9_server *s, int cur, const char *name)
{
    struct stat st;
    int fd;

    if (fstat(cur, &st) < 0)
        return neg_errno();
    if (!S_ISDIR(st.st_mode))
        return -ENOTDIR; /* a file, or a symlink: never walked through */
    if (!strcmp(name, ".") || (!strcmp(name, "..") && is_root(s, &st)))
        fd = fcntl(cur, F_DUPFD_CLOEXEC, 0);
    else
        fd = openat(cur, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    return fd < 0 ? neg_errno() : fd;
}

static int op_walk(struct p9_req *r)
{
    uint32_t fidno = p9_get32(&r->in), newfid = p9_get32(&r->in);
    uint16_t nw = p9_get16(&r->in);
    struct p9_str wn[P9_MAXWELEM];
    char names[P9_MAXWELEM][NAME_MAX + 1];
    struct p9_qid qids[P9_MAXWELEM];
    struct p9_fid *f;
    int cur, parent, e = 0, i;
    char *name;

    if (r->in.err)
        return -EPROTO;
    if (nw > P9_MAXWELEM)
        return -EINVAL;
    for (i = 0; i < nw; i++)
        wn[i] = get_str(&r->in);
    if (r->in.err)
        return -EPROTO;
    if (p9_out_left(&r->out) < 2 + (size_t)nw * P9_QID_SIZE)
        return -EMSGSIZE; /* before anything is done */
    if (!(f = fid_get(r->s, fidno)))
        return -EBADF;
    if (newfid != fidno && (e = fid_check_new(r->s, newfid)))
        return e;
    for (i = 0; i < nw; i++)
        if ((e = str_to_name(wn[i], names[i], true)))
            return e;

    cur = fcntl(f->fd, F_DUPFD_CLOEXEC, 0);
    parent = f->parent_fd >= 0 ? fcntl(f->parent_fd, F_DUPFD_CLOEXEC, 0) : -1;
    name = g_strdup(f->name);
    if (cur < 0 || (f->parent_fd >= 0 && parent < 0)) {
        e = neg_errno();
        goto fail;
    }
    for (i = 0; i < nw; i++) {
        struct stat st;
        int next = walk_step(r->s, cur, names[i]);

        if (next < 0 || fstat(next, &st) < 0) {
            e = next < 0 ? next : neg_errno();
            close_fd(&next);
            break;
        }
        qid_from_stat(&qids[i], &st);
        if (!strcmp(names[i], ".")) {
            close(next);
            continue;
        }
        close_fd(&parent);
        g_free(name);
        if (!strcmp(names[i], "..")) { /* the parent of where ".." leads is not tracked */
            close(cur);
            name = NULL;
        } else {
            parent = cur;
            name = g_strdup(names[i]);
        }
        cur = next;
    }
    if (i == 0 && nw > 0)
        goto fail; /* the first step failed: an error */
    p9_put16(&r->out, (uint16_t)i);
    for (int k = 0; k < i; k++)
        p9_put_qid(&r->out, &qids[k]);
    if (i < nw) { /* partial walk: the qids so far, newfid untouched */
        e = 0;
        goto fail;
    }
    fid_put(r->s, newfid, cur, parent, name, f->uid); /* may free f when newfid == fid */
    return 0;
fail:
    close_fd(&cur);
    close_fd(&parent);
    g_free(name);
    return e;
}

/* ---- opening, reading, writing ---- */

static int op_lopen(struct p9_req *r)
{
    uint32_t fidno = p9_get32(&r->in), flags = p9_get32(&r->in);
    struct p9_fid *f;
    struct stat st, ost;
    struct p9_qid q;
    char pp[32];
    int hf, fd;

    if (r->in.err)
        return -EPROTO;
    if (!(f = fid_get(r->s, fidno)))
        return -EBADF;
    if (f->open_fd >= 0)
        return -EBUSY;
    if (r->s->ro && dotl_writes(flags))
        return -EROFS;
    if ((hf = open_flags_from_dotl(flags)) < 0)
        return hf;
    if (fstat(f->fd, &st) < 0)
        return neg_errno();
    if (S_ISLNK(st.st_mode))
        return -ELOOP; /* the guest resolves links itself */
    if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))
        return -EPERM; /* no host devices through the share */
    if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
        hf |= O_NONBLOCK; /* a FIFO must not block the server */
    proc_path(pp, f->fd);
    fd = open(pp, hf);
    if (fd < 0)
        return neg_errno();
    if (fstat(fd, &ost) < 0 || ost.st_dev != st.st_dev || ost.st_ino != st.st_ino) {
        close(fd);
        return -ESTALE; /* cannot happen: the magic link names the fid's inode */
    }
    f->open_fd = fd;
    qid_from_stat(&q, &st);
    p9_put_qid(&r->out, &q);
    p9_put32(&r->out, 0); /* iounit: the client uses msize */
    return 0;
}

static int op_lcreate(struct p9_req *r)
{
    uint32_t fidno = p9_get32(&r->in);
    struct p9_str n = get_str(&r->in);
    uint32_t flags = p9_get32(&r->in), mode = p9_get32(&r->in), gid = p9_get32(&r->in);
    char name[NAME_MAX + 1], pp[32];
    struct open_how how = {0};
    struct p9_fid *f;
    struct stat st;
    struct p9_qid q;
    int hf, fd, pfd, e;

    if ((e = fid_for_change(r, fidno, &f)))
        return e;
    if ((e = str_to_name(n, name, false)))
        return e;
    if (f->open_fd >= 0)
        return -EBUSY;
    if ((hf = open_flags_from_dotl(flags & ~P9_DOTL_DIRECTORY)) < 0)
        return hf;
    /* one component, no symlink anywhere (O_NOFOLLOW|O_EXCL refuse a link at the name too) */
    how.flags = (uint64_t)(hf | O_CREAT | O_EXCL | O_NOFOLLOW);
    how.mode = mode & 07777;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
    fd = (int)syscall(SYS_openat2, f->fd, name, &how, sizeof(how));
    if (fd < 0 && errno == ENOSYS) /* a kernel before 5.6: as safe for a single component */
        fd = openat(f->fd, name, (int)how.flags, (mode_t)how.mode);
    if (fd < 0)
        return neg_errno();
    if (fstat(fd, &st) < 0)
        goto err;
    if ((st.st_mode & 07777) != (mode & 07777))
        (void)fchmod(fd, mode & 07777); /* undo the host's umask */
    (void)fchownat(fd, "", f->uid == P9_NONUNAME ? (uid_t)-1 : f->uid, gid,
                   AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW);
    proc_path(pp, fd);
    pfd = open(pp, O_PATH | O_CLOEXEC);
    if (pfd < 0)
        goto err;
    /* the fid now names the new, open file; the directory becomes its parent */
    close_fd(&f->parent_fd);
    f->parent_fd = f->fd;
    f->fd = pfd;
    g_free(f->name);
    f->name = g_strdup(name);
    f->open_fd = fd;
    if (fstat(fd, &st) < 0)
        return neg_errno();
    qid_from_stat(&q, &st);
    p9_put_qid(&r->out, &q);
    p9_put32(&r->out, 0);
    return 0;
err:
    e = neg_errno();
    close(fd);
    return e;
}

/* room for count bytes of data after a count[4] field, within msize and the buffer */
static uint32_t io_room(struct p9_req *r, uint32_t count)
{
    size_t left = p9_out_left(&r->out);

    left = left > 4 ? left - 4 : 0;
    return count < left ? count : (uint32_t)left;
}

static int op_read(struct p9_req *r)
{
    uint32_t fidno = p9_get32(&r->in);
    uint64_t off = p9_get64(&r->in);
    uint32_t count = p9_get32(&r->in);
    struct p9_fid *f;
    uint8_t *cnt, *data;
    ssize_t n;

    if (r->in.err)
        return -EPROTO;
    if (!(f = fid_get(r->s, fidno)))
        return -EBADF;
    if (f->open_fd < 0)
        return -EBADF;
    if (off > INT64_MAX)
        return -EINVAL;
    count = io_room(r, count);
    cnt = p9_put_reserve(&r->out, 4);
    if (!cnt)
        return -EMSGSIZE;
    data = r->out.buf + r->out.pos;
    n = pread(f->open_fd, data, count, (off_t)off);
    if (n < 0)
        return neg_errno();
    p9_put_reserve(&r->out, (size_t)n);
    for (int i = 0; i < 4; i++)
        cnt[i] = (uint8_t)((uint32_t)n >> (8 * i));
    return 0;
}

static int op_write(struct p9_req *r)
{
    uint32_t fidno = p9_get32(&r->in);
    uint64_t off = p9_get64(&r->in);
    uint32_t count = p9_get32(&r->in);
    const uint8_t *data = p9_get_bytes(&r->in, count);
    struct p9_fid *f;
    ssize_t n;
    int e;

    if ((e = fid_for_change(r, fidno, &f)))
        return e;
    if (f->open_fd < 0)
        return -EBADF;
    if (off > INT64_MAX)
        return -EINVAL;
    n = pwrite(f->open_fd, data, count, (off_t)off);
    if (n < 0)
        return neg_errno();
    p9_put32(&r->out, (uint32_t)n);
    return 0;
}

static int op_readdir(struct p9_req *r)
{
    uint32_t fidno = p9_get32(&r->in);
    uint64_t off = p9_get64(&r->in);
    uint32_t count = p9_get32(&r->in);
    struct p9_fid *f;
    uint8_t *cnt;
    size_t start, room;
    bool at_root;
    struct stat st;
    char buf[4096] __attribute__((aligned(8)));

    if (r->in.err)
        return -EPROTO;
    if (!(f = fid_get(r->s, fidno)))
        return -EBADF;
    if (f->open_fd < 0)
        return -EBADF;
    if (fstat(f->open_fd, &st) < 0)
        return neg_errno();
    if (!S_ISDIR(st.st_mode))
        return -ENOTDIR;
    at_root = is_root(r->s, &st);
    room = io_room(r, count);
    cnt = p9_put_reserve(&r->out, 4);
    if (!cnt)
        return -EMSGSIZE;
    start = r->out.pos;
    /* the offsets the client resumes from are the directory's own d_off cookies */
    if (lseek(f->open_fd, (off_t)off, SEEK_SET) < 0)
        return neg_errno();
    for (bool full = false; !full;) {
        ssize_t n = getdents64(f->open_fd, buf, sizeof(buf));

        if (n < 0)
            return neg_errno();
        if (n == 0)
            break;
        for (ssize_t pos = 0; pos < n;) {
            struct dirent64 *d = (struct dirent64 *)(buf + pos);
            size_t len = strlen(d->d_name);
            struct p9_qid q = {.type = P9_QTFILE, .path = d->d_ino};
            uint8_t type = d->d_type;

            pos += d->d_reclen;
            if (r->out.pos - start + 24 + len > room) {
                full = true;
                break;
            }
            if (type == DT_UNKNOWN) {
                struct stat est;
                if (fstatat(f->open_fd, d->d_name, &est, AT_SYMLINK_NOFOLLOW) == 0)
                    type = (uint8_t)IFTODT(est.st_mode);
            }
            if (type == DT_DIR)
                q.type = P9_QTDIR;
            else if (type == DT_LNK)
                q.type = P9_QTSYMLINK;
            if (at_root && !strcmp(d->d_name, ".."))
                q.path = r->s->root_ino; /* the root's parent is the root, as for walks */
            p9_put_qid(&r->out, &q);
            p9_put64(&r->out, (uint64_t)d->d_off);
            p9_put8(&r->out, type);
            p9_put_str(&r->out, d->d_name, len);
        }
    }
    for (int i = 0; i < 4; i++)
        cnt[i] = (uint8_t)((uint32_t)(r->out.pos - start) >> (8 * i));
    return 0;
}

static int op_fsync(struct p9_req *r)
{
    uint32_t fidno = p9_get32(&r->in);
    uint32_t datasync = p9_in_left(&r->in) >= 4 ? p9_get32(&r->in) : 0; /* newer clients */
    struct p9_fid *f;

    if (r->in.err)
        return -EPROTO;
    if (!(f = fid_get(r->s, fidno)))
        return -EBADF;
    if (f->open_fd < 0)
        return 0; /* nothing written through this fid */
    if ((datasync ? fdatasync(f->open_fd) : fsync(f->open_fd)) < 0)
        return neg_errno();
    return 0;
}

/* ---- attributes ---- */

static int op_getattr(struct p9_req *r)
{
    uint32_t fidno = p9_get32(&r->in);
    struct p9_fid *f;
    struct stat st;
    struct p9_qid q;

    p9_get64(&r->in); /* request_mask: the basic fields are always there */
    if (r->in.err)
        return -EPROTO;
    if (!(f = fid_get(r->s, fidno)))
        return -EBADF;
    if (fstat(f->fd, &st) < 0)
        return neg_errno();
    qid_from_stat(&q, &st);
    p9_put64(&r->out, P9_GETATTR_BASIC);
    p9_put_qid(&r->out, &q);
    p9_put32(&r->out, st.st_mode);
    p9_put32(&r->out, st.st_uid);
    p9_put32(&r->out, st.st_gid);
    p9_put64(&r->out, st.st_nlink);
    p9_put64(&r->out, st.st_rdev);
    p9_put64(&r->out, (uint64_t)st.st_size);
    p9_put64(&r->out, (uint64_t)st.st_blksize);
    p9_put64(&r->out, (uint64_t)st.st_blocks);
    p9_put64(&r->out, (uint64_t)st.st_atim.tv_sec);
    p9_put64(&r->out, (uint64_t)st.st_atim.tv_nsec);
    p9_put64(&r->out, (uint64_t)st.st_mtim.tv_sec);
    p9_put64(&r->out, (uint64_t)st.st_mtim.tv_nsec);
    p9_put64(&r->out, (uint64_t)st.st_ctim.tv_sec);
    p9_put64(&r->out, (uint64_t)st.st_ctim.tv_nsec);
    for (int i = 0; i < 4; i++) /* btime sec/nsec, gen, data_version: not provided */
        p9_put64(&r->out, 0);
    return 0;
}

static void time_from_wire(struct timespec *ts, uint32_t valid, uint32_t bit, uint32_t setbit,
                           uint64_t sec, uint64_t nsec)
{
    if (!(valid & bit))
        *ts = (struct timespec){.tv_nsec = UTIME_OMIT};
    else if (!(valid & setbit))
        *ts = (struct timespec){.tv_nsec = UTIME_NOW};
    else /* an nsec out of range is the kernel's EINVAL */
        *ts = (struct timespec){.tv_sec = (time_t)sec,
                                .tv_nsec = nsec < 1000000000 ? (long)nsec : 1000000000};
}

static int op_setattr(struct p9_req *r)
{
    uint32_t fidno = p9_get32(&r->in), valid = p9_get32(&r->in), mode = p9_get32(&r->in);
    uint32_t uid = p9_get32(&r->in), gid = p9_get32(&r->in);
    uint64_t size = p9_get64(&r->in);
    uint64_t as = p9_get64(&r->in), ans = p9_get64(&r->in);
    uint64_t ms = p9_get64(&r->in), mns = p9_get64(&r->in);
    struct p9_fid *f;
    struct stat st;
    char pp[32];
    bool link;
    int e;

    if ((e = fid_for_change(r, fidno, &f)))
        return e;
    if (fstat(f->fd, &st) < 0)
        return neg_errno();
    link = S_ISLNK(st.st_mode);
    proc_path(pp, f->fd); /* only for non-symlinks: the fid's inode itself */
    if (valid & P9_ATTR_MODE) {
        if (link)
            return -EOPNOTSUPP;
        if (chmod(pp, mode & 07777) < 0)
            return neg_errno();
    }
    if (valid & (P9_ATTR_UID | P9_ATTR_GID)) {
        if (fchownat(f->fd, "", valid & P9_ATTR_UID ? uid : (uid_t)-1,
                     valid & P9_ATTR_GID ? gid : (gid_t)-1,
                     AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
            return neg_errno();
    }
    if (valid & P9_ATTR_SIZE) {
        if (!S_ISREG(st.st_mode))
            return S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
        if (size > INT64_MAX)
            return -EFBIG;
        if (truncate(pp, (off_t)size) < 0)
            return neg_errno();
    }
    if (valid & (P9_ATTR_ATIME | P9_ATTR_MTIME)) {
        struct timespec ts[2];
        int rc;

        time_from_wire(&ts[0], valid, P9_ATTR_ATIME, P9_ATTR_ATIME_SET, as, ans);
        time_from_wire(&ts[1], valid, P9_ATTR_MTIME, P9_ATTR_MTIME_SET, ms, mns);
        if (!link)
            rc = utimensat(AT_FDCWD, pp, ts, 0);
        else if (f->parent_fd >= 0) /* the link itself, one component in its directory */
            rc = utimensat(f->parent_fd, f->name, ts, AT_SYMLINK_NOFOLLOW);
        else
            return -EOPNOTSUPP;
        if (rc < 0)
            return neg_errno();
    }
    return 0; /* ctime: changed by the kernel with anything else */
}

static int op_statfs(struct p9_req *r)
{
    uint32_t fidno = p9_get32(&r->in);
    struct p9_fid *f;
    struct statfs sf;
    uint64_t fsid;

    if (r->in.err)
        return -EPROTO;
    if (!(f = fid_get(r->s, fidno)))
        return -EBADF;
    if (fstatfs(f->fd, &sf) < 0)
        return neg_errno();
    memcpy(&fsid, &sf.f_fsid, sizeof(fsid));
    p9_put32(&r->out, (uint32_t)sf.f_type);
    p9_put32(&r->out, (uint32_t)sf.f_bsize);
    p9_put64(&r->out, sf.f_blocks);
    p9_put64(&r->out, sf.f_bfree);
    p9_put64(&r->out, sf.f_bavail);
    p9_put64(&r->out, sf.f_files);
    p9_put64(&r->out, sf.f_ffree);
    p9_put64(&r->out, fsid);
    p9_put32(&r->out, (uint32_t)sf.f_namelen);
    return 0;
}

static int op_readlink(struct p9_req *r)
{
    uint32_t fidno = p9_get32(&r->in);
    struct p9_fid *f;
    struct stat st;
    char buf[PATH_MAX];
    ssize_t n;

    if (r->in.err)
        return -EPROTO;
    if (!(f = fid_get(r->s, fidno)))
        return -EBADF;
    if (fstat(f->fd, &st) < 0)
        return neg_errno();
    if (!S_ISLNK(st.st_mode))
        return -EINVAL;
    n = readlinkat(f->fd, "", buf, sizeof(buf));
    if (n < 0)
        return neg_errno();
    p9_put_str(&r->out, buf, (size_t)n); /* the text: the guest resolves it */
    return r->out.err ? -EMSGSIZE : 0;
}

/* ---- directory entries ---- */

/* the directory fid and the validated name of a create-like request */
static int dir_and_name(struct p9_req *r, uint32_t dfid, struct p9_str n, struct p9_fid **d,
                        char name[NAME_MAX + 1])
{
    if (r->in.err)
        return -EPROTO;
    if (r->s->ro)
        return -EROFS;
    if (!(*d = fid_get(r->s, dfid)))
        return -EBADF;
    return str_to_name(n, name, false);
}

static int op_mkdir(struct p9_req *r)
{
    uint32_t dfid = p9_get32(&r->in);
    struct p9_str n = get_str(&r->in);
    uint32_t mode = p9_get32(&r->in), gid = p9_get32(&r->in);
    char name[NAME_MAX + 1];
    struct p9_fid *d;
    struct p9_qid q;
    int e;

    if ((e = dir_and_name(r, dfid, n, &d, name)))
        return e;
    if (mkdirat(d->fd, name, mode & 07777) < 0)
        return neg_errno();
    if ((e = new_entry_finish(d->fd, name, mode & 07777, d->uid, gid, &q)))
        return e;
    p9_put_qid(&r->out, &q);
    return 0;
}

static int op_symlink(struct p9_req *r)
{
    uint32_t dfid = p9_get32(&r->in);
    struct p9_str n = get_str(&r->in), t = get_str(&r->in);
    uint32_t gid = p9_get32(&r->in);
    char name[NAME_MAX + 1], target[PATH_MAX];
    struct p9_fid *d;
    struct p9_qid q;
    int e;

    if ((e = dir_and_name(r, dfid, n, &d, name)))
        return e;
    if (t.len == 0 || memchr(t.s, '\0', t.len))
        return -EINVAL;
    if (t.len >= sizeof(target))
        return -ENAMETOOLONG;
    memcpy(target, t.s, t.len);
    target[t.len] = '\0';
    if (symlinkat(target, d->fd, name) < 0) /* stored as text, never followed here */
        return neg_errno();
    if ((e = new_entry_finish(d->fd, name, -1, d->uid, gid, &q)))
        return e;
    p9_put_qid(&r->out, &q);
    return 0;
}

static int op_mknod(struct p9_req *r)
{
    uint32_t dfid = p9_get32(&r->in);
    struct p9_str n = get_str(&r->in);
    uint32_t mode = p9_get32(&r->in);
    uint32_t gid;
    char name[NAME_MAX + 1];
    struct p9_fid *d;
    struct p9_qid q;
    int e;

    p9_get32(&r->in); /* major */
    p9_get32(&r->in); /* minor */
    gid = p9_get32(&r->in);
    if ((e = dir_and_name(r, dfid, n, &d, name)))
        return e;
    switch (mode & S_IFMT) {
    case 0:
    case S_IFREG:
    case S_IFIFO:
    case S_IFSOCK: break;
    case S_IFCHR:
    case S_IFBLK: return -EPERM; /* no device nodes: they would reach host devices */
    default: return -EINVAL;
    }
    if (mknodat(d->fd, name, mode & (S_IFMT | 07777), 0) < 0)
        return neg_errno();
    if ((e = new_entry_finish(d->fd, name, mode & 07777, d->uid, gid, &q)))
        return e;
    p9_put_qid(&r->out, &q);
    return 0;
}

static int op_link(struct p9_req *r)
{
    uint32_t dfid = p9_get32(&r->in), fidno = p9_get32(&r->in);
    struct p9_str n = get_str(&r->in);
    char name[NAME_MAX + 1], pp[32];
    struct p9_fid *d, *f;
    struct stat st;
    int e;

    if ((e = dir_and_name(r, dfid, n, &d, name)))
        return e;
    if (!(f = fid_get(r->s, fidno)))
        return -EBADF;
    if (linkat(f->fd, "", d->fd, name, AT_EMPTY_PATH) == 0)
        return 0;
    /* without CAP_DAC_READ_SEARCH: the fid's inode through its magic link (not a symlink) */
    if (errno != ENOENT || fstat(f->fd, &st) < 0 || S_ISLNK(st.st_mode))
        return neg_errno();
    proc_path(pp, f->fd);
    return linkat(AT_FDCWD, pp, d->fd, name, AT_SYMLINK_FOLLOW) < 0 ? neg_errno() : 0;
}

static int op_renameat(struct p9_req *r)
{
    uint32_t ofid = p9_get32(&r->in);
    struct p9_str on = get_str(&r->in);
    uint32_t nfid = p9_get32(&r->in);
    struct p9_str nn = get_str(&r->in);
    char oname[NAME_MAX + 1], nname[NAME_MAX + 1];
    struct p9_fid *od, *nd;
    int e;

    if ((e = dir_and_name(r, ofid, on, &od, oname)))
        return e;
    if ((e = dir_and_name(r, nfid, nn, &nd, nname)))
        return e;
    return renameat(od->fd, oname, nd->fd, nname) < 0 ? neg_errno() : 0;
}

static int op_rename(struct p9_req *r)
{
    uint32_t fidno = p9_get32(&r->in), dfid = p9_get32(&r->in);
    struct p9_str n = get_str(&r->in);
    char name[NAME_MAX + 1];
    struct p9_fid *d, *f;
    int e, pfd;

    if ((e = dir_and_name(r, dfid, n, &d, name)))
        return e;
    if (!(f = fid_get(r->s, fidno)))
        return -EBADF;
    if (f->parent_fd < 0)
        return -EBUSY; /* the root, or reached by "..": its name is not known */
    if ((pfd = fcntl(d->fd, F_DUPFD_CLOEXEC, 0)) < 0)
        return neg_errno();
    if (renameat(f->parent_fd, f->name, d->fd, name) < 0) {
        e = neg_errno();
        close(pfd);
        return e;
    }
    close(f->parent_fd);
    f->parent_fd = pfd;
    g_free(f->name);
    f->name = g_strdup(name);
    return 0;
}

static int op_unlinkat(struct p9_req *r)
{
    uint32_t dfid = p9_get32(&r->in);
    struct p9_str n = get_str(&r->in);
    uint32_t flags = p9_get32(&r->in);
    char name[NAME_MAX + 1];
    struct p9_fid *d;
    int e;

    if ((e = dir_and_name(r, dfid, n, &d, name)))
        return e;
    if (unlinkat(d->fd, name, flags & P9_DOTL_AT_REMOVEDIR ? AT_REMOVEDIR : 0) < 0)
        return neg_errno();
    return 0;
}

static int remove_fid(struct p9_server *s, struct p9_fid *f)
{
    struct stat st, now;

    if (s->ro)
        return -EROFS;
    if (f->parent_fd < 0)
        return -EBUSY;
    if (fstat(f->fd, &st) < 0)
        return neg_errno();
    /* the name must still be this fid's object, not something renamed over it since */
    if (fstatat(f->parent_fd, f->name, &now, AT_SYMLINK_NOFOLLOW) < 0)
        return neg_errno();
    if (now.st_dev != st.st_dev || now.st_ino != st.st_ino)
        return -ESTALE;
    if (unlinkat(f->parent_fd, f->name, S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0) < 0)
        return neg_errno();
    return 0;
}

static int op_remove(struct p9_req *r)
{
    uint32_t fidno = p9_get32(&r->in);
    struct p9_fid *f;
    int e;

    if (r->in.err)
        return -EPROTO;
    if (!(f = fid_get(r->s, fidno)))
        return -EBADF;
    e = remove_fid(r->s, f);
    g_hash_table_remove(r->s->fids, GUINT_TO_POINTER(fidno)); /* clunked even on failure */
    return e;
}

/* ---- unsupported or trivial ---- */

static int op_xattrwalk(struct p9_req *r)
{
    return -EOPNOTSUPP;
}

static int op_xattrcreate(struct p9_req *r)
{
    return r->s->ro ? -EROFS : -EOPNOTSUPP;
}

static int op_auth(struct p9_req *r)
{
    return -EOPNOTSUPP;
}

static int op_lock(struct p9_req *r)
{
    uint32_t fidno = p9_get32(&r->in);

    p9_get8(&r->in);  /* type */
    p9_get32(&r->in); /* flags */
    p9_get64(&r->in); /* start */
    p9_get64(&r->in); /* length */
    p9_get32(&r->in); /* proc_id */
    get_str(&r->in);  /* client_id */
    if (r->in.err)
        return -EPROTO;
    if (!fid_get(r->s, fidno))
        return -EBADF;
    p9_put8(&r->out, P9_LOCK_SUCCESS); /* locks are the guest's business (as kvmtool) */
    return 0;
}

static int op_getlock(struct p9_req *r)
{
    uint32_t fidno = p9_get32(&r->in);
    uint64_t start, length;
    uint32_t proc_id;
    struct p9_str cid;

    p9_get8(&r->in); /* type */
    start = p9_get64(&r->in);
    length = p9_get64(&r->in);
    proc_id = p9_get32(&r->in);
    cid = get_str(&r->in);
    if (r->in.err)
        return -EPROTO;
    if (!fid_get(r->s, fidno))
        return -EBADF;
    p9_put8(&r->out, P9_LOCK_TYPE_UNLCK);
    p9_put64(&r->out, start);
    p9_put64(&r->out, length);
    p9_put32(&r->out, proc_id);
    p9_put_str(&r->out, cid.s, cid.len);
    return 0;
}

/* ---- dispatch ---- */

struct p9_op {
    int (*fn)(struct p9_req *r);
    size_t reply; /* the reply's size beyond the header, if fixed: checked before acting */
};

static const struct p9_op ops[256] = {
    [P9_TSTATFS] = {op_statfs, 4 + 4 + 8 * 6 + 4},
    [P9_TLOPEN] = {op_lopen, P9_QID_SIZE + 4},
    [P9_TLCREATE] = {op_lcreate, P9_QID_SIZE + 4},
    [P9_TSYMLINK] = {op_symlink, P9_QID_SIZE},
    [P9_TMKNOD] = {op_mknod, P9_QID_SIZE},
    [P9_TRENAME] = {op_rename, 0},
    [P9_TREADLINK] = {op_readlink, 2},
    [P9_TGETATTR] = {op_getattr, 8 + P9_QID_SIZE + 4 * 3 + 8 * 15},
    [P9_TSETATTR] = {op_setattr, 0},
    [P9_TXATTRWALK] = {op_xattrwalk, 8},
    [P9_TXATTRCREATE] = {op_xattrcreate, 0},
    [P9_TREADDIR] = {op_readdir, 4},
    [P9_TFSYNC] = {op_fsync, 0},
    [P9_TLOCK] = {op_lock, 1},
    [P9_TGETLOCK] = {op_getlock, 1 + 8 + 8 + 4 + 2},
    [P9_TLINK] = {op_link, 0},
    [P9_TMKDIR] = {op_mkdir, P9_QID_SIZE},
    [P9_TRENAMEAT] = {op_renameat, 0},
    [P9_TUNLINKAT] = {op_unlinkat, 0},
    [P9_TVERSION] = {op_version, 4 + 2 + 8},
    [P9_TAUTH] = {op_auth, P9_QID_SIZE},
    [P9_TATTACH] = {op_attach, P9_QID_SIZE},
    [P9_TFLUSH] = {op_flush, 0},
    [P9_TWALK] = {op_walk, 2}, /* and a qid per name: checked by op_walk */
    [P9_TREAD] = {op_read, 4},
    [P9_TWRITE] = {op_write, 4},
    [P9_TCLUNK] = {op_clunk, 0},
    [P9_TREMOVE] = {op_remove, 0},
};

size_t p9_server_handle(struct p9_server *s, const uint8_t *req, size_t req_len, uint8_t *resp,
                        size_t resp_cap)
{
    struct p9_req r = {.s = s};
    size_t cap = resp_cap < s->msize ? resp_cap : s->msize, len;
    uint32_t size;
    uint8_t type;
    uint16_t tag;
    const struct p9_op *op;
    int e;

    if (resp_cap < P9_HDR_SIZE + 4)
        return 0;
    if (req_len < P9_HDR_SIZE)
        return p9_put_lerror(resp, resp_cap, P9_NOTAG, EPROTO);
    p9_in_init(&r.in, req, req_len);
    size = p9_get32(&r.in);
    type = p9_get8(&r.in);
    tag = p9_get16(&r.in);
    if (size < P9_HDR_SIZE || size > req_len)
        return p9_put_lerror(resp, resp_cap, tag, EPROTO);
    r.in.len = size; /* the message, not what may follow it in the buffer */
    op = &ops[type];
    if (!op->fn)
        return p9_put_lerror(resp, resp_cap, tag, ENOTSUP);
    if (P9_HDR_SIZE + op->reply > cap)
        return p9_put_lerror(resp, resp_cap, tag, EMSGSIZE);
    p9_out_init(&r.out, resp, cap);
    p9_put_hdr(&r.out, (uint8_t)(type + 1), tag);
    e = op->fn(&r);
    if (e == 0 && (len = p9_put_end(&r.out)) > 0)
        return len;
    return p9_put_lerror(resp, resp_cap, tag, e ? (uint32_t)-e : EMSGSIZE);
}

int p9_server_init(struct p9_server **out, const char *root_dir, bool ro, char **msg)
{
    struct p9_server *s = g_new0(struct p9_server, 1);
    struct stat st;
    char pp[32];
    int fd, e;

    s->root_fd = open(root_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (s->root_fd < 0) {
        e = neg_errno();
        *msg = g_strdup_printf("9p share %s: %s (need an existing directory)", root_dir,
                               strerror(-e));
        g_free(s);
        return e;
    }
    proc_path(pp, s->root_fd);
    fd = open(pp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) < 0) {
        e = neg_errno();
        *msg = g_strdup_printf("9p share %s: cannot reopen it through %s: %s (is /proc "
                               "mounted?)", root_dir, pp, strerror(-e));
        close_fd(&fd);
        close(s->root_fd);
        g_free(s);
        return e;
    }
    close(fd);
    s->root = g_strdup(root_dir);
    s->root_dev = st.st_dev;
    s->root_ino = st.st_ino;
    s->ro = ro;
    s->msize = 8192; /* until Tversion */
    s->fids = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, fid_free);
    *out = s;
    return 0;
}

void p9_server_destroy(struct p9_server *s)
{
    if (!s)
        return;
    g_hash_table_destroy(s->fids);
    close(s->root_fd);
    g_free(s->root);
    g_free(s);
}

const char *p9_server_root(const struct p9_server *s)
{
    return s->root;
}
