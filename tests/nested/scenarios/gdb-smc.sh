# gdb-smc - breakpoints over self-modifying code: re-planted over the new instruction, never
# restored over it (the guest's output shows every call ran the current code).
# timeout: 120
# expect: gdb stub listening on
# gdb: smc.py
. /scenarios/lib.sh
run_brkvm /tmp/base run -k $GUESTS/smc.elf -m 64M
expect_line /tmp/base 'GUEST-SMC a=0x0+1 b=0x0+2 c=0x0+2' || fail "baseline: $(grep -m1 GUEST-SMC /tmp/base | tr -d '\r')"
RUN_LIMIT=100
run_brkvm /tmp/out run -k $GUESTS/smc.elf -m 64M --gdb 0.0.0.0:1234 --gdb-wait --loglevel info
expect_line /tmp/out 'GUEST-EXCEPTION' && fail "$(grep -m1 GUEST-EXCEPTION /tmp/out | tr -d '\r')"
expect_line /tmp/out 'GUEST-SMC a=0x0+1 b=0x0+2 c=0x0+2' ||
    fail "under gdb the guest ran stale code: $(grep -m1 GUEST-SMC /tmp/out | tr -d '\r')"
expect_line /tmp/out 'rewrote 1 breakpointed instruction' || fail "brkvm did not notice the rewrite"
[ $RC = 0 ] || fail "brkvm exited $RC (want 0)"
ok "self-modifying code under breakpoints"
