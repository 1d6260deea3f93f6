/* addr.c - parsing --gdb's address: "PORT", "HOST:PORT", "[V6]:PORT", "unix:PATH" */
#include <brkvm/gdb_server.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse_port(const char *s, unsigned *port)
{
    char *end;
    long v;

    if (*s < '0' || *s > '9') /* strtol would take spaces and signs */
        return -1;
    v = strtol(s, &end, 10);
    if (*end || v < 1 || v > 65535)
        return -1;
    *port = (unsigned)v;
    return 0;
}

int gdb_addr_parse(const char *spec, struct gdb_addr *a, const char **why)
{
    const char *colon;
    size_t hl;

    memset(a, 0, sizeof(*a));
    if (!spec || !*spec) {
        *why = "empty address";
        return -EINVAL;
    }
    if (!strncmp(spec, "unix:", 5)) {
        if (!spec[5]) {
            *why = "unix: needs a socket path, e.g. unix:/tmp/brkvm.sock";
            return -EINVAL;
        }
        if (strlen(spec + 5) >= sizeof(a->path)) {
            *why = "socket path too long";
            return -EINVAL;
        }
        a->is_unix = true;
        strcpy(a->path, spec + 5);
        return 0;
    }
    if (spec[0] == '[') { /* [v6]:port */
        const char *close = strchr(spec, ']');
        if (!close || close[1] != ':' || close == spec + 1) {
            *why = "an IPv6 address is written [ADDR]:PORT";
            return -EINVAL;
        }
        hl = (size_t)(close - spec - 1);
        if (hl >= sizeof(a->host)) {
            *why = "host name too long";
            return -EINVAL;
        }
        memcpy(a->host, spec + 1, hl);
        if (parse_port(close + 2, &a->port)) {
            *why = "port must be a number from 1 to 65535";
            return -EINVAL;
        }
        return 0;
    }
    colon = strrchr(spec, ':');
    if (colon && strchr(spec, ':') != colon) {
        *why = "an IPv6 address is written [ADDR]:PORT";
        return -EINVAL;
    }
    if (colon) {
        hl = (size_t)(colon - spec);
        if (hl == 0 || hl >= sizeof(a->host)) {
            *why = hl ? "host name too long" : "missing host before ':'";
            return -EINVAL;
        }
        memcpy(a->host, spec, hl);
    } else {
        strcpy(a->host, "127.0.0.1"); /* never all interfaces unless asked */
    }
    if (parse_port(colon ? colon + 1 : spec, &a->port)) {
        *why = "port must be a number from 1 to 65535";
        return -EINVAL;
    }
    return 0;
}

void gdb_addr_format(const struct gdb_addr *a, char *buf, size_t len)
{
    if (a->is_unix)
        snprintf(buf, len, "unix:%s", a->path);
    else if (strchr(a->host, ':'))
        snprintf(buf, len, "[%s]:%u", a->host, a->port);
    else
        snprintf(buf, len, "%s:%u", a->host, a->port);
}
