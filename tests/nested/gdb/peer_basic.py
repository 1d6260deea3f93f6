"""peer_basic.py - the brkvm-vs-QEMU comparison on the counter guest, stopped before its first
instruction (brkvm --gdb-wait / QEMU -S): entry state, qSupported and target description
(system registers), monitor commands, a software breakpoint hit exactly ten times, register
and memory writes (the scenario checks the guest's output), stepi over a breakpoint, finish,
what memory reads show over an inserted breakpoint, how the session ends."""
import os
import re
import sys
import time

sys.path.insert(0, os.environ["BRKVM_GDBLIB"])
from brkvm_test import connect, done, log, pc, reg, run, sym_addr  # noqa: E402
from peer_lib import PEER, attempt, feature, packet, timed, end_of_guest  # noqa: E402

import gdb  # noqa: E402

log(f"peer: {PEER}")
run("set debug remote 1")          # the qSupported exchange goes to the log
t0 = time.monotonic()
connect(os.path.join(os.environ["BRKVM_GUESTS"], "counter.elf"))
run("set debug remote 0")
feature("connect", "connect (target remote, incl. retries until the stub listens)", "info",
        f"{time.monotonic() - t0:.1f} s")
start, tick = sym_addr("_start"), sym_addr("tick")
main_lo = sym_addr("main")
cpsr = reg("cpsr")
feature("entry", "stopped at the ELF entry before the first instruction", pc() == start,
        f"pc {pc():#x} (_start {start:#x}), cpsr {cpsr:#x}")
feature("entry-pstate", "initial PSTATE EL1h, DAIF masked",
        cpsr & 0xf == 5 and cpsr & 0x3c0 == 0x3c0, f"cpsr {cpsr:#x}")

# target description
arch = gdb.selected_frame().architecture()
regs = [r.name for r in arch.registers()]
sysregs = [r for r in regs if "_el" in r.lower()]
feature("tdesc-regs", "registers in target.xml (total / *_elN system registers)", "info",
        f"{len(regs)} / {len(sysregs)}")
xml = packet("qXfer:features:read:target.xml:0,ffb")
annexes = re.findall(r'href=\\?"([^"\\]+)', xml) + re.findall(r'<feature name=\\?"([^"\\]+)', xml)
feature("tdesc-annexes", "target.xml: included annexes / inline features", "info",
        ", ".join(annexes) if annexes else xml[:100])

def sysreg_name(want):
    """the target.xml name of a system register: brkvm's lower case, QEMU's upper case, or
    QEMU's AArch32-style name without the _EL1 suffix"""
    for cand in (want, want.upper(), want.upper().replace("_EL1", "")):
        if cand in regs:
            return cand
    return None


name = sysreg_name("sctlr_el1")
out, err = attempt(f"info registers {name or 'sctlr_el1'}")
feature("sctlr", "`info registers sctlr_el1` (system registers in target.xml)",
        name == "sctlr_el1" and out is not None,
        f"as {name}: {out.split()[1]}" if name and out else f"not available ({err})")
feature("sysreg-names", "how system registers are named (sample)", "info",
        ", ".join(sysregs[:6]))

# monitor
out, err = attempt("monitor help")
feature("monitor", "monitor commands (`monitor help`)", out is not None and len(out.strip()) > 0,
        f"{len(out.splitlines())} lines, first: {out.splitlines()[0].strip()!r}" if out and out.strip()
        else f"error: {err}" if err else "empty reply")
if PEER == "qemu":
    out, err = attempt("monitor info registers")
else:
    out, err = attempt("monitor info vcpus")
feature("monitor-regs", "monitor: vCPU state (QEMU `info registers`, brkvm `info vcpus`)",
        out is not None and len(out.strip()) > 0,
        (out.strip().splitlines()[0][:100] if out and out.strip() else f"error: {err}"))
out, err = attempt("info threads")
feature("threads", "`info threads`", out is not None,
        " / ".join(l.strip() for l in (out or err).splitlines()[1:3])[:120])

# a raw m read over a Z0 breakpoint the stub has inserted
orig = packet(f"m{tick:x},4")
z = packet(f"Z0,{tick:x},4")
over = packet(f"m{tick:x},4")
packet(f"z0,{tick:x},4")
after = packet(f"m{tick:x},4")
feature("mem-hides-brk", "raw `m` over an inserted Z0 shows the original code",
        z == "OK" and over == orig,
        f"Z0 {z!r}; m before {orig}, with Z0 {over}, after z0 {after}")

# a breakpoint by symbol, ten hits
run("break tick")
hits, xs, conts = 0, [], []
reg_ok = mem_ok = step_ok = finish_ok = None
step_t = 0.0
for i in range(1, 11):
    out, err, el = timed("continue")
    if err:
        log(f"continue {i}: {err}")
        break
    conts.append(el)
    if pc() == tick:
        hits += 1
    xs.append(reg("x0"))
    if i == 1:      # start.S has set VBAR_EL1 by now: is the stub's value the live one?
        vname = sysreg_name("vbar_el1")
        vbar = reg(vname) if vname else None
        vectors = sym_addr("vectors")
        feature("vbar-live", "VBAR_EL1 read through gdb is the guest's live value",
                vbar == vectors, f"{vname} = {vbar:#x}, vectors {vectors:#x}" if vname
                else "no VBAR_EL1 in target.xml")
    if i == 3:
        run("set $x0 = 100")
        reg_ok = reg("x0") == 100
    if i == 5:
        run("set var counter = 1000")
        mem_ok = int(gdb.parse_and_eval("counter")) == 1000
    if i == 7:
        before = pc()
        _, err, step_t = timed("stepi")
        step_ok = (pc() == before + 4, f"pc {before:#x} -> {pc():#x}")
        _, err = attempt("finish")
        finish_ok = (main_lo <= pc() < main_lo + 0x100, f"pc {pc():#x}")
feature("bp-hits", "software breakpoint hit exactly 10 times with x0 = 1..10",
        hits == 10 and xs == list(range(1, 11)),
        f"{hits} hits, x0 {xs}; continue->stop {1000 * sum(conts) / max(len(conts), 1):.0f} ms avg")
feature("reg-write", "register write (`set $x0 = 100`) read back", reg_ok, "")
feature("mem-write", "memory write (`set var counter = 1000`) read back", mem_ok, "")
feature("stepi-bp", "stepi from a breakpoint address moves exactly one insn",
        step_ok and step_ok[0], (step_ok[1] if step_ok else "") + f", {1000 * step_t:.0f} ms")
feature("finish", "`finish` back into main", finish_ok and finish_ok[0],
        finish_ok[1] if finish_ok else "")
run("delete")
feature("end", "session end at the guest's PSCI SYSTEM_OFF", "info", end_of_guest())
done()
