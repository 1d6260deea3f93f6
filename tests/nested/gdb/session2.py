"""session2.py - second gdb session against the forever guest (after session1.py detached with a
breakpoint inserted): the code of work() is the original again (the stub's detach removed the
BRK), the guest ran on unharmed between the sessions, a third connection is refused while this
one lasts (and this one keeps working), Ctrl-C interrupts a `continue` (SIGINT, pc in the loop),
and `kill` ends brkvm (the scenario checks its exit code 0 and message)."""
import json
import os
import signal
import sys
import threading
import time

sys.path.insert(0, os.environ["BRKVM_GDBLIB"])
from brkvm_test import check, connect, done, log, other_client, pc, reg, run, sym_addr, x_words  # noqa

import gdb  # noqa: E402

ELF = os.path.join(os.environ["BRKVM_GUESTS"], "forever.elf")
STATE = os.path.join(os.environ["BRKVM_NESTED"], "gdb-session.json")


def where(addr):
    return run(f"info symbol {addr:#x}").split()[0]


with open(STATE) as f:
    st = json.load(f)
connect(ELF)
run("set code-cache off")
run("set stack-cache off")
p = pc()
check(where(p) in ("main", "work", "puts", "puthex"), f"attach stopped the guest in its loop "
      f"(pc {p:#x} in {where(p)})")
text = x_words(st["work"], 16)
check(text == st["text"], "work's code is the original after the detach: "
      + " ".join(f"{w:08x}" for w in text))
check(0xd4200000 not in text, "no BRK left in work")
counter = int(gdb.parse_and_eval("counter"))
check(counter > st["counter"] + 1000, f"the guest ran on between the sessions: counter "
      f"{st['counter']:#x} -> {counter:#x}")

# a third connection while this one lasts: refused (slirp accepts the TCP connection itself, so
# what counts is that no stop reply ever comes back)
got, closed = other_client()
log(f"third connection: received {got!r}, closed by the other end: {closed}")
check(b"$T" not in got and b"$S" not in got, f"a third connection gets no stop reply ({got!r})")
check(closed, "the third connection was closed by the stub (through slirp)")
x0 = reg("x0")
text2 = x_words(st["work"], 4)
check(text2 == st["text"][:4], "this session keeps working after the refused connection")

# Ctrl-C: interrupt a running `continue` from a timer, as QEMU's gdbstub tests do
stops = []
gdb.events.stop.connect(lambda ev: stops.append(getattr(ev, "stop_signal", None)))
threading.Timer(1.0, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
t0 = time.monotonic()
out = run("continue")
el = time.monotonic() - t0
check("SIGINT" in out or "SIGINT" in stops, f"gdb reports SIGINT after Ctrl-C ({stops})")
check(0.8 < el < 10, f"the continue ran until the interrupt ({el:.1f} s)")
p = pc()
check(where(p) in ("main", "work", "puts", "puthex"), f"interrupted in the loop (pc {p:#x} in "
      f"{where(p)})")
c3 = int(gdb.parse_and_eval("counter"))
check(c3 > counter, f"the guest ran during the continue: counter {counter:#x} -> {c3:#x}")

try:
    run("kill")
except gdb.error as e:
    log(f"kill: {e}")
check(True, "kill sent")
done()
