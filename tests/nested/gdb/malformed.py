#!/usr/bin/env python3
"""malformed.py - a raw-socket client (plain python3, not gdb) against brkvm's stub while the
guest waits in --gdb-wait: every class of malformed or hostile packet, each followed by a health
check (`?` -> T05 stop reply, `g` -> a register block of the right length) that proves the stub
still answers; at the end `c` lets the guest run to completion (the scenario checks its output
and exit code).  Prints GDB-CHECK lines and GDB-RESULT like the gdb scripts."""
import os
import random
import socket
import time

from checks import check, done, log  # noqa: E402,F401
from rsp_codec import RspConn, csum, decode, frame  # noqa: E402,F401

PORT = int(os.environ.get("BRKVM_PORT", "1234"))


class Conn(RspConn):
    TIMEOUT = 5.0
    KEEP_O = True     # every packet is a reply to check

    def events(self, wait):
        """everything the stub sends within `wait` seconds after the last byte: a list of
        '+', '-' and ('pkt', payload, checksum_ok)"""
        out = []
        deadline = time.monotonic() + wait
        self.buf, self.pos = self.buf[self.pos:], 0
        while True:
            while self.buf:
                c = self.buf[:1]
                if c in (b"+", b"-"):
                    out.append(c.decode())
                    self.buf = self.buf[1:]
                    continue
                if c == b"$":
                    h = self.buf.find(b"#")
                    if h < 0 or len(self.buf) < h + 3:
                        break
                    body = self.buf[1:h]
                    ok = int(self.buf[h + 1:h + 3], 16) == csum(body)
                    out.append(("pkt", decode(body).decode("latin-1"), ok))
                    self.buf = self.buf[h + 3:]
                    if not self.noack:
                        self.send(b"+")
                    deadline = time.monotonic() + wait
                    continue
                out.append(("junk", c))
                self.buf = self.buf[1:]
            if time.monotonic() >= deadline:
                return out
            self._fill(deadline)


def connect():
    for i in range(120):
        try:
            s = socket.create_connection(("127.0.0.1", PORT), timeout=5)
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            c = Conn(s)
            r = c.cmd("?", timeout=2)
            if r and r.startswith("T"):
                log(f"connected after {i + 1} attempt(s): {r}")
                return c
            s.close()
        except (OSError, ConnectionError) as e:
            log(f"connect attempt {i + 1}: {e}")
        time.sleep(0.5)
    check(False, "connect to the stub")
    done()


c = connect()
r = c.cmd("g")
G_LEN = len(r or "")
REGS = r
check(G_LEN > 0 and all(ch in "0123456789abcdef" for ch in r), f"g: {G_LEN} hex digits")
ENTRY = c.cmd("m80080000,8")
sup = c.cmd("qSupported:multiprocess+;swbreak+;hwbreak+")
log(f"qSupported -> {sup}")
psize = 0
for feat in (sup or "").split(";"):
    if feat.startswith("PacketSize="):
        psize = int(feat.split("=")[1], 16)
check(psize > 0, f"PacketSize advertised: {psize:#x}")


def health(what):
    try:
        r1 = c.cmd("?")
        r2 = c.cmd("g")
    except ConnectionError as e:
        check(False, f"after {what}: {e}")
        done()
    ok = bool(r1 and r1.startswith("T05") and r2 and len(r2) == G_LEN)
    check(ok, f"after {what}: the stub still answers (? -> {(r1 or 'nothing')[:12]}..., "
          f"g -> {len(r2 or '')} digits)")


def expect_reply(payload, pred, what, raw=None):
    if raw is not None:
        c.send(raw)
        r = c.packet()
    else:
        r = c.cmd(payload)
    check(r is not None and pred(r), f"{what}: reply {(r if r is None else r[:60])!r}")
    health(what)
    return r


def is_err(r):
    return len(r) == 3 and r[0] == "E" and all(ch in "0123456789abcdefABCDEF" for ch in r[1:])


# 1. bad checksum: '-' and nothing else; gdb would retransmit
c.send(b"$?#00")
ev = c.events(0.5)
check(ev == ["-"], f"bad checksum: the stub answers '-' only ({ev})")
health("a bad checksum")
# 2. non-hex checksum digits
for raw in (b"$?#zz", b"$?#3g", b"$?#g3"):
    c.send(raw)
    ev = c.events(0.5)
    check(ev == ["-"], f"non-hex checksum {raw!r}: '-' only ({ev})")
health("non-hex checksums")
# 3. an unknown packet: the empty reply
expect_reply("jabberwocky", lambda r: r == "", "unknown packet 'jabberwocky'")
expect_reply("qNoSuchQuery:1", lambda r: r == "", "unknown query")
# 4. truncated packets followed by a good one (answered, after a retransmission if needed)
for trunc in (b"$?", b"$?#", b"$?#3", b"$m80080000,4"):
    c.send(trunc + frame("?"))
    ev = c.events(0.5)
    pk = [e for e in ev if isinstance(e, tuple)]
    if not pk and "-" in ev:
        log(f"truncated {trunc!r}: '-' for the mangled frame; retransmitting like gdb")
        c.send(frame("?"))
        pk = [e for e in c.events(0.5) if isinstance(e, tuple)]
    check(len(pk) == 1 and pk[0][1].startswith("T05"),
          f"truncated {trunc!r} then '$?#3f': exactly one reply, the stop reply ({ev})")
    health(f"truncated packet {trunc!r}")
# 5. a packet that is only '#', and the empty packet
c.send(b"#")
ev = c.events(0.5)
check(ev == [], f"a lone '#' outside a packet is ignored ({ev})")
expect_reply(None, lambda r: r == "", "the empty packet '$#00'", raw=b"$#00")
c.send(b"$#")
ev = c.events(0.5)
check(not any(isinstance(e, tuple) for e in ev), f"'$#' without checksum: no reply yet ({ev})")
c.send(b"00")
ev = c.events(0.5)
check([e for e in ev if isinstance(e, tuple)] == [("pkt", "", True)] or ev == ["+", ("pkt", "", True)],
      f"... completed by '00': the empty reply ({ev})")
health("'#'-only packets")
# 6. an escape at the end of the payload (it swallows the '#')
c.send(b"$?}" + b"#" + b"%02x" % csum(b"?}#"))
ev = c.events(0.5)
log(f"escape before '#': {ev}")
check(not any(isinstance(e, tuple) and e[1].startswith("T") for e in ev),
      f"escape before '#' is not taken as '?' ({ev})")
c.send(frame("?"))
ev2 = c.events(0.5)
check(any(isinstance(e, tuple) and e[1].startswith("T05") for e in ev2),
      f"the next good packet is answered ({ev2})")
health("an escape at the end")
for body in (b"m80080000}\x03,4",):
    # '}' escaping a byte the frame cannot hold, with a correct checksum
    r = expect_reply(None, lambda r: True, f"escaped payload {body!r}",
                     raw=b"$" + body + b"#" + b"%02x" % csum(body))
# 7. run-length encoding with no preceding character
body = b"* ?"
expect_reply(None, is_err, "RLE '*' as the first payload byte",
             raw=b"$" + body + b"#" + b"%02x" % csum(body))
body = b"m*"
expect_reply(None, lambda r: True, "RLE with a count byte out of range ('*' then '#')",
             raw=b"$" + body + b"\x01#" + b"%02x" % csum(body + b"\x01"))
# 8. packets around PacketSize
if psize:
    big = b"qZ" + b"a" * (psize + 16 - 2)
    c.send(b"$" + big + b"#" + b"%02x" % csum(big))
    r = c.packet(10)
    check(r is not None and is_err(r), f"a {len(big)}-byte packet (PacketSize {psize}): E reply "
          f"({r if r is None else r[:40]!r})")
    health("an over-long packet")
    ok = b"qZ" + b"a" * (psize - 8)
    c.send(b"$" + ok + b"#" + b"%02x" % csum(ok))
    r = c.packet(10)
    check(r == "", f"a {len(ok)}-byte packet within PacketSize: the empty reply for an unknown "
          f"query ({r if r is None else r[:40]!r})")
    health("a packet just under PacketSize")
# 9. binary garbage outside packets
rnd = random.Random(1234)
junk = bytes(b for b in (rnd.randrange(256) for _ in range(4096)) if b not in b"$+-\x03")
c.send(junk)
ev = c.events(0.5)
check(ev == [], f"{len(junk)} bytes of binary garbage outside packets: ignored ({ev[:5]})")
health("binary garbage")
# 10. 0x03 while stopped
c.send(b"\x03")
ev = c.events(0.5)
check(ev == [], f"0x03 while the guest is stopped: no reply now ({ev})")
c.send(b"\x03\x03\x03")
c.events(0.5)
health("0x03 while stopped")
# 11. m: huge length, bad hex, missing comma, address overflow
r = c.cmd("m80080000,ffffffffffffffff")
check(r is not None and (is_err(r) or (0 < len(r) <= psize and len(r) % 2 == 0 and
                                       r[:8] == c.cmd("m80080000,4"))),
      f"m with a huge length: an error or a shorter read of the right bytes "
      f"({len(r or '')} digits)")
health("m with a huge length")
for p in ("m80080000,1ffffffffffffffff", "m1ffffffffffffffff,4", "m8008zz00,4", "mzz,4",
          "m,4", "m80080000", "m80080000,", "m80080000;4", "m80080000,4,", "m",
          "mffffffffffffff00,200", "m0,4"):
    expect_reply(p, is_err, p)
# 12. Z0: misaligned, wrong kind, no RAM behind
expect_reply("Z0,80080002,4", lambda r: r == "E22", "Z0 misaligned")
expect_reply("Z0,80080000,2", is_err, "Z0 with kind 2")
expect_reply("Z0,10,4", is_err, "Z0 where there is no RAM")
expect_reply("Z0,80080000", is_err, "Z0 without kind")
expect_reply("Z0,zz,4", is_err, "Z0 with a bad address")
expect_reply("z0,80080004,4", lambda r: r == "OK", "z0 where there is no breakpoint (harmless)")
m = c.cmd("m80080000,8")
check(m == ENTRY, f"memory at the entry unchanged by the bad Z0/z0 packets: {m} (was {ENTRY})")
# 13. H to a nonexistent thread
for p in ("Hg5", "Hg99", "Hgzz", "Hg", "Hc7", "Hx1", "Hgp1.1"):
    expect_reply(p, is_err, p)
expect_reply("Hg1", lambda r: r == "OK", "Hg1 (the one vCPU)")
expect_reply("T5", is_err, "T5: thread 5 is not alive")
# 14. vCont garbage: must not resume anything
for p in ("vCont", "vCont;", "vCont;x", "vCont;c:99", "vCont;c:zz", "vCont;C", "vCont;c:1x",
          "vCont;c;;", "vContc", "vCont;s:1;q"):
    expect_reply(p, is_err, p)
# 15. G with a wrong length: the registers must not change
regs = c.cmd("g")
x0 = regs[:16]
mod = "8877665544332211" + regs[16:]
for what, payload in (("G one digit short", "G" + mod[:-1]),
                      ("G cut inside x1", "G" + mod[:24]),
                      ("G one byte too long", "G" + mod + "00"),
                      ("G with a non-hex digit", "G" + mod[:40] + "zz" + mod[42:]),
                      ("G odd length", "G" + mod[:17])):
    r = c.cmd(payload)
    after = c.cmd("g")
    check(r is not None and is_err(r), f"{what}: E reply ({r!r})")
    check(after == regs, f"{what}: the registers are unchanged (x0 {after[:16]} was {x0})")
    if after != regs:
        c.cmd("G" + regs)
    health(what)
# 16. qXfer with a bad annex or arguments
for p in ("qXfer:features:read:nosuch.xml:0,100", "qXfer:features:read:target.xml",
          "qXfer:features:read:target.xml:zz,10", "qXfer:features:read:target.xml:0",
          "qXfer:features:read:" + "a" * 80 + ":0,10", "qXfer:features:read::0,10",
          "qXfer:features:read:../target.xml:0,10"):
    expect_reply(p, is_err, p[:60])
r = c.cmd("qXfer:features:read:target.xml:0,10")
check(r is not None and r[:1] == "m", f"a good qXfer still works ({r!r})")
r = c.cmd("qXfer:features:read:target.xml:ffffff,10")
check(r == "l", f"qXfer past the end: 'l' ({r!r})")
# other handlers with bad arguments
for p in ("p", "pzz", "p1000", "Pzz=00", "P0=zz", "P0=00", "X80080000,4:", "M80080000,4:zz",
          "M80080000,2:001122", "qThreadExtraInfo,zz", "Qbrkvm.PhyMemMode:2", "qRcmd,zz"):
    r = c.cmd(p)
    check(r is not None and (is_err(r) or r == ""), f"{p}: an error ({r!r})")
    health(p)

# 17. QStartNoAckMode, then packets without acks
r = c.cmd("QStartNoAckMode")
check(r == "OK", f"QStartNoAckMode -> {r!r}")
c.noack = True
c.send(frame("?"))
ev = c.events(0.5)
check(len(ev) == 1 and isinstance(ev[0], tuple) and ev[0][1].startswith("T05"),
      f"no-ack mode: a reply without '+' ({ev})")
c.send(frame("g"))
ev = c.events(0.5)
check(len(ev) == 1 and isinstance(ev[0], tuple) and len(ev[0][1]) == G_LEN,
      f"no-ack mode: g without '+' ({len(ev)} events)")
c.send(b"$?#00")
ev = c.events(0.5)
check(ev == [], f"no-ack mode: a bad checksum gets no '-' ({ev})")
c.send(b"+-+")
ev = c.events(0.5)
check(ev == [], f"no-ack mode: stray acks/nacks get nothing (no retransmission) ({ev})")
c.send(frame("jabberwocky"))
ev = c.events(0.5)
check(ev == [("pkt", "", True)], f"no-ack mode: unknown packet -> empty reply ({ev})")
r = c.cmd("Z0,80080002,4")
check(r == "E22", f"no-ack mode: Z0 misaligned -> {r!r}")
health("no-ack mode")

# the 0x03 sent while the guest was stopped (10.) was kept, as gdbserver keeps a SIGINT pending:
# the next continue stops at once with SIGINT (a Ctrl-C that raced a stop reply is not lost)
c.send(frame("c"))
ev = c.events(2.0)
stops = [e[1] for e in ev if isinstance(e, tuple)]
check(len(stops) == 1 and stops[0].startswith("T02"),
      f"the 0x03 kept from while stopped: the next continue stops with SIGINT ({ev})")
r = c.cmd("?")
check(bool(r and r.startswith("T02")), f"? after it: the SIGINT stop ({r!r})")

# finally: the guest runs to completion (the kept interrupt was used up: it runs on)
c.send(frame("c"))
try:
    ev = c.events(15.0)
    log(f"after c: {ev}")
except ConnectionError as e:
    log(f"after c: {e} (the VM ended)")
check(True, "continue sent")
done()
