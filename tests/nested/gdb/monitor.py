"""monitor.py - brkvm's monitor commands and system registers through gdb, on the counter
guest with 2 vCPUs (the second never started: powered off)."""
import os
import re
import sys

sys.path.insert(0, os.environ["BRKVM_GDBLIB"])
from brkvm_test import check, connect, done, log, monitor_quit, pc, reg, run, sym_addr  # noqa: E402

import gdb  # noqa: E402

connect(os.path.join(os.environ["BRKVM_GUESTS"], "counter.elf"))
start, tick = sym_addr("_start"), sym_addr("tick")

out = run("monitor help")
check("info vcpus" in out and "phys on|off" in out and "reset" in out, "monitor help lists the commands")
out = run("monitor info version")
check(out.startswith("brkvm ") and "thread N = vCPU N-1" in out, "monitor info version answers")
out = run("monitor info vcpus")
check(re.search(r"vCPU 0 \(thread 1\): on, pc 0x0*80080000, EL1h \(EL1\)", out) is not None,
      "info vcpus: vCPU 0 at _start in EL1h")
check("vCPU 1 (thread 2): powered off" in out, "info vcpus: vCPU 1 powered off (no CPU_ON yet)")

# system registers: gdb's own view (target.xml feature) and the monitor's
out = run("info registers sctlr_el1")
check("sctlr_el1" in out, "info registers sctlr_el1 works")
check(int(gdb.parse_and_eval("$el")) == 1, "$el = 1")
midr = reg("midr_el1")
check(midr != 0, f"MIDR_EL1 readable ({midr:#x})")
check(reg("mpidr_el1") & 0xff == 0, "MPIDR_EL1 of vCPU 0")
check(reg("SP_EL0") == reg("sp_el0"), "$SP_EL0 (as Linux's gdb scripts read it) = $sp_el0")
run("set $tpidr_el1 = 0x1234abcd")
check(reg("tpidr_el1") == 0x1234abcd, "TPIDR_EL1 written and read back")
try:
    run("set $midr_el1 = 0")
    refused = reg("midr_el1") == midr
except gdb.error as e:
    log(f"write to midr_el1: {e}")
    refused = True
check(refused, "MIDR_EL1 is read-only")
out = run("monitor info sysregs")
check(re.search(r"tpidr_el1\s+0x0*1234abcd", out) is not None, "info sysregs shows TPIDR_EL1")
check(re.search(r"midr_el1\s+0x", out) is not None, "info sysregs shows MIDR_EL1")

out = run(f"monitor info mem {start:#x}")
check("MMU off: GPA 0x80080000" in out, "info mem with the MMU off: identity")
out = run("monitor info mem nonsense")
check("not an address" in out, "info mem with a bad address says so")

run("set breakpoint always-inserted on")  # else gdb removes them at each stop
run("break tick")
run("continue")
check(pc() == tick, "stopped at tick")
out = run("monitor info breakpoints")
check(re.search(r"sw\s+GPA 0x8008001c\s+VA 0x8008001c\s+original b0000022\s+hits 1\b", out)
      is not None, "info breakpoints: GPA, original instruction, one hit")
check("hardware breakpoints: 6 slots" in out and "watchpoints: 4 slots" in out,
      "info breakpoints: the hardware slots")

out = run("monitor reset")
check("machine reset" in out, "monitor reset")
run("flushregs")
check(pc() == start, f"after reset: pc back at _start ({pc():#x})")
run("continue")
check(pc() == tick and reg("x0") == 1, "after reset the guest runs from the start (tick(1))")
out = run("monitor info breakpoints")
check("hits 2" in out, "the breakpoint survived the reset (hit again)")

out = run("monitor frobnicate")
check("unknown monitor command" in out, "unknown monitor command reported")
monitor_quit()
done()
