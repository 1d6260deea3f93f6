"""session1.py - first of two gdb sessions against the forever guest, which brkvm runs with --gdb
but without --gdb-wait: connecting stops the running guest; read work()'s code, break at work,
continue and hit it, then detach with the breakpoint still inserted (always-inserted, and the
detach sent as a raw 'D' packet so that gdb does not remove the breakpoint first: the stub's
detach must).  What this session read goes to a file for session2.py."""
import json
import os
import sys

sys.path.insert(0, os.environ["BRKVM_GDBLIB"])
from brkvm_test import check, connect, done, log, maint_packet, pc, run, sym_addr, x_words  # noqa

import gdb  # noqa: E402

ELF = os.path.join(os.environ["BRKVM_GUESTS"], "forever.elf")
STATE = os.path.join(os.environ["BRKVM_NESTED"], "gdb-session.json")


def where(addr):
    return run(f"info symbol {addr:#x}").split()[0]


connect(ELF)
run("set code-cache off")
run("set stack-cache off")
p = pc()
check(where(p) in ("main", "work", "puts", "puthex"), f"attach stopped the running guest in its "
      f"loop (pc {p:#x} in {where(p)})")
work = sym_addr("work")
text = x_words(work, 16)
log("work: " + " ".join(f"{w:08x}" for w in text))
check(0xd4200000 not in text, "work's code has no BRK before gdb's breakpoint")
counter = int(gdb.parse_and_eval("counter"))
check(counter > 0, f"the guest was running: counter = {counter:#x}")

run("set breakpoint always-inserted on")
run("break work")
bp = gdb.breakpoints()[0]
bp_addr = bp.locations[0].address
run("continue")
check(pc() == bp_addr, f"the breakpoint at work hit (pc {pc():#x})")
after = x_words(work, 16)
check(after == text, "with the breakpoint inserted, reads still show the original code")
counter2 = int(gdb.parse_and_eval("counter"))
with open(STATE, "w") as f:
    json.dump({"work": work, "text": text, "counter": counter2, "bp": bp_addr}, f)
r = maint_packet("D")
check(r == "OK", f"raw detach 'D' with the breakpoint still in the guest -> {r!r}")
done()
