"""stalldump.py - for stress-start: attach to a guest that stopped making progress and print each
vCPU's registers and backtrace (a diagnosis: its one check is that it attached).  The scenario
says which guest stalled (BRKVM_VAR_stallkind: linux, mmiopoke, or none: nothing to do)."""
import os
import sys

sys.path.insert(0, os.environ["BRKVM_GDBLIB"])
from brkvm_test import check, connect, done, log, run  # noqa: E402

import gdb  # noqa: E402

KIND = os.environ.get("BRKVM_VAR_stallkind", "none")
if KIND == "none":
    check(True, "no stall to look at")
    done()
if KIND == "linux" and os.environ.get("STALL_VMLINUX"):
    run(f"file {os.environ['STALL_VMLINUX']}")
elif KIND == "mmiopoke":
    run(f"file {os.path.join(os.environ['BRKVM_GUESTS'], 'mmiopoke.elf')}")
connect()
log(run("info threads"))
threads = [t.num for t in gdb.selected_inferior().threads()]
for t in sorted(threads):
    run(f"thread {t}")
    log(f"--- thread {t}")
    log(run("info registers pc sp cpsr x0 x1 x2 x3 x19 x20 x30"))
    log(run("bt 30"))
    log(run("x/8i $pc - 16"))
if KIND == "linux":
    for e in ("jiffies_64", "system_state", "__cpu_online_mask", "__cpu_active_mask"):
        try:
            log(f"{e} = {run(f'p/x {e}').strip()}")
        except Exception as ex:  # noqa: BLE001
            log(f"{e}: {ex}")
check(True, "attached to the stalled guest")
run("detach")
done()
