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
# Two seconds before the limit a watcher prints where brkvm's threads wait in the kernel
# (hang_report, on stderr: not in OUTFILE), the first clue to a hang.
RUN_LIMIT=30
run_brkvm() {
    out=$1; shift
    echo "+ brkvm $* (limit ${RUN_LIMIT}s)"
    : > "$out"
    # a read loop, not tee | sed: those buffer a pipe, hiding lines (e.g. the gdb stub's
    # "listening" line that the runner waits for) until brkvm exits
    { timeout -s KILL "$RUN_LIMIT" brkvm "$@" 2>&1 </dev/null &
      tpid=$!
      (exec >&2; hang_watch "$tpid" $((RUN_LIMIT - 2))) &   # exec: no copy of the pipe kept
      wait "$tpid"; echo $? > /tmp/run_brkvm.rc; } |
        while IFS= read -r line; do
            printf '  | %s\n' "$line"
            printf '%s\n' "$line" >> "$out"
        done
    RC=$(cat /tmp/run_brkvm.rc)
    echo "  (exit $RC$([ "$RC" = 137 ] && echo ": killed after ${RUN_LIMIT}s"))"
}

# hang_watch TPID SECONDS: hang_report TPID if it still runs after SECONDS (polls each second,
# so it ends within one of TPID)
hang_watch() {
    i=0
    while [ $i -lt "$2" ]; do
        kill -0 "$1" 2>/dev/null || return 0
        sleep 1
        i=$((i + 1))
    done
    hang_report "$1"
}

# hang_report TPID: the brkvm that `timeout` (pid TPID) runs, if still there: each thread's name,
# state, kernel wait channel and kernel stack.  (Busybox's timeout execs the command in its own
# pid; another timeout may run it as a child: both are looked at.)
hang_report() {
    for p in /proc/[0-9]*; do
        [ "${p#/proc/}" = "$1" ] || [ "$(cut -d' ' -f4 "$p/stat" 2>/dev/null)" = "$1" ] || continue
        [ "$(cat "$p/comm" 2>/dev/null)" = brkvm ] || continue
        echo "HANG-REPORT brkvm (pid ${p#/proc/}) near its ${RUN_LIMIT}s limit, its threads:"
        thread_states "${p#/proc/}" "HANG-REPORT  " 8
    done
}

# thread_states PID PREFIX STACKLINES: each thread of PID on a line starting with PREFIX: its
# name, state, kernel wait channel and CPU time (user+system clock ticks; a vCPU's guest time
# counts as user), then the first STACKLINES lines of its kernel stack
thread_states() {
    for t in /proc/$1/task/*; do
        echo "$2 $(cat "$t/comm" 2>/dev/null): state $(cut -d' ' -f3 "$t/stat" 2>/dev/null), wchan $(cat "$t/wchan" 2>/dev/null), utime+stime $(cut -d' ' -f14,15 "$t/stat" 2>/dev/null)"
        [ "$3" = 0 ] || sed "s/^/$2    /" "$t/stack" 2>/dev/null | head -"$3"
    done
}

# expect_line FILE PATTERN: FILE contains a line matching the grep -E PATTERN
expect_line() { grep -q -E "$2" "$1"; }

# host_gic: v3 or v2, the test host's own interrupt controller (QEMU virt gic-version); brkvm
# gets an in-kernel GICv3 from KVM on a v3 host and must fall back to a GICv2 on a v2 host
host_gic() {
    if dmesg | grep -q 'GICv3: '; then echo v3
    elif dmesg | grep -q -E 'GIC: |GICv2'; then echo v2
    else echo unknown; fi
}

# expect_brkvm_gic FILE: brkvm's --loglevel info output in FILE says it created the GIC matching
# the host's (GICv2 only after "no GICv3"); prints the line, or calls fail
expect_brkvm_gic() {
    case $(host_gic) in
    v3) expect_line "$1" '^brkvm: gic: GICv3: distributor' ||
            fail "host has a GICv3 but brkvm did not log 'gic: GICv3: distributor' (--loglevel info)" ;;
    v2) expect_line "$1" '^brkvm: gic: no GICv3' ||
            fail "host has a GICv2 but brkvm did not log 'gic: no GICv3 ...'"
        expect_line "$1" '^brkvm: gic: GICv2: distributor' ||
            fail "host has a GICv2 but brkvm did not log 'gic: GICv2: distributor' (--loglevel info)" ;;
    *) fail "cannot tell the test host's GIC version from dmesg" ;;
    esac
    echo "GIC host=$(host_gic), $(grep -m1 '^brkvm: gic: GICv' "$1" | tr -d '\r')"
}

# run_console LIMIT PROGRAM ARGS...: PROGRAM (brkvm, or the peer QEMU) with the scenario's
# console as its stdin (the runner types into the guest), for at most LIMIT seconds, its output
# on the console and in /tmp/out.txt (CRs removed); the exit code goes to $RC (137: killed)
run_console() {
    limit=$1; shift
    echo "+ $* (limit ${limit}s, stdin: the console)"
    { timeout -s KILL "$limit" "$@" 2>&1; echo $? > /tmp/console.rc; } | tee /tmp/out
    RC=$(cat /tmp/console.rc)
    tr -d '\r' < /tmp/out > /tmp/out.txt
}

# run_brkvm_console LIMIT ARGS...: run_console LIMIT brkvm ARGS...
run_brkvm_console() {
    limit=$1; shift
    run_console "$limit" brkvm "$@"
}

# peer_linux_end T0: the peer-*-linux lines after the VMM ended (T0: uptime when it started)
peer_linux_end() {
    echo "PEER-TIME vmm ran $(awk -v a="$1" '{print $1 - a}' /proc/uptime) s"
    echo "PEER-FEATURE linux-vmm-exit | VMM exit code after the session | info | $RC"
    expect_line /tmp/out.txt '^GUEST-DONE' || fail "the guest did not finish"
    ok "peer_linux"
}

# expect_guest_done: the Linux guest printed GUEST-DONE and brkvm exited 0 (or calls fail)
expect_guest_done() {
    expect_line /tmp/out.txt '^GUEST-DONE' || fail "the guest did not finish"
    [ "$RC" = 0 ] || fail "brkvm exited $RC (want 0)"
}
