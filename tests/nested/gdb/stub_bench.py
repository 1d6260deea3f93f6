"""stub_bench.py - one session of bench/stub.sh (scenario bench-stub) against whichever VMM the
scenario started (BRKVM_VAR_peer: brkvm or qemu; BRKVM_VAR_elf: the guest, NAME or NAME-virt for
QEMU's virt machine; BRKVM_VAR_part: which rows; BRKVM_VAR_session: the scenario's session
number).  Prints  STUB-BENCH VMM ROW VALUE  lines (VALUE n/a, then the reason, when the row could
not be measured) that bench/stub.sh turns into a table, and  STUB-BENCH-EV SESSION VMM ROW MARK1
MARK2 EVENTS  lines: EVENTS events of ROW happened between the test host's KVM exit samples MARK1
and MARK2 (mark(): the guest is stopped whenever a sample is taken).  Parts:
  forever (the forever guest: main() calls work() in a tight loop, work() increments `counter`,
    so the counter's advance over a window is the number of times work() was entered, i.e. of
    breakpoint hits): rows 1 (cond: `break work if` never true, evaluated by gdb; cond-target:
    the same with `set breakpoint condition-evaluation target`), 2 (dprintf-gdb, dprintf-agent:
    `dprintf work,"%d\\n",counter` hits/s), 3 (hit: a plain breakpoint hit and continued), 7
    (stepi: `stepi 200` steps/s), 5 (dump: MB/s), the packets gdb sends per hit (cond-pkts,
    hit-pkts) and per step (stepi-pkts), and row 4 (stop latency, below)
  brk (the brkloop guest, its own `brk` in a loop handled by its own vector): row 6 brk/s with
    gdb attached and a breakpoint on never_called()
  steptimer (the peertimer guest, its timer interrupt pending all the time): row 7's `stepi`s
    that land in the guest's IRQ vector, of STEPTIMER_N
Row 4, stop latency (guest reaches a breakpoint -> gdb has printed the stop), from this side: gdb
talks to the stub through stub_proxy.py, a relay that timestamps each chunk; for each of 20
hit-and-continue cycles: a = the stop reply's arrival - the resume packet's departure (one round
trip through slirp + the guest running to the breakpoint + the VMM's exit and stop reply),
rtt = the round trip of the first request gdb sends after the stop (`g`: a register read, no
guest work), b = gdb's return from `continue` (the stop printed) - the stop reply's arrival (gdb's
own handling, with its further packets).  The latency is a - rtt/2 + b (the resume packet's
one-way trip removed; the guest's run from resume to the breakpoint, a few instructions, stays
in: an upper bound); rows stop-a, stop-rtt, stop-b give the parts (ms, medians of the 20).
A measurement: it fails only when it got no figure."""
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.environ["BRKVM_GDBLIB"])
import brkvm_test  # noqa: E402
import stub_proxy  # noqa: E402
from brkvm_test import check, connect, done, log, pc, run, sym_addr  # noqa: E402

import gdb  # noqa: E402

PEER = os.environ.get("BRKVM_VAR_peer", "brkvm")
ELF = os.path.join(os.environ["BRKVM_GUESTS"], os.environ.get("BRKVM_VAR_elf", "forever") + ".elf")
PART = os.environ.get("BRKVM_VAR_part", "forever")
SESSION = os.environ.get("BRKVM_VAR_session", "0")
WINDOW = float(os.environ.get("STUB_BENCH_WINDOW", "3"))
STEPS = int(os.environ.get("STUB_BENCH_STEPS", "200"))         # row 7: `stepi STEPS`
STEPTIMER_N = int(os.environ.get("STUB_BENCH_STEPTIMER_N", "100"))
FLAGS = os.environ.get("BRKVM_FLAGS", "")
DUMP_MB = int(os.environ.get("STUB_BENCH_DUMP_MB", "16"))    # the VMMs run with -m 64M


def figure(row, value):
    log(f"STUB-BENCH {PEER} {row} {value:.4g}")


class NotAvailable(Exception):
    """a row this VMM (or gdb with it) cannot do: the reason goes into the table's n/a"""


def mark(name):
    """a KVM exit sample in the test host while the guest is stopped: create flag NAME (the
    runner then types NAME on the test host's console, whose reader prints `KVM-EXITS s=SESSION
    NAME EXITS USERSPACE_EXITS`, and creates NAMEok), wait for NAMEok, remove both"""
    MARKS_DONE.add(name)
    if not FLAGS:
        return
    f = os.path.join(FLAGS, name)
    open(f, "w").close()
    t = time.monotonic()
    while not os.path.exists(f + "ok") and time.monotonic() - t < 60:
        time.sleep(0.05)
    for x in (f, f + "ok"):
        try:
            os.unlink(x)
        except OSError:
            pass


MARKS = {"forever": ["m1", "m2", "m3", "m4"], "brk": ["m1", "m2", "m3", "m4"], "steptimer": []}
MARKS_DONE = set()


def events(row, m1, m2, n):
    log(f"STUB-BENCH-EV {SESSION} {PEER} {row} {m1} {m2} {n}")


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



def interrupt_after(seconds):
    """a Ctrl-C (SIGINT: gdb sends 0x03) after `seconds`, for windows in which gdb only waits"""
    t = threading.Timer(seconds, lambda: os.kill(os.getpid(), signal.SIGINT))
    t.start()
    return t


def window_cond_target():
    """row 1 with `set breakpoint condition-evaluation target`: the stub evaluates `counter ==
    -1` (agent bytecode in Z0), so gdb only waits; a Ctrl-C ends the window.  n/a with gdb's
    warning when the stub offers no ConditionalBreakpoints+ (gdb falls back to host evaluation)"""
    out = run("set breakpoint condition-evaluation target")
    try:
        if "warning" in out.lower():
            raise NotAvailable(" ".join(out.split()))
        run("break work if counter == -1")
        c0, t0 = counter(), time.monotonic()
        t = interrupt_after(WINDOW)
        try:
            gdb.execute("continue", to_string=True)
        finally:
            t.cancel()
        el, c1 = time.monotonic() - t0, counter()
        log(f"  cond-target: {c1 - c0} hits in {el:.2f} s")
        return (c1 - c0) / el if c1 > c0 else None
    finally:
        run("delete")
        run("set breakpoint condition-evaluation auto")


def window_dprintf(style):
    """row 2: `dprintf work,"%d\n",counter` with `set dprintf-style STYLE`.  gdb: gdb stops,
    reads counter, prints and resumes at each hit; the window ends through a second breakpoint,
    `break work if $stub_bench_over()` (no packet).  agent: the stub would print, gdb only
    waits (a Ctrl-C ends the window); n/a with gdb's warning when it falls back to gdb printf"""
    run(f"set dprintf-style {style}")
    try:
        out = run('dprintf work,"%d\\n",counter')
        if style == "agent" and "warning" in out.lower():
            raise NotAvailable(" ".join(l for l in out.splitlines() if "arning" in l or "fall" in l))
        c0, t0 = counter(), time.monotonic()
        if style == "gdb":
            run("break work if $stub_bench_over()")
            WindowOver.deadline = t0 + WINDOW
            out = gdb.execute("continue", to_string=True)
        else:
            t = interrupt_after(WINDOW)
            try:
                out = gdb.execute("continue", to_string=True)
            finally:
                t.cancel()
        el, c1 = time.monotonic() - t0, counter()
        printed = sum(1 for l in out.splitlines() if l.strip().isdigit())
        log(f"  dprintf-{style}: {c1 - c0} hits, {printed} lines printed by gdb, in {el:.2f} s")
        return (c1 - c0) / el if c1 > c0 else None
    finally:
        run("delete")
        run("set dprintf-style gdb")


def window_stepi():
    """row 7: `stepi STEPS` (gdb steps STEPS times, each a step packet and a stop reply)"""
    p0, t0 = pc(), time.monotonic()
    gdb.execute(f"stepi {STEPS}", to_string=True)
    el = time.monotonic() - t0
    log(f"  stepi: {STEPS} steps in {el:.2f} s ({p0:#x} -> {pc():#x})")
    return STEPS / el


def packets_per_step(steps=20):
    sent = 0
    run("set debug remote 1")
    try:
        sent = gdb.execute(f"stepi {steps}", to_string=True).count("Sending packet:")
    finally:
        run("set debug remote 0")
    log(f"  packets: {sent} sent by gdb over {steps} steps")
    return sent / steps if sent else None


def stop_latency(hits=20):
    """row 4 (see the top): hit-and-continue cycles timed through stub_proxy.py's log"""
    run("break work")
    gdb.execute("continue", to_string=True)
    open(PROXY_ON, "w").close()
    calls = []
    try:
        for _ in range(hits):
            t0 = time.monotonic()
            gdb.execute("continue", to_string=True)
            calls.append((t0, time.monotonic()))
    finally:
        os.unlink(PROXY_ON)
        run("delete")
    time.sleep(0.2)
    chunks = []
    with open(PROXY_LOG) as f:
        for line in f:
            t, d, data = line.split(" ", 2)
            chunks.append((float(t), d, data))
    a_s, rtt_s, b_s = [], [], []
    for t0, t1 in calls:
        cs = [c for c in chunks if t0 <= c[0] <= t1]
        res = [i for i, c in enumerate(cs) if c[1] == "g2s" and ("$vCont;c" in c[2] or "$c#" in c[2])]
        if not res:
            continue
        stop = next((i for i in range(res[-1] + 1, len(cs))
                     if cs[i][1] == "s2g" and ("$T" in cs[i][2] or "$S" in cs[i][2])), None)
        if stop is None:
            continue
        a_s.append(cs[stop][0] - cs[res[-1]][0])
        b_s.append(t1 - cs[stop][0])
        req = next((i for i in range(stop + 1, len(cs)) if cs[i][1] == "g2s" and "$" in cs[i][2]), None)
        if req is not None:
            rep = next((i for i in range(req + 1, len(cs)) if cs[i][1] == "s2g" and "$" in cs[i][2]), None)
            if rep is not None:
                rtt_s.append(cs[rep][0] - cs[req][0])
    log(f"  stop latency: {len(a_s)} of {hits} cycles parsed, {len(rtt_s)} round trips")
    if not a_s or not rtt_s:
        return None
    a, b, rtt = (statistics.median(x) * 1000 for x in (a_s, b_s, rtt_s))
    figure("stop-a", a)
    figure("stop-rtt", rtt)
    figure("stop-b", b)
    return a - rtt / 2 + b


def part_forever():
    rows = [("cond", window_cond), ("cond-target", window_cond_target),
            ("dprintf-gdb", lambda: window_dprintf("gdb")),
            ("dprintf-agent", lambda: window_dprintf("agent")),
            ("hit", window_hit), ("stop", stop_latency), ("dump", window_dump)]
    got = measure(rows)
    # untimed: packets per event, and KVM exits per event between the test host's samples
    run("break work")
    gdb.execute("continue", to_string=True)
    run("delete")
    mark("m1")
    c0 = counter()
    got += measure([("cond-pkts", lambda: packets_per_hit(True))], count=False)
    c1 = counter()
    mark("m2")
    got += measure([("hit-pkts", lambda: packets_per_hit(False))], count=False)
    c2 = counter()
    mark("m3")
    got += measure([("stepi-pkts", packets_per_step)], count=False)
    mark("m4")
    events("cond", "m1", "m2", c1 - c0)
    events("hit", "m2", "m3", c2 - c1)
    events("stepi", "m3", "m4", 20)
    # row 7 last: stepi leaves the guest anywhere in its loop
    got += measure([("stepi", window_stepi)])
    return got


def part_brk():
    """row 6: the guest's own brk with gdb attached (a breakpoint on never_called, not hit),
    two windows, each between two exit samples"""
    run("set var run_seconds = 0")
    run("break never_called")

    def window(m1, m2):
        b0, t0 = int(gdb.parse_and_eval("brk_count")), time.monotonic()
        mark(m1)
        t = interrupt_after(WINDOW)
        try:
            gdb.execute("continue", to_string=True)
        finally:
            t.cancel()
        el, b1 = time.monotonic() - t0, int(gdb.parse_and_eval("brk_count"))
        mark(m2)
        events("brk-gdb", m1, m2, b1 - b0)
        log(f"  brk-gdb: {b1 - b0} guest brks in {el:.2f} s, stopped at {pc():#x}")
        return (b1 - b0) / el if b1 > b0 else None
    return measure([("brk-gdb", lambda: window("m1", "m2")), ("brk-gdb", lambda: window("m3", "m4"))])


def part_steptimer():
    """row 7 with the guest's timer interrupt pending: of STEPTIMER_N stepi, how many land in
    the guest's vector table (an IRQ taken in the step)"""
    vec = sym_addr("timer_vectors")
    run("break work")
    gdb.execute("continue", to_string=True)
    gdb.execute("continue", to_string=True)
    run("delete")

    def steps():
        irq0 = int(gdb.parse_and_eval("irq_count"))
        n, t0 = 0, time.monotonic()
        for _ in range(STEPTIMER_N):
            gdb.execute("stepi", to_string=True)
            n += vec <= pc() < vec + 0x800
        el = time.monotonic() - t0
        irq1 = int(gdb.parse_and_eval("irq_count"))
        log(f"  steptimer: {n} of {STEPTIMER_N} steps in the IRQ vector, irq_count {irq0} -> "
            f"{irq1}, {STEPTIMER_N / el:.1f} steps/s")
        figure("steptimer-rate", STEPTIMER_N / el)
        return float(n)
    return measure([("steptimer-invec", steps)])


def measure(rows, count=True):
    got = 0
    for row, fn in rows:
        try:
            v = fn()
            why = "no figure"
        except NotAvailable as e:
            v, why = None, str(e)
        except gdb.error as e:
            log(f"  {row}: {e}")
            v, why = None, f"gdb: {e}"
        if v is not None:
            figure(row, v)
            got += count
        else:
            log(f"STUB-BENCH {PEER} {row} n/a {why}")
    return got


log(f"stub bench: {PEER}, part {PART}, session {SESSION}, {ELF}, windows of {WINDOW} s")
# gdb reaches the stub through stub_proxy.py (row 4's timestamps; the same relay for both VMMs)
_ps = socket.socket()
_ps.bind(("127.0.0.1", 0))
PROXY_PORT = _ps.getsockname()[1]
_ps.close()
PROXY_LOG = tempfile.mktemp(prefix="stub-proxy-")
PROXY_ON = PROXY_LOG + ".on"
proxy = subprocess.Popen(["python3", os.path.join(os.environ["BRKVM_GDBLIB"], "stub_proxy.py"),
                          str(PROXY_PORT), str(brkvm_test.PORT), PROXY_LOG, PROXY_ON])
time.sleep(0.3)
brkvm_test.PORT = str(PROXY_PORT)
try:
    connect(ELF)
    run("set code-cache off")
    run("set stack-cache off")
    run("set remotetimeout 60")
    got = {"forever": part_forever, "brk": part_brk, "steptimer": part_steptimer}[PART]()
    check(got > 0 or PEER != "brkvm", f"{PEER} gave {got} figures")
    try:
        run("kill")
    except gdb.error as e:
        log(f"  kill: {e}")
finally:
    for m in MARKS.get(PART, []):       # the scenario waits for every mark: a failed row too
        if m not in MARKS_DONE:
            mark(m)
    stub_proxy.stop(proxy)  # not kill(): it could drop gdb's last packet, the `k`
    for x in (PROXY_LOG, PROXY_ON):
        if os.path.exists(x):
            os.unlink(x)
done()
