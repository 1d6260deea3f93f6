# gdb-monitor - brkvm's monitor commands (help, info vcpus/sysregs/mem/breakpoints, reset,
# quit) and the system-register feature of the target description, through host gdb.
# timeout: 200
# expect: gdb stub listening on
# gdb: monitor.py
. /scenarios/lib.sh
RUN_LIMIT=190
run_brkvm /tmp/out run -k $GUESTS/counter.elf -m 64M -c 2 --gdb 0.0.0.0:1234 --gdb-wait
expect_line /tmp/out 'GUEST-EXCEPTION' && fail "$(grep -m1 GUEST-EXCEPTION /tmp/out | tr -d '\r')"
expect_line /tmp/out 'quit from the gdb monitor' || fail "no 'quit from the gdb monitor' line"
expect_line /tmp/out 'GUEST-COUNTER' && fail "the guest ran to its end although it was quit at a breakpoint"
[ $RC = 0 ] || fail "brkvm exited $RC (want 0)"
ok "monitor commands"
