"""panic_common.py - what gdb must see at brkvm's panic stop (--on-panic stop): the panicking
vCPU (the guest ran the sysrq on CPU 1: thread 2) as the selected thread, stopped at the start
of panic() with the panic path in its backtrace, brkvm's own breakpoint hidden (memory shows
the kernel's instruction; gdb's breakpoint list and monitor info breakpoints do not have it),
and `monitor info panic` naming the panic."""
import os
import re

from brkvm_test import check, log, pc, run, sym_addr

import gdb

K = os.environ["BRKVM_KERNEL"]


def load_vmlinux():
    run(f"file {K}/vmlinux")


def check_panic_stop(sig_seen=None):
    th = gdb.selected_thread().num
    check(th == 2, f"the selected thread is the panicking vCPU 1 (thread {th})")
    panic = sym_addr("panic")
    check(panic <= pc() < panic + 16, f"stopped at the start of panic() ({pc():#x}, panic {panic:#x})")
    bt = run("bt 6")
    names = re.findall(r"^#\d+\s+(?:0x[0-9a-f]+(?: \[PAC\])? in )?(\S+) \(", bt, re.M)
    log(f"bt: {names}")
    check(names[:2] == ["panic", "sysrq_handle_crash"], "bt: panic called from sysrq_handle_crash")
    # hidden: gdb reads the kernel's own instruction where brkvm's BRK #0 is
    word = int(run(f"x/wx {pc():#x}").split(":")[1].split()[0], 16)
    check(word != 0xd4200000, f"memory at the stop shows the kernel's instruction ({word:#010x}), not a BRK")
    out = run("monitor info breakpoints")
    check("software breakpoints (BRK #0): 0" in out and "brkvm's own (--on-panic, not gdb's): 1" in out,
          "monitor info breakpoints: no gdb breakpoint, brkvm's own counted apart")
    out = run("monitor info panic")
    check("last panic: vCPU 1 (gdb thread 2): sysrq triggered crash" in out,
          f"monitor info panic: {out.strip().splitlines()[-1] if out.strip() else out!r}")
