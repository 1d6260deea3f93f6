"""stub_bench.py - one window of each gdb-stub figure of bench/stub.sh (scenario bench-stub),
against whichever VMM the scenario started (BRKVM_VAR_peer: brkvm or qemu) on the forever guest
(BRKVM_VAR_elf: forever or forever-virt, the build for QEMU's virt machine).  forever's main()
calls work() in a tight loop and work() increments `counter`, so the counter's advance over a
window is the number of times work() was entered, i.e. of breakpoint hits.  Prints
  STUB-BENCH VMM ROW VALUE
lines (row cond, hit: hits/s; dump: MB/s; cond-pkts, hit-pkts: packets gdb sent per hit) that bench/stub.sh turns into a table.  A
measurement: it fails only when it got no figure."""
import os
import sys
import tempfile
import time

sys.path.insert(0, os.environ["BRKVM_GDBLIB"])
from brkvm_test import check, connect, done, log, run, sym_addr  # noqa: E402

import gdb  # noqa: E402

PEER = os.environ.get("BRKVM_VAR_peer", "brkvm")
ELF = os.path.join(os.environ["BRKVM_GUESTS"], os.environ.get("BRKVM_VAR_elf", "forever") + ".elf")
WINDOW = float(os.environ.get("STUB_BENCH_WINDOW", "4"))
DUMP_MB = int(os.environ.get("STUB_BENCH_DUMP_MB", "64"))    # the VMMs run with -m 64M


def figure(row, value):
    log(f"STUB-BENCH {PEER} {row} {value:.4g}")


def counter():
    return int(gdb.parse_and_eval("counter"))


class WindowOver(gdb.Function):
    """$stub_bench_over(): true once the window's deadline passed.  A Ctrl-C (SIGINT) is no
    way to end a window of row cond: gdb, busy stepping over and resuming at every hit, took
    it only after 10-20 s on a local QEMU TCG trial"""
    deadline = 0.0

    def __init__(self):
        super().__init__("stub_bench_over")

    def invoke(self):
        return 1 if time.monotonic() > WindowOver.deadline else 0


WindowOver()


def window_cond():
    """`break work if counter == -1` (false: gdb reads counter and resumes at every hit;
    neither stub offers ConditionalBreakpoints+); the clause `|| $stub_bench_over()` (a
    function of gdb's Python, no packet) ends the window after WINDOW s"""
    run("break work if counter == -1 || $stub_bench_over()")
    c0, t0 = counter(), time.monotonic()
    WindowOver.deadline = t0 + WINDOW
    gdb.execute("continue", to_string=True)
    el, c1 = time.monotonic() - t0, counter()
    run("delete")
    log(f"  cond: {c1 - c0} hits in {el:.2f} s")
    return (c1 - c0) / el if c1 > c0 else None


def window_hit():
    """a plain breakpoint, every hit a stop that gdb reports and a continue (what
    `commands / silent / continue / end` does, driven from Python for the count and the clock)"""
    run("break work")
    c0, t0, n = counter(), time.monotonic(), 0
    while time.monotonic() - t0 < WINDOW:
        gdb.execute("continue", to_string=True)
        n += 1
    el, c1 = time.monotonic() - t0, counter()
    run("delete")
    log(f"  hit: {n} continues, counter +{c1 - c0} in {el:.2f} s")
    return n / el if n > 1 and abs(c1 - c0 - n) <= 1 else None


def window_dump():
    """`dump binary memory` of the guest RAM's first DUMP_MB MiB"""
    base = sym_addr("main") & ~0x3fffffff       # brkvm: 0x80000000, QEMU virt: 0x40000000
    size = DUMP_MB << 20
    fd, path = tempfile.mkstemp(prefix="stub-bench-")
    os.close(fd)
    try:
        t0 = time.monotonic()
        run(f"dump binary memory {path} {base:#x} {base + size:#x}")
        el = time.monotonic() - t0
        got = os.path.getsize(path)
    finally:
        os.unlink(path)
    log(f"  dump: {got} bytes from {base:#x} in {el:.2f} s")
    return got / el / 1e6 if got == size else None


def packets_per_hit(cond, hits=20):
    """the packets gdb sends per hit (`set debug remote 1`: its "Sending packet" lines, which
    gdb.execute(to_string=True) returns with the command's output) over `hits` hits: cond:
    `break work if counter == END`, true at the last hit (gdb evaluates it at each one, as in
    row cond); else a plain breakpoint continued `hits` times"""
    if cond:
        run(f"break work if counter == {counter() + hits}")
    else:
        run("break work")
        gdb.execute("continue", to_string=True)     # at the breakpoint: each continue a hit
    sent = 0
    run("set debug remote 1")
    try:
        for i in range(1 if cond else hits):
            sent += gdb.execute("continue", to_string=True).count("Sending packet:")
    finally:
        run("set debug remote 0")
    run("delete")
    log(f"  packets: {sent} sent by gdb over {hits} {'cond' if cond else 'plain'} hits")
    return sent / hits if sent else None


log(f"stub bench: {PEER}, {ELF}, windows of {WINDOW} s, dump {DUMP_MB} MiB")
connect(ELF)
run("set code-cache off")
run("set stack-cache off")
run("set remotetimeout 60")
got = 0
for row, fn in (("cond", window_cond), ("hit", window_hit), ("dump", window_dump),
                ("cond-pkts", lambda: packets_per_hit(True)), ("hit-pkts", lambda: packets_per_hit(False))):
    try:
        v = fn()
    except gdb.error as e:
        log(f"  {row}: {e}")
        v = None
    if v is not None:
        figure(row, v)
        got += not row.endswith("-pkts")
    else:
        log(f"STUB-BENCH {PEER} {row} n/a")
check(got > 0 or PEER != "brkvm", f"{PEER} gave {got} of 3 figures")
try:
    gdb.execute("kill", to_string=True)
except gdb.error as e:
    log(f"  kill: {e}")
done()
