"""guestbrk.py - gdb against the guestbrk guest (tests/guests/guestbrk.c), which handles its own
BRKs (#0x800, #0 and #4, four each) in its own vector table: with `break marker` gdb stops
exactly at the 8 marker() calls and nowhere else; every guest BRK, including `brk #0` (the
instruction gdb's breakpoints use, but not in the stub's breakpoint table), goes back to the
guest, whose count the scenario compares with a run without gdb."""
import os
import sys

sys.path.insert(0, os.environ["BRKVM_GDBLIB"])
from brkvm_test import (break_address, check, connect, done, log, pc, read_mem,  # noqa
                        record_stops, reg, run, sym_addr)

import gdb  # noqa: E402

ELF = os.path.join(os.environ["BRKVM_GUESTS"], "guestbrk.elf")
connect(ELF)
check(pc() == sym_addr("_start"), f"stopped at _start (pc {pc():#x})")
marker = sym_addr("marker")

stop_events = record_stops()

bp, bp_addr = break_address("marker", marker)
log(f"breakpoint 1 at {bp_addr:#x} (marker = {marker:#x})")
check(marker <= bp_addr < marker + 0x20, "the breakpoint lies in marker")

stops = []
ended = False
for i in range(20):            # 8 expected; a bounded loop in case of spurious stops
    try:
        run("continue")
    except gdb.error as e:
        log(f"continue ended with an error, not an exit: {e}")
        break
    if gdb.selected_inferior().pid == 0:  # brkvm's 'W': the guest powered off
        log("continue ended: the inferior exited")
        ended = True
        break
    stops.append(pc())
    if pc() == bp_addr:
        count = int(gdb.parse_and_eval("brk_count"))
        want = {1: 0, 2: 2, 3: 3}.get(len(stops))
        if want is not None:
            check(count == want, f"stop {len(stops)}: the guest has counted {count} BRKs "
                  f"(want {want})")
    else:
        insn = int.from_bytes(read_mem(pc(), 4), "little")
        log(f"unexpected stop at {pc():#x}: insn {insn:#010x}")

log("stops: " + " ".join(hex(a) for a in stops))
log(f"stop events: {stop_events}")
check(ended, "the guest ran to its power-off")
check(all(a == bp_addr for a in stops),
      f"every stop was at marker's breakpoint ({sum(a != bp_addr for a in stops)} elsewhere)")
check(len(stops) == 8, f"exactly {len(stops)} stops (want 8, the marker calls)")
check(bp.hit_count == 8, f"gdb counted {bp.hit_count} hits of breakpoint 1 (want 8)")
check(sum(1 for n, s in stop_events if n == "BreakpointEvent") == 8,
      "8 breakpoint stop events, no signal stops")
done()
