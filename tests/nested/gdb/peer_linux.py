"""peer_linux.py - kernel-aware debugging, brkvm vs QEMU (tests/nested/peer/): the test kernel
with KASLR on (brkvm: --kaslr-seed; QEMU: its own seed), `gdb vmlinux` with Linux's scripts,
attached while the guest runs (its vCPUs mostly in user mode: two busy loops).  Where symbols
are not relocated by the stub, the script applies the slide itself (the user's workaround:
`symbol-file vmlinux -o SLIDE`, the slide from /proc/kallsyms) and goes on."""
import os
import re
import sys

sys.path.insert(0, os.environ["BRKVM_GDBLIB"])
import brkvm_test  # noqa: E402
from peer_lib import attempt, feature, packet  # noqa: E402

import gdb  # noqa: E402

K = os.environ["BRKVM_KERNEL"]
GETPID = int(os.environ["BRKVM_VAR_getpid"], 16)
INIT_TASK = int(os.environ["BRKVM_VAR_init_task"], 16)
LINK_INIT_TASK = None
with open(os.path.join(K, "System.map")) as f:
    for line in f:
        if line.rstrip().endswith(" D init_task"):
            LINK_INIT_TASK = int(line.split()[0], 16)
sys.path.insert(0, os.path.join(K, "scripts", "gdb"))  # see vmlinux.py
brkvm_test.run(f"add-auto-load-safe-path {os.path.dirname(os.path.realpath(K))}")
brkvm_test.run(f"file {K}/vmlinux")
brkvm_test.connect()
slide = INIT_TASK - LINK_INIT_TASK
el = (brkvm_test.reg("cpsr") >> 2) & 3
feature("linux-attach-el", "exception level of the vCPU gdb stopped at on attach", "info", f"EL{el}")
reply = packet("qOffsets")
feature("linux-qoffsets", "qOffsets reply with KASLR on", bool(reply.startswith("Text=")), reply or "(empty: unsupported)")
out, err = attempt(f"info symbol {GETPID:#x}")
auto = bool(out and out.startswith("__arm64_sys_getpid in section"))
feature("linux-kaslr-auto", "`gdb vmlinux` + target remote: symbols at the running (KASLR) addresses",
        auto, (out or err or "").strip()[:80])
if not auto:
    attempt(f"symbol-file {K}/vmlinux -o {slide:#x}")
out, err = attempt("p init_task.comm")
feature("linux-kmem-attach", "read a kernel variable (init_task.comm) at the attach stop",
        bool(out and "swapper" in out), (out or err or "").strip()[:80])
out, err = attempt("lx-version")
feature("linux-lx-version", "lx-version", bool(out and out.startswith("Linux version")), (out or err or "").strip()[:60])
out, err = attempt("lx-dmesg")
feature("linux-lx-dmesg", "lx-dmesg (has the line init wrote to /dev/kmsg)",
        bool(out and "brkvm-kmsg-mark" in out), err or f"{len((out or '').splitlines())} lines")
out, err = attempt("lx-ps")
feature("linux-lx-ps", "lx-ps (lists pid 1)", bool(out and re.search(r"^\s*0x[0-9a-f]+\s+1\s+init", out, re.M)),
        err or f"{len((out or '').splitlines())} lines")
out, err = attempt("lx-lsmod")
feature("linux-lx-lsmod", "lx-lsmod", err is None, (err or "no modules loaded").strip()[:80])
# $lx_current() needs a stop in the kernel: the scheduler tick, on each vCPU
attempt("break scheduler_tick")
seen, good = set(), 0
for i in range(30):
    out, err = attempt("continue")
    if err:
        break
    th = gdb.selected_thread().num
    if th in seen:
        continue
    seen.add(th)
    try:
        cur = int(gdb.parse_and_eval("$lx_current()").address)
        rq = int(gdb.parse_and_eval(f'$lx_per_cpu("runqueues", {th - 1}).curr'))
        good += cur == rq
    except gdb.error as e:
        brkvm_test.log(f"  $lx_current() on thread {th}: {e}")
    if len(seen) == 2:
        break
feature("linux-lx-current", "$lx_current() = that CPU's runqueue current, on each vCPU (thread N = CPU N-1)",
        good == 2, f"{good} of {len(seen)} threads")
attempt("delete")
out, err = attempt(f"lx-symbols {K}/modules")
feature("linux-lx-symbols", "lx-symbols (reloads vmlinux unrelocated: 6.1 scripts are not KASLR-aware)",
        "info", (err or " / ".join((out or "").strip().splitlines()[-2:]))[:100])
attempt("detach")
print("GDB-RESULT PASS", flush=True)
os._exit(0)
