#!/bin/bash
# soak.sh - issue 12's long resource run: Debian's kernel under brkvm for MINUTES of uptime with
# gdb attaching every INTERVAL seconds (scenario bench-soak, gdb/soak.py); brkvm's fds, threads
# and RSS beyond guest RAM sampled in the test host every 5 s.  Prints one row per minute and the verdict
# (no growth in fds or threads, RSS beyond guest RAM < 1 MiB more, between the first and the last sample
# without a client).  Not a CI test: an hour of the machine's CPU.
#   bench/soak.sh [--minutes M] [--interval S]     (default 60 and 60; M <= 110)
#   bench/soak.sh --log FILE                       (the table of an earlier run's log)
set -euo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
LOG=$TOP/build/nested/logs/bench-soak-vhe.log
MIN=60 INT=60 RUN=1
while [ $# -gt 0 ]; do
    case $1 in
    --minutes) MIN=$2; shift 2 ;;
    --interval) INT=$2; shift 2 ;;
    --log) LOG=$2; RUN=0; shift 2 ;;
    *) echo "usage: bench/soak.sh [--minutes M] [--interval S] | --log FILE" >&2; exit 2 ;;
    esac
done
status=0
if [ $RUN = 1 ]; then
    cd "$TOP"
    scripts/deps.sh >/dev/null
    scripts/build.sh >/dev/null
    SOAK_MINUTES=$MIN SOAK_INTERVAL=$INT flock /tmp/brkvm-cpu.lock \
        tests/nested/runner.py --scenario bench-soak --mode vhe >&2 || status=1
fi
echo "| minute | fds | sockets | threads | RSS beyond guest RAM, kB | guest RAM resident, kB |"
echo "|---|---|---|---|---|---|"
tr -d '\r' <"$LOG" | sed -n 's/.*SOAK-ROW minute=\([0-9]*\) fds=\([0-9]*\) sockets=\([0-9]*\) threads=\([0-9]*\) rss_kb=\([0-9]*\) guest_ram_kb=\([0-9]*\).*/| \1 | \2 | \3 | \4 | \5 | \6 |/p'
tr -d '\r' <"$LOG" | grep -o -E 'SOAK-SUMMARY.*|ok: soak.*|FAIL: .*|session [0-9]+ at.*' | tail -4 || true
exit $status
