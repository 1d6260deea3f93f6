# gdb-basic - host gdb-multiarch debugs the counter guest through brkvm's stub (--gdb-wait):
# a breakpoint by symbol hit exactly 10 times, register and memory reads and writes, stepi,
# finish; the guest's output proves the writes reached it.
# timeout: 200
# expect: gdb stub listening on
# gdb: basic.py
. /scenarios/lib.sh
RUN_LIMIT=190
run_brkvm /tmp/out run -k $GUESTS/counter.elf -m 64M --gdb 0.0.0.0:1234 --gdb-wait
expect_line /tmp/out 'GUEST-EXCEPTION' && fail "$(grep -m1 GUEST-EXCEPTION /tmp/out | tr -d '\r')"
# x0 = 100 at the 3rd call: total 55 - 3 + 100 = 0x98; counter = 1000 at the 5th: 1006 = 0x3ee
expect_line /tmp/out 'GUEST-COUNTER counter=0x0+3ee total=0x0+98' ||
    fail "guest output does not show gdb's writes: $(grep -m1 GUEST-COUNTER /tmp/out | tr -d '\r')"
[ $RC = 0 ] || fail "brkvm exited $RC (want 0)"
ok "gdb session drove the guest"
