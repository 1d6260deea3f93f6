#!/bin/bash
# disk.sh - virtio-blk and virtio-9p throughput of brkvm next to kvmtool (lkvm-static) and
# QEMU (Debian's arm64 build, -enable-kvm), all in one test-host boot (scenario bench-disk:
# the same kernel, initramfs, image size, 9p share and guest program,
# tests/nested/guest/diskbench.c; virtio-mmio for all three), rounds alternating the VMMs.
#   bench/disk.sh [--rounds N] [--mode vhe|nvhe] [--vmms LIST]   run it and print the table
#   bench/disk.sh --alt PATH [...]   also another static arm64 brkvm build (column "alt",
#                                    scenario bench-disk-alt; default --vmms brkvm,alt,kvmtool)
#   bench/disk.sh --log FILE         the table of an earlier run's log
# Each cell is the median of the rounds with its [min-max]; the ratios are of the medians
# (> 1: the first named is faster), with the [min-max] of the ratios within each round.  Figures under nesting (the test host is QEMU TCG): compare
# the columns of one run, never with hardware or with another run.
set -euo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
MODE=vhe ROUNDS=3 LOG= ALT= VMMS=
while [ $# -gt 0 ]; do
    case $1 in
    --mode) MODE=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --vmms) VMMS=$2; shift 2 ;;
    --alt) ALT=$(realpath "$2"); shift 2 ;;
    --log) LOG=$2; shift 2 ;;
    *) echo "usage: bench/disk.sh [--rounds N] [--mode vhe|nvhe] [--vmms LIST] [--alt BRKVM] | --log FILE" >&2
       exit 2 ;;
    esac
done
if [ -z "$LOG" ]; then
    SCEN=bench-disk
    if [ -n "$ALT" ]; then
        SCEN=bench-disk-alt
        VMMS=${VMMS:-brkvm,alt,kvmtool}
    fi
    LOG=$TOP/build/nested/logs/$SCEN-$MODE.log
    echo "disk: $(date -u '+%F %H:%M') UTC: $SCEN, $ROUNDS rounds, log $LOG" >&2
    BRKVM_ALT=$ALT flock /tmp/brkvm-cpu.lock "$TOP/tests/nested/runner.py" --scenario "$SCEN" \
        --mode "$MODE" --append "bench.rounds=$ROUNDS${VMMS:+ bench.vmms=$VMMS}" >&2 ||
        echo "disk: the test-host run failed (see $LOG)" >&2
fi
python3 - "$LOG" "$MODE" <<'PY'
import re, statistics, sys
log, mode = sys.argv[1], sys.argv[2]
vals, fails, rounds, info, seen, byround = {}, {}, set(), "", [], {}
for line in open(log, errors="replace"):
    m = re.search(r"BENCH-DISK-INFO (.*)", line)
    if m:
        info = m.group(1).strip()
    m = re.search(r"BENCH-DISK (\d+) (\w+) (\w+) (\S+)", line)
    if not m:
        continue
    rnd, vmm, key, val = m.groups()
    if vmm not in seen:
        seen.append(vmm)
    if rnd != "0":
        rounds.add(rnd)
    if val.startswith("fail:"):
        fails.setdefault((vmm, key), val[5:].replace("_", " "))
    else:
        vals.setdefault((vmm, key), []).append(float(val))
        byround[(vmm, key, rnd)] = float(val)
NAMES = {"brkvm": "brkvm", "alt": "brkvm-alt", "kvmtool": "kvmtool", "qemu": "QEMU"}
vmms = [v for v in NAMES if v in seen]
pairs = [(a, b) for a, b in (("alt", "brkvm"), ("brkvm", "kvmtool"), ("brkvm", "qemu"),
                             ("alt", "kvmtool")) if a in vmms and b in vmms]
ROWS = [("seqw_mbs", "blk", "seq write MB/s (1 MiB, O_DIRECT)"),
        ("seqr_mbs", "blk", "seq read MB/s (1 MiB, O_DIRECT)"),
        ("randr_iops", "blk", "rand read IOPS (4 KiB, O_DIRECT)"),
        ("randw_iops", "blk", "rand write IOPS (4 KiB, O_DIRECT)"),
        ("write_mbs", "file", "9p write MB/s (128 KiB)"),
        ("read_mbs", "file", "9p read MB/s (128 KiB)"),
        ("meta_ops", "file", "9p metadata ops/s"),
        ("wall_s", None, "wall s per boot (boot+bench)")]
def fmt(x):
    return f"{x:.0f}" if x >= 100 else f"{x:.1f}"
def cell(vmm, key, group):
    v = vals.get((vmm, key))
    if not v:
        why = fails.get((vmm, group)) or fails.get((vmm, "all")) or "no result"
        return None, f"n/a ({why[:40]})"
    med = statistics.median(v)
    return med, f"{fmt(med)} [{fmt(min(v))}-{fmt(max(v))}]" if len(v) > 1 else fmt(med)
def ratio(x, y, key):
    """ratio of the medians of VMMs x and y, and the [min-max] of the ratios within one round
    (each round's runs are minutes apart: the machine's load drifts less within a round)"""
    a, b = cells[x][0], cells[y][0]
    if a is None or b is None or a == 0 or b == 0:
        return "-"
    r = lambda p, q: q / p if key == 'wall_s' else p / q
    per = [r(byround[(x, key, n)], byround[(y, key, n)]) for n in sorted(rounds)
           if byround.get((x, key, n)) and byround.get((y, key, n))]
    return f"{r(a, b):.2f}" + (f" [{min(per):.2f}-{max(per):.2f}]" if len(per) > 1 else "")
print(f"virtio-blk / virtio-9p over virtio-mmio, test host {mode}, median [min-max] of "
      f"{len(rounds)} rounds" + (f" ({info})" if info else ""))
heads = [f"{'figure':34}"] + [f"{NAMES[v]:19}" for v in vmms] + \
        [f"{NAMES[a] + '/' + NAMES[b]:17}" for a, b in pairs]
print("| " + " | ".join(heads) + " |")
print("|" + "|".join("-" * (len(h) + 2) for h in heads) + "|")
for key, group, label in ROWS:
    cells = {v: cell(v, key, group) for v in vmms}
    row = [f"{label:34}"] + [f"{cells[v][1]:19}" for v in vmms] + \
          [f"{ratio(a, b, key):{max(17, len(NAMES[a]) + len(NAMES[b]) + 1)}}" for a, b in pairs]
    print("| " + " | ".join(row) + " |")
print("ratios: of the medians [min-max of the per-round ratios], > 1 = the first named is faster"
      " (wall s: inverted likewise)")
PY
