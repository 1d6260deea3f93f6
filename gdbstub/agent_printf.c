/* agent_printf.c - the text of the agent-expression printf bytecode (gdb's dprintf with
 * `set dprintf-style agent`): gdb's format rules (gdbsupport/format.cc: escapes, then C89
 * conversions with gdb's argument classes) applied as gdbserver's agent applies them, each
 * conversion rebuilt from its parsed parts and formatted with one argument of the right C type.
 * Strings come from guest memory through the env's read_mem; nothing is allocated. */
#include <brkvm/agent_expr.h>

#include <stdio.h>
#include <string.h>

/* gdb's argument classes (the ones the agent refuses are errors at parse time) */
enum fmt_class {
    FMT_INT,    /* d i u o x X c: int (h: printed as short) */
    FMT_WIDE,   /* l, ll, z: 64 bits (the guest's long, long long, size_t) */
    FMT_STRING, /* s */
    FMT_PTR,    /* p */
};

/* one conversion, as parsed */
struct fmt_spec {
    bool minus, plus, space, hash, zero, has_prec, h;
    unsigned width, prec;
    char conv;
    enum fmt_class cls;
};

/* the format, escapes decoded as it is read */
struct fmt_in {
    const char *start, *p;
};

struct fmt_out {
    char *text;
    size_t len;     /* bytes in text, at most AX_PRINTF_MAX - 1 */
    bool truncated; /* some were dropped */
};

/* The next character of the format, escapes decoded, in *c (0 at the end of the format: its
 * NUL or an unescaped '"'); *n is how many bytes it takes.  -1 for a bad escape. */
static int fmt_peek(const struct fmt_in *in, char *c, size_t *n)
{
    static const char esc_in[] = "\\abefnrtv\"", esc_out[] = "\\\a\b\x1b\f\n\r\t\v\"";
    const char *e;

    *n = 1;
    *c = in->p[0];
    if (*c == '"')
        *c = 0;
    if (*c != '\\')
        return 0;
    if (in->p[1] == 0 || !(e = strchr(esc_in, in->p[1])))
        return -1;
    *n = 2;
    *c = esc_out[e - esc_in];
    return 0;
}

/* consume the next character (0 at the end, which is not consumed) */
static int fmt_next(struct fmt_in *in, char *c)
{
    size_t n;

    if (fmt_peek(in, c, &n) < 0)
        return -1;
    if (*c)
        in->p += n;
    return 0;
}

static void out_put(struct fmt_out *o, const char *s, size_t n)
{
    size_t room = AX_PRINTF_MAX - 1 - o->len;

    if (n > room) {
        n = room;
        o->truncated = true;
    }
    memcpy(o->text + o->len, s, n);
    o->len += n;
}

/* a decimal width or precision: at most AX_PRINTF_MAX (more would only pad text that is cut) */
static int fmt_number(struct fmt_in *in, char *c, unsigned *v)
{
    *v = 0;
    while (*c >= '0' && *c <= '9') {
        *v = *v * 10 + (unsigned)(*c - '0');
        if (*v > AX_PRINTF_MAX || fmt_next(in, c) < 0)
            return -1;
    }
    return 0;
}

/* The conversion after a '%', c its first character (each character is consumed as it is
 * read).  0, or -1 for a bad one (gdb's rules; stricter where gdbserver would hand printf an
 * argument of the wrong type, e.g. %zc), -2 for floating point. */
static int fmt_parse_spec(struct fmt_in *in, char c, struct fmt_spec *sp)
{
    unsigned lcount = 0;
    bool big_l = false, dec = false, size_t_mod = false, bad = false;

    memset(sp, 0, sizeof(*sp));
    for (;; ) {
        if (c == '-') sp->minus = true;
        else if (c == '+') sp->plus = true;
        else if (c == ' ') sp->space = true;
        else if (c == '#') sp->hash = true;
        else if (c == '0') sp->zero = true;
        else break;
        if (fmt_next(in, &c) < 0)
            return -1;
    }
    if (fmt_number(in, &c, &sp->width) < 0)
        return -1;
    if (c == '.') {
        sp->has_prec = true;
        if (fmt_next(in, &c) < 0 || fmt_number(in, &c, &sp->prec) < 0)
            return -1;
    }
    /* length modifier: h, l, ll, L, H (decimal32), D and DD (decimal64/128), z */
    if (c == 'h' || c == 'l' || c == 'L' || c == 'H' || c == 'D' || c == 'z') {
        char m = c;

        if (fmt_next(in, &c) < 0)
            return -1;
        sp->h = m == 'h';
        big_l = m == 'L';
        dec = m == 'H' || m == 'D';
        size_t_mod = m == 'z';
        lcount = m == 'l';
        if ((m == 'l' && c == 'l') || (m == 'D' && c == 'D')) {
            lcount += m == 'l';
            if (fmt_next(in, &c) < 0)
                return -1;
        }
    }
    sp->conv = c;
    switch (c) {
    case 'u':
        bad |= sp->hash;
        /* fall through */
    case 'o':
    case 'x':
    case 'X':
        bad |= sp->space || sp->plus;
        /* fall through */
    case 'd':
    case 'i':
        sp->cls = size_t_mod || lcount ? FMT_WIDE : FMT_INT;
        bad |= big_l || dec;
        break;
    case 'c':
        sp->cls = FMT_INT;
        /* %lc: a wide character, which the agent does not print */
        bad |= lcount || sp->h || big_l || dec || size_t_mod || sp->has_prec || sp->zero ||
               sp->space || sp->plus;
        break;
    case 'p':
        sp->cls = FMT_PTR;
        bad |= lcount || sp->h || big_l || dec || size_t_mod || sp->has_prec || sp->hash ||
               sp->zero || sp->space || sp->plus;
        break;
    case 's':
        sp->cls = FMT_STRING;
        /* %ls: a wide string, which the agent does not print */
        bad |= lcount || sp->h || big_l || dec || size_t_mod || sp->zero || sp->space ||
               sp->plus;
        break;
    case 'e':
    case 'f':
    case 'g':
    case 'E':
    case 'G':
        return lcount || sp->h || size_t_mod ? -1 : -2;
    default: /* '*', 'n', the end of the format, anything else */
        return -1;
    }
    return bad ? -1 : 0;
}

/* the spec back as a C format: flags, width, precision, then length and conversion */
static void fmt_rebuild(const struct fmt_spec *sp, const char *length, char conv, char *buf,
                        size_t size)
{
    int n = snprintf(buf, size, "%%%s%s%s%s%s", sp->minus ? "-" : "", sp->plus ? "+" : "",
                     sp->space ? " " : "", sp->hash ? "#" : "", sp->zero ? "0" : "");

    if (sp->width)
        n += snprintf(buf + n, size - (size_t)n, "%u", sp->width);
    if (sp->has_prec)
        n += snprintf(buf + n, size - (size_t)n, ".%u", sp->prec);
    snprintf(buf + n, size - (size_t)n, "%s%c", length, conv);
}

/* one read of len bytes at va into buf, counted */
static enum ax_error fmt_read(const struct ax_env *env, uint64_t va, void *buf, size_t len,
                              unsigned *mem_reads, uint64_t *addr)
{
    *addr = va;
    if (*mem_reads >= AX_MEM_READS_MAX)
        return AX_ERR_MEM_LIMIT;
    ++*mem_reads;
    if (!env->read_mem || env->read_mem(env->opaque, va, buf, (unsigned)len) < 0)
        return AX_ERR_MEM;
    return AX_OK;
}

/* A NUL-terminated string at va, at most AX_PRINTF_MAX - 1 bytes of it (*cut if it is longer),
 * into str.  Read in pieces up to 64-byte boundaries, so none crosses into a page past the
 * NUL; a piece that cannot be read is read again byte by byte up to the NUL (memory that ends
 * inside it), and the first unreadable byte is the error's address. */
static enum ax_error fmt_read_string(const struct ax_env *env, uint64_t va, unsigned *mem_reads,
                                     char *str, bool *cut, uint64_t *addr)
{
    size_t got = 0;
    enum ax_error e;

    while (got < AX_PRINTF_MAX - 1) {
        uint64_t at = va + got;
        size_t chunk = 64 - (size_t)(at & 63);

        if (chunk > AX_PRINTF_MAX - 1 - got)
            chunk = AX_PRINTF_MAX - 1 - got;
        e = fmt_read(env, at, str + got, chunk, mem_reads, addr);
        if (e == AX_ERR_MEM) {
            for (size_t i = 0; i < chunk; i++) {
                if ((e = fmt_read(env, at + i, str + got + i, 1, mem_reads, addr)) != AX_OK)
                    return e;
                if (str[got + i] == 0)
                    return AX_OK;
            }
        } else if (e != AX_OK) {
            return e;
        } else if (memchr(str + got, 0, chunk)) {
            return AX_OK;
        }
        got += chunk;
    }
    str[got] = 0;
    *cut = true;
    return AX_OK;
}

/* one conversion with its argument v */
static enum ax_error fmt_convert(const struct fmt_spec *sp, uint64_t v, const struct ax_env *env,
                                 unsigned *mem_reads, struct fmt_out *o, uint64_t *addr)
{
    /* room for the widest conversion: width or precision AX_PRINTF_MAX, then the digits */
    char piece[AX_PRINTF_MAX + 32], cfmt[48], str[AX_PRINTF_MAX];
    bool is_signed = sp->conv == 'd' || sp->conv == 'i', cut = false;
    enum ax_error e;
    int n = 0;

    switch (sp->cls) {
    case FMT_INT:
        fmt_rebuild(sp, sp->h ? "h" : "", sp->conv, cfmt, sizeof(cfmt));
        if (is_signed || sp->conv == 'c')
            n = snprintf(piece, sizeof(piece), cfmt, (int)(int32_t)(uint32_t)v);
        else
            n = snprintf(piece, sizeof(piece), cfmt, (unsigned)(uint32_t)v);
        break;
    case FMT_WIDE:
        fmt_rebuild(sp, "ll", sp->conv, cfmt, sizeof(cfmt));
        if (is_signed)
            n = snprintf(piece, sizeof(piece), cfmt, (long long)(int64_t)v);
        else
            n = snprintf(piece, sizeof(piece), cfmt, (unsigned long long)v);
        break;
    case FMT_STRING:
        if (v == 0) {
            strcpy(str, "(null)");
        } else if ((e = fmt_read_string(env, v, mem_reads, str, &cut, addr)) != AX_OK) {
            return e;
        }
        /* a string longer than we read is cut, unless a precision prints less of it */
        if (cut && (!sp->has_prec || sp->prec >= AX_PRINTF_MAX - 1))
            o->truncated = true;
        fmt_rebuild(sp, "", 's', cfmt, sizeof(cfmt));
        n = snprintf(piece, sizeof(piece), cfmt, str);
        break;
    case FMT_PTR: {
        /* glibc's %p: "(nil)" for 0, else %#x of the pointer; only '-' and a width apply */
        struct fmt_spec p = { .minus = sp->minus, .width = sp->width, .hash = v != 0 };

        fmt_rebuild(&p, v ? "ll" : "", v ? 'x' : 's', cfmt, sizeof(cfmt));
        if (v)
            n = snprintf(piece, sizeof(piece), cfmt, (unsigned long long)v);
        else
            n = snprintf(piece, sizeof(piece), cfmt, "(nil)");
        break;
    }
    }
    if (n < 0)
        return AX_ERR_BAD_OPERAND;
    if ((size_t)n >= sizeof(piece)) {
        /* cannot happen with the bounds above; cut as the whole text would be */
        n = (int)sizeof(piece) - 1;
        o->truncated = true;
    }
    if (sp->conv == 'c') { /* the text is a C string: a NUL character is dropped */
        int k = 0;
        for (int i = 0; i < n; i++)
            if (piece[i])
                piece[k++] = piece[i];
        n = k;
    }
    out_put(o, piece, (size_t)n);
    return AX_OK;
}

enum ax_error ax_printf_format(const char *format, const uint64_t *args, unsigned nargs,
                               const struct ax_env *env, unsigned *mem_reads, char *text,
                               uint64_t *addr)
{
    struct fmt_in in = { .start = format, .p = format };
    struct fmt_out o = { .text = text };
    unsigned used = 0;
    enum ax_error e = AX_OK;

    for (;;) {
        struct fmt_spec sp;
        const char *at = in.p;
        char c;
        int rc;

        if (fmt_next(&in, &c) < 0) {
            e = AX_ERR_BAD_OPERAND;
            *addr = (uint64_t)(at - in.start);
            break;
        }
        if (!c) {
            if (used != nargs) {
                e = AX_ERR_BAD_OPERAND;
                *addr = (uint64_t)(at - in.start);
            }
            break;
        }
        if (c != '%') {
            out_put(&o, &c, 1);
            continue;
        }
        if (fmt_next(&in, &c) < 0) {
            rc = -1;
        } else if (c == '%') {
            out_put(&o, "%", 1);
            continue;
        } else {
            rc = fmt_parse_spec(&in, c, &sp);
        }
        if (rc == 0 && used >= nargs)
            rc = -1; /* more conversions than arguments */
        if (rc < 0) {
            e = rc == -2 ? AX_ERR_FLOAT : AX_ERR_BAD_OPERAND;
            *addr = (uint64_t)(at - in.start);
            break;
        }
        if ((e = fmt_convert(&sp, args[used++], env, mem_reads, &o, addr)) != AX_OK)
            break;
    }
    if (e != AX_OK) {
        text[0] = 0;
        return e;
    }
    if (o.truncated) {
        size_t tl = strlen(AX_PRINTF_TRUNCATED);
        memcpy(text + AX_PRINTF_MAX - 1 - tl, AX_PRINTF_TRUNCATED, tl);
        o.len = AX_PRINTF_MAX - 1;
    }
    text[o.len] = 0;
    return AX_OK;
}
