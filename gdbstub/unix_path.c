/* unix_path.c - may brkvm put its gdb socket at a path?  The decisions of --gdb unix:PATH from
 * what stat/lstat/connect found, as pure code (gdbstub/server.c does the system calls).
 *
 * The socket gives whoever connects full control of the guest (it is a debugger), so it is
 * created mode 0600 in a directory of the user's own that nobody else may write (no one can
 * replace the socket or plant a path there first), and an existing path is replaced only when
 * it is a stale socket of the same user: one that nobody listens on any more. */
#include <brkvm/gdb_server.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

int gdb_unix_dir_check(bool is_dir, uid_t owner, mode_t mode, uid_t euid, const char **why)
{
    if (!is_dir) {
        *why = "its directory is not a directory";
        return -ENOTDIR;
    }
    if (owner != euid) {
        *why = "its directory belongs to another user (the socket gives full control of the "
               "guest: use a directory of your own, e.g. $XDG_RUNTIME_DIR or `mkdir -m 700`)";
        return -EPERM;
    }
    if (mode & (S_IWGRP | S_IWOTH)) {
        *why = "its directory is writable by other users (the socket gives full control of the "
               "guest: use a directory only you can write, e.g. $XDG_RUNTIME_DIR or "
               "`mkdir -m 700`)";
        return -EPERM;
    }
    return 0;
}

int gdb_unix_existing(bool exists, bool is_sock, uid_t owner, uid_t euid, int connect_err,
                      const char **why)
{
    if (!exists)
        return GDB_UNIX_FREE;
    if (!is_sock) {
        *why = "the path exists and is not a socket (not replaced)";
        return -EEXIST;
    }
    if (owner != euid) {
        *why = "a socket of another user is at that path (not replaced)";
        return -EPERM;
    }
    if (connect_err == 0) {
        *why = "a program listens on that socket (another brkvm?)";
        return -EADDRINUSE;
    }
    if (connect_err == ECONNREFUSED)
        return GDB_UNIX_STALE; /* left by a brkvm that ended without removing it */
    *why = "cannot tell whether the socket there is still in use (not replaced)";
    return -EEXIST;
}

bool gdb_unix_listed(const char *proc_net_unix, const char *path)
{
    /* lines "Num: RefCount Protocol Flags Type St Inode Path"; Flags 00010000 = listening */
    const char *line = proc_net_unix;
    size_t plen = strlen(path);

    while (line && *line) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        unsigned long flags = 0;
        int off = -1;
        if (sscanf(line, "%*s %*x %*x %lx %*x %*x %*u %n", &flags, &off) == 1 && off > 0 &&
            (size_t)off <= len && (flags & 0x10000) && len - (size_t)off == plen &&
            !memcmp(line + off, path, plen))
            return true;
        line = end ? end + 1 : NULL;
    }
    return false;
}
