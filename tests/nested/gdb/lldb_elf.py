#!/usr/bin/env python3
"""lldb_elf.py - Debian's lldb-15 with counter.elf as its target against brkvm's stub (the
guest waits at its first instruction, --gdb-wait): symbols, a breakpoint by name hit twice,
si and thread step-inst, a register write the guest's output then shows (x0 = 100 at the
second call: total 55 - 2 + 100 = 0x99), a breakpoint by address, detach."""
import os
import re

from lldb_test import GUESTS, Session, check, done, elf_symbols, elf_u32, regs, run_lldb

ELF = os.path.join(GUESTS, "counter.elf")
sym = elf_symbols(ELF)
start, tick, puts = sym["_start"], sym["tick"], sym["puts"]
insn = elf_u32(ELF, tick)
mem = f"memory read -s4 -fx -c1 {tick:#x}"

blocks, packets = run_lldb([
    "register read pc",
    mem,
    "breakpoint set -n tick",
    mem,
    "continue",
    "register read x0 pc",
    "si",
    "register read pc",
    "thread step-inst",
    "register read pc",
    "continue",
    "register read x0 pc",
    "register write x0 100",
    "register read x0",
    "breakpoint delete -f 1",
    f"breakpoint set -a {puts:#x}",
    "continue",
    "register read pc",
    "breakpoint delete -f",
    "process detach",
], target=ELF)
s = Session(blocks)

out = s.next("register read pc")
check(regs(out).get("pc") == start and "`_start" in out, f"pc = _start {start:#x}, by symbol")
for when in ("before", "after"):
    out = s.next(mem)
    m = re.search(r"0x0*%x: (0x[0-9a-f]+)" % tick, out)
    check(m and int(m.group(1), 16) == insn,
          f"memory read {when} the breakpoint: tick's first instruction {insn:#x}")
    if when == "before":
        out = s.next("breakpoint set -n tick")
        check(re.search(r"Breakpoint 1: where = counter.elf`tick .*address = 0x0*%x" % tick,
                        out), "breakpoint set -n tick resolved to tick's address")

out = s.next("continue")
check("stop reason = breakpoint 1.1" in out and "tick(i=1)" in out,
      "continue: breakpoint 1.1 in tick(i=1)")
r = regs(s.next("register read x0 pc"))
check(r.get("pc") == tick and r.get("x0") == 1, f"first hit: pc = tick, x0 = 1 ({r})")
s.next("si")
r = regs(s.next("register read pc"))
check(r.get("pc") == tick + 4, f"si: pc = tick + 4 ({r.get('pc', 0):#x})")
out = s.next("thread step-inst")
check("instruction step into" in out, "thread step-inst: a step")
r = regs(s.next("register read pc"))
check(r.get("pc") == tick + 8, f"thread step-inst: pc = tick + 8 ({r.get('pc', 0):#x})")

out = s.next("continue")
check("stop reason = breakpoint 1.1" in out and "tick(i=2)" in out,
      "continue: next hit, tick(i=2)")
r = regs(s.next("register read x0 pc"))
check(r.get("pc") == tick and r.get("x0") == 2, f"second hit: pc = tick, x0 = 2 ({r})")
s.next("register write x0 100")
r = regs(s.next("register read x0"))
check(r.get("x0") == 100, f"register write x0 100 read back ({r})")

s.next("breakpoint delete -f 1")
out = s.next(f"breakpoint set -a {puts:#x}")
check(re.search(r"Breakpoint 2: where = counter.elf`puts", out), "breakpoint set -a puts")
out = s.next("continue")
check("stop reason = breakpoint 2.1" in out, "continue: breakpoint 2.1 (tick no longer stops)")
r = regs(s.next("register read pc"))
check(r.get("pc") == puts, f"at puts ({r.get('pc', 0):#x})")
s.next("breakpoint delete -f")
out = s.next("process detach")
check("detached" in out, "process detach")
done()
