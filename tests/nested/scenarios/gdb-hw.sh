# gdb-hw - hardware breakpoints (6 slots, the 7th refused) and watch/rwatch/awatch on the
# counter guest's variables, through brkvm's stub.
# timeout: 200
# expect: gdb stub listening on
# gdb: hw.py
. /scenarios/lib.sh
RUN_LIMIT=190
run_brkvm /tmp/out run -k $GUESTS/counter.elf -m 64M --gdb 0.0.0.0:1234 --gdb-wait --loglevel debug
expect_line /tmp/out 'GUEST-EXCEPTION' && fail "$(grep -m1 GUEST-EXCEPTION /tmp/out | tr -d '\r')"
expect_line /tmp/out 'GUEST-COUNTER counter=0x0+a total=0x0+37' ||
    fail "the guest computed something else: $(grep -m1 GUEST-COUNTER /tmp/out | tr -d '\r')"
expect_line /tmp/out '6 hardware breakpoints, 4 watchpoints' || fail "KVM reports other slot counts"
[ $RC = 0 ] || fail "brkvm exited $RC (want 0)"
ok "hardware breakpoints and watchpoints"
