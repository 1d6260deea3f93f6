"""hbreak_unmapped.py - a hardware breakpoint on a guest-virtual address that does not translate
yet: the mmu guest (tests/guests/mmu.S) stopped at _start with its MMU off, where the higher-half
alias of hi_tick (0xffff0000...) means nothing.  A software breakpoint there is impossible (the
stub cannot find the instruction to replace: Z0 gets an error, gdb cannot insert `break *ADDR`
and does not resume), while `hbreak *ADDR` (Z1: a DBGBVR value, no translation) is accepted and
hits at each of the 5 calls of hi_tick through its high alias once the guest has turned its MMU
on; the guest then prints the same line as without gdb (the scenario compares)."""
import os
import sys

sys.path.insert(0, os.environ["BRKVM_GDBLIB"])
from brkvm_test import (check, connect, cont_expect_end, done, error_of, log, maint_packet,  # noqa
                        pc, reg, run, sym_addr)

import gdb  # noqa: E402

ELF = os.path.join(os.environ["BRKVM_GUESTS"], "mmu.elf")
HI = 0xffff000000000000          # the guest's alias offset: VA HI + pa -> pa
stops = []
gdb.events.stop.connect(lambda ev: stops.append(ev))

connect(ELF)
run("set code-cache off")
run("set stack-cache off")
start, tick, ticks = sym_addr("_start"), sym_addr("hi_tick"), sym_addr("ticks")
hi = tick + HI
check(pc() == start, f"stopped at _start (pc {pc():#x})")
check(reg("sctlr_el1") & 1 == 0, f"the guest's MMU is off (SCTLR_EL1 {reg('sctlr_el1'):#x})")
err = error_of(f"x/xw {hi:#x}")
check("Cannot access memory" in err, f"the high alias {hi:#x} does not translate yet ({err!r})")

# a software breakpoint there cannot be planted: the stub refuses Z0 ...
r = maint_packet(f"Z0,{hi:x},4")
check(r.startswith("E"), f"Z0 at the untranslatable {hi:#x} is refused ({r!r})")
maint_packet(f"z0,{hi:x},4")
# ... and gdb cannot insert `break *ADDR` when it resumes: it reports the error, the guest stays
run(f"break *{hi:#x}")
err = error_of("stepi")
# (gdb prints "Warning: Cannot insert breakpoint 2. Cannot access memory at address ..." and the
# command fails with "Command aborted.")
check(any(t in err for t in ("Cannot insert breakpoint", "Cannot access memory", "Command aborted")),
      f"gdb cannot insert a software breakpoint at {hi:#x} ({err!r})")
check(pc() == start, f"... and the guest did not move (pc {pc():#x})")
run("delete")

# a hardware breakpoint needs no translation: it waits in DBGBVR until the VA exists
run(f"hbreak *{hi:#x}")
hb = gdb.breakpoints()[-1]
hits = []
for i in range(8):
    run("continue")
    if pc() != hi:
        log(f"stop at {pc():#x}, not the hbreak")
        break
    n = int(gdb.parse_and_eval(f"*(unsigned long *){ticks + HI:#x}"))
    hits.append(n)
    if len(hits) == 1:
        check(reg("sctlr_el1") & 1 == 1, f"first hit with the guest's MMU on (SCTLR_EL1 "
              f"{reg('sctlr_el1'):#x})")
        check(isinstance(stops[-1], gdb.BreakpointEvent) and hb in stops[-1].breakpoints,
              "gdb reports its hardware breakpoint")
    if len(hits) == 5:
        break
log(f"hits with ticks = {hits}")
check(hits == [0, 1, 2, 3, 4], f"the hardware breakpoint at the high alias {hi:#x} hit at each of "
      f"the 5 calls of hi_tick (ticks at the hits: {hits})")
check(hb.hit_count == 5, f"gdb counted {hb.hit_count} hits (want 5)")
run("delete")
check(cont_expect_end(), "the guest ran to its power-off")
done()
