#!/usr/bin/env python3
"""kill_anywhere.py - scenario gdb-kill-anywhere's driver (plain python3 on this machine): 100
real gdb-multiarch sessions (killany_session.py) against the killany guest, each SIGKILLed after
a random delay, every one checked by the next attach.

Seeded (BRKVM_KA_SEED, else the time; printed as KA-SEED so a run can be replayed), each session
gets its own seed for its random operations and a kill point: a delay uniform in
[0, KA_DELAY_MAX] s counted from its KA-STATUS line (its attach and first reads done), or, for a
third of them, the start of its operation number 1-10 (amid that operation's packets).  Before any operation every
session reports what the killed one left (KA-STATUS): kill k counts as good when
  - the new gdb attached (a new client is accepted once brkvm has seen the old one go),
  - brkvm's `monitor info breakpoints` lists none of gdb's breakpoints or slots and finds the
    guest's own 2 breakpoints and 2 watchpoints armed,
  - the guest's own report: its last KA_GOOD loops or more ran unheld and good (text checksum
    equal to the one of its image, its debug registers and MDSCR_EL1 as it set them, its own
    breakpoint and watchpoint each taken once, CNTVCT advancing), it looped and its clock ran
    since the previous attach, and no loop since then (held or not) saw its debug registers,
    MDSCR or clock wrong.
After the last kill a final gdb does the same checks, compares the code read through the stub
with the ELF file, and kills brkvm.  Prints KA-KILL lines, KA-RESULT n/N and GDB-RESULT."""
import os
import queue
import random
import signal
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from checks import check, done, log  # noqa: E402
from killany_lib import KA_GOOD, MAGIC, checksum, elf_text, flag_names, parse_kv  # noqa: E402

SESSIONS = int(os.environ.get("BRKVM_KA_SESSIONS", "100"))
DELAY_MAX = float(os.environ.get("KA_DELAY_MAX", "1.2"))
SEED = int(os.environ.get("BRKVM_KA_SEED") or int(time.time() * 1000) % 1000000)
ELF = os.path.join(os.environ["BRKVM_GUESTS"], "killany.elf")
GDB = os.environ.get("BRKVM_KA_GDB", "gdb-multiarch")
STATUS_TIMEOUT = 60
# after a kill the guest gets this long (plus the next gdb's start) to show what it was left
# with: the detach needs ~0.1-0.2 s to happen (the close crosses slirp), a loop ~3 ms
POST_KILL = float(os.environ.get("KA_POST_KILL", "0.25"))


def start_gdb(mode, seed):
    env = dict(os.environ, KA_MODE=mode, KA_SEED=str(seed), PYTHONDONTWRITEBYTECODE="1")
    p = subprocess.Popen([GDB, "-nx", "-q", "-batch", "-ex", "set confirm off",
                          "-ex", "set pagination off", "-x", os.path.join(HERE, "killany_session.py")],
                         env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True, bufsize=1)
    q = queue.Queue()

    def reader():
        for line in p.stdout:
            q.put(line.rstrip("\n"))
        q.put(None)
    threading.Thread(target=reader, daemon=True).start()
    return p, q


def wait_status(q, lines):
    """the KA-STATUS line (its fields), or None (gdb ended or timed out first)"""
    deadline = time.monotonic() + STATUS_TIMEOUT
    while time.monotonic() < deadline:
        try:
            line = q.get(timeout=0.5)
        except queue.Empty:
            continue
        if line is None:
            return None
        lines.append(line)
        if line.startswith("KA-STATUS"):
            return parse_kv(line)
    return None


def drain(q, lines, wait):
    deadline = time.monotonic() + wait
    while True:
        try:
            line = q.get(timeout=max(0.01, deadline - time.monotonic()))
        except queue.Empty:
            return
        if line is None:
            return
        lines.append(line)


def wait_kill_point(q, lines, delay, at_op, extra):
    """collect gdb's lines until the kill point: "op" (gdb announced operation at_op, plus
    `extra` s), "timed" (`delay` s, or DELAY_MAX when waiting for an operation that does not
    come, e.g. gdb sits in a continue) or "ended" (gdb exited by itself)"""
    deadline = time.monotonic() + (DELAY_MAX if at_op else delay)
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return "timed"
        try:
            line = q.get(timeout=left)
        except queue.Empty:
            return "timed"
        if line is None:
            return "ended"
        lines.append(line)
        if at_op and line.startswith(f"KA-OP {at_op} "):
            time.sleep(extra)
            return "op"


def judge(st, prev):
    """problems in what an attach found (st: KA-STATUS fields; prev: the previous attach's)"""
    bad = []
    if st.get("magic") != MAGIC:
        return [f"ka_status unreadable: {st}"]
    if st["text_sum"] != IMAGE_SUM:
        bad.append(f"the guest's start checksum {st['text_sum']:#x} != the image's {IMAGE_SUM:#x}")
    if st["streak"] < KA_GOOD:
        bad.append(f"the guest's last loops were not {KA_GOOD} good ones in a row: streak "
                   f"{st['streak']}, last bad loop: {flag_names(st['last_bad'])}")
    ever = st["ever"] - (prev["ever"] if prev else 0)     # (counted since the last attach)
    if ever:
        bad.append(f"{ever} loops saw {flag_names(st['ever_flags'])} wrong")
    if prev and st["loops"] <= prev["loops"]:
        bad.append(f"the guest did not loop: loops {st['loops']} (before {prev['loops']})")
    if prev and st["cnt"] <= prev["cnt"]:
        bad.append(f"the guest's clock did not run: CNTVCT {st['cnt']:#x} (before {prev['cnt']:#x})")
    if st.get("mon") != "ok":
        bad.append(f"monitor info breakpoints: {st.get('mon')}")
    return bad


IMAGE_ADDR, IMAGE = elf_text(ELF)
IMAGE_SUM = checksum(IMAGE)
printed = os.environ.get("BRKVM_VAR_text_sum")
check(printed is not None and int(printed, 16) == IMAGE_SUM,
      f"the guest's checksum of its text at start ({printed}) is the ELF file's ({IMAGE_SUM:#x}, "
      f"{len(IMAGE)} bytes at {IMAGE_ADDR:#x})")
log(f"KA-SEED {SEED} sessions={SESSIONS} delay=0..{DELAY_MAX}s")
rng = random.Random(SEED)
t_all = time.monotonic()
good = 0
prev = None
attach_times, killed_in, hows = [], {}, {}
failures = []
for k in range(SESSIONS + 1):
    final = k == SESSIONS
    seed = rng.getrandbits(32)
    delay = rng.uniform(0, DELAY_MAX)
    # a third of the kills land as gdb starts its operation number at_op (0-30 ms after it
    # said so: amid that operation's packets), the others at `delay`
    at_op = rng.randint(1, 10) if rng.random() < 0.33 else 0
    extra = rng.uniform(0, 0.03)
    t0 = time.monotonic()
    since_kill = t0 - t_kill if k else 0
    p, q = start_gdb("final" if final else "session", seed)
    lines = []
    st = wait_status(q, lines)
    t_att = time.monotonic() - t0
    if st is None:
        p.kill()
        p.wait()
        drain(q, lines, 1)
        why = f"no KA-STATUS within {STATUS_TIMEOUT}s: " + " / ".join(lines[-4:])
    else:
        attach_times.append(t_att)
        bad = judge(st, prev)
        why = "; ".join(bad)
        prev = st
    if k > 0:       # this attach tells how kill k left things
        if not why:
            good += 1
        else:
            failures.append(k)
        g = st or {}
        log(f"KA-KILL {k} {'ok' if not why else 'FAIL ' + why} (attach {t_att:.2f}s after "
            f"{since_kill:.2f}s, {g.get('attempts', '?')} tries; guest: loops={g.get('loops')} "
            f"streak={g.get('streak')} held={g.get('held')} since held: {g.get('run_loops')} loops, "
            f"{g.get('run_bad')} bad, last bad #{g.get('last_bad_loop')})")
    elif why:
        check(False, f"first attach: {why}")
    if st is None:
        break
    if final:
        p.wait(timeout=60)
        drain(q, lines, 2)
        fin = next((parse_kv(l) for l in lines if l.startswith("KA-FINAL")), None)
        check(fin is not None and fin["text_sum"] == IMAGE_SUM and fin["differing_words"] == 0,
              f"the final gdb reads the guest's code as the ELF file has it: "
              f"{next((l for l in lines if l.startswith('KA-FINAL')), 'no KA-FINAL')}")
        break
    t_ready = time.monotonic()
    how = wait_kill_point(q, lines, delay, at_op, extra)
    delay = time.monotonic() - t_ready
    alive = p.poll() is None
    p.send_signal(signal.SIGKILL)
    t_kill = time.monotonic()
    p.wait()
    drain(q, lines, POST_KILL)
    time.sleep(max(0.0, POST_KILL - (time.monotonic() - t_kill)))
    ops = [l for l in lines if l.startswith("KA-OP")]
    words = ops[-1].split(" ", 2)[2].split(" ") if ops else ["attach"]
    last = " ".join(words[:2]).split("=")[0].split("[")[0] if words[0] == "set" else words[0]
    killed_in[last] = killed_in.get(last, 0) + 1
    hows[how] = hows.get(how, 0) + 1
    log(f"KA-SESSION {k + 1} seed={seed} killed after {delay:.2f}s ({how}), {len(ops)} ops, in: "
        f"{ops[-1][6:] if ops else '(before any op)'}" + ("" if alive else " (gdb had ended!)"))
    if not alive:
        for l in lines[-6:]:
            log(f"  gdb| {l}")

total = time.monotonic() - t_all
n = SESSIONS
log(f"KA-RESULT {good}/{n} seed={SEED} in {total:.1f}s ({total / max(1, n):.2f}s per session; "
    f"attach median {sorted(attach_times)[len(attach_times) // 2] if attach_times else 0:.2f}s)")
log("KA-KILLED-IN " + ", ".join(f"{k}: {v}" for k, v in sorted(killed_in.items()))
    + " | kill points: " + ", ".join(f"{k} {v}" for k, v in sorted(hows.items())))
check(good == n, f"{good}/{n} kills left the guest and brkvm clean"
      + (f" (failed after kills {failures[:10]})" if failures else ""))
done()
