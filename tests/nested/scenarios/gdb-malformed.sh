# gdb-malformed - a raw-socket client (host: malformed.py) sends the stub every class of
# malformed packet while the counter guest waits in --gdb-wait; the stub answers each correctly
# and keeps working, and the guest finally runs to completion unharmed after '$c#63'.
# timeout: 200
# expect: gdb stub listening on
# host: malformed.py
. /scenarios/lib.sh
RUN_LIMIT=190
run_brkvm /tmp/out run -k $GUESTS/counter.elf -m 64M --gdb 0.0.0.0:1234 --gdb-wait
expect_line /tmp/out 'GUEST-EXCEPTION' && fail "$(grep -m1 GUEST-EXCEPTION /tmp/out | tr -d '\r')"
expect_line /tmp/out 'GUEST-COUNTER counter=0x0+a total=0x0+37' ||
    fail "the guest did not finish unharmed: $(grep -m1 GUEST-COUNTER /tmp/out | tr -d '\r')"
[ $RC = 0 ] || fail "brkvm exited $RC (want 0)"
ok "the stub survived the malformed packets"
