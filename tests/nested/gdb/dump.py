"""dump.py - the live half of gdb-linux-dump: gdb vmlinux on the test kernel (KASLR), stop one
vCPU in a syscall, note what gdb sees (jiffies, each thread's registers and backtrace), then
`monitor dump-guest-memory /tmp/x.core`.  The notes go to $BRKVM_FLAGS/live.json for
dump_check.py, which opens the core with gdb and drgn on this (x86_64) machine."""
import json
import os
import re
import sys

sys.path.insert(0, os.environ["BRKVM_GDBLIB"])
from brkvm_test import check, connect, done, log, reg, run  # noqa: E402

import gdb  # noqa: E402

K = os.environ["BRKVM_KERNEL"]
sys.path.insert(0, os.path.join(K, "scripts", "gdb"))
run(f"add-auto-load-safe-path {os.path.dirname(os.path.realpath(K))}")
run(f"file {K}/vmlinux")
connect()
# one vCPU in the kernel with a meaningful stack: a getpid() of the guest's loop
run("break __arm64_sys_getpid")
run("continue")
run("delete")
stopped = gdb.selected_thread().num
live = {"stopped_thread": stopped, "threads": {}}
for t in gdb.selected_inferior().threads():
    t.switch()
    bt = run("bt 8")
    live["threads"][str(t.num)] = {
        "pc": reg("pc"), "sp": reg("sp"), "x29": reg("x29"), "x0": reg("x0"),
        "pstate": reg("cpsr"),
        "frames": re.findall(r"^#\d+\s+(?:0x[0-9a-f]+(?: \[PAC\])? in )?(\S+) \(", bt, re.M),
    }
gdb.selected_inferior().threads()  # (keep gdb's thread list fresh)
run(f"thread {stopped}")
live["jiffies"] = int(gdb.parse_and_eval("jiffies"))
live["init_comm"] = gdb.parse_and_eval("init_task.comm").string()
out = run("monitor kaslr")
m = re.search(r"slide (0x[0-9a-f]+)", out)
check(m is not None, "monitor kaslr gives the slide")
live["slide"] = int(m.group(1), 16) if m else 0
log(f"live: {live}")
check(live["threads"][str(stopped)]["frames"][:1] == ["__arm64_sys_getpid"],
      f"thread {stopped} stopped in __arm64_sys_getpid")

out = run("monitor dump-guest-memory /tmp/x.core")
live["monitor"] = out.strip()
check(out.startswith("/tmp/x.core: ELF core of 2 vCPUs, 64 MiB RAM at 0x80000000"),
      "the monitor wrote the core")
check("VMCOREINFO" in out and "no VMCOREINFO" not in out, "with VMCOREINFO (--symbols)")
check(f"KASLR slide {live['slide']:#x}" in out, "the answer names the slide")
m = re.search(r"in (\d+) ms", out)
check(m is not None, "the answer gives the time the copy took")
if m:
    live["dump_ms"] = int(m.group(1))
    log(f"MEASURE dump-guest-memory took {m.group(1)} ms with the guest stopped")
# the guest is still as it was: gdb's view did not move
check(int(gdb.parse_and_eval("jiffies")) == live["jiffies"], "jiffies unchanged by the dump")
check(reg("pc") == live["threads"][str(stopped)]["pc"], "pc unchanged by the dump")
out = run("monitor dump-guest-memory /tmp/x.core")
check(out.startswith("dump-guest-memory failed: /tmp/x.core: File exists (a debugger's command "
                     "never overwrites"), "a second dump to the same FILE is refused, not overwritten")
out = run("monitor dump-guest-memory")
check(out.startswith("usage:"), "no FILE: the usage")
out = run("monitor dump-guest-memory /nonexistent/dir/x.core")
check(out.startswith("dump-guest-memory failed: /nonexistent/dir/x.core: No such file"),
      "an unwritable FILE: the error")
with open(os.path.join(os.environ["BRKVM_FLAGS"], "live.json"), "w") as f:
    json.dump(live, f)
run("detach")
done()
