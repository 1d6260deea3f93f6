/* size.c - parsing of sizes and numbers given on the command line */
#include <brkvm/size.h>

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int size_parse_u64(const char *s, uint64_t *out)
{
    char *end;
    unsigned long long v;

    if (!s || !*s || *s == '-' || isspace((unsigned char)*s))
        return -EINVAL;
    errno = 0;
    v = strtoull(s, &end, 0);
    if (errno == ERANGE)
        return -ERANGE;
    if (end == s || *end)
        return -EINVAL;
    *out = v;
    return 0;
}

int size_parse_mem(const char *s, uint64_t *out)
{
    char *end;
    unsigned long long v;
    unsigned shift = 20; /* bare number: MiB */

    if (!s || !isdigit((unsigned char)*s))
        return -EINVAL;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno == ERANGE)
        return -ERANGE;
    if (*end) {
        switch (toupper((unsigned char)*end)) {
        case 'B': shift = 0; break;
        case 'K': shift = 10; break;
        case 'M': shift = 20; break;
        case 'G': shift = 30; break;
        case 'T': shift = 40; break;
        default: return -EINVAL;
        }
        end++;
        if (shift && (!strcasecmp(end, "B") || !strcasecmp(end, "iB")))
            end += strlen(end);
        if (*end)
            return -EINVAL;
    }
    if (shift && v > (UINT64_MAX >> shift))
        return -ERANGE;
    *out = (uint64_t)v << shift;
    return 0;
}

const char *size_format(uint64_t bytes, char *buf, unsigned len)
{
    static const char units[] = "BKMGT";
    unsigned u = 0;

    while (u < 4 && bytes && !(bytes & 1023)) {
        bytes >>= 10;
        u++;
    }
    if (u == 0)
        snprintf(buf, len, "%llu", (unsigned long long)bytes);
    else
        snprintf(buf, len, "%llu%c", (unsigned long long)bytes, units[u]);
    return buf;
}
