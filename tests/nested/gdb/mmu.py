"""mmu.py - gdb against the mmu guest (tests/guests/mmu.S), stopped at its first instruction with
the MMU off: a breakpoint set by physical address before the MMU is on hits at the code's
higher-half alias (the breakpoint table is keyed by guest-physical address), memory reads and a
breakpoint through the high alias, a variable written through the high alias that the guest then
prints, an unmapped VA, physical-address mode, and reads that cross a page boundary."""
import os
import re
import sys

sys.path.insert(0, os.environ["BRKVM_GDBLIB"])
from brkvm_test import (check, connect, cont_expect_end, done, elf_bytes, error_of,  # noqa
                        log, maint_packet, pc, read_mem, reg, run, sym_addr, u32s, x_words)

import gdb  # noqa: E402

ELF = os.path.join(os.environ["BRKVM_GUESTS"], "mmu.elf")
HI = 0xffff000000000000          # alias offset: VA HI + pa -> pa (first 2 MiB of RAM)
MAGIC = 0x5eed5eed12345678

connect(ELF)
# gdb's memory caches would hide what a mode switch changes
run("set code-cache off")
run("set stack-cache off")
start, tick, done_, work = (sym_addr(s) for s in ("_start", "hi_tick", "hi_done", "hi_work"))
ticks, hi_var, magic, hi_pc = (sym_addr(s) for s in ("ticks", "hi_var", "magic", "hi_pc"))
check(pc() == start, f"stopped at _start, MMU off (pc {pc():#x})")

# MMU off: virtual == physical; the high alias does not exist yet
tick_elf = elf_bytes(ELF, tick, 16)
check(read_mem(tick, 16) == tick_elf, "MMU off: hi_tick's bytes read at its physical address")
err = error_of(f"x/xw {tick + HI:#x}")
check("Cannot access memory" in err, f"MMU off: the high alias is not readable yet ({err!r})")

# breakpoints stay in memory while gdb is stopped: reads must be shadowed by the stub
run("set breakpoint always-inserted on")
# the breakpoint by physical address, set before the MMU is on, and one at the first
# instruction after the MMU is on (its identity address, where VA = PA either way)
run(f"break *{tick:#x}")
mmu_on = sym_addr("mmu_on")
run(f"break *{mmu_on:#x}")
run("continue")
check(pc() == mmu_on, f"stopped at mmu_on, MMU on (pc {pc():#x})")
hi = read_mem(tick + HI, 16)
check(hi == tick_elf, f"read through the high alias = the ELF's bytes, not BRK "
      f"({[hex(w) for w in u32s(hi)]} vs {[hex(w) for w in u32s(tick_elf)]})")
lo = read_mem(tick, 16)
check(lo == tick_elf, f"read through the identity map = the ELF's bytes, not BRK "
      f"({[hex(w) for w in u32s(lo)]})")
words = x_words(tick + HI, 4)
check(words == u32s(tick_elf), f"x/4xw at the high alias {[hex(w) for w in words]}")
cnt = int.from_bytes(read_mem(ticks + HI, 8), "little")
check(cnt == 0, f"ticks through the high alias = {cnt} before the first hi_tick")
# a breakpoint at a high-alias address of another instruction
run(f"break *{done_ + HI:#x}")

# hi_tick is called 5 times at its high alias: each call must stop there, then hi_done
stops = []
for i in range(8):
    run("continue")
    stops.append(pc())
    if pc() != tick + HI:
        break
log("stops: " + " ".join(hex(a) for a in stops))
hits = sum(1 for a in stops if a == tick + HI)
check(hits == 5, f"the breakpoint set at hi_tick's physical address stopped gdb at the high "
      f"alias {tick + HI:#x} exactly {hits} times (want 5)")
check(pc() == done_ + HI, f"the high-alias breakpoint hit at hi_done (pc {pc():#x}, "
      f"want {done_ + HI:#x})")
cnt = int(gdb.parse_and_eval(f"*(unsigned long *){ticks + HI:#x}"))
check(cnt == 5, f"ticks through the high alias = {cnt} (want 5)")
var = int(gdb.parse_and_eval(f"*(unsigned long *){hi_var + HI:#x}"))
check(var == 0x1005, f"hi_var through the high alias = {var:#x} (want 0x1005)")
hpc = int(gdb.parse_and_eval(f"*(unsigned long *){hi_pc + HI:#x}"))
check(hpc == work + HI, f"the guest ran hi_work at {hpc:#x} (want {work + HI:#x})")

# monitor info pt: the mappings the guest built (see mmu.S), as ranges; the 512 L3 pages of the
# high alias are contiguous in VA and PA with equal attributes: one range
out = run("monitor info pt")
got, half = [], None
for line in out.splitlines():
    if line.startswith(("TTBR0", "TTBR1")):
        half = line[:5]
    m = re.match(r"\s+0x([0-9a-f]+)-0x([0-9a-f]+) -> 0x([0-9a-f]+)\s+\d+K (rw|ro) (user|kern).* attr(\d) sh(\d)", line)
    if m:
        got.append((half, int(m.group(1), 16), int(m.group(2), 16), int(m.group(3), 16), m.group(4),
                    m.group(5), int(m.group(6)), int(m.group(7))))
want = [("TTBR0", 0x0, 0x3fffffff, 0x0, "rw", "kern", 0, 0),
        ("TTBR0", 0x80000000, 0xbfffffff, 0x80000000, "rw", "kern", 1, 3),
        ("TTBR1", HI + 0x80000000, HI + 0x801fffff, 0x80000000, "rw", "kern", 1, 3)]
check(got == want, f"monitor info pt lists exactly the guest's three mappings ({got})")
check(run("monitor info mem") == out, "monitor info mem without a VA lists them too")

# write a variable through its high alias: same physical memory as the identity view
run(f"set var *(unsigned long *){magic + HI:#x} = {MAGIC:#x}")
low = int(gdb.parse_and_eval(f"*(unsigned long *){magic:#x}")) & 0xffffffffffffffff
check(low == MAGIC, f"the write through the high alias is seen at the identity address "
      f"({low:#x})")

# an unmapped VA (TTBR1 range, L0 entry 32 invalid) and one past the alias' 2 MiB
err = error_of("x/xg 0xffff100000000000")
check("Cannot access memory at address 0xffff100000000000" in err, f"unmapped VA: {err!r}")
err = error_of("x/4xw 0xffff0000801ffff8")
check("Cannot access memory at address 0xffff000080200000" in err,
      f"a read running off the end of the alias fails at the first unmapped byte: {err!r}")

# page-crossing reads: 0x80081000 is a page boundary, in the high alias an L3 page boundary
for base in (0x80080ff8 + HI, 0x80080ff8):
    want = u32s(elf_bytes(ELF, 0x80080ff8, 32))
    got = x_words(base, 8)
    check(got == want, f"x/8xw {base:#x} across the page boundary = the ELF's bytes")
    got = u32s(read_mem(base, 32))
    check(got == want, f"a 32-byte read at {base:#x} across the page boundary")
big = read_mem(0x80080000 + HI, 0x3000)
text_end = sym_addr("ticks") - 0x80080000      # code and vectors: as in the ELF
check(big[:text_end] == elf_bytes(ELF, 0x80080000, text_end) and
      big == read_mem(0x80080000, 0x3000),
      "a 12 KiB read through the high alias (three pages, data and page tables) = the ELF's "
      "code and the identity view's bytes")

# physical mode: addresses are guest-physical, the high alias means nothing
r = maint_packet("Qbrkvm.PhyMemMode:1")
check(r == "OK", f"Qbrkvm.PhyMemMode:1 -> {r!r}")
first = u32s(read_mem(0x80080000, 4))[0]
want = u32s(elf_bytes(ELF, 0x80080000, 4))[0]
check(first == want, f"physical mode: 0x80080000 reads {first:#x} (want {want:#x})")
pm = int(gdb.parse_and_eval(f"*(unsigned long *){magic:#x}")) & 0xffffffffffffffff
check(pm == MAGIC, f"physical mode: magic at its physical address = {pm:#x}")
err = error_of(f"x/xw {tick + HI:#x}")
check("Cannot access memory" in err, f"physical mode: the high alias is no physical address "
      f"({err!r})")
r = maint_packet("Qbrkvm.PhyMemMode:0")
check(r == "OK", f"Qbrkvm.PhyMemMode:0 -> {r!r}")
check(read_mem(tick + HI, 16) == tick_elf, "virtual mode again: the high alias reads again")

run("info breakpoints")
run("delete")
check(cont_expect_end(), "the guest ran to its power-off")
done()
