"""selfdebug.py - gdb against the selfdebug guest (tests/guests/selfdebug.c), which uses its own
hardware breakpoint, watchpoint and software step (EL1 self-hosted debug) with its own vector
table, while gdb uses only a software breakpoint (`break marker`, Z0): gdb stops exactly at the
marker() calls; between them the guest's handlers have run (bp_hits, wp_hits, step_count),
so every guest debug exception went to the guest; the scenario compares the guest's
GUEST-SELFDEBUG line with the run without gdb.

KVM limitation: while gdb has breakpoints inserted, KVM keeps guest debugging on and then clears
the guest's MDSCR_EL1.SS on every entry, so the guest cannot single-step itself; brkvm turns KVM
guest debugging off whenever gdb has nothing inserted.  So gdb deletes its breakpoint before the
guest's own step phase (after the 3rd marker stop), and the guest's steps then happen."""
import os
import sys

sys.path.insert(0, os.environ["BRKVM_GDBLIB"])
from brkvm_test import (break_address, check, connect, done, log, pc, record_stops,  # noqa
                        reg, run, sym_addr)

import gdb  # noqa: E402

ELF = os.path.join(os.environ["BRKVM_GUESTS"], "selfdebug.elf")
connect(ELF)
check(pc() == sym_addr("_start"), f"stopped at _start (pc {pc():#x})")
marker = sym_addr("marker")
stop_events = record_stops()
_, bp_addr = break_address("marker", marker)
check(marker <= bp_addr < marker + 0x20, f"the breakpoint lies in marker ({bp_addr:#x})")


def var(name):
    return int(gdb.parse_and_eval(name)) & 0xffffffffffffffff


# what the guest's handlers must have counted at each marker(i) stop
want = {0: (0, 0, 0), 1: (1, 0, 0), 2: (1, 1, 0), 3: (1, 1, 5)}
stops = []
ended = False
for i in range(12):            # 4 expected; bounded in case of spurious stops
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
    if pc() != bp_addr:
        log(f"unexpected stop at {pc():#x}")
        continue
    n = len(stops) - 1
    got = (var("bp_hits"), var("wp_hits"), var("step_count"))
    log(f"stop {n + 1}: MDSCR_EL1 {reg('mdscr_el1'):#x}, cpsr {reg('cpsr'):#x}, "
        f"bp/wp/steps {got}")
    if n in want:
        check(got == want[n], f"stop {n + 1} (marker({reg('x0')})): the guest's handlers counted "
              f"bp, wp, steps = {got} (want {want[n]})")
    if n == 2:
        run("delete")  # nothing inserted: KVM guest debugging off, the guest may step itself
    if n == 0:
        mdscr = reg("mdscr_el1")
        log(f"MDSCR_EL1 {mdscr:#x}, cpsr {reg('cpsr'):#x}")
        check(mdscr & 0xa000 == 0xa000, f"the guest's MDSCR_EL1 has MDE and KDE ({mdscr:#x})")
        check(reg("cpsr") & 0x200 == 0, f"PSTATE.D clear in the guest ({reg('cpsr'):#x})")

log("stops: " + " ".join(hex(a) for a in stops))
log(f"stop events: {stop_events}")
check(ended, "the guest ran to its power-off")
check(all(a == bp_addr for a in stops),
      f"every stop was at marker's breakpoint ({sum(a != bp_addr for a in stops)} elsewhere)")
check(len(stops) == 3, f"exactly {len(stops)} stops (want 3: the marker calls before gdb "
      "deleted its breakpoint)")
check(sum(1 for n, s in stop_events if n == "BreakpointEvent") == len(stop_events),
      "only breakpoint stop events, no signal stops")
done()
