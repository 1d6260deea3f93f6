"""kut_debug.py - gdb attached to brkvm while kvm-unit-tests' debug tests run (scenario
kvm-unit-tests-gdb): three sessions, one per brkvm run (debug.flat with bp, wp, ss; --gdb-wait).
Each: attach at the first instruction, put one software breakpoint (Z0) on a function that this
run never executes (test_ss for bp and wp, test_wp for ss: offsets from debug.elf, added to the
load address = the PC at the first instruction; kvm-unit-tests maps memory 1:1), check that brkvm
inserted it, continue, and expect no stop until the VM powers off (gdb: exited normally).  So every
debug exception the test causes (its own hardware breakpoints, watchpoints, step) must have gone
back to the guest; the scenario checks the test's verdicts on the console."""
import os
import subprocess
import sys

sys.path.insert(0, os.environ["BRKVM_GDBLIB"])
from brkvm_test import (check, connect, cont_expect_end, done, log, pc,  # noqa: E402
                        record_stops, run)

ELF = os.path.join(os.environ["BRKVM_NESTED"], "..", "kut", "kvm-unit-tests", "arm", "debug.elf")
nm = subprocess.run(["aarch64-linux-gnu-nm", ELF], capture_output=True, text=True, check=True)
syms = {f[2]: int(f[0], 16) for f in (l.split() for l in nm.stdout.splitlines()) if len(f) == 3}
stops = record_stops()
for test, where in (("bp", "test_ss"), ("wp", "test_ss"), ("ss", "test_wp")):
    log(f"--- session {test}: breakpoint on {where} (+{syms[where]:#x})")
    connect(retries=120)
    start = pc()
    addr = start + syms[where]
    run("delete")  # the previous session's breakpoint (gdb keeps it across targets)
    run("set breakpoint always-inserted on")  # Z0 sent now, so brkvm can be asked about it
    run(f"break *{addr:#x}")
    mon = run("monitor info breakpoints")
    check(f"{addr:x}" in mon.lower(), f"{test}: brkvm holds gdb's breakpoint at {addr:#x}")
    stops.clear()
    ended = cont_expect_end(0)  # brkvm's W packet: the VM powered off (status 0)
    check(ended and not stops, f"{test}: gdb's breakpoint at {addr:#x} ({where}) inserted, "
          f"never hit; no stop until the VM ended (stops: {stops})")
    if not ended:
        # a stop: say where, then let the run end
        log(f"{test}: stopped at pc {pc():#x}")
        run("delete")
        try:
            run("detach")
        except Exception as e:
            log(f"detach: {e}")
done()
