"""load_smp.py - a stop storm on four vCPUs (the loadsmp guest, tests/guests/loadsmp.c): every
vCPU calls sw_hit(cpu, n) (software breakpoint), hw_hit(cpu, n) (hardware breakpoint) and
wp_write(cpu, n) (writes its half-word of the watched doubleword wv) for n = 0..iters-1, all four
at once, and counts its own calls.  The scenario says how many iterations (BRKVM_VAR_iters1,
BRKVM_VAR_iters2): gdb writes them into the guest's iters[] at _start.
  phase 1: the three unconditional; each is a gdb.Breakpoint whose Python stop() records the
           stop (thread, kind, cpu = x0, n = x1) and returns False (gdb resumes at once: no
           printing, one `continue` for the whole phase).  At phase_done(1): per (vCPU, kind)
           gdb's stops against the guest's own counts: lost = guest - gdb, doubled = gdb - guest,
           both 0; the n of each (vCPU, kind) seen in order 0, 1, 2, ... (a stop reported twice or
           skipped shows there too); every stop on the thread of the vCPU that made it (thread
           id = x0 + 1); no other stop.
  phase 2: the same with target-evaluated conditions (`set breakpoint condition-evaluation
           target`): `break sw_hit if n % 4 == 1`, `hbreak hw_hit if n % 5 == 2`, the watchpoint
           still unconditional: stops == the hits whose condition is true (the n seen are exactly
           those, in order, per vCPU), brkvm's `monitor info breakpoints` counted every false hit
           as passed without a report.
In both phases brkvm's count of hits made while another stop waited for gdb (kept pending,
reported at a later resume) shows that the vCPUs did hit at once.
Prints LOAD-SMP lines with the counts and rates (stops/s).  LOAD_SMP_TRACE=FILE in the
environment: gdb logs every packet to FILE (set remotelogfile)."""
import os
import re
import sys
import time

sys.path.insert(0, os.environ["BRKVM_GDBLIB"])
from brkvm_test import check, connect, cont_expect_end, done, log, pc, run, sym_addr  # noqa

import gdb  # noqa: E402

NCPUS = 4
KINDS = ("sw", "hw", "wp")
ITERS = {1: int(os.environ.get("BRKVM_VAR_iters1", "100")),
         2: int(os.environ.get("BRKVM_VAR_iters2", "100"))}
COND = {"sw": (4, 1), "hw": (5, 2)}  # phase 2: n % M == R

TRACE = os.environ.get("LOAD_SMP_TRACE")
ELF = os.path.join(os.environ["BRKVM_GUESTS"], "loadsmp.elf")


def thread_id():
    ptid = gdb.selected_thread().ptid
    return ptid[1] or ptid[2]


def guest_counts():
    """the guest's own cumulative counts: {(cpu, kind): calls}"""
    return {(c, k): int(gdb.parse_and_eval(f"{k}_calls[{c}]")) for c in range(NCPUS)
            for k in KINDS}


class Tally:
    """the stops gdb saw in one phase"""

    def __init__(self):
        self.seen = {(c, k): [] for c in range(NCPUS) for k in KINDS}  # n in order
        self.wrong_thread = 0
        self.bad_cpu = 0
        self.stops = 0

    def record(self, kind):
        frame = gdb.selected_frame()
        cpu = int(frame.read_register("x0"))
        n = int(frame.read_register("x1"))
        self.stops += 1
        if not 0 <= cpu < NCPUS:
            self.bad_cpu += 1
            log(f"a {kind} stop with x0 = {cpu:#x}, no vCPU number")
            return
        if thread_id() != cpu + 1:
            self.wrong_thread += 1
            if self.wrong_thread <= 5:
                log(f"a {kind} stop of vCPU {cpu} (n {n}) reported on thread {thread_id()}")
        self.seen[(cpu, kind)].append(n)


tally = Tally()


class Counted(gdb.Breakpoint):
    """a breakpoint or watchpoint whose every stop is recorded in the current tally, then
    resumed by gdb without a stop event"""

    def __init__(self, spec, kind, **kw):
        super().__init__(spec, **kw)
        self.kind = kind

    def stop(self):
        tally.record(self.kind)
        return False


def continue_to_phase_end(phase, on_stop=None):
    """continue until phase_done(phase); stops elsewhere are counted (on_stop() may claim one
    as expected) and continued; returns the number of unexpected stops"""
    other = 0
    for _ in range(1000000):
        try:
            gdb.execute("continue", to_string=True)
        except gdb.error as e:
            check(False, f"phase {phase}: continue failed: {e}")
            done()
        if pc() == sym_addr("phase_done"):
            got = int(gdb.parse_and_eval("$x0"))
            check(got == phase, f"phase {phase}: ended at phase_done({got})")
            return other
        if on_stop and on_stop():
            continue
        other += 1
        if other <= 5:
            log(f"phase {phase}: a stop at {pc():#x} on thread {thread_id()}, not at a "
                "breakpoint of this phase")
        if other > 50:
            break
    check(False, f"phase {phase}: never reached phase_done")
    done()


def compare(phase, t, before, after, want_n):
    """gdb's stops of phase `phase` (tally t) against the guest's counts; want_n(kind) is the
    list of n each vCPU must have stopped at, in order"""
    lost = doubled = order = 0
    for c in range(NCPUS):
        for k in KINDS:
            calls = after[(c, k)] - before[(c, k)]
            want = want_n(k)
            expect_calls = ITERS[phase]
            got = t.seen[(c, k)]
            if calls != expect_calls:
                log(f"phase {phase}: vCPU {c} made {calls} {k} calls (want {expect_calls})")
                order += 1
            d = len(got) - len(want)
            if d < 0:
                lost -= d
            elif d > 0:
                doubled += d
            if got != want:
                order += 1
                first = next((i for i, (a, b) in enumerate(zip(got, want)) if a != b),
                             min(len(got), len(want)))
                log(f"phase {phase}: vCPU {c} {k}: {len(got)} stops, want {len(want)}; "
                    f"first difference at #{first}: got {got[first:first + 4]}, "
                    f"want {want[first:first + 4]}")
    stops = sum(len(want_n(k)) for k in KINDS) * NCPUS
    log(f"LOAD-SMP phase={phase} stops={t.stops} expected={stops} lost={lost} "
        f"doubled={doubled} wrong_thread={t.wrong_thread} bad_cpu={t.bad_cpu}")
    check(lost == 0 and doubled == 0,
          f"phase {phase}: {t.stops} stops, the guest's {stops}: lost {lost}, doubled {doubled}")
    check(order == 0, f"phase {phase}: every vCPU stopped at each of its expected hits once, "
          f"in order ({order} (vCPU, kind) differ)")
    check(t.wrong_thread == 0 and t.bad_cpu == 0,
          f"phase {phase}: every stop on its vCPU's thread ({t.wrong_thread} not)")


def not_reported():
    m = re.search(r"not reported: (\d+) hits with conditions false",
                  run("monitor info breakpoints"))
    return int(m.group(1)) if m else 0


def held():
    """brkvm's counts of hits made while another stop waited for gdb: (kept pending, reported
    later, dropped)"""
    m = re.search(r"hits while another stop waited: (\d+), reported later (\d+), dropped (\d+)",
                  run("monitor info breakpoints"))
    return tuple(int(x) for x in m.groups()) if m else (0, 0, 0)


def check_held(phase, h0):
    h = held()
    kept, reported, dropped = (a - b for a, b in zip(h, h0))
    log(f"LOAD-SMP phase={phase} simultaneous={kept} reported_later={reported} "
        f"dropped={dropped}")
    check(kept > 0, f"phase {phase}: vCPUs hit at once ({kept} hits made while another stop "
          "waited for gdb)")
    check(kept == reported + dropped,
          f"phase {phase}: each of them reported later or dropped ({reported} + {dropped})")
    return h


if TRACE:
    run(f"set remotelogfile {TRACE}")
connect(ELF)
check(pc() == sym_addr("_start"), f"stopped at _start (pc {pc():#x})")
for p, n in ITERS.items():
    run(f"set var iters[{p}] = {n}")
run("set breakpoint always-inserted on")
run("set print thread-events off")
# the guest's code as the ELF has it: gdb reads it from the file, not with m packets at every stop
run("set trust-readonly-sections on")
end = gdb.Breakpoint("phase_done")

# phase 1: every hit a stop
sw = Counted("sw_hit", "sw")
hw = Counted("hw_hit", "hw", type=gdb.BP_HARDWARE_BREAKPOINT)
wp = Counted("wv", "wp", type=gdb.BP_WATCHPOINT, wp_class=gdb.WP_WRITE)
info = run("info breakpoints")
check(re.search(r"hw watchpoint\s+keep\s+y\s+wv", info) is not None,
      "wv is watched by a hardware watchpoint")
c0 = guest_counts()
h0 = held()
t0 = time.monotonic()
other = continue_to_phase_end(1)
el1 = time.monotonic() - t0
c1 = guest_counts()
t1 = tally
check(other == 0, f"phase 1: no stop but the three kinds and phase_done ({other})")
compare(1, t1, c0, c1, lambda k: list(range(ITERS[1])))
log(f"LOAD-SMP phase=1 seconds={el1:.1f} rate={t1.stops / el1:.1f}/s")
h1 = check_held(1, h0)

# phase 2: brkvm evaluates the breakpoints' conditions; the watchpoint still stops every time
tally = Tally()
sw.delete()
hw.delete()
run("set breakpoint condition-evaluation target")
sw2 = gdb.Breakpoint("sw_hit")
sw2.condition = "n %% %d == %d" % COND["sw"]
hw2 = gdb.Breakpoint("hw_hit", type=gdb.BP_HARDWARE_BREAKPOINT)
hw2.condition = "n %% %d == %d" % COND["hw"]
info = run("monitor info breakpoints")
check("conditions 1" in info, "brkvm holds the conditions (monitor info breakpoints)")


def phase2_stop():
    for bp, kind in ((sw2, "sw"), (hw2, "hw")):
        if bp.hit_count > phase2_stop.hits[kind]:
            phase2_stop.hits[kind] = bp.hit_count
            tally.record(kind)
            return True
    return False


phase2_stop.hits = {"sw": 0, "hw": 0}
passed0 = not_reported()
t0 = time.monotonic()
other = continue_to_phase_end(2, phase2_stop)
el2 = time.monotonic() - t0
c2 = guest_counts()
passed = not_reported() - passed0
check(other == 0, f"phase 2: no stop but the true conditions, the watchpoint and phase_done "
      f"({other})")


def want2(kind):
    if kind == "wp":
        return list(range(ITERS[2]))
    m, r = COND[kind]
    return [n for n in range(ITERS[2]) if n % m == r]


compare(2, tally, c1, c2, want2)
check_held(2, h1)
false_hits = NCPUS * sum(ITERS[2] - len(want2(k)) for k in ("sw", "hw"))
check(passed == false_hits, f"phase 2: brkvm passed {passed} false hits without a stop "
      f"(want {false_hits})")
log(f"LOAD-SMP phase=2 seconds={el2:.1f} stops={tally.stops} passed={passed} "
    f"rate={(tally.stops + passed) / el2:.1f} hits/s")

for bp in (sw2, hw2, wp, end):
    bp.delete()
check(cont_expect_end(0), "the guest ran to its end")
done()
