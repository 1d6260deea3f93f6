#!/bin/bash
# load-smp.sh - issue 12's Load at full size: scenario bench-load-smp, the stop storm of
# gdb-load-smp (tests/nested/gdb/load_smp.py) with 834 iterations on 4 vCPUs = 10 008 stops of a
# software breakpoint, a hardware breakpoint and a watchpoint hit by every vCPU at once, then 250
# iterations with target-evaluated conditions.  A test as well as a measurement: it fails on any
# stop lost, doubled or on the wrong thread.  Prints the LOAD-SMP lines (counts, rates, the hits
# brkvm kept pending while another stop waited) and the verdict.
#   bench/load-smp.sh [--log FILE]     (--log: the lines of an earlier run's log, no run)
# ~2.5 min in the test host on a quiet machine (88 stops/s), 5-7 min under other agents' load
# (20-36 stops/s), plus the wait for the CPU lock.
set -euo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$TOP/bench/lib.sh"
bench_log_or_run load-smp bench-load-smp "$@"
grep -o -E '(LOAD-SMP .*|GDB-CHECK FAIL.*|SCENARIO-RESULT .*|GDB-RESULT .*)' "$LOG" | tr -d '\r'
exit "$BENCH_RC"
