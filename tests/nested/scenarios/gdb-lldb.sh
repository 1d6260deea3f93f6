# gdb-lldb - host lldb-15 (not gdb) debugs the counter guest through brkvm's stub
# (--gdb-wait), three runs: plain `gdb-remote` with no target file (lldb_raw.py: registers,
# memory, a breakpoint by address, continue, si, detach: the guest then finishes unchanged),
# counter.elf as lldb's target (lldb_elf.py: breakpoint by name hit twice, si, thread
# step-inst, a register write the guest's output then shows, a breakpoint by address, detach),
# then `process kill` (lldb_kill.py: the VM ends; lldb reports "failed to send k packet").
# timeout: 260
# expect: gdb stub listening on
# host: lldb_raw.py
# expect: gdb stub listening on
# host: lldb_elf.py
# expect: gdb stub listening on
# host: lldb_kill.py
. /scenarios/lib.sh
RUN_LIMIT=120
run_brkvm /tmp/out1 run -k $GUESTS/counter.elf -m 64M --gdb 0.0.0.0:1234 --gdb-wait
expect_line /tmp/out1 'GUEST-EXCEPTION' && fail "$(grep -m1 GUEST-EXCEPTION /tmp/out1 | tr -d '\r')"
expect_line /tmp/out1 'GUEST-COUNTER counter=0x0+a total=0x0+37' ||
    fail "run 1: the guest did not finish unchanged: $(grep -m1 GUEST-COUNTER /tmp/out1 | tr -d '\r')"
[ $RC = 0 ] || fail "run 1: brkvm exited $RC (want 0)"
ok "lldb without a target file: the guest ran to its end after detach"
run_brkvm /tmp/out2 run -k $GUESTS/counter.elf -m 64M --gdb 0.0.0.0:1234 --gdb-wait
expect_line /tmp/out2 'GUEST-EXCEPTION' && fail "$(grep -m1 GUEST-EXCEPTION /tmp/out2 | tr -d '\r')"
# x0 = 100 at the 2nd call: total 55 - 2 + 100 = 153 = 0x99
expect_line /tmp/out2 'GUEST-COUNTER counter=0x0+a total=0x0+99' ||
    fail "run 2: guest output does not show lldb's register write: $(grep -m1 GUEST-COUNTER /tmp/out2 | tr -d '\r')"
[ $RC = 0 ] || fail "run 2: brkvm exited $RC (want 0)"
ok "lldb sessions drove the guest"
run_brkvm /tmp/out3 run -k $GUESTS/counter.elf -m 64M --gdb 0.0.0.0:1234 --gdb-wait
[ $RC = 0 ] || fail "run 3: brkvm exited $RC after lldb's kill (want 0)"
expect_line /tmp/out3 'killed from the debugger' || fail "run 3: no 'killed from the debugger'"
ok "lldb's process kill ended the VM"
