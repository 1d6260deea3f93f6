"""basic.py - gdb against brkvm running the counter guest, stopped at its first instruction
(--gdb-wait): registers, memory, a breakpoint by symbol hit exactly ten times, register and
variable writes the guest's own output then reflects, stepi over a breakpoint, finish."""
import os
import sys

sys.path.insert(0, os.environ["BRKVM_GDBLIB"])
from brkvm_test import check, connect, cont_expect_end, done, log, pc, reg, run, sym_addr  # noqa

import gdb  # noqa: E402

connect(os.path.join(os.environ["BRKVM_GUESTS"], "counter.elf"))
start = sym_addr("_start")
tick = sym_addr("tick")
check(pc() == start, f"stopped at _start before the first instruction (pc {pc():#x})")
check(reg("cpsr") & 0xf == 0x5 and reg("cpsr") & 0x3c0 == 0x3c0, "EL1h with DAIF masked")
threads = run("info threads")
check("Thread 1" in threads, "thread 1 listed")

# memory: the code as linked, and a write/read round trip in RAM
insn = int(gdb.parse_and_eval(f"*(unsigned int *){tick:#x}")) & 0xffffffff
elf_insn = 0xb0000022
check(insn == elf_insn, f"read tick's first instruction {insn:#x}")
run("set var counter = 0")
run("break tick")
insn2 = int(gdb.parse_and_eval(f"*(unsigned int *){tick:#x}")) & 0xffffffff
check(insn2 == elf_insn, f"memory reads show the original instruction, not BRK ({insn2:#x})")

hits = 0
for i in range(1, 11):
    run("continue")
    hits += 1
    check(pc() == tick, f"hit {i}: stopped at tick (pc {pc():#x})")
    check(reg("x0") == i, f"hit {i}: argument x0 = {reg('x0')} (want {i})")
    if i == 3:
        run("set $x0 = 100")  # total becomes 55 - 3 + 100 = 152
        check(reg("x0") == 100, "register write read back")
    if i == 5:
        run("set var counter = 1000")  # counter becomes 1000 + 6 = 1006
        check(int(gdb.parse_and_eval("counter")) == 1000, "variable write read back")
    if i == 7:
        before = pc()
        run("stepi")
        check(pc() == before + 4, f"stepi over the breakpoint moved pc by 4 ({pc():#x})")
        run("finish")
        main_lo, main_hi = sym_addr("main"), sym_addr("main") + 0x100
        check(main_lo <= pc() < main_hi, f"finish returned into main (pc {pc():#x})")
check(hits == 10, f"breakpoint hit exactly {hits} times")
run("info breakpoints")
run("delete")
ended = cont_expect_end()
check(ended, "guest ran to its power-off after the breakpoints went")
done()
