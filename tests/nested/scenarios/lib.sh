# lib.sh - helpers for the scenario scripts (sourced; they run inside the test host, busybox sh).
# Paths inside the test host:
#   /bin/brkvm                    the VMM under test
#   /guests/*.elf, /guests/*.bin  bare-metal test guests (tests/guests)
#   /guest/Image                  L2 Linux kernel (Debian arm64 Image)
#   /guest/initramfs.cpio         L2 initramfs (tests/nested/guest/init)
GUESTS=/guests
L2_IMAGE=/guest/Image
L2_INITRD=/guest/initramfs.cpio

# fail MSG: record the reason for /init's SCENARIO-RESULT line and exit non-zero
fail() {
    echo "FAIL: $*"
    echo "$*" > /tmp/fail-reason
    exit 1
}

ok() { echo "ok: $*"; }

# run_brkvm OUTFILE ARGS...: run `brkvm ARGS` for at most $RUN_LIMIT seconds (default 30),
# its stdout+stderr streamed to the console (prefixed "| ") and saved in OUTFILE; the exit code
# goes to $RC (137: killed at the limit).
RUN_LIMIT=30
run_brkvm() {
    out=$1; shift
    echo "+ brkvm $* (limit ${RUN_LIMIT}s)"
    { timeout -s KILL "$RUN_LIMIT" brkvm "$@" 2>&1 </dev/null; echo $? > /tmp/run_brkvm.rc; } |
        tee "$out" | sed 's/^/  | /'
    RC=$(cat /tmp/run_brkvm.rc)
    echo "  (exit $RC$([ "$RC" = 137 ] && echo ": killed after ${RUN_LIMIT}s"))"
}

# expect_line FILE PATTERN: FILE contains a line matching the grep -E PATTERN
expect_line() { grep -q -E "$2" "$1"; }
