"""guestbrk_step.py - the guestbrk guest again: `stepi` ONTO and then OVER one of the guest's own
BRKs (`brk #0x800` in main, reached by stepping out of marker): the single step takes the
guest's BRK exception, which the stub must re-inject, so the step ends at the guest's vector
(VBAR_EL1 + 0x200, current EL with SP_ELx, synchronous) with the BRK not yet counted; the guest
then runs on and counts all 12 BRKs (the scenario compares its line with the baseline).

(No gdb breakpoint ON a guest BRK: gdb treats any BRK under a breakpoint as a "permanent"
breakpoint and skips it by writing pc += 4 (P20=...), so the guest never sees that BRK; that is
gdb's behaviour, not the stub's.)"""
import os
import sys

sys.path.insert(0, os.environ["BRKVM_GDBLIB"])
from brkvm_test import (check, cont_expect_end, connect, done, elf_bytes, log, pc, reg,  # noqa
                        run, sym_addr, u32s)

import gdb  # noqa: E402

ELF = os.path.join(os.environ["BRKVM_GUESTS"], "guestbrk.elf")
connect(ELF)
main, marker, vectors = sym_addr("main"), sym_addr("marker"), sym_addr("brk_vectors")
code = u32s(elf_bytes(ELF, main, 0x40))
brk800 = [main + 4 * i for i, w in enumerate(code) if w == 0xd4210000]
check(len(brk800) == 1, f"main has one `brk #0x800`: {[hex(a) for a in brk800]}")
mcode = u32s(elf_bytes(ELF, marker, 0x20))
ret = marker + 4 * mcode.index(0xd65f03c0)
run(f"break *{ret:#x}")
run("continue")
check(pc() == ret, f"stopped at marker's ret (pc {pc():#x})")
run("delete")
run("stepi")
check(pc() == brk800[0], f"stepi returned onto the guest's brk #0x800 (pc {pc():#x})")
n0 = int(gdb.parse_and_eval("brk_count"))
run("stepi")
check(pc() == vectors + 0x200, f"stepi over the guest's brk #0x800 enters its vector "
      f"(pc {pc():#x}, want VBAR + 0x200 = {vectors + 0x200:#x})")
check(reg("cpsr") & 0x3c0 == 0x3c0, f"in the vector DAIF is masked (cpsr {reg('cpsr'):#x})")
n1 = int(gdb.parse_and_eval("brk_count"))
check(n1 == n0, f"the guest's handler has not counted it yet ({n0} -> {n1})")
run("stepi")
pc2 = pc()
check(vectors + 0x200 < pc2 < vectors + 0x800 or pc2 > vectors + 0x800,
      f"a further stepi goes on in the handler (pc {pc2:#x})")
check(cont_expect_end(), "the guest ran to its power-off")
done()
