/* lldb.c - the packets LLDB's gdb-remote client sends beyond gdb's.
 *
 * LLDB (checked with Debian's lldb-15) reads the registers from target.xml
 * (qXfer:features:read, so no qRegisterInfoN) and otherwise speaks gdb's protocol: g-less
 * register access with Hg + p/P, m, Z0/z0, c, vCont;s, D.  What it asks beyond that, once
 * connected, is who the target is: qHostInfo and qProcessInfo, answered here.
 *
 * Every other LLDB extension gets the empty reply ("not supported") and LLDB falls back to
 * gdb's packets: QThreadSuffixSupported (must stay unsupported: with it LLDB appends
 * ";thread:N;" to p/P/g/G, which stub.c does not parse; it sends Hg instead),
 * QListThreadsInStopReply, qVAttachOrWaitSupported, QEnableErrorStrings,
 * qStructuredDataPlugins, qShlibInfoAddr, qMemoryRegionInfo, jThreadsInfo,
 * jThreadExtendedInfo.  x is gdb 16's binary read (stub_data.c): LLDB 15 probes it with x0,0,
 * gets "b" (an empty read), not the "OK" it wants, and keeps using m.
 *
 * The triple is "aarch64-unknown-none": the OS must stay unknown.  With "linux" LLDB picks its
 * Linux dynamic loader, which relocates a loaded ELF (counter.elf, a vmlinux) away from its
 * link addresses and loses its symbols; with an unknown OS an ELF target is used as linked.
 * (An unknown OS and no target file also make LLDB look for a Darwin kernel: four 8-byte m
 * reads at 0xffffff80.../0xfffffff0... that fail or find no Mach-O header.  Harmless.) */
#include "stub_internal.h"

#include <string.h>

#define LLDB_TRIPLE "aarch64-unknown-none"

/* the keys qHostInfo and qProcessInfo share: the triple (hex-encoded), pointer size, byte order */
static void reply_target_keys(struct gdb_stub *s)
{
    reply_str(s, "triple:");
    reply_hex(s, (const uint8_t *)LLDB_TRIPLE, strlen(LLDB_TRIPLE));
    reply_str(s, ";ptrsize:8;endian:little;");
}

/* qHostInfo: the machine the debugged code runs on (sent before target.xml is read) */
static void h_host_info(struct gdb_stub *s, const char *arg, size_t len)
{
    reply_target_keys(s);
}

/* qProcessInfo: the debugged "process" is the whole VM, pid 1 (its threads are the vCPUs).
 * Without an answer LLDB asks again at every step of its attach. */
static void h_process_info(struct gdb_stub *s, const char *arg, size_t len)
{
    reply_str(s, "pid:1;");
    reply_target_keys(s);
}

const struct gdb_cmd lldb_commands[] = {
    {"qHostInfo", true, h_host_info},
    {"qProcessInfo", true, h_process_info},
};
const size_t lldb_commands_len = G_N_ELEMENTS(lldb_commands);
