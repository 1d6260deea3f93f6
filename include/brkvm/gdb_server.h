/* gdb_server.h - where the GDB stub listens, and its thread (sockets; no KVM) */
#ifndef BRKVM_GDB_SERVER_H
#define BRKVM_GDB_SERVER_H

#include <brkvm/gdb_target.h>

#include <pthread.h>
#include <stdbool.h>
#include <sys/types.h>

struct gdb_addr {
    bool is_unix;
    char host[256]; /* TCP: numeric or name; default 127.0.0.1 */
    unsigned port;
    char path[108]; /* unix: socket path */
};

/* Parse "PORT", "HOST:PORT", "[V6ADDR]:PORT" or "unix:PATH".  0 or -EINVAL with *why. */
int gdb_addr_parse(const char *spec, struct gdb_addr *a, const char **why);
/* "127.0.0.1:1234" or "unix:/tmp/x" */
void gdb_addr_format(const struct gdb_addr *a, char *buf, size_t len);

/* --gdb unix:PATH's checks (pure; gdbstub/unix_path.c).  The directory: 0, or -ENOTDIR/-EPERM
 * with *why unless it is a directory of euid's that no one else may write. */
int gdb_unix_dir_check(bool is_dir, uid_t owner, mode_t mode, uid_t euid, const char **why);
/* What lstat found at the path and, for a socket, the errno of a connect to it (0: someone
 * listens): GDB_UNIX_FREE (nothing there), GDB_UNIX_STALE (euid's socket nobody listens on:
 * remove it, then bind), or -EEXIST/-EPERM/-EADDRINUSE with *why. */
enum { GDB_UNIX_FREE = 0, GDB_UNIX_STALE = 1 };
/* Does the text of /proc/net/unix show a listening socket bound to exactly path?  (Checked
 * before connecting: a connect would attach to a live brkvm's stub, starting a --gdb-wait
 * guest.) */
bool gdb_unix_listed(const char *proc_net_unix, const char *path);
int gdb_unix_existing(bool exists, bool is_sock, uid_t owner, uid_t euid, int connect_err,
                      const char **why);

struct gdb_server {
    int listen_fd;
    int quit_efd;  /* written to end the server thread */
    int stop_efd;  /* the target writes it when a stop is ready (take_stop) */
    struct gdb_addr addr;
    const struct gdb_target_ops *ops;
    void *target;
    pthread_t thread;
    bool started;
    bool has_exit;  /* set before gdb_server_stop: the VM ended with exit_code (gdb gets 'W') */
    int exit_code;
};

/* Bind and listen (before the guest starts, so a busy port is a start-up error). 0/-errno. */
int gdb_server_listen(struct gdb_server *srv, const struct gdb_addr *a, char **msg);
/* Serve connections on a thread of its own, one client at a time. */
int gdb_server_start(struct gdb_server *srv, const struct gdb_target_ops *ops, void *target,
                     int stop_efd);
void gdb_server_stop(struct gdb_server *srv);

#endif
