"""ftrace.py - gdb breakpoints on kernel text that ftrace rewrites (see gdb-linux-ftrace.sh).
gdb removes its breakpoints at every stop and inserts them again on continue, so what brkvm
must get right is: a z0 over a BRK the guest has overwritten keeps the guest's new instruction
(never the saved old one), and the next Z0 saves the new one, so the stop there shows it and a
step executes it."""
import os
import sys
import time

sys.path.insert(0, os.environ["BRKVM_GDBLIB"])
from brkvm_test import check, connect, done, log, pc, run, sym_addr  # noqa: E402

import gdb  # noqa: E402

K = os.environ["BRKVM_KERNEL"]
FLAGS = os.environ["BRKVM_FLAGS"]
GETPID = int(os.environ["BRKVM_VAR_getpid"], 16)
run(f"file {K}/vmlinux")
connect()


def word(addr):
    return int(gdb.parse_and_eval(f"*(unsigned int *){addr:#x}")) & 0xffffffff


def bl(at, to):
    return 0x94000000 | (((to - at) >> 2) & 0x3ffffff)


def bl_target(at, insn):
    off = insn & 0x3ffffff
    off -= (1 << 26) if off & (1 << 25) else 0
    return at + 4 * off


def flag(name):
    open(os.path.join(FLAGS, name), "w").close()


FC = sym_addr("ftrace_call")
STUB = sym_addr("ftrace_stub")
check(word(FC) == bl(FC, STUB), f"ftrace_call: bl ftrace_stub while nothing is traced ({word(FC):#010x})")
run("break *ftrace_call")
run("break __arm64_sys_getpid")
flag("armed2")  # the guest turns the function tracer on for getpid now
stops, target = [], None
for i in range(60):
    run("continue")
    if pc() == FC:
        insn = word(FC)
        target = bl_target(FC, insn)
        name = gdb.execute(f"info symbol {target:#x}", to_string=True).split()[0]
        log(f"stop {i} at ftrace_call: {insn:#010x} = bl {target:#x} <{name}>")
        stops.append("ftrace_call")
        break
    stops.append("getpid" if GETPID <= pc() < GETPID + 32 else hex(pc()))
log(f"stops: {stops}")
check(stops[-1] == "ftrace_call", "the breakpoint on ftrace_call hit once the tracer was on")
check(target is not None and insn >> 26 == 0x25 and target != STUB,
      f"gdb sees the kernel's new call there, not its old bl ftrace_stub ({name if target else '-'})")
if target is not None:
    run("stepi")
    check(pc() == target, f"a step executes the new instruction: pc {pc():#x} = its target {target:#x}")
run("delete 1")
# the getpid breakpoint still hits with the function tracer on
run("continue")
check(GETPID <= pc() < GETPID + 32, f"break __arm64_sys_getpid hits while ftrace traces it ({pc():#x})")
check(word(GETPID + 4) >> 26 == 0x25, f"getpid's second NOP is ftrace's call now ({word(GETPID + 4):#010x})")
run("break *ftrace_call")
flag("traced")  # the guest turns the tracer off: the kernel writes bl ftrace_stub over our BRK
for i in range(60):
    run("continue")
    if os.path.exists(os.path.join(FLAGS, "off")):
        break
check(os.path.exists(os.path.join(FLAGS, "off")), "the guest turned the tracer off")
# gdb removed its breakpoints at this stop: the BRK at ftrace_call had been overwritten by the
# kernel, so the removal must leave the kernel's bl ftrace_stub, not the tracer's call saved at Z0
check(word(FC) == bl(FC, STUB), f"ftrace_call is bl ftrace_stub again ({word(FC):#010x})")
check(word(GETPID + 4) == 0xd503201f, f"getpid's NOP is back ({word(GETPID + 4):#010x})")
run("delete")
run("detach")
done()
