/* lldb.c - the packets LLDB's gdb-remote client sends beyond gdb's (qHostInfo, ...) */
#include "stub_internal.h"

const struct gdb_cmd lldb_commands[] = {
    {"", true, NULL}, /* placeholder: LLDB support comes with its own handlers */
};
const size_t lldb_commands_len = 0;
