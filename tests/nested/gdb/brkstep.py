"""brkstep.py - gdb single-steps one vCPU while the guest takes its own BRKs (the brkstep guest,
tests/guests/brkstep.c; issue 12): vCPU 1 executes `brk #0x77` at 10 kHz of its virtual time,
vCPU 0 loops over its own `brk #0x55` (step_loop), each BRK handled by the guest's vector table.
A breakpoint at never_called (never hit) stays in throughout, so brkvm traps the BRKs of both
vCPUs and re-injects them (without one, only the stepped vCPU's BRKs would leave the guest).
  A: `stepi` on thread 1 (vCPU 0) through STEP_ROUNDS rounds of step_loop (gdb lets vCPU 1 run
     during each step): every stop is the end of a step on thread 1, the path of every round is
     the path of the first (add, the guest's brk into its own vector, its handler, eret, the
     loop's tail), x19 and x20 count the rounds and the guest counted one BRK per round.
  B: vCPU 1 back to back (hz = 0), `stepi` on thread 2 THREAD2_STEPS times while vCPU 0 runs its
     BRK loop: every stop on thread 2, and vCPU 1's BRK count grew by exactly the number of
     times the steps entered its vector.
  C: `break *step_after` (where the guest's handler returns after vCPU 0's brk) and CONTINUES
     `continue`s with vCPU 1 at 10 kHz: each a breakpoint stop on thread 1 at step_after, x19
     one more each time, x20 = x19 - 1; vCPU 1's BRKs in that time give its rate.
  D: rounds = 0 ends the loop; the guest runs to its end (the scenario checks its counts).
Prints BRKSTEP lines with the figures."""
import os
import sys
import time

sys.path.insert(0, os.environ["BRKVM_GDBLIB"])
from brkvm_test import (check, connect, cont_expect_end, done, log, pc, record_stops, reg,  # noqa
                        run, sym_addr)

import gdb  # noqa: E402

STEP_ROUNDS = 20
THREAD2_STEPS = 300
CONTINUES = 100
ELF = os.path.join(os.environ["BRKVM_GUESTS"], "brkstep.elf")

events = record_stops()


def val(expr):
    return int(gdb.parse_and_eval(expr))


def thread_num():
    return gdb.selected_thread().num


def stepi():
    """one `stepi`; (pc, thread, the stop events it produced)"""
    del events[:]
    gdb.execute("stepi", to_string=True)
    return pc(), thread_num(), list(events)


connect(ELF)
top, brk, after = sym_addr("step_top"), sym_addr("step_brk"), sym_addr("step_after")
vectors = sym_addr("brkstep_vectors")
handler = (sym_addr("set_brkstep_vectors"), sym_addr("step_loop"))  # the table and bs_sync


def in_handler(a):
    return handler[0] <= a < handler[1]


run(f"set var rounds = {1 << 40}")
run(f"break *{top:#x}")
run("continue")
check(pc() == top and thread_num() == 1, f"stopped at step_top on thread 1 (pc {pc():#x}, "
      f"thread {thread_num()})")
threads = gdb.selected_inferior().threads()
check(len(threads) == 2, f"gdb sees 2 threads ({len(threads)})")
check(val("up1") == 1, "vCPU 1 is up and taking its BRKs")
run("delete")
# a breakpoint that is never hit: with it in, brkvm traps every vCPU's BRKs (not only the
# stepped one's) and re-injects the guest's own, so vCPU 1's BRKs go through brkvm during A and
# vCPU 0's during B
run("break never_called")

# ---- A: stepi on thread 1 through STEP_ROUNDS rounds ----
brks1_a = val("brks[1]")
brks0_a = val("brks[0]")
x19_a = reg("x19")
paths, path, wrong, t0 = [], [], [], time.monotonic()
nsteps = 0
while len(paths) < STEP_ROUNDS and nsteps < STEP_ROUNDS * 60:
    p, t, evs = stepi()
    nsteps += 1
    if t != 1 or [e[0] for e in evs] != ["StopEvent"]:
        wrong.append((nsteps, hex(p), t, evs))
    path.append(p)
    if p == top:
        paths.append(path)
        path = []
dt_a = time.monotonic() - t0
brks1_delta_a = val("brks[1]") - brks1_a
log(f"BRKSTEP A steps={nsteps} rounds={len(paths)} s={dt_a:.1f} vcpu1_brks={brks1_delta_a}")
check(not wrong, f"each of {nsteps} stepi on thread 1 ended as a step on thread 1, nothing else "
      f"reported ({len(wrong)} others: {wrong[:3]})")
check(len(paths) == STEP_ROUNDS, f"{STEP_ROUNDS} rounds stepped ({len(paths)} in {nsteps} steps)")
first = paths[0] if paths else []
back = first.index(after) if after in first else 0
check(first[:2] == [brk, vectors + 0x200] and back and all(map(in_handler, first[1:back])),
      f"a round: step_brk, the guest's vector (VBAR + 0x200), its handler, step_after "
      f"({len(first)} steps: {[hex(a) for a in first[:4]]}...)")
same = sum(1 for p in paths if p == first)
check(same == len(paths), f"every round took the first round's path ({same} of {len(paths)})")
check(reg("x19") - x19_a == STEP_ROUNDS and reg("x20") == reg("x19"),
      f"x19 and x20 counted the rounds (x19 {x19_a} -> {reg('x19')}, x20 {reg('x20')})")
check(val("brks[0]") - brks0_a == STEP_ROUNDS,
      f"the guest's handler counted one brk #0x55 per round ({val('brks[0]') - brks0_a})")

# ---- B: vCPU 1 back to back; stepi on thread 2 while vCPU 0 runs its BRK loop ----
run("set var hz = 0")
run("thread 2")
# vCPU 1 may have stopped inside its handler (a BRK it took before B): out of it first, so
# that the count below starts between two BRKs
lead = 0
while in_handler(pc()) and lead < 100:
    stepi()
    lead += 1
log(f"thread 2 stepped {lead} times out of its handler before B")
brks1_b, brks0_b = val("brks[1]"), val("brks[0]")
entries, wrong, nsteps, t0 = 0, [], 0, time.monotonic()
while nsteps < THREAD2_STEPS or in_handler(pc()):
    p, t, evs = stepi()
    nsteps += 1
    if t != 2 or [e[0] for e in evs] != ["StopEvent"]:
        wrong.append((nsteps, hex(p), t, evs))
        if t != 2:
            run("thread 2")
    if p == vectors + 0x200:
        entries += 1
    if nsteps > THREAD2_STEPS + 100:
        break
dt_b = time.monotonic() - t0
brks1_delta_b = val("brks[1]") - brks1_b
brks0_delta_b = val("brks[0]") - brks0_b
log(f"BRKSTEP B steps={nsteps} vector_entries={entries} vcpu1_brks={brks1_delta_b} "
    f"vcpu0_brks={brks0_delta_b} s={dt_b:.1f}")
check(not wrong, f"each of {nsteps} stepi on thread 2 ended as a step on thread 2, nothing else "
      f"reported ({len(wrong)} others: {wrong[:3]})")
check(entries >= 5, f"the steps went into vCPU 1's vector at its brk #0x77 ({entries} times)")
check(brks1_delta_b == entries, f"vCPU 1's handler counted exactly the BRKs gdb stepped into "
      f"({brks1_delta_b} counted, {entries} entries)")

# ---- C: a breakpoint where the guest's handler returns, CONTINUES times, vCPU 1 at 10 kHz ----
run("set var hz = 10000")
run("thread 1")
run(f"break *{after:#x}")   # never_called's stays in too
brks1_c, x19_prev = val("brks[1]"), None
wrong, t0 = [], time.monotonic()
for i in range(CONTINUES):
    del events[:]
    gdb.execute("continue", to_string=True)
    t, p, x19, x20 = thread_num(), pc(), reg("x19"), reg("x20")
    good = (t == 1 and p == after and [e[0] for e in events] == ["BreakpointEvent"] and
            x20 == x19 - 1 and (x19_prev is None or x19 == x19_prev + 1))
    if not good:
        wrong.append((i, t, hex(p), x19, x20, list(events)))
    x19_prev = x19
dt_c = time.monotonic() - t0
brks1_delta_c = val("brks[1]") - brks1_c
log(f"BRKSTEP C continues={CONTINUES} s={dt_c:.1f} vcpu1_brks={brks1_delta_c} "
    f"per_s={brks1_delta_c / dt_c:.0f}")
check(not wrong, f"each of {CONTINUES} continues stopped at step_after on thread 1, one round "
      f"later, x20 = x19 - 1 ({len(wrong)} not: {wrong[:3]})")
check(brks1_delta_c > 0, f"vCPU 1 took its BRKs meanwhile ({brks1_delta_c})")

# ---- D: end the loop; the guest prints its counts ----
run("delete")
run("set var rounds = 0")
check(cont_expect_end(), "the guest ran to its end")
done()
