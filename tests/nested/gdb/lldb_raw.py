#!/usr/bin/env python3
"""lldb_raw.py - Debian's lldb-15 against brkvm's stub with no target file (plain
`gdb-remote`): the counter guest waits at its first instruction (--gdb-wait); registers
(everything from target.xml), memory, a breakpoint by address, continue, stepi, detach (the
guest then runs to its end unchanged: the scenario checks its output)."""
import os
import re

from lldb_test import GUESTS, Session, check, done, elf_symbols, elf_u32, log, regs, run_lldb

ELF = os.path.join(GUESTS, "counter.elf")
sym = elf_symbols(ELF)
start, tick = sym["_start"], sym["tick"]
insn = elf_u32(ELF, tick)

blocks, packets = run_lldb([
    "target list",
    "register read",
    "register read x0 pc cpsr",
    f"memory read -s4 -fx -c1 {tick:#x}",
    f"breakpoint set -a {tick:#x}",
    "continue",
    "register read x0 pc",
    "si",
    "register read pc",
    "process detach",
])
s = Session(blocks)
check("qXfer" in packets and "qRegisterInfo" not in packets, "registers from target.xml")
# the arch comes from qHostInfo/qProcessInfo (lldb.c): aarch64 with no OS (bare metal/kernel)
out = s.next("target list")
check("arch=aarch64-unknown-none," in out, "target list: arch=aarch64-unknown-none (qHostInfo)")

r = regs(s.next("register read"))
check(r.get("pc") == start, f"register read: pc = _start {start:#x} ({r.get('pc', 0):#x})")
check(all(f"x{i}" in r for i in range(31)) and "sp" in r and "fpsr" in r,
      f"register read: x0-x30, sp, fpsr listed ({len(r)} registers)")
r = regs(s.next("register read x0 pc cpsr"))
check(set(r) == {"x0", "pc", "cpsr"}, f"register read x0 pc cpsr: {sorted(r)}")
check(r.get("cpsr", 0) & 0x3cf == 0x3c5, f"cpsr {r.get('cpsr', 0):#x}: EL1h, DAIF masked")

out = s.next(f"memory read -s4 -fx -c1 {tick:#x}")
m = re.search(r"0x0*%x: (0x[0-9a-f]+)" % tick, out)
check(m and int(m.group(1), 16) == insn, f"memory read: tick's first instruction {insn:#x}")

out = s.next(f"breakpoint set -a {tick:#x}")
check(re.search(r"Breakpoint 1: address = 0x0*%x" % tick, out), "breakpoint set -a tick")
out = s.next("continue")
check("stop reason = breakpoint 1.1" in out, "continue: stopped by breakpoint 1.1")
r = regs(s.next("register read x0 pc"))
check(r.get("pc") == tick and r.get("x0") == 1, f"at tick with x0 = 1 ({r})")
out = s.next("si")
check("stop reason = instruction step into" in out, "si: a step")
r = regs(s.next("register read pc"))
check(r.get("pc") == tick + 4, f"si moved pc by 4 ({r.get('pc', 0):#x})")
out = s.next("process detach")
check("detached" in out, "process detach")
done()
