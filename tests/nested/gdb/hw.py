"""hw.py - hardware breakpoints and watchpoints on the counter guest: as many hbreaks as the
CPU has slots (6 in the test host), the next one refused; hbreak hits; watch (write), rwatch
(read) and awatch (access) stop at the right access with the right address and thread; a
16-byte watch through the address mask; the guest still computes the right result."""
import os
import sys

sys.path.insert(0, os.environ["BRKVM_GDBLIB"])
from brkvm_test import check, connect, cont_expect_end, done, log, pc, reg, run, sym_addr  # noqa

import gdb  # noqa: E402

stops = []
gdb.events.stop.connect(lambda ev: stops.append(ev))

connect(os.path.join(os.environ["BRKVM_GUESTS"], "counter.elf"))
tick = sym_addr("tick")
main = sym_addr("main")
counter = sym_addr("counter")
total = sym_addr("total")

# six hardware breakpoints fit, the seventh does not (gdb inserts them when resuming)
run("hbreak tick")
for k in range(1, 6):
    run(f"hbreak *{main + 4 * k:#x}")
run(f"hbreak *{main + 24:#x}")
try:
    run("stepi")
    refused = False
except gdb.error as e:
    log(f"stepi with 7 hbreaks: {e}")  # gdb also prints "Could not insert hardware breakpoint 7"
    refused = True
check(refused, "gdb cannot resume with 7 hardware breakpoints (it shows the error)")
check(pc() == sym_addr("_start"), "... and the guest did not move")
run("delete")
# the same at the packet level: six Z1 OK, the seventh E28 (ENOSPC)
replies = [run(f"maint packet Z1,{main + 4 * k:x},4") for k in range(7)]
check(all('"OK"' in r for r in replies[:6]), "six Z1 accepted")
check('"E28"' in replies[6], f"the seventh Z1 gets E28 ({replies[6].strip()})")
for k in range(7):
    run(f"maint packet z1,{main + 4 * k:x},4")
run("hbreak tick")
run("continue")
check(pc() == tick, f"hbreak on tick hit (pc {pc():#x})")
check(isinstance(stops[-1], gdb.BreakpointEvent), "gdb reports it as its breakpoint")
run("delete")

# watch counter: the store in tick
run("watch counter")
run("continue")
out = run("info watchpoints")
val = int(gdb.parse_and_eval("counter"))
check(isinstance(stops[-1], gdb.BreakpointEvent) and val == 1,
      f"write watchpoint stopped after the store made counter 1 (counter {val})")
check(tick <= pc() < tick + 0x28, f"... in tick, right after the store (pc {pc():#x})")
run("delete")
# rwatch total: the load in tick
run("rwatch total")
run("continue")
check(isinstance(stops[-1], gdb.BreakpointEvent), "read watchpoint on total stopped")
check(tick <= pc() < tick + 0x28, f"... inside tick (pc {pc():#x})")
run("delete")
run("awatch counter")
run("continue")
check(isinstance(stops[-1], gdb.BreakpointEvent), "access watchpoint on counter stopped")
run("delete")
# a 16-byte region (counter and total) through DBGWCR.MASK: one Z2 of length 0x10
check(counter % 16 == 0 and total == counter + 8, "counter and total form an aligned 16 bytes")
run(f"watch *(char (*)[16]){counter:#x}")
run("continue")
check(isinstance(stops[-1], gdb.BreakpointEvent), "the 16-byte watchpoint stopped")
check(tick <= pc() < tick + 0x28, f"... in tick (pc {pc():#x})")
run("delete")
r = run(f"maint packet Z2,{counter + 4:x},8")
check("E" in r, f"a watch crossing a doubleword is refused ({r.strip()})")
check(cont_expect_end(), "guest ran to its end")
done()
