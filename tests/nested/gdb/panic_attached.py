"""panic_attached.py - gdb attached and running when the guest kernel panics (sysrq c on CPU 1):
brkvm stops every vCPU and gdb gets a SIGABRT stop with the panicking vCPU as its thread, after
a console line "brkvm: guest panic on vCPU 1: sysrq triggered crash".  gdb's own breakpoint set
and removed on the very word of brkvm's (Z0 + z0) must not take brkvm's away.  Then detach: the
guest finishes its panic (panic=-1: a reset, brkvm exits 3)."""
import os
import sys
import threading

sys.path.insert(0, os.environ["BRKVM_GDBLIB"])
from brkvm_test import check, connect, done, log, pc, record_stops, run, sym_addr  # noqa: E402
from panic_common import check_panic_stop, load_vmlinux  # noqa: E402

import gdb  # noqa: E402

FLAGS = os.environ["BRKVM_FLAGS"]

load_vmlinux()
connect()
panic = sym_addr("panic")
word = run(f"x/4xw {panic:#x}")
log(f"panic() as gdb reads it: {word.strip()}")
# gdb's own breakpoint on each of panic()'s first words (inserted at once: Z0), then removed
# (z0): brkvm's, on one of these words, stays
run("set breakpoint always-inserted on")
for off in (0, 4, 8, 12):
    run(f"break *{panic + off:#x}")
out = run("monitor info breakpoints")
check("software breakpoints (BRK #0): 4" in out, "gdb's four breakpoints are in (Z0)")
run("delete")
run("set breakpoint always-inserted off")
stops = record_stops()
# the console sends "crash" once gdb's continue runs
threading.Timer(1.5, lambda: open(os.path.join(FLAGS, "attached"), "w").close()).start()
out = run("continue")
log(f"stops: {stops}")
check(stops == [("SignalEvent", "SIGABRT")], f"one stop, SIGABRT ({stops})")
check("brkvm: guest panic on vCPU 1: sysrq triggered crash" in out,
      "gdb printed brkvm's panic message (console output before the stop)")
check_panic_stop()
run("detach")
done()
