"""pac_bt.py - `bt` in a kernel that signs its return addresses (ARM64_PTR_AUTH_KERNEL), with
vmlinux's DWARF, under gdb >= 14 (tests/nested/newgdb.sh): stopped after the prologue of a
function the getpid syscall calls, every frame down to the exception entry must have its name,
the signed return addresses stripped with brkvm's pauth masks (gdb marks those frames [PAC]).
Then gdb 16's binary memory reads (x): kernel text and the stack, equal to what m reads."""
import os
import re
import sys

sys.path.insert(0, os.environ["BRKVM_GDBLIB"])
from brkvm_test import check, connect, done, log, reg, run, sym_addr  # noqa: E402

import gdb  # noqa: E402

K = os.environ["BRKVM_KERNEL"]
major = int(re.match(r"(\d+)", gdb.VERSION).group(1))
check(major >= 14, f"gdb {gdb.VERSION} (>= 14 applies pauth_cmask_high to kernel addresses)")
run(f"file {K}/vmlinux")
connect()   # KASLR: vmlinux relocated by brkvm's qOffsets
high = reg("pauth_cmask_high")
check(high >> 56 == 0xff, f"pauth_cmask_high covers the top byte ({high:#x})")
# getpid's callee, past its prologue (its caller's return address is signed on the stack):
# stopped in getpid first, then in the callee on the same vCPU (it has other callers too)
run("break __arm64_sys_getpid")
run("continue")
th = gdb.selected_thread().num
run("delete")
run(f"tbreak __task_pid_nr_ns thread {th}")
run("continue")
bt = run("bt")
frames = re.findall(r"^#(\d+)\s+(?:(0x[0-9a-f]+)( \[PAC\])? in )?(\S+) \(", bt, re.M)
names = [f[3] for f in frames]
log(f"bt: {names}")
check(names[:1] == ["__task_pid_nr_ns"] and "__arm64_sys_getpid" in names[1:6],
      "__task_pid_nr_ns called by __arm64_sys_getpid (inlined frames between)")
want = ["invoke_syscall", "el0_svc_common", "do_el0_svc", "el0_svc", "el0t_64_sync_handler",
        "el0t_64_sync"]
check(all(w in names for w in want), f"the whole syscall path down to the exception entry "
      f"({', '.join(w for w in want if w not in names) or 'all there'})")
end = names.index("el0t_64_sync") if "el0t_64_sync" in names else len(names)
check("??" not in names[:end], "no frame without a name down to the exception entry")
pac = [f for f in frames if f[2]]
check(len(pac) >= 2, f"gdb stripped a PAC from {len(pac)} return addresses ([PAC] frames)")
check(all(int(f[1], 16) >> 39 == 0x1ffffff for f in pac),
      "each stripped address is a kernel address (39-bit VA: bits 63:39 set)")
run("delete")
# gdb 16 reads memory with x (binary-upload+, raw bytes): dumps of kernel text and of this
# task's stack over x must equal the same ranges read with m (hex), and x must be what was sent
# (from _stext: the 64 KiB head at _text is not mapped once the kernel runs)
sp = reg("sp")
ranges = [("_stext", sym_addr("_stext"), 0x200000), ("stack", sp & ~0x3fff, 0x4000)]
out = gdb.execute("set debug remote 1", to_string=True)
try:
    out = gdb.execute(f"x/2gx {ranges[1][1] + 8}", to_string=True)
finally:
    gdb.execute("set debug remote 0", to_string=True)
check(re.search(r"Sending packet: \$x[0-9a-f]+,[0-9a-f]+#", out) is not None,
      "gdb 16 reads memory with x packets")
for name, lo, size in ranges:
    files = []
    for mode in ("on", "off"):
        run(f"set remote binary-upload-packet {mode}")
        path = f"/tmp/pac-bt-{name}-{mode}.bin"
        run(f"dump binary memory {path} {lo:#x} {lo + size:#x}")
        with open(path, "rb") as f:
            files.append(f.read())
        os.unlink(path)
    check(len(files[0]) == size and files[0] == files[1],
          f"{name}: {size:#x} bytes at {lo:#x} read with x equal those read with m")
run("set remote binary-upload-packet auto")
run("detach")
done()
