#!/bin/bash
# launcher.sh - start-up of scripts/brkvm-x86 (launcher start -> the guest's first console line,
# -> its /init, -> the launcher's exit) next to brkvm alone in an already booted test host
# (scenario bench-launcher: brkvm start -> first line, -> /init), in one session, the same guest:
# Debian's kernel + build/nested/guest-initramfs.cpio with brkvm.test=uname (prints, powers off).
#   bench/launcher.sh [--rounds N]      (default 3 launcher starts, 3 brkvm-alone starts)
# Prints a small table: median [min-max] in seconds.  Runs under the CPU lock.
set -euo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
ROUNDS=3
while [ $# -gt 0 ]; do
    case $1 in
    --rounds) ROUNDS=$2; shift 2 ;;
    *) echo "usage: bench/launcher.sh [--rounds N]" >&2; exit 2 ;;
    esac
done
LOG=$TOP/build/nested/logs/bench-launcher-vhe.log
exec 9>/tmp/brkvm-cpu.lock
flock 9
"$TOP/tests/nested/mkinitramfs.sh" >/dev/null
"$TOP/scripts/brkvm-x86" run --help >/dev/null 2>&1 || true     # first-use builds, not timed
python3 - "$TOP" "$ROUNDS" "$LOG" <<'PY'
import os, re, statistics, subprocess, sys, time
top, rounds, log = sys.argv[1], int(sys.argv[2]), sys.argv[3]
nested = os.path.join(top, "build", "nested")
params = "console=ttyS0 earlycon=uart8250,mmio,0x1000000 panic=-1 brkvm.test=uname"
cmd = [os.path.join(top, "scripts", "brkvm-x86"), "run", "-k", os.path.join(nested, "vmlinuz"),
       "-i", os.path.join(nested, "guest-initramfs.cpio"), "-m", "256M", "-c", "2", "-p", params]
rows = {"launcher": [], "brkvm alone": []}
for r in range(rounds):
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL)
    first = init = None
    for line in p.stdout:
        t = time.monotonic() - t0
        if first is None and line.strip():
            first = t
        if init is None and b"GUEST-INIT" in line:
            init = t
    rc = p.wait()
    total = time.monotonic() - t0
    if rc != 0 or first is None or init is None:
        sys.exit(f"launcher: round {r + 1} failed (rc {rc})")
    rows["launcher"].append((first, init, total))
    print(f"launcher round {r + 1}: first line {first:.2f}s, /init {init:.2f}s, exit {total:.2f}s",
          file=sys.stderr)
t0 = time.monotonic()
res = subprocess.run([os.path.join(top, "tests", "nested", "runner.py"), "--scenario",
                      "bench-launcher", "--mode", "vhe", "--no-build", "--append",
                      f"bench.rounds={rounds}"], capture_output=True, text=True)
print(res.stdout.strip(), file=sys.stderr)
start = first = init = None
for line in open(log, errors="replace"):
    m = re.match(r"\s*([0-9.]+) (.*)", line)
    if not m:
        continue
    t, text = float(m.group(1)), m.group(2)
    if text.startswith("BENCH-BRKVM-START"):
        start, first, init = t, None, None
    elif start is not None and text.startswith("  | ") and not text.startswith("  | brkvm:") \
            and first is None and text[4:].strip():
        first = t - start
    elif start is not None and "GUEST-INIT" in text and init is None:
        init = t - start
    elif text.startswith("BENCH-BRKVM-END") and start is not None:
        rows["brkvm alone"].append((first, init, t - start))
        start = None
def cell(v):
    v = [x for x in v if x is not None]
    if not v:
        return "-"
    return f"{statistics.median(v):.1f} [{min(v):.1f}-{max(v):.1f}]"
print(f"start-up, seconds: median [min-max] of {rounds} starts (Debian's kernel 6.1, 2 vCPUs, "
      f"256M, brkvm.test=uname)")
print(f"| {'':12} | {'first console line':19} | {'guest /init':19} | {'exit (powered off)':19} |")
print(f"|{'-' * 14}|{'-' * 21}|{'-' * 21}|{'-' * 21}|")
for name, v in rows.items():
    print(f"| {name:12} | {cell([x[0] for x in v]):19} | {cell([x[1] for x in v]):19} | "
          f"{cell([x[2] for x in v]):19} |")
print("(launcher: from its start on this machine; brkvm alone: from its start inside the "
      "booted test host)")
PY
