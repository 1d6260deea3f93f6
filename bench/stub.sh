#!/bin/bash
# stub.sh - the gdb stub's speed, brkvm next to Debian's QEMU (-enable-kvm -s), the first rows of
# issue 11's bench: one test-host boot (scenario bench-stub) runs six gdb sessions alternating the
# two VMMs on the same bare-metal guest (forever: main() calls work() in a tight loop, work()
# increments `counter`; QEMU runs its virt-machine build), the same host gdb-multiarch client,
# and prints a table of medians of the 3 windows of each VMM:
#   1  `break work if counter == -1` (never true, evaluated by gdb; the window ends through a
#      `|| $stub_bench_over()` clause, a gdb Python function): hits/s
#   3  plain breakpoint, each hit reported and continued: hits/s
#   5  `dump binary memory` of the 64 MiB of guest RAM (both VMMs -m 64M): MB/s
#   and the packets gdb sends per hit in rows 1 and 3 (`set debug remote 1`, 20 hits, untimed)
#   bench/stub.sh [--log FILE]     (--log: the table of an earlier run's log, no run)
# Environment: STUB_BENCH_WINDOW (seconds per hit window, default 4), STUB_BENCH_DUMP_MB (64).
# A measurement, not a test: exits non-zero only when brkvm gave no figure.
set -euo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
LOG=$TOP/build/nested/logs/bench-stub-vhe.log
case ${1:-} in
--log) LOG=$2 ;;
"")
    cd "$TOP"
    scripts/deps.sh >/dev/null
    scripts/build.sh >/dev/null
    flock /tmp/brkvm-cpu.lock tests/nested/runner.py --scenario bench-stub --mode vhe >&2 ||
        echo "stub: the test-host run failed (see $LOG)" >&2 ;;
*) echo "usage: bench/stub.sh [--log FILE]" >&2; exit 2 ;;
esac
grep -o 'STUB-BENCH .*' "$LOG" | python3 -c '
import statistics, sys
v = {}
for line in sys.stdin:
    f = line.split()
    if len(f) == 4 and f[3] != "n/a":
        v.setdefault((f[1], f[2]), []).append(float(f[3]))
rows = (("cond", "1 break work if counter == -1 (hits/s)"),
        ("hit", "3 breakpoint hit + continue (hits/s)"),
        ("dump", "5 dump binary memory 64 MiB (MB/s)"),
        ("cond-pkts", "  packets gdb sent per hit, row 1"),
        ("hit-pkts", "  packets gdb sent per hit, row 3"))
def cell(xs):
    if not xs:
        return "n/a", None
    m = statistics.median(xs)
    return f"{m:.3g} [{min(xs):.3g}-{max(xs):.3g}] n={len(xs)}", m
print("| %-40s | %-24s | %-24s | brkvm/QEMU |" % ("row", "brkvm", "QEMU"))
print("|%s|%s|%s|------------|" % ("-" * 42, "-" * 26, "-" * 26))
ok = False
for key, title in rows:
    b, bm = cell(v.get(("brkvm", key), []))
    q, qm = cell(v.get(("qemu", key), []))
    ok = ok or (bm is not None and not key.endswith("-pkts"))
    r = f"{bm / qm:.2f}" if bm and qm else "-"
    print(f"| {title:<40} | {b:<24} | {q:<24} | {r:>10} |")
sys.exit(0 if ok else 1)
' || { echo "stub: brkvm gave no figure (see $LOG)" >&2; exit 1; }
