"""linux_time.py - stop the Linux guest for 30 s, more than the kernel's 21 s RCU stall and 20 s
soft lockup limits (its clock must not notice), then a read watchpoint on the kernel's jiffies.
Debian's kernel has no KALLSYMS_ALL, so jiffies' address is decoded from ADRP + LDR pairs in
functions that read it (BRKVM_VAR_readers), and accepted only if the word there looks like
jiffies (HZ=250, INITIAL_JIFFIES = -300 s, a few minutes of uptime)."""
import os
import sys
import time

sys.path.insert(0, os.environ["BRKVM_GDBLIB"])
from brkvm_test import check, connect, done, log, pc, reg, run  # noqa: E402

import gdb  # noqa: E402

READERS = [int(a, 16) for a in os.environ["BRKVM_VAR_readers"].split()]
INITIAL_JIFFIES = (-300 * 250) & 0xffffffff
STOP_SECONDS = int(os.environ.get("BRKVM_STOP_SECONDS", "30"))


def word(addr):
    return int(gdb.parse_and_eval(f"*(unsigned int *){addr:#x}")) & 0xffffffff


def candidates(fn):
    """the addresses ADRP Xn + LDR Xt, [Xn, #imm] pairs in fn's first 48 instructions load"""
    page = {}
    for i in range(48):
        a = fn + 4 * i
        w = word(a)
        if w & 0x9f000000 == 0x90000000:  # ADRP
            imm = ((w >> 29) & 3) | (((w >> 5) & 0x7ffff) << 2)
            if imm & (1 << 20):
                imm -= 1 << 21
            page[w & 31] = (a & ~0xfff) + (imm << 12)
        elif w & 0xffc00000 == 0xf9400000 and (w >> 5) & 31 in page:  # LDR Xt, [Xn, #imm12*8]
            yield (page[(w >> 5) & 31] + ((w >> 10) & 0xfff) * 8) & 0xffffffffffffffff


def decode_jiffies():
    for fn in READERS:
        for a in candidates(fn):
            try:
                v = int(gdb.parse_and_eval(f"*(unsigned long *){a:#x}")) & 0xffffffffffffffff
            except gdb.error:
                continue
            if INITIAL_JIFFIES <= v < INITIAL_JIFFIES + 250 * 3600:
                log(f"jiffies candidate {a:#x} (from {fn:#x}) = {v:#x}")
                return a
    return None


stops = []
connect()
gdb.events.stop.connect(lambda ev: stops.append(ev))
cnt0 = reg("cntvct_el0")
log(f"stopping the guest for {STOP_SECONDS} s (cntvct {cnt0:#x})")
time.sleep(STOP_SECONDS)
run("maint flush register-cache")  # read the counter anew, not gdb's copy
check(reg("cntvct_el0") == cnt0, "the guest's virtual counter did not move during the stop")

jiffies = decode_jiffies()
check(jiffies is not None and jiffies >> 48 == 0xffff, f"jiffies_64 at {jiffies or 0:#x}")
j0 = int(gdb.parse_and_eval(f"*(unsigned long *){jiffies:#x}"))
out = run(f"rwatch *(unsigned long *){jiffies:#x}")
run("continue")
ev = stops[-1] if stops else None
check(isinstance(ev, gdb.BreakpointEvent) and ev.breakpoints[0].type == gdb.BP_READ_WATCHPOINT,
      "the read watchpoint on jiffies stopped the guest")
check(pc() >> 48 == 0xffff and (reg("cpsr") >> 2) & 3 == 1, f"in kernel code at EL1 (pc {pc():#x})")
thread = gdb.selected_thread().num
check(thread in (1, 2), f"reported on thread {thread}")
j1 = int(gdb.parse_and_eval(f"*(unsigned long *){jiffies:#x}"))
check(0 <= j1 - j0 < 1000, f"jiffies went from {j0} to {j1} (no jump over the stop)")
run("delete")
run("detach")
done()
