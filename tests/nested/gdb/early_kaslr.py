"""early_kaslr.py - gdb attached at the kernel's first instruction with KASLR on (see
gdb-linux-early-kaslr.sh): vmlinux at its link addresses (no slide to report yet: qOffsets is
empty), `break start_kernel` by name, the stop at the slid address, then the recipe."""
import os
import re
import sys

sys.path.insert(0, os.environ["BRKVM_GDBLIB"])
from brkvm_test import check, connect, done, log, maint_packet, pc, reg, run, sym_addr  # noqa: E402

import gdb  # noqa: E402

K = os.environ["BRKVM_KERNEL"]
LINK = {}
with open(os.path.join(K, "System.map")) as f:
    for line in f:
        a, _, n = line.split()[:3]
        if n in ("start_kernel", "__arm64_sys_getpid"):
            LINK[n] = int(a, 16)
run(f"file {K}/vmlinux")
connect()
check(reg("sctlr_el1") & 1 == 0, f"at the first instruction, MMU off (pc {pc():#x})")
check(maint_packet("qOffsets") == "", "no slide to report before the kernel ran")
run("break start_kernel")
run("continue")
out = run("monitor kaslr")
m = re.search(r"KASLR slide (0x[0-9a-f]+)", out)
slide = int(m.group(1), 16) if m else 0
check(slide != 0, f"monitor kaslr: the kernel moved (slide {slide:#x})")
# gdb's breakpoint is after start_kernel's prologue; the stop is at that place + the slide
stop = pc()
check(LINK["start_kernel"] + slide <= stop < LINK["start_kernel"] + slide + 64,
      f"stopped in start_kernel at its slid address ({stop:#x}, link {LINK['start_kernel']:#x})")
check(f"symbol-file vmlinux -o {slide:#x}" in out, "monitor kaslr prints the command")
run("delete")
run(f"symbol-file {K}/vmlinux -o {slide:#x}")
out = run("info symbol $pc")
check(out.startswith("start_kernel "), f"with the recipe, $pc is in start_kernel ({out.strip()})")

run("break __arm64_sys_getpid")
run("continue")
check(LINK["__arm64_sys_getpid"] + slide <= pc() < LINK["__arm64_sys_getpid"] + slide + 64,
      f"break __arm64_sys_getpid by name hit at {pc():#x}")
bt = run("bt 1")
check("__arm64_sys_getpid" in bt, "bt names it")
run("delete")
run("detach")
done()
