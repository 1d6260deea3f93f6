"""virtio_stop.py - while gdb holds the guest stopped, brkvm's device threads deliver nothing
into it.  The guest keeps virtio-rng and virtio-blk busy and reads lines from hvc0 (vioload).
gdb stops it six times for 1.5 s each: `monitor info virtio` shows no request served and no
interrupt raised across a stop.  During the last stop the runner types a line on brkvm's stdin
(--console virtio): it must not reach the guest while stopped (the console's counters stay
still), and must arrive once the guest runs again (the scenario expects GUEST-GOT)."""
import os
import re
import sys
import time

sys.path.insert(0, os.environ["BRKVM_GDBLIB"])
from brkvm_test import cont_interrupt, check, connect, done, log, run  # noqa: E402


def counts():
    """{device: (served, interrupts)} from the monitor"""
    out = run("monitor info virtio")
    got = {}
    for m in re.finditer(r"virtio-(\w+) at (0x[0-9a-f]+).*?(\d+) requests served, (\d+) interrupts", out):
        got[f"{m.group(1)}@{m.group(2)}"] = (int(m.group(3)), int(m.group(4)))
    return got




connect()
first = counts()
check(len(first) == 3, f"three virtio devices listed ({sorted(first)})")
still = 0
for i in range(6):
    a = counts()
    time.sleep(1.5)
    b = counts()
    if a == b:
        still += 1
    else:
        log(f"stop {i}: the devices moved while stopped: {a} -> {b}")
    cont_interrupt(0.5)
check(still == 6, f"nothing served or raised during any of the 6 stops ({still}/6 still)")
last = counts()
moved = {k: last[k][0] - first[k][0] for k in first}
log(f"requests served while running: {moved}")
check(all(v > 0 for k, v in moved.items() if not k.startswith("console")),
      "rng and blk served requests while the guest ran")

# console input that arrives during a stop waits for the guest to run
a = counts()
open(os.path.join(os.environ["BRKVM_FLAGS"], "stopped"), "w").close()
time.sleep(4)  # the runner types "ping-while-stopped" meanwhile
b = counts()
con = [k for k in a if k.startswith("console")][0]
check(a[con] == b[con], f"typed input not delivered while stopped ({a[con]} -> {b[con]})")
check(a == b, "no device moved during the stop with input waiting")
run("detach")
done()
