"""steptimer.py - single steps while the guest's timer interrupt is pending all the time
(tests/guests/steptimer.c): stopped in the guest's loop (`break work`), 1000 `stepi`s, each
checked: pc never enters the guest's vector table (no stepping into the IRQ handler), cpsr's
DAIF after the step is what the guest's own instruction makes it (unchanged, or the effect of
its msr daifset/daifclr #2), an `mrs x0, daif` leaves the guest's own DAIF in x0, no interrupt
was taken during the steps (irq_count unchanged) and the timer was really pending for most of
them (CNTV_CTL_EL0 ISTATUS, enabled, not masked).  Then `continue`: the guest takes its
interrupts again (irq_count grows, milestone() hits) and finishes (the scenario checks its
GUEST-TIMER line: bad=0)."""
import os
import sys

sys.path.insert(0, os.environ["BRKVM_GDBLIB"])
from brkvm_test import check, connect, cont_expect_end, done, log, pc, read_mem, reg, run, sym_addr  # noqa

import gdb  # noqa: E402

ELF = os.path.join(os.environ["BRKVM_GUESTS"], "steptimer.elf")
DAIF = 0x3c0
I_BIT = 0x80
STEPS = 1000
MSR_DAIFSET, MSR_DAIFCLR, MSR_IMM_MASK = 0xd50340df, 0xd50340ff, 0xfffff0ff
MRS_DAIF, MSR_DAIF, RT_MASK = 0xd53b4220, 0xd51b4220, 0xffffffe0

connect(ELF)
vec = sym_addr("timer_vectors")
work, milestone = sym_addr("work"), sym_addr("milestone")
probe = sym_addr("daif_probe")
check(vec & 0x7ff == 0, f"the guest's vector table at {vec:#x}")


def var(name):
    return int(gdb.parse_and_eval(name)) & 0xffffffffffffffff


# first let the guest take 64 interrupts (milestone), then stop in its loop
run("break milestone")
run("continue")
check(pc() == milestone, f"stopped at the first milestone (pc {pc():#x})")
run("delete")
run("break work")
run("continue")
check(pc() == work, f"stopped in the loop at work (pc {pc():#x})")
check(reg("vbar_el1") == vec, f"VBAR_EL1 = the guest's table ({reg('vbar_el1'):#x})")
irq0 = var("irq_count")
check(irq0 >= 64, f"the guest has taken {irq0} timer interrupts before the stop (want >= 64)")
check(reg("cpsr") & I_BIT == 0, f"IRQs unmasked in the guest's loop (cpsr {reg('cpsr'):#x})")
run("delete")

in_vec = []          # steps that ended in the vector table
daif_bad = []        # steps whose DAIF after is not the guest's own
mrs_bad = []
pending = 0
kinds = {"daifset": 0, "daifclr": 0, "mrs": 0, "probe": 0}
cnt0 = reg("cntvct_el0")
run("set suppress-cli-notifications on")     # no frame line per stepi in the log
for k in range(STEPS):
    p0, c0 = pc(), reg("cpsr")
    insn = int.from_bytes(read_mem(p0, 4), "little")
    ctl = reg("cntv_ctl_el0")
    if ctl & 7 == 5:             # ENABLE, not IMASK, ISTATUS: the PPI is asserted
        pending += 1
    want = c0 & DAIF
    rt = -1
    if insn & MSR_IMM_MASK == MSR_DAIFSET:
        want |= ((insn >> 8) & 0xf) << 6
        kinds["daifset"] += 1
    elif insn & MSR_IMM_MASK == MSR_DAIFCLR:
        want &= ~(((insn >> 8) & 0xf) << 6)
        kinds["daifclr"] += 1
    elif insn & RT_MASK == MSR_DAIF:
        want = reg(f"x{insn & 31}") & DAIF
    elif insn & RT_MASK == MRS_DAIF and insn & 31 != 31:
        rt = insn & 31
        kinds["mrs"] += 1
    if p0 == probe:
        kinds["probe"] += 1
    gdb.execute("stepi", to_string=True)
    p1, c1 = pc(), reg("cpsr")
    if vec <= p1 < vec + 0x800:
        in_vec.append((k, hex(p0), hex(p1)))
    if c1 & DAIF != want:
        daif_bad.append((k, hex(p0), hex(insn), hex(c0 & DAIF), hex(c1 & DAIF), hex(want)))
    if rt >= 0:
        xv = reg(f"x{rt}")
        if xv != c0 & DAIF:
            mrs_bad.append((k, hex(p0), f"x{rt}={xv:#x}", f"daif {c0 & DAIF:#x}"))
    if k < 8 or k % 200 == 0:
        log(f"step {k}: {p0:#x} ({insn:#010x}) -> {p1:#x}, DAIF {c0 & DAIF:#x} -> {c1 & DAIF:#x}"
            f", cntv_ctl {ctl:#x}")

run("set suppress-cli-notifications off")
cnt1 = reg("cntvct_el0")
log(f"the guest's virtual counter advanced {cnt1 - cnt0} ticks ({(cnt1 - cnt0) / 62500:.1f} ms at "
    f"62.5 MHz) during the {STEPS} steps")
log(f"{STEPS} steps: timer pending before {pending} of them; {kinds}")
check(not in_vec, f"no step entered the vector table ({len(in_vec)} did: {in_vec[:5]})")
check(not daif_bad, f"DAIF after every step is the guest's own ({len(daif_bad)} differ: "
      f"step, pc, insn, before, after, want: {daif_bad[:5]})")
check(not mrs_bad, f"every mrs xN, daif gave the guest's DAIF ({mrs_bad[:5]})")
check(kinds["daifset"] >= 10 and kinds["daifclr"] >= 10 and kinds["mrs"] >= 20,
      f"the steps went through msr daifset/daifclr and mrs daif many times ({kinds})")
check(pending >= STEPS // 2, f"the timer interrupt was pending before {pending} of {STEPS} steps "
      f"(want at least half)")
irq1 = var("irq_count")
check(irq1 == irq0, f"no interrupt was taken while stepping (irq_count {irq0} -> {irq1})")
check(reg("cpsr") & I_BIT == 0 or probe <= pc() < probe + 0x30,
      f"after the steps IRQs are unmasked for the guest (cpsr {reg('cpsr'):#x})")
check(var("daif_bad") == 0, f"the guest saw no wrong DAIF (daif_bad {var('daif_bad')})")

# the guest runs on: its interrupts arrive again
run("break milestone")
run("continue")
check(pc() == milestone, f"milestone() reached (pc {pc():#x})")
irq2 = var("irq_count")
run("continue")
irq3 = var("irq_count")
log(f"irq_count: {irq0} at the stop, {irq1} after {STEPS} steps, {irq2}, {irq3} at milestones")
check(irq1 < irq2 < irq3, f"after continue the interrupt count grows again ({irq1} -> {irq2} -> "
      f"{irq3})")
check(var("daif_bad") == 0, f"the guest still saw no wrong DAIF (daif_bad {var('daif_bad')})")
run("delete")
check(cont_expect_end(), "the guest ran to its end")
done()
