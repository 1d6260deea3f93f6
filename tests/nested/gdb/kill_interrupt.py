"""kill_interrupt.py - gdb's `kill` right after a Ctrl-C stop (bench-stub's session brk saw
brkvm outlive it): the brkloop guest runs its own `brk #0x77` in a loop, handled by its own
vector table; gdb sets run_seconds = 0 (run forever), a breakpoint on never_called (never
hit), continues, interrupts after 1 s (the guest stops in its BRK vector), then kills.  The
scenario checks that brkvm exited 0 saying it was killed from the debugger.
BRKVM_VAR_via: "direct" (gdb to the stub), or "proxy": through stub_proxy.py as bench-stub
does, ended with stub_proxy.stop() right after the kill (a SIGKILLed relay dropped gdb's `k`:
brkvm only saw the connection close and ran on)."""
import os
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.environ["BRKVM_GDBLIB"])
import brkvm_test  # noqa: E402
import stub_proxy  # noqa: E402
from brkvm_test import check, connect, cont_interrupt, done, log, pc, run, sym_addr  # noqa: E402

import gdb  # noqa: E402

VIA = os.environ.get("BRKVM_VAR_via", "direct")
proxy = None
if VIA == "proxy":
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    plog = tempfile.mktemp(prefix="kill-proxy-")
    proxy = subprocess.Popen(["python3", os.path.join(os.environ["BRKVM_GDBLIB"], "stub_proxy.py"),
                              str(port), str(brkvm_test.PORT), plog, plog + ".on"])
    time.sleep(0.3)
    brkvm_test.PORT = str(port)
log(f"gdb reaches the stub {VIA}")
try:
    connect(os.path.join(os.environ["BRKVM_GUESTS"], "brkloop.elf"))
    run("set var run_seconds = 0")
    run("break never_called")
    stops = []
    gdb.events.stop.connect(lambda ev: stops.append(getattr(ev, "stop_signal", None)))
    cont_interrupt(1.0)
    vec = sym_addr("brk_vectors")
    where = "in brkloop's BRK vector table" if vec <= pc() < vec + 0x800 else "outside its vectors"
    log(f"stopped at {pc():#x} ({where}), guest brks {int(gdb.parse_and_eval('brk_count'))}")
    check(stops == ["SIGINT"], f"the continue ended with one SIGINT stop (events {stops})")
    run("set debug remote 1")   # the packets of the kill (vKill, then k)
    try:
        run("kill")
    except gdb.error as e:
        check(False, f"kill: {e}")
    run("set debug remote 0")
    check(gdb.selected_inferior().pid == 0, "gdb considers the inferior killed")
finally:
    if proxy:
        stub_proxy.stop(proxy)
        log(f"relay ended (status {proxy.returncode})")
        for x in (plog, plog + ".on"):
            if os.path.exists(x):
                os.unlink(x)
done()
