"""killany_session.py - one gdb session of scenario gdb-kill-anywhere, run inside gdb-multiarch
by kill_anywhere.py, which SIGKILLs it at a random moment.

Attaches to the running killany guest (retrying while brkvm still serves the previous, killed
client), prints what a debugger finds there first:
  KA-STATUS attempts=N <the guest's ka_status fields> sw=.. mon=ok|BAD:...
(the guest's own report of its last loops, and brkvm's `monitor info breakpoints`), then
(KA_MODE=session) runs random debugger operations until it is killed, each announced first as
  KA-OP I NAME ARGS
from KA_SEED: breakpoints (break, hbreak, on code every loop runs or never runs, or a random
word of main), watchpoints (watch, rwatch, awatch), delete, stepi, continue, `set var` on the
guest's scratch data, writes of x28 (reserved: the guest is built with -ffixed-x28), of pc and
cpsr with their own values, a code word rewritten with the image's own value, reads; gdb's
`breakpoint always-inserted` on or off per session.  KA_MODE=final instead checks the guest's
code through the stub against the ELF file, prints KA-FINAL and kills brkvm."""
import os
import random
import struct
import sys
import time

sys.path.insert(0, os.environ["BRKVM_GDBLIB"])
from killany_lib import STATUS_FIELDS, checksum, elf_text, monitor_verdict  # noqa: E402

import gdb  # noqa: E402

PORT = os.environ.get("BRKVM_PORT", "1234")
ELF = os.path.join(os.environ["BRKVM_GUESTS"], "killany.elf")
MODE = os.environ.get("KA_MODE", "session")
rng = random.Random(int(os.environ.get("KA_SEED", "1")))


def out(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def ex(cmd):
    return gdb.execute(cmd, to_string=True)


def addr(expr):
    return int(gdb.parse_and_eval(f"(unsigned long)({expr})")) & 0xffffffffffffffff


ex(f"file {ELF}")
ex("set architecture aarch64")
ex("set remotetimeout 30")
ex("set can-use-hw-watchpoints 1")
ex("set breakpoint pending off")
attempts = 0
while True:
    attempts += 1
    try:
        ex(f"target remote 127.0.0.1:{PORT}")
        break
    except gdb.error as e:
        if attempts >= 60:
            out(f"KA-NOATTACH attempts={attempts} {e}")
            os._exit(1)
        time.sleep(0.25)

st = gdb.parse_and_eval("ka_status")
fields = " ".join(f"{f}={int(st[f]) & 0xffffffffffffffff:#x}" for f in STATUS_FIELDS)
mon = ex("monitor info breakpoints")
bad = monitor_verdict(mon)
out(f"KA-STATUS attempts={attempts} {fields} mon=" + ("ok" if not bad else "BAD:" + "|".join(bad)
                                                      ).replace(" ", "_"))

if MODE == "final":
    taddr, image = elf_text(ELF)
    mem = bytes(gdb.selected_inferior().read_memory(taddr, len(image)))
    diff = [taddr + i for i in range(0, len(image), 4) if mem[i:i + 4] != image[i:i + 4]]
    out(f"KA-FINAL text_sum={checksum(mem):#x} image_sum={checksum(image):#x} "
        f"differing_words={len(diff)}" + (f" first={diff[0]:#x}" if diff else ""))
    try:
        ex("kill")
    except gdb.error as e:
        out(f"KA-KILL {e}")
    os._exit(0)

# ---- a random session, until kill_anywhere.py kills this gdb ----
taddr, image = elf_text(ELF)
main_lo = addr("&main")
main_hi = gdb.block_for_pc(main_lo).end     # (main's whole body: set-up and loop)
ex(f"set breakpoint always-inserted {rng.choice(['on', 'off'])}")
targets = ["ka_work", "ka_never", "own_bp_fn", "text_checksum"]


def rand_code():
    return rng.choice(targets + [f"*{rng.randrange(main_lo, main_hi, 4):#x}"])


def op_break():
    return f"break {rand_code()}"


def op_hbreak():
    return f"hbreak {rand_code()}"


def op_watch():
    kind = rng.choice(["watch", "rwatch", "awatch"])
    var = rng.choice(["ka_watched", "ka_calls", f"ka_scratch[{rng.randrange(8)}]",
                      "ka_status.loops"])
    return f"{kind} {var}"


def op_delete():
    bps = gdb.breakpoints()
    return f"delete {rng.choice(bps).number}" if bps else "delete"


def op_stepi():
    return f"stepi {rng.randint(1, 3)}"


def op_continue():
    return "continue"


def op_setvar():
    return f"set var ka_scratch[{rng.randrange(8)}] = {rng.getrandbits(64):#x}"


def op_x28():
    return f"set $x28 = {rng.getrandbits(64):#x}"


def op_pc():
    return rng.choice(["set $pc = $pc", "set $cpsr = $cpsr", "set $sp = $sp"])


def op_rewrite():
    # the image's own word back over the code (maybe over an inserted breakpoint)
    off = rng.randrange(0, len(image), 4)
    if rng.random() < 0.5:
        off = (addr("&ka_work") - taddr) & ~3
    word, = struct.unpack_from("<I", image, off)
    return f"set {{unsigned int}}{taddr + off:#x} = {word:#x}"


def op_read():
    return rng.choice(["x/8xw $pc", "info registers", "p ka_status", "x/4i $pc"])


OPS = [(op_break, 3), (op_hbreak, 2), (op_watch, 2), (op_delete, 2), (op_stepi, 4),
       (op_continue, 3), (op_setvar, 2), (op_x28, 2), (op_pc, 2), (op_rewrite, 2), (op_read, 2)]
choices = [f for f, w in OPS for _ in range(w)]
i = 0
while True:
    i += 1
    cmd = rng.choice(choices)()
    out(f"KA-OP {i} {cmd}")
    try:
        r = ex(cmd)
        last = r.strip().splitlines()[-1] if r.strip() else ""
        if last:
            out(f"KA-OUT {last[:100]}")
    except gdb.error as e:
        out(f"KA-ERR {str(e)[:100]}")
        if "not being run" in str(e) or "Remote connection closed" in str(e):
            time.sleep(0.2)     # (the guest or brkvm is gone: the next attach tells)
        # too many hardware slots, say: start over with fewer
        if "hardware" in str(e).lower() or "watchpoint" in str(e).lower():
            try:
                ex("delete")
            except gdb.error:
                pass
