"""linux_brk.py - stay attached to the Linux guest with a breakpoint on sync() while the guest
uses BRK itself (brktest, a kprobe); interrupt when the runner raises the "done" flag."""
import os
import signal
import sys
import threading
import time

sys.path.insert(0, os.environ["BRKVM_GDBLIB"])
from brkvm_test import check, connect, done, log, pc, run  # noqa: E402

SYNC = int(os.environ["BRKVM_VAR_sync"], 16)
FLAG = os.path.join(os.environ["BRKVM_FLAGS"], "done")


def interrupt_on_flag():
    t = time.monotonic()
    while not os.path.exists(FLAG) and time.monotonic() - t < 150:
        time.sleep(0.1)
    log("flag seen: interrupting")
    os.kill(os.getpid(), signal.SIGINT)


stops = []


def on_stop(ev):
    kind = type(ev).__name__
    sig = getattr(ev, "stop_signal", "")
    stops.append(f"{kind}:{sig}")
    log(f"stop event {kind} {sig}")


import gdb  # noqa: E402
connect()
gdb.events.stop.connect(on_stop)
run(f"break *{SYNC:#x}")
threading.Thread(target=interrupt_on_flag, daemon=True).start()
run("continue")
check(stops == ["SignalEvent:SIGINT"],
      f"the only stop gdb saw is its own interrupt, the guest's BRKs were not reported ({stops})")
check(pc() != SYNC, f"not stopped at the sync() breakpoint (pc {pc():#x})")
run("info threads")
run("delete")
run("detach")
done()
