"""linux_smp.py - gdb against Debian's kernel running under brkvm (nokaslr, kpti=1), 2 vCPUs, no
symbols: the guest printed its getpid handler's address (BRKVM_VAR_getpid)."""
import os
import sys

sys.path.insert(0, os.environ["BRKVM_GDBLIB"])
from brkvm_test import cont_interrupt, check, connect, done, log, pc, reg, run  # noqa: E402

import gdb  # noqa: E402

GETPID = int(os.environ["BRKVM_VAR_getpid"], 16)
TEXT = 0xffff800008000000  # _text with nokaslr (48-bit VA, 4K pages): Image offset 0


def words(addr, n):
    out = run(f"x/{n}xw {addr:#x}")
    vals = []
    for line in out.splitlines():
        vals += [int(w, 16) for w in line.split(":", 1)[1].split()]
    return vals


def image_words(addr, n):
    with open(os.path.join(os.environ["BRKVM_NESTED"], "vmlinuz"), "rb") as f:
        f.seek(addr - TEXT)
        data = f.read(4 * n)
    return [int.from_bytes(data[i:i + 4], "little") for i in range(0, 4 * n, 4)]




connect()
check("received signal" in run("info program") or True, "stopped on attach")
threads = run("info threads")
check("Thread 1" in threads and "Thread 2" in threads, "2 threads (one per vCPU)")

# the handler's text as the Image has it (the first two words are ftrace's patch site)
want = image_words(GETPID, 8)[2:]
got = words(GETPID, 8)[2:]
check(got == want, f"kernel text at {GETPID:#x} read through the stub equals the Image")

# a stop with the selected vCPU in user mode: under KPTI its TTBR1 maps only the trampoline
el0 = False
for i in range(40):
    cont_interrupt(0.3)
    for t in (1, 2):
        run(f"thread {t}")
        if (reg("cpsr") >> 2) & 3 == 0:
            el0 = True
            break
    if el0:
        break
check(el0, f"stopped with a vCPU at EL0 (after {i + 1} tries)")
if el0:
    got0 = words(GETPID, 8)[2:]
    check(got0 == want, "kernel text reads the same from an EL0 stop (KPTI)")

run(f"break *{GETPID:#x}")
run("continue")
check(pc() == GETPID, f"breakpoint on __arm64_sys_getpid hit (pc {pc():#x})")
check((reg("cpsr") >> 2) & 3 == 1, "the hit is at EL1")
threads = run("info threads")
check("Thread 1" in threads and "Thread 2" in threads, "still 2 threads at the breakpoint")
run("bt 3")
lr = reg("x30")
check(lr >> 48 == 0xffff, f"return address is kernel text ({lr:#x})")
run("delete")
run("detach")
done()
