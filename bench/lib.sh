# bench/lib.sh - sourced by bench scripts that reprint an earlier run's log (stub.sh, load-smp.sh)
# bench_log_or_run NAME SCENARIO [ARGS...]
#   ARGS empty: scripts/deps.sh, scripts/build.sh, then SCENARIO in vhe mode under the CPU lock
#   /tmp/brkvm-cpu.lock (the runner's output on stderr); LOG = its log,
#   build/nested/logs/SCENARIO-vhe.log, and BENCH_RC = the runner's exit status.
#   ARGS `--log FILE`: no run; LOG=FILE, BENCH_RC=0.  Anything else: bench/NAME.sh's usage, exit 2.
#   Needs TOP (the source tree); leaves the current directory at TOP after a run.
bench_log_or_run() {
    LOG=$TOP/build/nested/logs/$2-vhe.log
    BENCH_RC=0
    case ${3:-} in
    --log) LOG=$4 ;;
    "")
        cd "$TOP"
        scripts/deps.sh >/dev/null
        scripts/build.sh >/dev/null
        flock /tmp/brkvm-cpu.lock tests/nested/runner.py --scenario "$2" --mode vhe >&2 ||
            BENCH_RC=$? ;;
    *) echo "usage: bench/$1.sh [--log FILE]" >&2; exit 2 ;;
    esac
}
