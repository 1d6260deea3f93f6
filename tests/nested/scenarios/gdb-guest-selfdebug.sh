# gdb-guest-selfdebug - a guest that debugs itself (tests/guests/selfdebug.c: its own hardware
# breakpoint, watchpoint and software step, handled by its own vector table at EL1), first alone
# (the baseline, which must show every exception handled: OK), then under gdb (--gdb-wait,
# `break marker`, only software breakpoints): gdb stops only at its breakpoint, every one of the
# guest's debug exceptions is given back to the guest, and the guest prints the same line.
# timeout: 200
# expect: gdb stub listening on
# gdb: selfdebug.py
. /scenarios/lib.sh
run_brkvm /tmp/base run -k $GUESTS/selfdebug.elf -m 64M
expect_line /tmp/base 'GUEST-EXCEPTION' && fail "baseline: $(grep -m1 GUEST-EXCEPTION /tmp/base | tr -d '\r')"
BASE=$(grep -m1 'GUEST-SELFDEBUG ' /tmp/base | tr -d '\r')
case "$BASE" in
"GUEST-SELFDEBUG bp=1 bpelr=ok wp=1 wpfar=0x"*" wpelr=ok wpval=42 steps=5 stepelrs=ok x1=6 OK") ;;
*) fail "baseline run without gdb: '$BASE'" ;;
esac
[ $RC = 0 ] || fail "baseline: brkvm exited $RC (want 0)"
RUN_LIMIT=190
run_brkvm /tmp/out run -k $GUESTS/selfdebug.elf -m 64M --gdb 0.0.0.0:1234 --gdb-wait --loglevel debug
expect_line /tmp/out 'GUEST-EXCEPTION' && fail "under gdb: $(grep -m1 GUEST-EXCEPTION /tmp/out | tr -d '\r')"
GOT=$(grep -m1 'GUEST-SELFDEBUG ' /tmp/out | tr -d '\r')
[ "$GOT" = "$BASE" ] || fail "under gdb the guest printed '$GOT', alone '$BASE'"
[ $RC = 0 ] || fail "brkvm exited $RC (want 0)"
ok "the guest's own breakpoint, watchpoint and steps went to the guest, gdb saw only its breakpoint"
