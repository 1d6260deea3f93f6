"""vmlinux.py - the test kernel with KASLR on, as a kernel developer debugs it: `gdb vmlinux`
(with its DWARF and Linux's scripts/gdb), `target remote`: gdb relocates the whole vmlinux by
brkvm's qOffsets (one PT_LOAD segment: every section moves by the slide), so symbols, types and
Linux's lx-* commands work without nokaslr.  Checked against the guest's /proc/kallsyms and its
own view (pids, the kmsg line it wrote)."""
import os
import re
import sys

sys.path.insert(0, os.environ["BRKVM_GDBLIB"])
from brkvm_test import check, connect, done, log, pc, reg, run, sym_addr  # noqa: E402

import gdb  # noqa: E402

K = os.environ["BRKVM_KERNEL"]
V = {k: int(os.environ[f"BRKVM_VAR_{k}"], 16) for k in ("getpid", "start_kernel", "init_task", "jiffies")}
PIDS = [int(p) for p in os.environ["BRKVM_VAR_pids"].split()]
LINK = {}
with open(os.path.join(K, "System.map")) as f:
    for line in f:
        a, _, n = line.split()[:3]
        if n in V or n in ("linux_banner", "_text"):
            LINK[n] = int(a, 16)

# (a harness detail: under `gdb -x SCRIPT` the loader's __file__ is SCRIPT's, so it cannot
# find its linux/ package by itself; from the command line it does)
sys.path.insert(0, os.path.join(K, "scripts", "gdb"))
# as the kernel's documentation has it: allow auto-loading vmlinux-gdb.py from the build dir
# (the kernel's build/kernel/<hash>/vmlinux-gdb.py links to the source tree's loader)
run(f"add-auto-load-safe-path {os.path.dirname(os.path.realpath(K))}")
run(f"file {K}/vmlinux")
check("lx-version" in run("apropos lx-version"), "vmlinux-gdb.py auto-loaded")
connect()
slide = V["init_task"] - LINK["init_task"]
log(f"slide from /proc/kallsyms: {slide:#x}")
check(slide != 0, f"KASLR moved the kernel (slide {slide:#x})")
# every kind of section moved by the slide: .data, .text, .init.text, .rodata (functions by
# their ELF symbol: DWARF's low_pc of a function starts after ftrace's two patchable NOPs)
for name in ("init_task", "jiffies"):
    check(sym_addr(name) == V[name], f"&{name} = {sym_addr(name):#x}, /proc/kallsyms says {V[name]:#x}")
for name, sym in (("getpid", "__arm64_sys_getpid"), ("start_kernel", "start_kernel")):
    out = run(f"info symbol {V[name]:#x}")
    check(out.startswith(f"{sym} in section "), f"/proc/kallsyms's {sym} {V[name]:#x} is {sym} for gdb")
check(sym_addr("linux_banner") == LINK["linux_banner"] + slide, ".rodata relocated too (linux_banner)")
out = run("monitor kaslr")
check(f"slide {slide:#x}" in out, "monitor kaslr agrees")

# Linux's gdb scripts
out = run("lx-version")
check(out.startswith("Linux version 6.1"), f"lx-version: {out.strip()[:60]}")
out = run("lx-dmesg")
check("Booting Linux on physical CPU" in out, "lx-dmesg has the first boot lines")
check("brkvm-kmsg-mark" in out, "lx-dmesg has the line the guest's init wrote to /dev/kmsg")
out = run("lx-ps")
procs = {}
for line in out.splitlines():
    m = re.match(r"\s*0x[0-9a-f]+\s+(\d+)\s+(\S+)", line)
    if m:
        procs[int(m.group(1))] = m.group(2)
log(f"lx-ps: {len(procs)} tasks")
check(procs.get(1) == "init", f"lx-ps: pid 1 is init ({procs.get(1)})")
# the busy loops are forks of /init's shell (no exec): their comm is init's
check(all(procs.get(p) == "init" for p in PIDS), f"lx-ps: the guest's busy loops {PIDS} are there "
      f"({[procs.get(p) for p in PIDS]})")
check(procs.get(2) == "kthreadd", "lx-ps: pid 2 is kthreadd")
out = run("lx-lsmod")
check("Address" in out and "kprobe_example" not in out, "lx-lsmod: no modules loaded yet")

# $lx_current() reads SP_EL0 of the selected thread (= vCPU N-1): on each vCPU, stopped in
# the scheduler tick, it is that CPU's runqueue's current task
run("break scheduler_tick")
seen = set()
for i in range(40):
    run("continue")
    th = gdb.selected_thread().num
    cur = int(gdb.parse_and_eval("$lx_current()").address)
    rq = int(gdb.parse_and_eval(f'$lx_per_cpu("runqueues", {th - 1}).curr'))
    tcpu = int(gdb.parse_and_eval("$lx_current().thread_info.cpu"))
    log(f"stop {i}: thread {th}, $lx_current() {cur:#x}, rq[{th - 1}].curr {rq:#x}, cpu {tcpu}")
    if th not in seen:
        # the scripts find the selected thread's CPU (e.g. $lx_per_cpu without one) only on a
        # stub that answers `monitor info version`, taken as QEMU's (thread N = CPU N-1)
        try:
            dflt = int(gdb.parse_and_eval('$lx_per_cpu("runqueues").curr'))
        except gdb.error as e:
            dflt = str(e)
        check(dflt == rq, f"thread {th}: $lx_per_cpu without a CPU is CPU {th - 1}'s ({dflt})")
        check(cur == rq and tcpu == th - 1, f"thread {th}: $lx_current() is CPU {th - 1}'s "
              f"current task ({cur:#x}, comm {gdb.parse_and_eval('$lx_current().comm').string()})")
    seen.add(th)
    if len(seen) == 2:
        break
check(seen == {1, 2}, f"stopped in the tick on both vCPUs ({sorted(seen)})")
run("delete")

# break by name, bt, p jiffies
run("break __arm64_sys_getpid")
run("continue")
check(V["getpid"] <= pc() < V["getpid"] + 64, f"break __arm64_sys_getpid hit ({pc():#x})")
check(gdb.parse_and_eval("$lx_current().comm").string() == "sh", "current is a shell")
bt = run("bt")
frames = re.findall(r"^#\d+\s+(?:(0x[0-9a-f]+)( \[PAC\])? in )?(\S+) \(", bt, re.M)
names = [f[2] for f in frames]
log(f"bt: {names}")
check(names[:5] == ["__arm64_sys_getpid", "__invoke_syscall", "invoke_syscall", "el0_svc_common",
                    "do_el0_svc"], "bt: the syscall path, inlined frames included")
try:
    high = reg("pauth_cmask_high")
except gdb.error:
    high = None
if high is None:
    # no pointer authentication (nVHE host: cortex-a72): gdb unwinds down to the exception entry
    check("el0_svc" in names and "el0t_64_sync" in names, "bt reaches el0_svc and el0t_64_sync")
else:
    # the kernel signs return addresses; Debian 12's gdb 13.1 strips only pauth_cmask (bits
    # 54:48), not the top byte, so the first signed return address ends its backtrace as
    # "0x... [PAC] in ??" (gdb 14 and later also apply pauth_cmask_high, which brkvm publishes)
    pac = [f for f in frames if f[1]]
    check(len(pac) >= 1, "bt shows a PAC-signed return address")
    if pac:
        fixed = int(pac[0][0], 16) | high
        out = run(f"info symbol {fixed:#x}")
        check(out.startswith("el0_svc + "), f"that address with pauth_cmask_high applied, {fixed:#x}, "
              f"is in el0_svc, do_el0_svc's caller")
j0 = int(gdb.parse_and_eval("jiffies"))
for i in range(10):   # (two getpid calls can fall into one 4 ms tick)
    run("continue")
    j1 = int(gdb.parse_and_eval("jiffies"))
    if j1 != j0:
        break
j64 = int(gdb.parse_and_eval("jiffies_64"))
check(0 < (j1 - j0) % (1 << 64) < 2500, f"p jiffies: {j0}, then {j1} some getpid calls later")
check(j64 == j1, "jiffies and jiffies_64 are one variable")
run("delete")
run("detach")
done()
