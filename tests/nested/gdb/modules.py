"""modules.py - lx-symbols (Linux's scripts/gdb) against brkvm: symbols of an already loaded
module at once, then a module loaded while the guest runs: lx-symbols' breakpoint in
do_init_module stops, loads the module's sections at their addresses and continues by itself
(silently); a breakpoint pending on the module's kprobe handler resolves and hits by name."""
import os
import re
import sys
import time

sys.path.insert(0, os.environ["BRKVM_GDBLIB"])
from brkvm_test import check, connect, done, log, pc, reg, run, sym_addr  # noqa: E402

import gdb  # noqa: E402

K = os.environ["BRKVM_KERNEL"]
FLAGS = os.environ["BRKVM_FLAGS"]
GETPID = int(os.environ["BRKVM_VAR_getpid"], 16)
sys.path.insert(0, os.path.join(K, "scripts", "gdb"))  # see vmlinux.py
run(f"add-auto-load-safe-path {os.path.dirname(os.path.realpath(K))}")
run(f"file {K}/vmlinux")
connect()
out = run(f"info symbol {GETPID:#x}")
check(out.startswith("__arm64_sys_getpid in section"), "--no-kaslr: vmlinux's addresses are the running ones")

out = run(f"lx-symbols {K}/modules")
check(re.search(r"loading @0x[0-9a-f]+: \S+/kprobe_example\.ko", out) is not None,
      "lx-symbols loads the already loaded kprobe_example.ko")
check("kprobe_example" in run("lx-lsmod"), "lx-lsmod lists it")
bps = [b.location for b in gdb.breakpoints() if b.location]
check(any("do_init_module" in loc for loc in bps), f"lx-symbols set its breakpoint on do_init_module ({bps})")
run("set breakpoint pending on")
# (6.1's lx-symbols gives gdb the addresses of .text, .data, .rodata and .bss only: functions in
# other sections, e.g. kprobe_example's handlers in .kprobes.text, get wrong addresses)
run("break entry_handler")
# time lx-symbols' silent stop: its breakpoint's stop() loads the symbols and returns False
import linux.symbols  # noqa: E402
stop_times = []
_orig_stop = linux.symbols.LoadModuleBreakpoint.stop


def _timed_stop(self):
    t = time.monotonic()
    r = _orig_stop(self)
    stop_times.append(time.monotonic() - t)
    return r


linux.symbols.LoadModuleBreakpoint.stop = _timed_stop
open(os.path.join(FLAGS, "armed"), "w").close()
t0 = time.monotonic()
out = run("continue")   # insmod kretprobe_example, then its entry handler on the next fork
dt = time.monotonic() - t0
log(f"continue returned after {dt:.2f} s")
check(re.search(r"loading @0x[0-9a-f]+: \S+/kretprobe_example\.ko", out) is not None,
      "the silent do_init_module stop loaded kretprobe_example.ko's symbols")
# (by ELF symbol: 6.1's lx-symbols leaves .init.text and .exit.text out, so gdb's DWARF for the
# module puts kretprobe_exit over the start of .text: frame names from DWARF are wrong there)
out = run("info symbol $pc")
check(re.match(r"entry_handler( \+ \d+)? in section \.text of \S+/kretprobe_example\.ko", out)
      is not None, f"the pending breakpoint hit entry_handler in the new module ({out.strip()})")
off = int(re.search(r"\+ (\d+)", out).group(1)) if "+" in out else 0
# still in the prologue (the two ftrace NOPs, paciasp, stp): the arguments are in x0, x1
check(off <= 12, f"at the function's start (+{off})")
rpc = int(gdb.parse_and_eval("((struct pt_regs *)$x1)->pc"))
kc = sym_addr("kernel_clone")   # (DWARF: after the two NOPs; the symbol is 8 bytes before)
check(kc - 8 <= rpc <= kc + 8, f"its regs argument: the kretprobe fired at kernel_clone's entry "
      f"({rpc:#x}, kernel_clone {kc:#x})")
bt = run("bt 20")
check(re.search(r"^#1 .* in pre_handler_kretprobe ", bt, re.M) is not None,
      "bt: called by the kernel's pre_handler_kretprobe")
try:
    reg("pauth_cmask")
    pauth = True
except gdb.error:
    pauth = False
if not pauth:   # (with pointer authentication gdb 13.1 stops at the first signed return address)
    check("kprobe_breakpoint_handler" in bt and "el1_dbg" in bt,
          "bt goes on through the guest's BRK exception: kprobe_breakpoint_handler, el1_dbg")
check("kretprobe_example" in run("lx-lsmod"), "lx-lsmod lists the new module")
check(len(stop_times) == 1, f"lx-symbols' breakpoint stopped exactly once ({len(stop_times)})")
log(f"BENCH lx-symbols silent stop: {1000 * sum(stop_times):.0f} ms in its stop() (symbol loading); "
    f"continue -> insmod -> silent stop -> resume -> entry_handler: {1000 * dt:.0f} ms")
run("delete")
run("detach")
done()
