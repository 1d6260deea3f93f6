"""smc.py - breakpoints over code the guest rewrites (tests/guests/smc.c): with breakpoints left
in memory (always-inserted), the guest's patch of smc_f overwrites gdb's BRK; brkvm plants it
again over the new instruction before the guest runs on (so the next call still stops), and
removing the breakpoint leaves the guest's new code, not the old instruction."""
import os
import sys

sys.path.insert(0, os.environ["BRKVM_GDBLIB"])
from brkvm_test import check, connect, cont_expect_end, done, log, pc, reg, run, sym_addr  # noqa

import gdb  # noqa: E402

connect(os.path.join(os.environ["BRKVM_GUESTS"], "smc.elf"))
f, marker = sym_addr("smc_f"), sym_addr("marker")
run("set breakpoint always-inserted on")
run("break *smc_f")
run("break *marker")
seen = []
for i in range(4):
    run("continue")
    seen.append("f" if pc() == f else "m" if pc() == marker else hex(pc()))
log(f"stops: {seen}")
check(seen == ["f", "m", "f", "m"], f"smc_f stopped before and after the guest rewrote it ({seen})")
word = int(gdb.parse_and_eval(f"*(unsigned int *){f:#x}")) & 0xffffffff
check(word == 0xd2800040, f"gdb reads the guest's new instruction under the breakpoint ({word:#x})")
run("delete 1")  # z0: the new code stays
check(cont_expect_end(), "guest ran to its end")
done()
