/* server.c - the GDB stub's own thread: listens, serves one client at a time, blocks in poll()
 * on the client socket, the target's stop eventfd and a quit eventfd (never busy-polls). */
#define G_LOG_DOMAIN "gdb"
#include <brkvm/gdb_server.h>
#include <brkvm/gdb_stub.h>

#include <errno.h>
#include <glib.h>
#include <malloc.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* is a listening socket bound to path (as given, or made absolute) in /proc/net/unix? */
static bool unix_path_listed(const char *path)
{
    gchar *text = NULL, *abs = NULL;
    bool found = false;

    if (!g_file_get_contents("/proc/net/unix", &text, NULL, NULL))
        return false;
    found = gdb_unix_listed(text, path);
    if (!found && path[0] != '/') {
        gchar *cwd = g_get_current_dir();
        abs = g_build_filename(cwd, path, NULL);
        g_free(cwd);
        found = gdb_unix_listed(text, abs);
    }
    g_free(abs);
    g_free(text);
    return found;
}

/* 0, or -errno with *why: may the socket go at a->path (removing a stale one of ours)? */
static int unix_path_prepare(const struct gdb_addr *a, const char **why)
{
    char dir[sizeof(a->path)];
    struct stat st;
    int r, fd, err;

    /* the directory: the path up to its last '/', or "." */
    const char *slash = strrchr(a->path, '/');
    if (!slash)
        snprintf(dir, sizeof(dir), ".");
    else if (slash == a->path)
        snprintf(dir, sizeof(dir), "/");
    else
        snprintf(dir, sizeof(dir), "%.*s", (int)(slash - a->path), a->path);
    if (stat(dir, &st) < 0) {
        r = -errno;
        *why = "its directory cannot be reached";
        return r;
    }
    if ((r = gdb_unix_dir_check(S_ISDIR(st.st_mode), st.st_uid, st.st_mode, geteuid(), why)))
        return r;

    if (lstat(a->path, &st) < 0) {
        if (errno != ENOENT) {
            r = -errno;
            *why = "the path cannot be examined";
            return r;
        }
        return gdb_unix_existing(false, false, 0, geteuid(), 0, why);
    }
    err = EINVAL;
    if (S_ISSOCK(st.st_mode) && st.st_uid == geteuid() && unix_path_listed(a->path))
        err = 0; /* someone listens there: no need to connect (and attach) to find out */
    else if (S_ISSOCK(st.st_mode) && st.st_uid == geteuid()) {
        /* is anyone listening there?  (ECONNREFUSED: a socket left by a brkvm that died) */
        struct sockaddr_un sun = {.sun_family = AF_UNIX};
        memcpy(sun.sun_path, a->path, strlen(a->path) + 1);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd >= 0) {
            err = connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0 ? 0 : errno;
            close(fd);
        } else {
            err = errno;
        }
    }
    r = gdb_unix_existing(true, S_ISSOCK(st.st_mode), st.st_uid, geteuid(), err, why);
    if (r == GDB_UNIX_STALE && unlink(a->path) < 0) {
        r = -errno;
        *why = "a stale socket is there and cannot be removed";
        return r;
    }
    return r < 0 ? r : 0;
}

static int listen_unix(const struct gdb_addr *a, char **msg)
{
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    const char *why = NULL;
    mode_t old;
    int fd = -1, r;

    if ((r = unix_path_prepare(a, &why)) < 0) {
        *msg = g_strdup_printf("--gdb unix:%s: %s%s%s", a->path, why ? why : "",
                               why ? ": " : "", strerror(-r));
        return r;
    }
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        goto fail;
    memcpy(sun.sun_path, a->path, strlen(a->path) + 1);
    old = umask(0177); /* the socket gives full control of the guest: mode 0600 */
    r = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
    umask(old);
    if (r < 0 || listen(fd, 1) < 0)
        goto fail;
    return fd;
fail:
    r = -errno;
    *msg = g_strdup_printf("--gdb unix:%s: %s", a->path, strerror(errno));
    if (fd >= 0)
        close(fd);
    return r;
}

static int listen_tcp(const struct gdb_addr *a, char **msg)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *res, *ai;
    char port[8];
    int fd = -1, r, err = 0, one = 1;

    snprintf(port, sizeof(port), "%u", a->port);
    r = getaddrinfo(a->host, port, &hints, &res);
    if (r) {
        *msg = g_strdup_printf("--gdb %s:%u: %s", a->host, a->port, gai_strerror(r));
        return -EINVAL;
    }
    for (ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) {
            err = errno;
            continue;
        }
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 1) == 0)
            break;
        err = errno;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0) {
        *msg = g_strdup_printf("--gdb %s:%u: %s", a->host, a->port, strerror(err));
        return -err;
    }
    return fd;
}

int gdb_server_listen(struct gdb_server *srv, const struct gdb_addr *a, char **msg)
{
    memset(srv, 0, sizeof(*srv));
    srv->listen_fd = srv->quit_efd = srv->stop_efd = -1;
    srv->addr = *a;
    srv->listen_fd = a->is_unix ? listen_unix(a, msg) : listen_tcp(a, msg);
    if (srv->listen_fd < 0)
        return srv->listen_fd;
    srv->quit_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    return srv->quit_efd < 0 ? -errno : 0;
}

/* the connection a stub sends on: the client socket (non-blocking) and the server's quit eventfd */
struct conn {
    int fd;
    int quit_efd;
};

/* Send everything, waiting while the client's socket is full: a client that stops reading
 * holds only this thread (the vCPUs never wait for the socket), and only until brkvm ends:
 * once the quit eventfd is written, a socket that takes nothing more cancels the send. */
static int send_all(void *io, const uint8_t *buf, size_t len)
{
    const struct conn *c = io;

    while (len) {
        ssize_t n = send(c->fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            struct pollfd p[2] = {
                {.fd = c->fd, .events = POLLOUT},
                {.fd = c->quit_efd, .events = POLLIN},
            };
            if (poll(p, 2, -1) < 0 && errno != EINTR)
                return -errno;
            if (p[1].revents && !(p[0].revents & (POLLOUT | POLLERR | POLLHUP)))
                return -ECANCELED; /* brkvm is ending and the client does not read */
            continue;
        }
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

static void drain(int efd)
{
    uint64_t v;
    while (read(efd, &v, sizeof(v)) > 0) {
    }
}

/* The target's console text (agent dprintf) to gdb, before the stop it may precede: at most
 * OUTPUT_BATCH chunks per call, so the client's input (a Ctrl-C) is served between batches even
 * while the vCPUs print faster than the socket drains.  True when text is left. */
#define OUTPUT_BATCH 64 /* of up to 2 KiB */
static bool send_target_output(struct gdb_server *srv, struct gdb_stub *stub)
{
    char text[2048];

    if (!srv->ops->take_output)
        return false;
    for (int i = 0; i < OUTPUT_BATCH; i++) {
        if (!srv->ops->take_output(srv->target, text, sizeof(text)))
            return false;
        gdb_stub_output(stub, text);
    }
    return true;
}

/* serve one connected client; returns false when the VMM should end (gdb's 'k') */
static bool serve(struct gdb_server *srv, int fd)
{
    struct gdb_stop where;
    struct conn conn = {.fd = fd, .quit_efd = srv->quit_efd};
    struct gdb_stub *stub = gdb_stub_new(srv->ops, srv->target, send_all, &conn);
    uint8_t buf[4096];
    bool keep = true;

    if (srv->ops->attach(srv->target, &where)) {
        gdb_stub_free(stub);
        return true;
    }
    gdb_stub_connect(stub, &where);
    bool more = false; /* target output left to send: poll without waiting */
    for (;;) {
        struct pollfd p[4] = {
            {.fd = fd, .events = POLLIN | POLLRDHUP},
            {.fd = srv->stop_efd, .events = POLLIN},
            {.fd = srv->quit_efd, .events = POLLIN},
            {.fd = srv->listen_fd, .events = POLLIN},
        };
        if (poll(p, 4, more ? 0 : -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (p[2].revents) {
            if (__atomic_load_n(&srv->has_exit, __ATOMIC_ACQUIRE)) /* (main.c's release) */
                gdb_stub_exited(stub, srv->exit_code);
            keep = false;
            break;
        }
        if ((p[1].revents & POLLIN) || more) {
            struct gdb_stop st;
            if (p[1].revents & POLLIN)
                drain(srv->stop_efd);
            more = send_target_output(srv, stub);
            if (!more && srv->ops->take_stop(srv->target, &st))
                gdb_stub_stopped(stub, &st);
        }
        if (p[0].revents) {
            ssize_t n = recv(fd, buf, sizeof(buf), 0);
            enum gdb_stub_status status;
            if (n < 0 && (errno == EINTR || errno == EAGAIN))
                continue;
            if (n <= 0) {
                g_message("debugger connection closed: breakpoints removed, guest running");
                srv->ops->detach(srv->target);
                break;
            }
            status = gdb_stub_input(stub, buf, (size_t)n);
            if (status == GDB_STUB_DETACHED) {
                g_message("debugger detached: guest running");
                break;
            }
            if (status == GDB_STUB_KILLED) {
                keep = false;
                break;
            }
        }
        /* one client at a time: turn a newcomer away, but not while this client is going (its
         * last bytes and its end come first), so one that connects right after the last one
         * dropped or detached is served, not refused */
        if ((p[3].revents & POLLIN) && !(p[0].revents & (POLLRDHUP | POLLHUP | POLLERR))) {
            int extra = accept4(srv->listen_fd, NULL, NULL, SOCK_CLOEXEC);
            if (extra >= 0) {
                g_warning("a second debugger tried to connect: refused (one client at a time)");
                close(extra);
            }
        }
    }
    gdb_stub_free(stub);
    return keep;
}

static void *server_thread(void *arg)
{
    struct gdb_server *srv = arg;

    pthread_setname_np(pthread_self(), "gdbstub");
    for (;;) {
        struct pollfd p[2] = {
            {.fd = srv->listen_fd, .events = POLLIN},
            {.fd = srv->quit_efd, .events = POLLIN},
        };
        int fd, one = 1;

        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (p[1].revents)
            break;
        fd = accept4(srv->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd < 0)
            continue;
        if (!srv->addr.is_unix)
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        g_message("debugger connected");
        bool keep = serve(srv, fd);
        close(fd);
        if (!keep)
            break;
    }
    return NULL;
}

int gdb_server_start(struct gdb_server *srv, const struct gdb_target_ops *ops, void *target,
                     int stop_efd)
{
    /* A session's buffers (~4.5 MiB, sized by PacketSize: the stub with its 1.5 MiB of packet
     * and memory buffers, calloc'ed, and the 2 MiB reply) must go back to the system when it
     * ends.  glibc's default mmap threshold is dynamic: after the first session freed them it
     * rises to their size, later sessions get them from an arena, calloc touches every page,
     * and what stayed resident after malloc_trim (a one-time +1.5 MiB = the stub's size in
     * bench/soak.sh and gdb-hostile-client) was, by its size, that calloc'ed stub.  A fixed threshold keeps them mmap'ed. */
    int r;

    mallopt(M_MMAP_THRESHOLD, 128 * 1024);

    srv->ops = ops;
    srv->target = target;
    srv->stop_efd = stop_efd;
    r = pthread_create(&srv->thread, NULL, server_thread, srv);
    if (r)
        return -r;
    srv->started = true;
    return 0;
}

void gdb_server_stop(struct gdb_server *srv)
{
    uint64_t one = 1;

    if (srv->started) {
        if (write(srv->quit_efd, &one, sizeof(one)) < 0)
            g_warning("stopping the gdb server: %s", strerror(errno));
        pthread_join(srv->thread, NULL);
        srv->started = false;
    }
    if (srv->listen_fd >= 0)
        close(srv->listen_fd);
    if (srv->quit_efd >= 0)
        close(srv->quit_efd);
    if (srv->addr.is_unix && srv->listen_fd >= 0)
        unlink(srv->addr.path);
    srv->listen_fd = srv->quit_efd = -1;
}
