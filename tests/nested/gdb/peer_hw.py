"""peer_hw.py - the brkvm-vs-QEMU comparison of hardware breakpoints and watchpoints on the
counter guest (stopped at its entry): how many Z1 / Z2 the stub accepts and what it answers
beyond, hbreak hit twice in a row (stepping off a hardware breakpoint), watch / rwatch / awatch:
does the stop reach gdb as that watchpoint, with which pc and value, a 16-byte watch, a watch
crossing a doubleword."""
import os
import sys
import time

sys.path.insert(0, os.environ["BRKVM_GDBLIB"])
from brkvm_test import connect, done, log, pc, reg, run, sym_addr  # noqa: E402
from peer_lib import PEER, attempt, feature, packet, timed, end_of_guest  # noqa: E402

import gdb  # noqa: E402

log(f"peer: {PEER}")
stops = []
gdb.events.stop.connect(lambda ev: stops.append(ev))


def last_stop():
    if not stops:
        return "no stop event"
    ev = stops[-1]
    kind = type(ev).__name__
    if isinstance(ev, gdb.BreakpointEvent):
        b = ev.breakpoints[0]
        kind += f"(#{b.number} type {b.type} {b.expression or b.location})"
    elif isinstance(ev, gdb.SignalEvent):
        kind += f"({ev.stop_signal})"
    return kind


connect(os.path.join(os.environ["BRKVM_GUESTS"], "counter.elf"))
tick, main = sym_addr("tick"), sym_addr("main")
counter, total = sym_addr("counter"), sym_addr("total")

# slot counts at the packet level
replies = []
for k in range(10):
    r = packet(f"Z1,{main + 4 * k:x},4")
    replies.append(r)
    if r != "OK":
        break
for k in range(len(replies)):
    packet(f"z1,{main + 4 * k:x},4")
n_ok = sum(r == "OK" for r in replies)
feature("hbreak-slots", "Z1 (hardware breakpoints) accepted, then the reply",
        n_ok == 6 and replies[-1] != "OK", f"{n_ok} OK, then {replies[-1]!r}")
wreplies = []
for k in range(8):
    r = packet(f"Z2,{counter + 16 + 8 * k:x},8")
    wreplies.append(r)
    if r != "OK":
        break
for k in range(len(wreplies)):
    packet(f"z2,{counter + 16 + 8 * k:x},8")
n_ok = sum(r == "OK" for r in wreplies)
feature("watch-slots", "Z2 (write watchpoints) accepted, then the reply",
        n_ok == 4 and wreplies[-1] != "OK", f"{n_ok} OK, then {wreplies[-1]!r}")
# gdb's view: 7 hbreaks, then resume
run("hbreak tick")
for k in range(1, 7):
    run(f"hbreak *{main + 4 * k:#x}")
out, err = attempt("stepi")
feature("hbreak-7-gdb", "gdb with 7 hbreaks: resume refused with an error, guest not moved",
        err is not None and pc() == sym_addr("_start"), f"{err or 'stepi worked'}; pc {pc():#x}")
run("delete")

# hbreak hit twice in a row: the stub must step off the hardware breakpoint
run("hbreak tick")
xs = []
for i in range(2):
    out, err, el = timed("continue")
    xs.append((pc() == tick, reg("x0"), last_stop(), round(el * 1000)))
feature("hbreak-hit", "hbreak on tick hit on two consecutive continues (x0 1, 2)",
        all(x[0] for x in xs) and [x[1] for x in xs] == [1, 2], f"{xs}")
run("delete")


def watch_case(key, title, cmd, var_addr, incr=False):
    before = int(gdb.parse_and_eval("counter"))
    run(cmd)
    out, err, el = timed("continue")
    p = pc()
    val = int(gdb.parse_and_eval("counter"))
    st = last_stop()
    good = err is None and isinstance(stops[-1], gdb.BreakpointEvent) and \
        tick <= p < tick + 0x28 and (not incr or val == before + 1)
    lines = [l.strip() for l in (out or "").splitlines()
             if "watchpoint" in l.lower() or "Value" in l][:3]
    feature(key, title, good, f"{st}; pc {p:#x} (tick+{p - tick:#x}); counter {before} -> {val}; "
            f"{' / '.join(lines)}; {1000 * el:.0f} ms" + (f"; error {err}" if err else ""))
    run("delete")


watch_case("watch", "`watch counter` stops after the store, reported as the watchpoint",
           "watch counter", counter, True)
watch_case("rwatch", "`rwatch total` stops at the load in tick", "rwatch total", total)
watch_case("awatch", "`awatch counter` stops at an access in tick", "awatch counter", counter)
watch_case("watch16", "16-byte watch (counter+total, one Z2 with length 16)",
           f"watch *(char (*)[16]){counter:#x}", counter)
r = packet(f"Z2,{counter + 4:x},8")
feature("watch-cross", "Z2 of 8 bytes crossing a doubleword", "info", f"reply {r!r}")
if r == "OK":
    packet(f"z2,{counter + 4:x},8")
# a watchpoint that a continue must step over repeatedly: counts
run("watch counter")
vals = []
for i in range(3):
    out, err = attempt("continue")
    if err:
        break
    vals.append(int(gdb.parse_and_eval("counter")))
feature("watch-repeat", "`watch counter` on three continues sees 1 more each time", len(vals) == 3
        and vals[1] == vals[0] + 1 and vals[2] == vals[1] + 1, f"counter {vals}")
run("delete")
feature("end", "session end at the guest's PSCI SYSTEM_OFF", "info", end_of_guest())
done()
