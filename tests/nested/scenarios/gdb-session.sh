# gdb-session - two gdb sessions against a guest that runs forever (tests/guests/forever.c),
# brkvm with --gdb but no --gdb-wait: attach to the running guest, breakpoint, detach with the
# breakpoint inserted; attach again: the code is intact, the guest ran on, a third connection is
# refused, Ctrl-C interrupts a continue, `kill` ends brkvm with exit code 0.
# timeout: 200
# expect: gdb stub listening on
# expect: GUEST-SESSION counter=
# gdb: session1.py
# pause: 1
# gdb: session2.py
. /scenarios/lib.sh
RUN_LIMIT=190
run_brkvm /tmp/out run -k $GUESTS/forever.elf -m 64M --gdb 0.0.0.0:1234 --loglevel info
expect_line /tmp/out 'GUEST-EXCEPTION' && fail "$(grep -m1 GUEST-EXCEPTION /tmp/out | tr -d '\r')"
expect_line /tmp/out 'debugger detached: guest running' ||
    fail "brkvm did not log the first session's detach"
expect_line /tmp/out 'a second debugger tried to connect: refused' ||
    fail "brkvm did not log the refused third connection"
expect_line /tmp/out 'killed from the debugger' || fail "brkvm did not say 'killed from the debugger'"
[ $RC = 0 ] || fail "brkvm exited $RC after gdb's kill (want 0)"
ok "two sessions, detach, refused third client, Ctrl-C, kill"
