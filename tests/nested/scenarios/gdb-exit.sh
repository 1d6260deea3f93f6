# gdb-exit - how an attached gdb hears the end of the guest: brkvm sends the 'W' exit packet with
# its own exit status, as QEMU does (before, the connection just closed and gdb reported an
# error).  The reset guest asks for PSCI SYSTEM_RESET while gdb waits in continue: gdb reports
# "exited with code 03" and brkvm exits 3.  (SYSTEM_OFF -> "exited normally": the other gdb
# scenarios' cont_expect_end.)
# timeout: 120
# expect: gdb stub listening on
# gdb: exit_reset.py
. /scenarios/lib.sh
RUN_LIMIT=100
run_brkvm /tmp/out run -k $GUESTS/reset.elf -m 64M --gdb 0.0.0.0:1234 --gdb-wait
expect_line /tmp/out '^GUEST-RESET-REQUEST' || fail "the guest did not get to its reset"
[ $RC = 3 ] || fail "brkvm exited $RC after the guest's reset (want 3)"
ok "reset under gdb: brkvm exit 3, gdb told with W03"
