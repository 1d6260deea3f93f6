"""dump_check.py - the x86_64 half of gdb-linux-dump: fetch the core the test host serves on the
forwarded port (gzip, busybox httpd), check its ELF layout, then open it as a kernel developer
would: `gdb-multiarch vmlinux` + `core-file` (a thread per vCPU with the registers and backtrace
the live gdb saw, jiffies, Linux's lx-dmesg) and Debian's drgn (init_task.comm, the log buffer,
jiffies), compared with what gdb/dump.py recorded in the live session ($BRKVM_FLAGS/live.json)."""
import gzip
import json
import os
import re
import struct
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checks import check, done, log  # noqa: E402

PORT = os.environ["BRKVM_PORT"]
K = os.environ["BRKVM_KERNEL"]
VMLINUX = os.path.join(K, "vmlinux")
OUTDIR = os.path.join(os.environ["BRKVM_NESTED"], "logs")
CORE = os.path.join(OUTDIR, "gdb-linux-dump.core")
with open(os.path.join(os.environ["BRKVM_FLAGS"], "live.json")) as f:
    live = json.load(f)

# ---- fetch ----
t0 = time.monotonic()
data = None
for i in range(60):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{PORT}/x.core.gz", timeout=120) as r:
            data = r.read()
        break
    except OSError as e:
        log(f"fetch: {e}")
        time.sleep(1)
t1 = time.monotonic()
check(data is not None, "fetched the core from the test host")
if data is None:
    done()
try:
    urllib.request.urlopen(f"http://127.0.0.1:{PORT}/fetched", timeout=10).read()
except OSError:
    pass   # (a 404: the test host only looks for the request in its log)
raw = gzip.decompress(data)
with open(CORE, "wb") as f:
    f.write(raw)
log(f"MEASURE fetched {len(data)} bytes gzip ({len(raw) >> 20} MiB core) in {t1 - t0:.1f} s")

# ---- the ELF layout, parsed here ----
eh = struct.unpack_from("<16sHHIQQQIHHHHHH", raw, 0)
check(eh[0][:4] == b"\x7fELF" and eh[1] == 4 and eh[2] == 183, "ET_CORE, EM_AARCH64")
phoff, phnum = eh[5], eh[10]
phdrs = [struct.unpack_from("<IIQQQQQQ", raw, phoff + 56 * i) for i in range(phnum)]
loads = [p for p in phdrs if p[0] == 1]
note = [p for p in phdrs if p[0] == 4]
check(len(note) == 1 and len(loads) == 2, f"one PT_NOTE and two PT_LOADs ({len(phdrs)} headers)")
kimg, ramseg = loads[0], loads[1]
check(ramseg[4] == 0x80000000 and ramseg[5] == 64 << 20, "RAM: p_paddr 0x80000000, 64 MiB")
check(ramseg[3] >> 39 == 0x1ffffff, f"RAM at its linear-map VA ({ramseg[3]:#x})")
check(kimg[2] == ramseg[2] + (kimg[4] - ramseg[4]), "the kernel image's segment shares the RAM's bytes")
notes = []
off, end = note[0][2], note[0][2] + note[0][5]
while off < end:
    nsz, dsz, typ = struct.unpack_from("<III", raw, off)
    name = raw[off + 12:off + 12 + nsz - 1].decode()
    d0 = off + 12 + ((nsz + 3) & ~3)
    notes.append((name, typ, raw[d0:d0 + dsz]))
    off = d0 + ((dsz + 3) & ~3)
pr = [n for n in notes if n[:2] == ("CORE", 1)]
check(len(pr) == 2 and all(len(n[2]) == 392 for n in pr), "two NT_PRSTATUS notes of 392 bytes")
for i, n in enumerate(pr):
    pid = struct.unpack_from("<i", n[2], 32)[0]
    regs = struct.unpack_from("<34Q", n[2], 112)
    t = live["threads"][str(i + 1)]
    check(pid == i + 1 and regs[32] == t["pc"] and regs[31] == t["sp"] and regs[29] == t["x29"] and
          regs[0] == t["x0"] and regs[33] == t["pstate"],
          f"NT_PRSTATUS {i}: pid {pid}, pc {regs[32]:#x} sp {regs[31]:#x} as the live gdb saw")
vi = [n for n in notes if n[0] == "VMCOREINFO"]
check(len(vi) == 1, "a VMCOREINFO note")
info = vi[0][2].decode() if vi else ""
check("OSRELEASE=6.1" in info and f"KERNELOFFSET={live['slide']:x}\n" in info,
      f"VMCOREINFO: OSRELEASE 6.1, KERNELOFFSET = the slide ({live['slide']:x})")
# the very note the kernel points /sys/kernel/vmcoreinfo at, read through p_paddr
pa = int(os.environ["BRKVM_VAR_vmcoreinfo"], 16)
at = ramseg[2] + pa - ramseg[4]
check(raw[at + 24:at + 24 + len(info)] == info.encode(), f"it is the note at PA {pa:#x} "
      "(the guest's /sys/kernel/vmcoreinfo)")
del raw, data

# ---- gdb-multiarch vmlinux + the core ----
g = subprocess.run(
    ["gdb-multiarch", "-nx", "-q", "-batch", "-ex", "set pagination off",
     "-iex", f"add-auto-load-safe-path {os.path.dirname(os.path.realpath(K))}",
     "-ex", f"symbol-file {VMLINUX} -o {live['slide']:#x}", "-ex", f"core-file {CORE}",
     "-ex", "info threads"]
    + sum([["-ex", f"thread {n}", "-ex", "echo BT-BEGIN\\n", "-ex", "bt 8", "-ex", "p/x $pc"]
           for n in (1, 2)], [])
    + ["-ex", f"thread {live['stopped_thread']}", "-ex", "p jiffies", "-ex", "p init_task.comm",
       "-ex", "lx-dmesg"],
    capture_output=True, text=True, timeout=240,
    env=dict(os.environ, PYTHONPATH=os.path.join(K, "scripts", "gdb")))
out = g.stdout + g.stderr
for line in out.splitlines()[:60]:
    log(f"  gdb| {line}")
threads = re.findall(r"^\*?\s+(\d+)\s+LWP (\d+)", out, re.M)
check([t[1] for t in threads] == ["1", "2"], f"gdb: a thread per vCPU, LWP 1 and 2 ({threads})")
bts = re.split(r"^BT-BEGIN$", out, flags=re.M)[1:3]


def named(frames):
    """the frames up to the first unknown one: gdb 13 unwinds a PAC-signed return address as
    '0x... [PAC] in ??' live (brkvm sends the pauth masks) and as '0x... in ??' from a core"""
    return frames[:frames.index("??")] if "??" in frames else frames


for n, chunk in zip((1, 2), bts):
    bt = re.split(r"^\$\d+ = ", chunk, flags=re.M)[0]   # (up to bt's end: p/x $pc)
    frames = re.findall(r"^#\d+\s+(?:0x[0-9a-f]+(?: \[PAC\])? in )?(\S+) \(", bt, re.M)
    want = live["threads"][str(n)]["frames"]
    check(named(frames) == named(want) and frames[:1] == want[:1],
          f"gdb: thread {n}'s bt as live: {frames}")
    check(f"= {live['threads'][str(n)]['pc']:#x}" in chunk, f"gdb: thread {n}'s pc as live")
check(f"$5 = {live['jiffies']}" in out or re.search(rf"^\$\d+ = {live['jiffies']}$", out, re.M),
      f"gdb: p jiffies = {live['jiffies']}, as the live gdb read it just before the dump")
check('"swapper/0' in out, "gdb: init_task.comm is swapper/0")
check("Booting Linux on physical CPU" in out and "brkvm-kmsg-mark" in out,
      "gdb: lx-dmesg shows the boot log and the guest's /dev/kmsg line")

# ---- drgn (Debian 12's python3-drgn, /usr/bin/python3's module) ----
DRGN = r'''
import sys, drgn
from drgn.helpers.linux.printk import get_printk_records
from drgn.helpers.linux.pid import find_task
prog = drgn.Program()
prog.set_core_dump(sys.argv[1])
prog.load_debug_info([sys.argv[2]])
print("DRGN platform", prog.platform.arch, prog.flags)
print("DRGN comm", prog["init_task"].comm.string_().decode())
print("DRGN jiffies", int(prog["jiffies_64"]))   # (jiffies is a linker alias, no DWARF)
recs = get_printk_records(prog)
print("DRGN records", len(recs))
# a sleeping task's stack from its saved context: kthreadd waits in kthreadd().  drgn 0.0.22 takes
# the Nth NT_PRSTATUS for a task whose last CPU is N when pr_pid equals the task's PID (kdump puts
# the PID of the task running there); ours are vCPU index + 1 (gdb's threads), so PIDs 1..nr_cpus
# can get a vCPU's registers: kthreadd (PID 2) last on CPU 1 would.  Logged, and checked on a
# sleeping task with a PID above the vCPU count instead.
from drgn.helpers.linux.pid import for_each_task
def frames(t):
    return "|".join(l.split()[1] for l in str(prog.stack_trace(t)).splitlines())
print("DRGN kthreadd cpu", int(find_task(prog, 2).thread_info.cpu), frames(2))
for t in for_each_task(prog):
    if int(t.pid) > 2 and not int(t.on_cpu) and t.comm.string_().startswith(b"kworker"):
        print("DRGN sleeper", int(t.pid), t.comm.string_().decode(), frames(t))
        break
for r in recs:
    t = r.text.decode(errors="replace")
    if "brkvm-kmsg-mark" in t or "Booting Linux" in t:
        print("DRGN log", t)
'''
t2 = time.monotonic()
d = subprocess.run(["/usr/bin/python3", "-c", DRGN, CORE, VMLINUX], capture_output=True,
                   text=True, timeout=240)
out = d.stdout + d.stderr
for line in out.splitlines()[-30:]:
    log(f"  drgn| {line}")
log(f"MEASURE drgn took {time.monotonic() - t2:.1f} s")
check("DRGN platform Architecture.AARCH64" in out, "drgn: an arm64 kernel core on x86_64")
check("DRGN comm swapper/0" in out, "drgn: init_task.comm is swapper/0")
check(f"DRGN jiffies {live['jiffies']}" in out, f"drgn: jiffies = {live['jiffies']}")
check(re.search(r"DRGN log .*brkvm-kmsg-mark", out) is not None and "DRGN log Booting Linux" in out,
      "drgn: the log buffer has the boot log and the guest's /dev/kmsg line")
m = re.search(r"^DRGN sleeper (\d+) (\S+) (.*)$", out, re.M)
check(m is not None and {"worker_thread", "schedule", "kthread"} <= set(m.group(3).split("|")),
      f"drgn: a sleeping kworker's stack_trace: schedule ... worker_thread ... kthread "
      f"({m.group(0) if m else None})")
os.unlink(CORE)
done()
