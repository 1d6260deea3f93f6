"""peer_step.py - the brkvm-vs-QEMU comparison of single-stepping while the guest's virtual
timer interrupt is pending (tests/guests/peertimer.c: PPI 27 re-armed every 100 us): stop in
the guest's loop after it took interrupts, 300 `stepi`s: how many land in the guest's vector
table (an IRQ taken during the step), how many interrupts the guest counted meanwhile, how
long a step takes; then continue: the guest takes its interrupts again and ends."""
import os
import signal
import sys
import threading
import time

sys.path.insert(0, os.environ["BRKVM_GDBLIB"])
from brkvm_test import connect, done, log, pc, reg, run, sym_addr  # noqa: E402
from peer_lib import PEER, attempt, feature, timed, end_of_guest  # noqa: E402

import gdb  # noqa: E402

STEPS = 300
log(f"peer: {PEER}")
connect(os.path.join(os.environ["BRKVM_GUESTS"], "peertimer.elf"))
vec, work = sym_addr("timer_vectors"), sym_addr("work")
main = sym_addr("main")
regs = [r.name for r in gdb.selected_frame().architecture().registers()]
ctl_name = next((n for n in ("cntv_ctl_el0", "CNTV_CTL_EL0") if n in regs), None)


def var(name):
    return int(gdb.parse_and_eval(name)) & 0xffffffffffffffff


# let the guest run 0.5 s (interrupts arrive), interrupt it, then stop at work
threading.Timer(0.5, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
attempt("continue")
run("break work")
attempt("continue")
irq0 = var("irq_count")
feature("timer-running", "the guest takes timer interrupts before the steps",
        irq0 > 0 and pc() == work, f"irq_count {irq0}, pc {pc():#x}")
run("delete")
run("set suppress-cli-notifications on")
in_vec = pending = 0
first_vec = None
t = time.monotonic()
for k in range(STEPS):
    if ctl_name and reg(ctl_name) & 7 == 5:
        pending += 1
    gdb.execute("stepi", to_string=True)
    p = pc()
    if vec <= p < vec + 0x800:
        in_vec += 1
        if first_vec is None:
            first_vec = (k, p - vec)
el = time.monotonic() - t
irq1 = var("irq_count")
run("set suppress-cli-notifications off")
feature("step-irq", f"{STEPS} stepi with the timer IRQ pending: steps landing in the vector "
        "table / IRQs taken", in_vec == 0 and irq1 == irq0,
        f"{in_vec} steps in the vectors" + (f" (first: step {first_vec[0]}, VBAR+{first_vec[1]:#x})"
                                             if first_vec else "")
        + f", irq_count {irq0} -> {irq1}, timer pending (CNTV_CTL) before "
        + (f"{pending}/{STEPS} steps" if ctl_name else "? (no CNTV_CTL_EL0 in target.xml)"))
feature("step-time", f"time per stepi ({STEPS} steps)", "info", f"{1000 * el / STEPS:.1f} ms")
p = pc()
feature("step-where", "where the steps ended", "info",
        f"pc {p:#x} ({'vectors' if vec <= p < vec + 0x800 else run(f'info symbol {p:#x}').split()[0]})")
feature("end", "continue after the steps: the guest ends", "info", end_of_guest())
done()
