"""guest_failures.py - brkvmtest's failure path on a real guest (run in CI by scripts/test.sh with
examples/test_getpid.py): the example's guest, then a wrong expectation (a 4th getpid() within
5 s: the program makes only 3, and the guest then idles) must fail in time with the console tail
in its message, and leave no process behind (the VMM's and gdb's process groups, and anything
whose command line names the Guest's gdb port, e.g. the launcher's QEMU); and a guest panic
fails a wait for a hit at once, with brkvm's reason."""
import os
import time

from brkvmtest import Guest, TestFailure
from brkvmtest.guest import group_alive

TOP = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
KERNEL = os.path.join(TOP, "build/kernel/current")
INITRD = os.path.join(TOP, "build/nested/guest-initramfs.cpio")


def processes_naming(word):
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if word in cmd and int(pid) != os.getpid():
            found.append(f"{pid}: {cmd[:120]}")
    return found


def test_wrong_expectation_fails_with_console_tail():
    # timewait: after getpid3 the guest waits for "stop" on its console, running on
    g = Guest(kernel=f"{KERNEL}/Image", initrd=INITRD, symbols=f"{KERNEL}/vmlinux",
              params="console=ttyS0 brkvm.test=getpid3,timewait", timeout=120)
    msg = ""
    with g:
        bp = g.breakpoint("__arm64_sys_getpid", task="getpid3")
        bp.expect_hits(3, within=60)        # the boot, then the program's 3 calls
        t0 = time.monotonic()
        try:
            bp.expect_hits(4, within=5)
        except TestFailure as e:
            msg = str(e)
        took = time.monotonic() - t0
        assert bp.hits == 3, f"{bp.hits} hits: {msg}"
    print(msg)
    assert "timed out after 5 s waiting for 4 hits of __arm64_sys_getpid (got 3)" in msg, msg
    assert took < 15, f"the 5 s limit took {took:.1f} s"
    tail = msg.split("console lines:\n", 1)[1]
    assert "GUEST-GETPID3 " in tail, tail
    assert not group_alive(g.vmm.pid), "the VMM's process group is still there"
    assert not group_alive(g.gdb.proc.pid), "gdb's process group is still there"
    left = processes_naming(str(g.port))
    assert not left, f"processes left behind: {left}"


def test_guest_panic_fails_with_brkvms_reason():
    # panic: the guest panics on vCPU 1 when "crash" arrives on its console; brkvm stops it for
    # gdb (--on-panic stop, the default with --gdb): the wait for a hit must fail at once, naming
    # the panic, not run into its time limit
    with Guest(kernel=f"{KERNEL}/Image", initrd=INITRD, symbols=f"{KERNEL}/vmlinux",
               params="console=ttyS0 brkvm.test=panic", cpus=2, timeout=120) as g:
        bp = g.breakpoint("__arm64_sys_getpid", condition="0")     # never stops
        g.run_until(lambda: "GUEST-PANIC-READY" in g.console, timeout=60)
        g.send("crash\n")
        t0 = time.monotonic()
        try:
            bp.expect_hits(1, within=60)
            raise AssertionError("no failure")
        except TestFailure as e:
            msg = str(e)
        assert time.monotonic() - t0 < 30, msg
        assert "unexpected stop" in msg and "SIGABRT in panic" in msg, msg
        assert "guest panic on vCPU 1: sysrq triggered crash" in msg, msg
        assert "GUEST-PANIC-NOW" in msg.split("console lines:\n", 1)[1], msg
