#!/usr/bin/env python3
"""hostile_client.py - a hostile or careless raw-socket client (plain python3) against brkvm's
stub while the forever guest runs (scenario gdb-hostile-client): it drops connections in the
middle of packets, of a binary X, right after vCont;s and after c; sends 100 000 Z0; reads and
writes holes, MMIO windows and past the end of RAM; stops reading its socket while the guest
floods it with agent dprintf output; cycles connections and breakpoints 1000 times each.  After
each case a new client must get correct answers and the guest must still run (its counter
advances).  Resource figures come from the test host: the scenario samples brkvm's /proc each
time brkvm refuses a second connection (a marker this script opens on purpose) and serves the
samples over the forwarded port once brkvm has ended (busybox httpd).  Prints GDB-CHECK lines."""
import http.client
import os
import re
import select
import socket
import threading
import time

from checks import check, done, log  # noqa: E402,F401
from rsp_codec import RspConn, csum, decode, escape_bin, frame  # noqa: E402,F401

PORT = int(os.environ.get("BRKVM_PORT", "1234"))
ENTRY_PA = 0x80080000       # forever.elf: _start (MMU off: virtual = physical)
WORK = 0x8008001C           # work(): counter++ (called in a loop)
COUNTER = 0x80085850        # the guest's counter
RAM_END = 0x80000000 + (64 << 20)   # -m 64M
BP_GDB_MAX = 4096           # include/brkvm/breakpoints.h
N_Z0 = 100000
CYCLES = 1000
UART = 0x01000000
VIRTIO0 = 0x03000000        # --rng: the first virtio-mmio slot
GICD = 0x3FFF0000
# VmRSS bounds.  A steady leak grows in both halves of the 1000 connect/detach cycles; the one
# step seen (1528 kB, once per run at a varying cycle: the heap around a session's ~4.5 MiB of
# stub buffers) in one of them only.  So: the smaller half's growth at most LEAK_BOUND_KB (a leak
# of 512 bytes per cycle would exceed it), the whole at most ONCE_BOUND_KB, and the Z0/z0
# cycles at most LEAK_BOUND_KB.
LEAK_BOUND_KB = 256
ONCE_BOUND_KB = 4096        # the first 500 cycles; the table full (4096 entries)


def hexs(s):
    return s.encode().hex()


def is_err(r):
    return r is not None and len(r) == 3 and r[0] == "E"


class Conn(RspConn):
    def __init__(self, rcvbuf=None):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf:   # small and fixed: no autotuning hides a client that does not read
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        s.settimeout(5)
        s.connect(("127.0.0.1", PORT))
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().__init__(s)

    def close(self):
        try:
            self.s.close()
        except OSError:
            pass

    def quiet(self, wait):
        """every packet within `wait` seconds (O packets collected apart)"""
        out = []
        deadline = time.monotonic() + wait
        while True:
            r = self.packet(max(0.01, deadline - time.monotonic()))
            if r is None:
                return out
            out.append(r)

    def monitor(self, text, timeout=10.0):
        self.send(frame("qRcmd," + hexs(text)))
        out = ""
        while True:
            r = self.packet(timeout, keep_o=True)
            if r is None or not r.startswith("O") or r == "OK":
                return out, r
            out += bytes.fromhex(r[1:]).decode("latin-1")

    def pipelined(self, packets, timeout=120.0):
        """send every packet from a thread while reading the replies here: a list of replies"""
        blob = b"".join(frame(p) for p in packets)
        err = []

        def sender():
            # raw writes: the reader below changes the socket's timeout (and O_NONBLOCK)
            fd, view = self.s.fileno(), memoryview(blob)
            try:
                while view:
                    select.select([], [fd], [], 5)
                    try:
                        view = view[os.write(fd, view):]
                    except BlockingIOError:
                        pass
            except OSError as e:
                err.append(e)
        t = threading.Thread(target=sender, daemon=True)
        t.start()
        replies = []
        deadline = time.monotonic() + timeout
        while len(replies) < len(packets) and time.monotonic() < deadline:
            r = self.packet(max(0.01, deadline - time.monotonic()))
            if r is None:
                break
            replies.append(r)
        t.join(5)
        if err:
            log(f"pipelined send: {err[0]}")
        return replies


REFUSED = [0]     # refused connections (markers and any other)


def connect(tries=60, rcvbuf=None):
    """a new session: connect, '?' answered with a stop reply; retried (a refused or not yet
    listening stub)"""
    last = None
    for i in range(tries):
        try:
            c = Conn(rcvbuf)
            r = c.cmd("?", timeout=5)
            if r and r.startswith("T"):
                return c
            last = f"? -> {r!r}"
            c.close()
        except (OSError, ConnectionError) as e:
            last = str(e)
            REFUSED[0] += "closed" in last
        time.sleep(0.3)
    check(False, f"connect to the stub ({last})")
    done()


def marker(what):
    """a second connection while one is open: brkvm refuses it (its warning line is the
    scenario's cue to sample /proc); then hold still while it samples"""
    s = socket.create_connection(("127.0.0.1", PORT), timeout=5)
    try:
        s.settimeout(5)
        got = s.recv(16)
    except OSError:
        got = b""
    s.close()
    REFUSED[0] += 1
    log(f"marker {REFUSED[0]}: {what} (refused: {got == b''})")
    time.sleep(1.5)
    return REFUSED[0]


def read_mem(c, addr, n):
    r = c.cmd(f"m{addr:x},{n:x}")
    return bytes.fromhex(r) if r and not is_err(r) and len(r) == 2 * n else None


def counter(c):
    b = read_mem(c, COUNTER, 8)
    return int.from_bytes(b, "little") if b else None


state = {"counter": 0}


def health(what, c=None, run_check=False, fresh=True):
    """a new client gets correct answers and the guest ran since the last look (fresh: c is a
    new connection, the guest ran before it; else it was held stopped all along)"""
    own = c is None
    if own:
        time.sleep(0.3)
        c = connect()
    r1 = c.cmd("?")
    r2 = c.cmd("g")
    ent = read_mem(c, ENTRY_PA, 16)
    cnt = counter(c)
    ok = bool(r1 and r1.startswith("T") and r2 and len(r2) == G_LEN and ent == ENTRY and
              cnt is not None and (cnt > state["counter"] or not fresh and cnt == state["counter"]))
    check(ok, f"after {what}: a new client gets answers (? {(r1 or '-')[:3]}, g {len(r2 or '')}"
          f" digits, code intact {ent == ENTRY}) and the counter advanced "
          f"{state['counter']:#x} -> {cnt if cnt is None else hex(cnt)}")
    state["counter"] = cnt or state["counter"]
    if run_check:
        # no stale stop event from the dropped session: a continue runs until 0x03
        c.send(frame("vCont;c"))
        early = c.quiet(1.0)
        c.send(b"\x03")
        stop = c.packet(10)
        check(not early and stop is not None and stop.startswith("T02"),
              f"after {what}: continue runs (nothing reported for 1 s: {early}), 0x03 stops it "
              f"({(stop or 'nothing')[:3]})")
    if own:
        r = c.cmd("D")
        check(r == "OK", f"after {what}: detach -> {r!r}")
        c.close()


# ---- first contact ----
c = connect()
G = c.cmd("g")
G_LEN = len(G or "")
ENTRY = read_mem(c, ENTRY_PA, 16)
state["counter"] = counter(c) or 0
check(G_LEN > 0 and ENTRY is not None, f"first session: g {G_LEN} digits, code {ENTRY.hex()}, "
      f"counter {state['counter']:#x}")
r = c.cmd("D")
c.close()
health("the first detach")

# ---- 1. drops in the middle of a packet ----
for part in (b"$", b"$m8008", b"$m80080000,4", b"$m80080000,4#", b"$m80080000,4#3",
             b"$g#6", b"$G" + b"00" * 100, b"$qSupported:swbreak+;hwb"):
    c = connect()
    c.send(part)
    time.sleep(0.05)
    c.close()
    health(f"a drop inside {part[:24]!r}")

# ---- 2. drops in the middle of a binary X (nothing of it may be written) ----
SCRATCH = 0x80200000
c = connect()
before = read_mem(c, SCRATCH, 256)
c.cmd("D")
c.close()
payload = bytes(range(256))
whole = frame(b"X%x,100:" % SCRATCH + escape_bin(payload))
for cut in (len(b"$X80200000,100:") + 1, len(whole) // 2, len(whole) - 3, len(whole) - 1):
    c = connect()
    c.send(whole[:cut])
    time.sleep(0.05)
    c.close()
    health(f"a drop inside a 256-byte X after {cut} of {len(whole)} bytes")
# and inside an escape ('}' then the end)
esc = b"$X%x,4:" % SCRATCH + b"}"
c = connect()
c.send(esc)
time.sleep(0.05)
c.close()
health("a drop right after an escape '}' in X")
c = connect()
after = read_mem(c, SCRATCH, 256)
check(after == before, f"the cut X packets wrote nothing ({before[:8].hex()} -> {after[:8].hex()})")
c.cmd("D")
c.close()

# ---- 3. drops right after vCont;s (before the stop reply), and after c with a breakpoint ----
for delay in (0, 0, 0.001, 0.01, 0.05):
    c = connect()
    c.send(frame("vCont;s:1"))
    if delay:
        time.sleep(delay)
    c.close()
    time.sleep(0.3)     # the guest runs a while (it may be printing a line: slow MMIO exits)
    c2 = connect()
    health(f"a drop {delay * 1000:.0f} ms after vCont;s", c=c2, run_check=True)
    r = c2.cmd("D")
    c2.close()
c = connect()
r = c.cmd(f"Z0,{WORK:x},4")
check(r == "OK", f"Z0 at work() -> {r!r}")
c.send(frame("c"))
time.sleep(0.3)         # the BRK is hit and the stop reply sent: nobody reads it
c.close()
c = connect()
health("a drop after c with a breakpoint hit (the breakpoint is removed)", c=c, run_check=True)
c.cmd("D")
c.close()

# ---- 4. holes, MMIO windows and past the end of RAM: E replies, nothing reaches a device ----
c = connect()
virtio_before, _ = c.monitor("info virtio")
log("monitor info virtio: " + virtio_before.strip().replace("\n", " | ")[:300])
QS = hexs("QQQQQQQQ")
cases = []
for phys in (False, True):
    if phys:
        r = c.cmd("Qbrkvm.PhyMemMode:1")
        check(r == "OK", f"physical memory mode -> {r!r}")
    for addr, what in ((0, "address 0"), (0x10, "a hole at 0x10"), (UART, "the UART"),
                       (UART + 5, "the UART's LSR"), (VIRTIO0, "the virtio-rng window"),
                       (VIRTIO0 + 0x70, "virtio-rng's Status"), (GICD, "the GIC distributor"),
                       (GICD - 0x20000, "a GIC redistributor"), (0x40000000, "a hole at 1 GiB"),
                       (0x7FFFFFF0, "just below RAM"), (RAM_END, "the end of RAM"),
                       (RAM_END + 0x1000, "past the end of RAM"), (1 << 47, "2^47"),
                       (0xFFFFFFFFFFFF0000, "the top of the address space")):
        tag = f"{what} ({'phys' if phys else 'virt'} {addr:#x})"
        for pkt in (f"m{addr:x},4", f"m{addr:x},1", f"m{addr:x},100", f"M{addr:x},8:{QS}",
                    f"M{addr:x},1:51"):
            r = c.cmd(pkt)
            cases.append(is_err(r))
            check(is_err(r), f"{pkt[:1]} {tag}: {r!r}")
        c.send(frame(b"X%x,8:" % addr + b"QQQQQQQQ"))
        r = c.packet()
        cases.append(is_err(r))
        check(is_err(r), f"X {tag}: {r!r}")
        r = c.cmd(f"Z0,{addr & ~3:x},4")
        cases.append(is_err(r))
        check(is_err(r), f"Z0 {tag}: {r!r}")
    # across the end of RAM: the RAM part only, or an error; never beyond
    last = read_mem(c, RAM_END - 4, 4)
    r = c.cmd(f"m{RAM_END - 4:x},8")
    check(r is not None and (is_err(r) or r == last.hex()),
          f"m across the end of RAM: an error or the 4 RAM bytes only ({r!r})")
    r = c.cmd(f"M{RAM_END - 4:x},8:{'a5' * 8}")
    now = read_mem(c, RAM_END - 4, 4)
    check(is_err(r) and now == last, f"M across the end of RAM: refused ({r!r}), all or "
          f"nothing (the last RAM word {last.hex()} -> {now.hex()})")
    if now != last:
        c.cmd(f"M{RAM_END - 4:x},4:{last.hex()}")
r = c.cmd("Qbrkvm.PhyMemMode:0")
virtio_after, _ = c.monitor("info virtio")
check(virtio_after == virtio_before, f"monitor info virtio unchanged by the accesses "
      f"({virtio_after.strip()[:80]!r})")
health("the MMIO and hole accesses", c=c, run_check=True, fresh=False)
c.cmd("D")
c.close()
health("the MMIO and hole accesses (new client)")
log(f"MMIO/hole cases: {len(cases)}, E replies {sum(cases)}")

# ---- 5. resources: connect/detach and Z0/z0 cycles; 100 000 Z0 ----
for i in range(10):     # warm-up: first-use allocations are not growth
    c = connect()
    c.cmd(f"Z0,{WORK:x},4")
    c.cmd(f"z0,{WORK:x},4")
    c.cmd("D")
    c.close()
A = connect()
m_base = marker("baseline (one client connected)")
A.cmd("D")
A.close()
t = time.monotonic()
bad = 0
for i in range(CYCLES):
    if i == CYCLES // 2:
        A = connect()
        m_half = marker(f"after {i} connect/detach cycles")
        A.cmd("D")
        A.close()
    for attempt in range(20):
        try:
            c = Conn()
            r = c.cmd("D")
            c.close()
            break
        except (OSError, ConnectionError) as e:
            r = str(e)
            REFUSED[0] += "closed" in r
            c.close()
            time.sleep(0.2)
    bad += r != "OK"
dt_conn = time.monotonic() - t
check(bad == 0, f"{CYCLES} connect/detach cycles in {dt_conn:.1f} s ({bad} bad detaches)")
A = connect()
m_conn = marker(f"after {CYCLES} connect/detach cycles")
r = A.cmd("QStartNoAckMode")
A.noack = r == "OK"
t = time.monotonic()
pk = []
for i in range(CYCLES):
    pk += [f"Z0,{WORK:x},4", f"z0,{WORK:x},4"]
rep = A.pipelined(pk)
dt_bp = time.monotonic() - t
check(len(rep) == len(pk) and all(x == "OK" for x in rep),
      f"{CYCLES} Z0/z0 cycles at work() in {dt_bp:.1f} s: {rep.count('OK')} of {len(pk)} OK")
m_bp = marker(f"after {CYCLES} Z0/z0 cycles")
# 100 000 Z0 at distinct addresses from the entry on (code, data, stack): the first
# BP_GDB_MAX are taken, every other one refused (E28), the memory as gdb reads it unchanged
REGION = 4 * N_Z0
before = read_mem(A, ENTRY_PA, REGION)
t = time.monotonic()
rep = A.pipelined([f"Z0,{ENTRY_PA + 4 * i:x},4" for i in range(N_Z0)], timeout=300)
dt_z = time.monotonic() - t
oks = sum(1 for x in rep if x == "OK")
e28 = sum(1 for x in rep if x == "E28")
check(len(rep) == N_Z0 and oks == BP_GDB_MAX and e28 == N_Z0 - BP_GDB_MAX and
      all(x == "OK" for x in rep[:BP_GDB_MAX]),
      f"{N_Z0} Z0 in {dt_z:.1f} s: {oks} OK (the first {BP_GDB_MAX}), {e28} E28 (table full), "
      f"{len(rep) - oks - e28} other, {N_Z0 - len(rep)} unanswered")
during = read_mem(A, ENTRY_PA, REGION)
check(during == before, f"with {oks} breakpoints inserted, m of the {REGION} bytes shows the "
      "original memory")
m_full = marker(f"{oks} breakpoints inserted")
t = time.monotonic()
rep = A.pipelined([f"z0,{ENTRY_PA + 4 * i:x},4" for i in range(N_Z0)], timeout=300)
dt_r = time.monotonic() - t
check(len(rep) == N_Z0 and all(x == "OK" for x in rep),
      f"{N_Z0} z0 in {dt_r:.1f} s: {sum(1 for x in rep if x == 'OK')} OK")
after = read_mem(A, ENTRY_PA, REGION)
diff = [i for i in range(0, REGION, 4) if after[i:i + 4] != before[i:i + 4]] if after else ["?"]
check(after == before, f"after z0 of all: the {REGION} bytes are the same as before "
      f"({len(diff)} words differ)")
r = A.cmd(f"Z0,{WORK:x},4")
r2 = A.cmd(f"z0,{WORK:x},4")
check(r == "OK" and r2 == "OK", f"the table has room again: Z0 {r!r}, z0 {r2!r}")
m_empty = marker("after z0 of all")
health("100 000 Z0 and z0", c=A, run_check=True, fresh=False)
A.cmd("D")
A.close()
health("100 000 Z0 and z0 (new client)")

# ---- 6. a client that does not read while the guest floods it with dprintf output ----
LINE = "C=%lu " + "x" * 1000 + "\n"
NCMDS = 32      # GDB_BP_CODES_MAX: ~32 KB of text per hit, far more than the stub can send


def dprintf_z0():
    fmt = LINE.encode() + b"\0"
    code = (b"\x24" + COUNTER.to_bytes(4, "big") + b"\x1a" + b"\x22\x00\x22\x00" +
            b"\x34\x01" + len(fmt).to_bytes(2, "big") + fmt + b"\x27")
    return f"Z0,{WORK:x},4;cmds:0," + f"X{len(code):x},{code.hex()}" * NCMDS


def flood(c):
    r = c.cmd("QStartNoAckMode")
    c.noack = r == "OK"
    r = c.cmd(dprintf_z0())
    check(r == "OK", f"agent dprintf at work() -> {r!r}")
    c.send(frame("vCont;c"))


NOREAD = 6
c = connect(rcvbuf=4096)
c0 = counter(c)
flood(c)
time.sleep(NOREAD)       # not a byte read meanwhile
t = time.monotonic()
c.send(b"\x03")
stop = None
while time.monotonic() - t < 60 and stop is None:
    r = c.packet(60 - (time.monotonic() - t))
    if r is None:
        break
    if r.startswith("T"):
        stop = r
dt_stop = time.monotonic() - t
text = "".join(c.output)
vals = [int(v) for v in re.findall(r"C=(\d+) ", text)]
dropped = sum(int(v) for v in re.findall(r"\[brkvm: (\d+) bytes of dprintf output dropped\]",
                                         text))
c1 = counter(c)
check(stop is not None and stop.startswith("T02"),
      f"after {NOREAD} s without reading, 0x03 stops the guest ({(stop or 'nothing')[:3]}) "
      f"{dt_stop:.1f} s later, with {len(text)} bytes of output read before it")
check(dropped > 0, f"the vCPUs went on while the socket was full: {dropped} bytes of output "
      "dropped (counted, not queued without bound)")
check(c1 is not None and c0 is not None and c1 - c0 >= 500 and vals and max(vals) > c0 + 500,
      f"the guest ran: counter {c0} -> {c1} ({(c1 or 0) - (c0 or 0)} dprintf hits; "
      f"{len(vals)} lines received, last C={max(vals) if vals else None})")
r = c.cmd(f"z0,{WORK:x},4")
r2 = c.cmd("D")
check(r == "OK" and r2 == "OK", f"z0 {r!r}, D {r2!r}")
c.close()
health(f"a client that did not read for {NOREAD} s")
# the same client closes without ever reading: a new one is served, the breakpoint is gone
c = connect(rcvbuf=4096)
flood(c)
time.sleep(NOREAD)
c.close()
time.sleep(1)
c = connect()
n0 = counter(c)
c.cmd("D")
time.sleep(1)
c.close()
c = connect()
n1 = counter(c)
check(n1 - n0 > 100000, f"after a flooded client closed unread: a new client is served and "
      f"the guest runs at full speed, no BRK left ({n1 - n0} iterations in ~1 s)")
health("a flooded client that closed unread", c=c, run_check=True, fresh=False)
c.cmd("D")
c.close()

# ---- 7. brkvm ends while a client does not read: it must not wait for that client ----
c = connect(rcvbuf=4096)
m_last = marker("the last client: it floods and does not read; SIGTERM follows")
flood(c)
time.sleep(12)           # the scenario sends SIGTERM once brkvm's socket is full
t = time.monotonic()
eof = False
try:
    while time.monotonic() - t < 60:
        c._fill(time.monotonic() + 5)
        c.buf, c.pos = b"", 0
except ConnectionError:
    eof = True
except OSError as e:
    eof = True
    log(f"reading the last connection: {e}")
check(eof, "brkvm closed the flooded connection (it ended)")
c.close()

# the scenario's figures, served on the same port after brkvm ended
res = None
for i in range(120):
    try:
        h = http.client.HTTPConnection("127.0.0.1", PORT, timeout=5)
        h.request("GET", "/result")
        rr = h.getresponse()
        if rr.status == 200:
            res = rr.read().decode()
            break
    except (OSError, http.client.HTTPException):
        pass
    time.sleep(0.5)
check(res is not None, "the scenario's figures fetched")
res = res or ""
for line in res.splitlines():
    log("scenario: " + line)
samples = {}
for m in re.finditer(r"^RES (\d+) fds=(\d+) threads=(\d+) rss=(\d+)", res, re.M):
    samples[int(m.group(1))] = tuple(int(x) for x in m.group(2, 3, 4))
m = re.search(r"^TERM exit_ms=(\d+) rc=(\d+)", res, re.M)
term_ms = int(m.group(1)) if m else None
check(term_ms is not None and term_ms < 5000, f"SIGTERM with a non-reading client: brkvm ended "
      f"after {term_ms} ms ({m.group(0) if m else 'no TERM line'})")


def fig(n):
    return samples.get(n)


b, half, a1, a2, full, empty = (fig(m_base), fig(m_half), fig(m_conn), fig(m_bp), fig(m_full),
                             fig(m_empty))
log(f"markers {m_base},{m_half},{m_conn},{m_bp},{m_full},{m_empty}; samples {samples}")
if None in (b, half, a1, a2, full, empty):
    check(False, "a /proc sample for each marker")
else:
    print(f"RESOURCES VmRSS kB {b[2]} -> {half[2]} after {CYCLES // 2} connect/detach cycles")
    print(f"RESOURCES fds {b[0]} -> {a1[0]} (after {CYCLES} connect/detach) -> {a2[0]} (after "
          f"{CYCLES} Z0/z0) -> {full[0]} (table full) -> {empty[0]} (emptied); threads {b[1]} "
          f"-> {a1[1]} -> {a2[1]} -> {full[1]} -> {empty[1]}; VmRSS kB {b[2]} -> {a1[2]} -> "
          f"{a2[2]} -> {full[2]} -> {empty[2]}", flush=True)
    g1, g2 = half[2] - b[2], a1[2] - half[2]
    check(min(g1, g2) <= LEAK_BOUND_KB and a1[2] - b[2] <= ONCE_BOUND_KB,
          f"VmRSS over {CYCLES} connect/detach cycles: +{g1} kB then +{g2} kB (no steady growth: "
          f"the smaller half at most {LEAK_BOUND_KB}, the whole at most {ONCE_BOUND_KB})")
    check(half[0] == b[0] and a1[0] == b[0] and a2[0] == b[0] and empty[0] == b[0],
          f"no fd growth: {b[0]} {half[0]} {a1[0]} {a2[0]} {empty[0]}")
    check(half[1] == b[1] and a1[1] == b[1] and a2[1] == b[1] and empty[1] == b[1],
          f"no thread growth: {b[1]} {half[1]} {a1[1]} {a2[1]} {empty[1]}")
    check(a2[2] - a1[2] <= LEAK_BOUND_KB, f"VmRSS over {CYCLES} Z0/z0 cycles: "
          f"+{a2[2] - a1[2]} kB (bound {LEAK_BOUND_KB})")
    check(full[2] - a2[2] <= ONCE_BOUND_KB, f"VmRSS with the table full after {N_Z0} Z0: "
          f"+{full[2] - a2[2]} kB (bound {ONCE_BOUND_KB})")
print(f"HOSTILE-FIGURES connect_detach_s={dt_conn:.1f} z0cycles_s={dt_bp:.1f} z0x100k_s={dt_z:.1f}"
      f" unz0x100k_s={dt_r:.1f} mmio_cases={len(cases)} term_ms={term_ms}", flush=True)
try:
    h = http.client.HTTPConnection("127.0.0.1", PORT, timeout=5)
    h.request("GET", "/fetched")
    h.getresponse().read()
except (OSError, http.client.HTTPException):
    pass
done()
