"""cond.py - breakpoint conditions evaluated in brkvm (ConditionalBreakpoints+), against the
condsmp guest (tests/guests/condsmp.c): in each of 4 rounds its two vCPUs call hit(cpu, i) for
i = 0..399 at the same time, then vCPU 0 calls round_done(round).
  round 1: `break hit if i % 50 == 7` evaluated by gdb (condition-evaluation host): the stops;
  round 2: the same condition evaluated by brkvm (target): exactly the same stops (cpu, i, thread),
           gdb saw no other, brkvm's `monitor info breakpoints` has the condition and counted the
           784 false hits it did not report;
  round 3: the same on a hardware breakpoint (hbreak, Z1), evaluated by brkvm;
  rounds 4, 5: `dprintf hit,"HIT %lu %lu\n",cpu,i` with that condition, printed by gdb
           (dprintf-style gdb), then by brkvm (agent: the guest never stops): the same lines;
  round 6: a condition that reads unmapped memory: brkvm stops there, as gdbserver does (gdb
           evaluates it again and shows the error; the scenario checks brkvm's log line)."""
import os
import re
import sys

sys.path.insert(0, os.environ["BRKVM_GDBLIB"])
from brkvm_test import (check, connect, cont_expect_end, done, log, pc, record_stops, run,  # noqa
                        sym_addr)

import gdb  # noqa: E402

CALLS, EVERY, AT = 400, 50, 7
WANT = sorted((cpu, i) for cpu in (0, 1) for i in range(AT, CALLS, EVERY))

ELF = os.path.join(os.environ["BRKVM_GUESTS"], "condsmp.elf")
connect(ELF)
check(pc() == sym_addr("_start"), f"stopped at _start (pc {pc():#x})")
run("set breakpoint always-inserted on")  # inserted as they are set: Z packets while stopped
stop_events = record_stops()
rd = gdb.Breakpoint("round_done")


def thread_id():
    ptid = gdb.selected_thread().ptid
    return ptid[1] or ptid[2]


def one_round(n, bp):
    """continue until round_done(n): the hits of bp as sorted (cpu, i), and whether every stop
    was on the thread of the vCPU that passed cpu"""
    hits, threads_right, other = [], True, 0
    for _ in range(4 * len(WANT)):
        before = len(stop_events)
        run("continue")
        if len(stop_events) != before + 1:
            log(f"round {n}: {len(stop_events) - before} stop events for one continue")
        if pc() == sym_addr("round_done"):
            got = int(gdb.parse_and_eval("$x0"))  # round_done(round) at its first instruction
            check(got == n, f"round {n}: ended at round_done({got})")
            break
        if bp.location and pc() != sym_addr("hit"):
            other += 1
            log(f"round {n}: a stop at {pc():#x}, not hit()")
            continue
        cpu, i = int(gdb.parse_and_eval("cpu")), int(gdb.parse_and_eval("i"))
        hits.append((cpu, i))
        if thread_id() != cpu + 1:
            threads_right = False
            log(f"round {n}: hit({cpu}, {i}) reported on thread {thread_id()}")
    check(other == 0, f"round {n}: no stop but at hit() and round_done() ({other})")
    return sorted(hits), threads_right


# round 1: gdb evaluates
run("set breakpoint condition-evaluation host")
bp = gdb.Breakpoint("hit")
bp.condition = f"i % {EVERY} == {AT}"
host, ok = one_round(1, bp)
check(host == WANT, f"round 1 (gdb evaluates): {len(host)} stops, the {len(WANT)} expected")
check(ok, "round 1: every stop on the thread of the vCPU that called")
hits1 = bp.hit_count

# round 2: brkvm evaluates the same condition
run("set breakpoint condition-evaluation target")
info = run("monitor info breakpoints")
check("conditions 1" in info, "brkvm holds the condition (monitor info breakpoints)")


def not_reported():
    m = re.search(r"not reported: (\d+) hits with conditions false",
                  run("monitor info breakpoints"))
    return int(m.group(1)) if m else 0


passes0 = not_reported()
before = len(stop_events)
target, ok = one_round(2, bp)
check(target == host, f"round 2 (brkvm evaluates): the same {len(target)} stops as gdb's "
      f"evaluation ({sorted(set(target) ^ set(host))[:6]} differ)")
check(ok, "round 2: every stop on the thread of the vCPU that called")
check(bp.hit_count - hits1 == len(WANT),
      f"round 2: gdb saw {bp.hit_count - hits1} hits of the breakpoint (want {len(WANT)})")
check(len(stop_events) - before == len(WANT) + 1,
      f"round 2: {len(stop_events) - before} stops in all (want {len(WANT)} + round_done)")
passes = not_reported() - passes0
check(passes == 2 * CALLS - len(WANT),
      f"brkvm went past {passes} false hits without a stop (want {2 * CALLS - len(WANT)})")
bp.delete()

# round 3: a hardware breakpoint, brkvm evaluates
hb = gdb.Breakpoint("hit", type=gdb.BP_HARDWARE_BREAKPOINT)
hb.condition = f"i % {EVERY} == {AT}"
hw, ok = one_round(3, hb)
check(hw == WANT, f"round 3 (hbreak, brkvm evaluates): {len(hw)} stops, the {len(WANT)} "
      f"expected ({sorted(set(hw) ^ set(WANT))[:6]} differ)")
check(ok, "round 3: every stop on the thread of the vCPU that called")
hb.delete()



def dprintf_round(n, style):
    """the HIT lines of a dprintf printed in `style` over round n, sorted"""
    run(f"set dprintf-style {style}")
    run('dprintf hit,"HIT %lu %lu\\n",cpu,i')
    num = int(gdb.parse_and_eval("$bpnum"))  # gdb.breakpoints() leaves dprintfs out
    run(f"condition {num} i % {EVERY} == {AT}")
    before = len(stop_events)
    out = run("continue")
    check(pc() == sym_addr("round_done") and int(gdb.parse_and_eval("$x0")) == n,
          f"round {n} (dprintf-style {style}): continued to round_done({n})")
    run(f"delete {num}")
    lines = sorted(tuple(int(x) for x in m) for m in re.findall(r"HIT (\d+) (\d+)", out))
    return lines, len(stop_events) - before


by_gdb, _ = dprintf_round(4, "gdb")
check(by_gdb == WANT, f"round 4: gdb's dprintf printed {len(by_gdb)} lines, the {len(WANT)} "
      "expected")
by_agent, stops = dprintf_round(5, "agent")
check(by_agent == by_gdb, f"round 5: brkvm's agent dprintf printed the same {len(by_agent)} "
      f"lines as gdb's ({sorted(set(by_agent) ^ set(by_gdb))[:6]} differ)")
check(stops == 1, f"round 5: the guest stopped {stops} times (want 1: round_done)")
info = run("monitor info breakpoints")
m = re.search(r"(\d+) hits whose commands ran", info)
check(m and int(m.group(1)) == len(WANT),
      f"brkvm ran the dprintf {m.group(1) if m else '?'} times (want {len(WANT)})")

# round 6: a condition brkvm cannot evaluate (memory at 0x10 is not RAM): a stop
bad = gdb.Breakpoint("hit")
bad.condition = "*(volatile int *)0x10 == 1"
try:
    out = run("continue")
except gdb.error as e:
    out = str(e)
log(f"round 6: {out.strip()}")
check(pc() == sym_addr("hit"), f"round 6: stopped in hit() (pc {pc():#x}) on the unreadable "
      "condition")
bad.delete()
rd.delete()
check(cont_expect_end(0), "the guest ran to its end and powered off (exit code 0)")
done()
