"""brkvmtest - scripted breakpoint tests for kernels under brkvm (Python 3 standard library).

    from brkvmtest import Guest
    with Guest(kernel="Image", initrd="init.cpio", symbols="vmlinux", params="console=ttyS0") as g:
        bp = g.breakpoint("__arm64_sys_getpid")
        bp.expect_hits(3, within=30)
        assert g.eval("((struct pt_regs *)$x0)->syscallno") == 172
        g.detach()
        g.expect_exit(0, within=30)

Run test files with `python3 -m brkvmtest tests/*.py [--junit out.xml]` (see runner.py)."""
from .guest import Guest, TestFailure, choose_vmm  # noqa: F401
from .stops import Breakpoint  # noqa: F401
