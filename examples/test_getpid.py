"""test_getpid.py - a scripted breakpoint test: boot the test kernel (tests/nested/testkernel.sh
builds it) with the test initramfs, whose /init runs a program calling getpid() 3 times and
then powers off; break at __arm64_sys_getpid in that program, check the system call's pt_regs,
and expect the guest to power off.

    PYTHONPATH=python python3 -m brkvmtest examples/test_getpid.py --junit getpid.xml"""
import os

from brkvmtest import Guest

TOP = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
KERNEL = os.path.join(TOP, "build/kernel/current")       # Image + vmlinux (with DWARF)
INITRD = os.path.join(TOP, "build/nested/guest-initramfs.cpio")


def test_getpid():
    with Guest(kernel=f"{KERNEL}/Image", initrd=INITRD, symbols=f"{KERNEL}/vmlinux",
               params="console=ttyS0 brkvm.test=getpid3", timeout=120) as g:
        # only the calls of the getpid3 program (its shell calls getpid too)
        bp = g.breakpoint("__arm64_sys_getpid", task="getpid3",
                          collect=["((struct task_struct *)$sp_el0)->pid"])
        bp.expect_hits(3, within=30)                  # stopped at the third call now
        assert g.eval("((struct pt_regs *)$x0)->syscallno") == 172     # __NR_getpid
        g.expect_exit(0, within=30)                   # runs on (still counting) to power-off
        assert bp.hits == 3
        pid = bp.values[0]["((struct task_struct *)$sp_el0)->pid"]
        assert f"GUEST-GETPID3 {pid} {pid} {pid}" in g.console
