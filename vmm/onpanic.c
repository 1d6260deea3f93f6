/* onpanic.c - the --on-panic option and the pure pieces of panic detection (see panic.h) */
#include <brkvm/panic.h>

#include <errno.h>
#include <glib.h>
#include <string.h>

int panic_action_parse(const char *arg, enum panic_action *act, char **dump_path,
                       const char **why)
{
    *dump_path = NULL;
    if (!strcmp(arg, "stop")) {
        *act = PANIC_ACT_STOP;
    } else if (!strcmp(arg, "exit")) {
        *act = PANIC_ACT_EXIT;
    } else if (!strcmp(arg, "none")) {
        *act = PANIC_ACT_NONE;
    } else if (!strncmp(arg, "dump:", 5)) {
        if (!arg[5]) {
            *why = "dump needs a file: use dump:FILE";
            return -EINVAL;
        }
        *act = PANIC_ACT_DUMP;
        *dump_path = g_strdup(arg + 5);
    } else {
        *why = !strcmp(arg, "dump") ? "dump needs a file: use dump:FILE"
                                    : "unknown action; use stop, exit, dump:FILE or none";
        return -EINVAL;
    }
    return 0;
}

enum panic_action panic_action_resolve(enum panic_action given, bool gdb, bool detection)
{
    if (given != PANIC_ACT_AUTO)
        return given;
    if (gdb)
        return PANIC_ACT_STOP;
    return detection ? PANIC_ACT_EXIT : PANIC_ACT_NONE;
}

#define A64_NOP 0xd503201fU
#define A64_MOV_X9_X30 0xaa1e03e9U /* ftrace's first patchable-entry word */
#define A64_BTI_MASK 0xffffff3fU   /* bti, bti c, bti j, bti jc */
#define A64_BTI 0xd503241fU
#define A64_BL_MASK 0xfc000000U    /* ftrace's second word, while the function is traced */
#define A64_BL 0x94000000U

unsigned panic_bp_index(const uint32_t *insns, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        uint32_t w = insns[i];
        if (w == A64_NOP || w == A64_MOV_X9_X30 || (w & A64_BTI_MASK) == A64_BTI ||
            (i < 2 && (w & A64_BL_MASK) == A64_BL))
            continue;
        return i;
    }
    return n;
}

size_t panic_msg_clean(char *dst, size_t cap, const uint8_t *src, size_t n)
{
    size_t len = 0;

    if (!cap)
        return 0;
    for (size_t i = 0; i < n && src[i] && src[i] != '\n' && len + 1 < cap; i++)
        dst[len++] = src[i] >= 0x20 && src[i] < 0x7f ? (char)src[i] : '?';
    while (len && dst[len - 1] == ' ')
        len--;
    dst[len] = 0;
    return len;
}
