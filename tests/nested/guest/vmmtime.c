/* vmmtime.c - start-up and memory of a VMM, for bench/stub.sh rows 8 and 9 (runs in the test
 * host, next to gdbping).
 *   vmmtime [-m TEXT] [-r RAM_MIB] [-t SECONDS] [-q] -- VMM ARGS...
 * starts VMM with its stdout on a pipe (stdin /dev/null, stderr inherited) and reads that pipe:
 * the time from just before fork() to the first byte (the guest's first UART byte), and to the
 * first appearance of TEXT (-m; e.g. the guest's /init line).  At TEXT (or the first byte when
 * there is no -m), with -r, it reads the VMM's /proc/PID/status (VmRSS, Threads) and
 * /proc/PID/smaps: the guest RAM is the smallest mapping of at least RAM_MIB MiB (a merged
 * neighbour can make it larger), its Rss the guest pages the VMM has touched or the guest has
 * faulted in; VmRSS minus that is the VMM's own memory.  Then it SIGKILLs the VMM and prints
 *   VMMTIME first=S match=S rss_kb=N ram_kb=N ram_rss_kb=N other_kb=N threads=N
 * (-1 for what it did not get).  -t: give up after SECONDS (default 120); -q: do not copy the
 * VMM's output to stdout.  Exit 0 iff TEXT (or a first byte) was seen. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

struct mem {
    long rss_kb, ram_kb, ram_rss_kb, threads;
};

static void read_status(pid_t pid, struct mem *m)
{
    char path[64], line[256];
    FILE *f;

    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    f = fopen(path, "r");
    if (!f)
        return;
    while (fgets(line, sizeof(line), f)) {
        sscanf(line, "VmRSS: %ld", &m->rss_kb);
        sscanf(line, "Threads: %ld", &m->threads);
    }
    fclose(f);
}

/* the smallest mapping of at least want_kb: its Size and Rss */
static void read_smaps(pid_t pid, long want_kb, struct mem *m)
{
    char path[64], line[512];
    long size = -1, v;
    int cand = 0;
    FILE *f;

    snprintf(path, sizeof(path), "/proc/%d/smaps", (int)pid);
    f = fopen(path, "r");
    if (!f)
        return;
    while (fgets(line, sizeof(line), f)) {
        if (sscanf(line, "Size: %ld", &v) == 1) {
            size = v;
            cand = size >= want_kb && (m->ram_kb < 0 || size < m->ram_kb);
            if (cand)
                m->ram_kb = size;
        } else if (cand && sscanf(line, "Rss: %ld", &v) == 1) {
            m->ram_rss_kb = v;
        }
    }
    fclose(f);
}

int main(int argc, char **argv)
{
    const char *text = NULL;
    long ram_mib = 0;
    int limit = 120, quiet = 0, opt, fds[2], status;
    struct mem m = {-1, -1, -1, -1};
    double t0, first = -1, match = -1;
    char buf[4096], tail[8192];
    size_t tail_len = 0;
    pid_t pid;

    while ((opt = getopt(argc, argv, "m:r:t:q")) != -1) {
        switch (opt) {
        case 'm': text = optarg; break;
        case 'r': ram_mib = atol(optarg); break;
        case 't': limit = atoi(optarg); break;
        case 'q': quiet = 1; break;
        default:
            fprintf(stderr, "usage: vmmtime [-m TEXT] [-r RAM_MIB] [-t S] [-q] -- VMM ARGS...\n");
            return 2;
        }
    }
    if (optind >= argc || pipe(fds)) {
        fprintf(stderr, "vmmtime: no VMM command (or pipe: %s)\n", strerror(errno));
        return 2;
    }
    t0 = now();
    pid = fork();
    if (pid < 0) {
        perror("vmmtime: fork");
        return 2;
    }
    if (pid == 0) {
        freopen("/dev/null", "r", stdin);
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        execvp(argv[optind], argv + optind);
        perror("vmmtime: exec");
        _exit(127);
    }
    close(fds[1]);
    for (;;) {
        struct pollfd p = {.fd = fds[0], .events = POLLIN};
        double left = limit - (now() - t0);
        ssize_t n;

        if (left <= 0 || poll(&p, 1, (int)(left * 1000) + 1) <= 0)
            break;
        n = read(fds[0], buf, sizeof(buf));
        if (n <= 0)
            break;
        if (first < 0)
            first = now() - t0;
        if (!quiet)
            fwrite(buf, 1, n, stdout);
        if (!text)
            break;
        /* TEXT may span reads: search the last bytes seen plus this read */
        if (tail_len + n >= sizeof(tail)) {
            size_t keep = strlen(text);
            keep = keep < tail_len ? keep : tail_len;
            memmove(tail, tail + tail_len - keep, keep);
            tail_len = keep;
        }
        if ((size_t)n >= sizeof(tail) - tail_len)
            n = sizeof(tail) - tail_len - 1;
        memcpy(tail + tail_len, buf, n);
        tail_len += n;
        tail[tail_len] = 0;
        if (memmem(tail, tail_len, text, strlen(text))) {
            match = now() - t0;
            break;
        }
    }
    if (ram_mib && (text ? match >= 0 : first >= 0)) {
        read_status(pid, &m);
        read_smaps(pid, ram_mib * 1024, &m);
    }
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    fflush(stdout);
    printf("\nVMMTIME first=%.3f match=%.3f rss_kb=%ld ram_kb=%ld ram_rss_kb=%ld other_kb=%ld "
           "threads=%ld\n", first, match, m.rss_kb, m.ram_kb, m.ram_rss_kb,
           m.rss_kb >= 0 && m.ram_rss_kb >= 0 ? m.rss_kb - m.ram_rss_kb : -1, m.threads);
    return (text ? match >= 0 : first >= 0) ? 0 : 1;
}
