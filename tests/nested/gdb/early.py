"""early.py - a breakpoint on start_kernel set before the kernel's first instruction (the MMU
is off: no page table maps the kernel's addresses yet): brkvm places it through its load map
(the Image's load address and _text's link address from --symbols) and it hits."""
import os
import re
import sys

sys.path.insert(0, os.environ["BRKVM_GDBLIB"])
from brkvm_test import check, connect, done, log, pc, reg, run  # noqa: E402

import gdb  # noqa: E402

SK = int(os.environ["BRKVM_VAR_sk"], 16)
TEXT = 0xffff800008000000


def image_words(off, n):
    with open(os.path.join(os.environ["BRKVM_NESTED"], "vmlinuz"), "rb") as f:
        f.seek(off)
        data = f.read(4 * n)
    return [int.from_bytes(data[i:i + 4], "little") for i in range(0, 4 * n, 4)]


connect()
check(pc() == 0x80000000 and reg("sctlr_el1") & 1 == 0, f"at the first instruction, MMU off "
      f"(pc {pc():#x})")
got = [int(gdb.parse_and_eval(f"*(unsigned int *){SK + 4 * i:#x}")) & 0xffffffff for i in range(4)]
check(got == image_words(SK - TEXT, 4), "start_kernel's code readable at its link address "
      "through the load map")
run(f"break *{SK:#x}")
run("continue")
check(pc() == SK, f"stopped at start_kernel ({pc():#x})")
check(reg("sctlr_el1") & 1 == 1 and reg("el") == 1, "with the MMU on, at EL1")
out = gdb.execute("monitor info breakpoints", to_string=True)
log(out)
run("delete")
run("detach")
done()
