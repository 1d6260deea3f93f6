"""peer_session.py - the brkvm-vs-QEMU comparison of session handling on the forever guest, which
runs before gdb comes (brkvm --gdb without --gdb-wait, QEMU -s without -S): attach stops the
running guest, Ctrl-C interrupts a continue, a plain detach lets the guest run on and a second
`target remote` attaches again, a raw 'D' with a breakpoint still inserted (what is left in the
guest's code, does it keep running), a third connection while one is attached, kill."""
import os
import signal
import sys
import threading
import time

sys.path.insert(0, os.environ["BRKVM_GDBLIB"])
from brkvm_test import PORT, connect, done, log, other_client, pc, run, sym_addr  # noqa: E402
from peer_lib import PEER, attempt, feature, packet, timed  # noqa: E402

import gdb  # noqa: E402

log(f"peer: {PEER}")
ELF = os.path.join(os.environ["BRKVM_GUESTS"], "forever.elf")
LOOP = ("main", "work", "puts", "puthex")


def where(addr):
    out, err = attempt(f"info symbol {addr:#x}")
    return out.split()[0] if out else "?"


def counter():
    return int(gdb.parse_and_eval("counter"))


connect(ELF)
run("set code-cache off")
run("set stack-cache off")
p, c0 = pc(), counter()
feature("attach", "attach to the running guest stops it in its loop", where(p) in LOOP and c0 > 0,
        f"pc {p:#x} in {where(p)}, counter {c0:#x}")
work = sym_addr("work")
code = packet(f"m{work:x},10")

# Ctrl-C during a continue
sig = []
gdb.events.stop.connect(lambda ev: sig.append(getattr(ev, "stop_signal", type(ev).__name__)))
threading.Timer(1.0, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
out, err, el = timed("continue")
c1 = counter()
feature("ctrl-c", "Ctrl-C interrupts a running continue (SIGINT)",
        err is None and sig and sig[-1] == "SIGINT" and c1 > c0 and 0.8 < el < 10,
        f"stop {sig[-1] if sig else None}, after {el:.1f} s, pc in {where(pc())}, counter {c0:#x} -> {c1:#x}")

# breakpoint in the running loop
run("break work")
out, err, el = timed("continue")
feature("bp-running", "break work on a running guest hits", err is None and pc() == work,
        f"pc {pc():#x}, {1000 * el:.0f} ms")
run("delete")

# plain detach, reconnect
out, err = attempt("detach")
feature("detach", "`detach`: the stub lets the guest run", err is None,
        (out or err or "").strip().splitlines()[-1] if (out or err or "").strip() else "")
time.sleep(1.0)
t = time.monotonic()
try:
    run(f"target remote 127.0.0.1:{PORT}")
    re_err = None
except gdb.error as e:
    re_err = str(e)
    # slirp accepts before the stub is ready again: retry a few times
    for i in range(10):
        time.sleep(0.5)
        try:
            run(f"target remote 127.0.0.1:{PORT}")
            re_err = None
            break
        except gdb.error as e2:
            re_err = str(e2)
c2 = counter() if re_err is None else -1
feature("reattach", "a second `target remote` after detach attaches; the guest ran meanwhile",
        re_err is None and c2 > c1, f"{'error ' + re_err if re_err else ''} counter {c1:#x} -> "
        f"{c2:#x}, pc in {where(pc()) if re_err is None else '?'}, {time.monotonic() - t:.1f} s")

# a third connection while this one is attached
got, closed = other_client()
still = packet(f"m{work:x},4")
feature("second-client", "another client while one is attached: refused, first keeps working",
        b"$T" not in got and b"$S" not in got and still == code[:8],
        f"other client got {got[:40]!r}, closed {closed}; first session reads {still}")

# raw D with a breakpoint inserted (always-inserted: gdb does not remove it before the D)
run("set breakpoint always-inserted on")
run("break work")
r = packet("D")
if r.startswith("E"):     # a multiprocess stub wants the pid: D;PID
    r += " / D;{0:x} -> ".format(gdb.selected_inferior().pid) + repr(
        packet("D;{0:x}".format(gdb.selected_inferior().pid)))
_, derr, del_t = timed("disconnect")     # the stub may have closed the connection already
r += f"; gdb disconnect {del_t:.1f} s" + (f" ({derr})" if derr else "")
time.sleep(1.0)
re_err = None
for i in range(4):
    try:
        run(f"target remote 127.0.0.1:{PORT}")
        re_err = None
        break
    except gdb.error as e:
        re_err = str(e)
        time.sleep(0.5)
if re_err is None:
    run("set breakpoint always-inserted off")
    run("delete")
    left = packet(f"m{work:x},10")
    c3 = counter()
    feature("detach-with-bp", "raw 'D' with a breakpoint inserted: code restored, guest runs on",
            left == code and c3 > c2 + 1000, f"D -> {r!r}; after reattach work's code "
            f"{'original' if left == code else left[:16] + '... (BRK d4200000 = 000020d4)'}, "
            f"counter {c2:#x} -> {c3:#x}, pc in {where(pc())}")
else:
    feature("detach-with-bp", "raw 'D' with a breakpoint inserted: code restored, guest runs on",
            False, f"D -> {r!r}; reattach failed: {re_err}")

t = time.monotonic()
out, err = attempt("kill")
feature("kill", "`kill` (the scenario records the VMM's exit)", "info",
        f"{(out or err or 'ok').strip()[:80]} ({time.monotonic() - t:.1f} s)")
done()
