/* gdbping.c - a minimal GDB remote client for the test host, where there is no gdb: connects
 * to ADDR (HOST:PORT or unix:PATH), sends each PACKET framed ($...#cc), prints each reply's
 * payload on a line, and closes the connection (the stub then detaches).  A packet written
 * "!PACKET" is sent without waiting for a reply (e.g. "!k").
 *   gdbping unix:/tmp/gdb.sock '?' 'qSupported'                                         */
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

static int connect_to(const char *addr)
{
    int fd;

    if (!strncmp(addr, "unix:", 5)) {
        struct sockaddr_un sun = {.sun_family = AF_UNIX};
        strncpy(sun.sun_path, addr + 5, sizeof(sun.sun_path) - 1);
        fd = socket(AF_UNIX, SOCK_STREAM, 0);
        if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0)
            return -1;
        return fd;
    }
    const char *colon = strrchr(addr, ':');
    struct sockaddr_in sin = {.sin_family = AF_INET};
    char host[64];
    if (!colon || (size_t)(colon - addr) >= sizeof(host))
        return -1;
    memcpy(host, addr, colon - addr);
    host[colon - addr] = 0;
    sin.sin_port = htons((unsigned short)atoi(colon + 1));
    if (inet_pton(AF_INET, host, &sin.sin_addr) != 1)
        return -1;
    fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0)
        return -1;
    return fd;
}

/* read one reply packet's payload (acks skipped); 0 or -1 */
static int read_reply(int fd, char *out, size_t cap)
{
    char c;
    size_t n = 0;
    int in = 0;

    while (read(fd, &c, 1) == 1) {
        if (!in) {
            if (c == '$')
                in = 1;
            continue;
        }
        if (c == '#') {
            char cs[2];
            if (read(fd, cs, 2) != 2)
                return -1;
            out[n] = 0;
            if (write(fd, "+", 1) != 1)
                return -1;
            return 0;
        }
        if (c == '*' && n > 0) { /* run-length encoding: repeat the previous byte */
            char cnt;
            if (read(fd, &cnt, 1) != 1)
                return -1;
            for (int k = cnt - 29; k > 0 && n + 1 < cap; k--, n++)
                out[n] = out[n - 1];
            continue;
        }
        if (c == '}') { /* escaped byte */
            if (read(fd, &c, 1) != 1)
                return -1;
            c ^= 0x20;
        }
        if (n + 1 < cap)
            out[n++] = c;
    }
    return -1;
}

int main(int argc, char **argv)
{
    static char reply[70000];
    struct timeval tv = {.tv_sec = 10};
    int fd;

    if (argc < 3) {
        fprintf(stderr, "usage: gdbping ADDR PACKET...\n");
        return 2;
    }
    fd = connect_to(argv[1]);
    if (fd < 0) {
        perror("gdbping: connect");
        return 1;
    }
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    for (int i = 2; i < argc; i++) {
        unsigned sum = 0;
        char frame[1024];
        const char *pkt = argv[i] + (argv[i][0] == '!');
        for (const char *p = pkt; *p; p++)
            sum += (unsigned char)*p;
        int len = snprintf(frame, sizeof(frame), "$%s#%02x", pkt, sum & 0xff);
        if (write(fd, frame, (size_t)len) != len) {
            perror("gdbping: write");
            return 1;
        }
        if (argv[i][0] == '!') {
            usleep(200000);
            continue;
        }
        if (read_reply(fd, reply, sizeof(reply))) {
            fprintf(stderr, "gdbping: no reply to %s\n", argv[i]);
            return 1;
        }
        printf("%s\n", reply);
    }
    close(fd);
    return 0;
}
