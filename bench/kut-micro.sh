#!/bin/bash
# kut-micro.sh - kvm-unit-tests' micro-bench under kvmtool and under brkvm, side by side, in one
# test-host boot (scenario bench-kut-micro; the suite and lkvm-static come from
# tests/nested/kut.sh).  Prints a table of the average cost of each operation in ns as the
# guest measured it (its counter at 62.5 MHz: 16 ns steps), and brkvm / kvmtool.
#   bench/kut-micro.sh [--mode vhe|nvhe]
# Three rounds, kvmtool and brkvm alternating; each cell is the lowest of its rounds.
# Figures under nesting (the test host is QEMU TCG): compare the columns, not with hardware.
set -euo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
MODE=vhe
[ "${1:-}" = --mode ] && MODE=$2
flock /tmp/brkvm-cpu.lock "$TOP/tests/nested/runner.py" --scenario bench-kut-micro --mode "$MODE" >&2 ||
    echo "kut-micro: the test-host run failed (see build/nested/logs/bench-kut-micro-$MODE.log)" >&2
LOG=$TOP/build/nested/logs/bench-kut-micro-$MODE.log
grep -o 'KUT-MICRO .*' "$LOG" | awk -v mode="$MODE" '
    {   # the lowest of the rounds (the scenario alternates the VMMs): the least disturbed
        k = $2 "," $3
        if (!(k in v) || ($4 + 0 > 0 && $4 + 0 < v[k] + 0)) v[k] = $4
        rounds[$2 "," $3]++
        if (!($3 in seen)) { seen[$3] = 1; order[n++] = $3 }
    }
    END {
        printf "micro-bench (kvm-unit-tests), test host %s, average ns per operation, lowest of %d rounds\n", mode, rounds["brkvm,mmio_read_user"]
        printf "%-16s %14s %14s %8s\n", "test", "kvmtool", "brkvm", "ratio"
        for (i = 0; i < n; i++) {
            t = order[i]; k = v["kvmtool," t]; b = v["brkvm," t]
            r = (k + 0 > 0 && b + 0 > 0) ? sprintf("%.2f", b / k) : "-"
            printf "%-16s %14s %14s %8s\n", t, k == "" ? "-" : k, b == "" ? "-" : b, r
        }
    }'
