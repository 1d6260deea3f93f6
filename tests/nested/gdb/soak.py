"""soak.py - bench-soak's debugger: every SOAK_INTERVAL seconds (default 60) for SOAK_MINUTES
(default 60) a gdb session on the running Linux guest (connect, break on the getpid handler the
guest printed, continue to it, bt, x/4i $pc, info threads, delete, detach), then `kill`."""
import os
import sys
import time

sys.path.insert(0, os.environ["BRKVM_GDBLIB"])
from brkvm_test import check, connect, done, log, pc, run  # noqa: E402

import gdb  # noqa: E402

GETPID = int(os.environ["BRKVM_VAR_getpid"], 16)
MINUTES = float(os.environ.get("SOAK_MINUTES", "60"))
INTERVAL = float(os.environ.get("SOAK_INTERVAL", "60"))

t0 = time.monotonic()
sessions = hits = 0
while time.monotonic() - t0 < MINUTES * 60:
    start = time.monotonic()
    connect()
    run(f"break *{GETPID:#x}")
    run("continue")
    hit = pc() == GETPID
    hits += hit
    run("bt 3")
    run("x/4i $pc")
    run("info threads")
    run("delete")
    run("detach")
    sessions += 1
    log(f"session {sessions} at {start - t0:.0f} s: {'hit' if hit else 'NOT hit'} "
        f"({time.monotonic() - start:.1f} s)")
    time.sleep(max(0.0, INTERVAL - (time.monotonic() - start)))
check(sessions >= 2, f"{sessions} sessions in {MINUTES:g} min")
check(hits == sessions, f"every session stopped at the getpid handler ({hits} of {sessions})")
connect()
try:
    run("kill")
except gdb.error as e:
    log(f"kill: {e}")
done()
