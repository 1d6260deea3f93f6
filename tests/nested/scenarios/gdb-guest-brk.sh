# gdb-guest-brk - a guest that handles its own BRKs (#0x800, #0, #4) in its own vector table,
# first alone (the baseline), then under gdb (--gdb-wait, `break marker`): gdb stops only at its
# breakpoint, the guest's BRKs (even `brk #0`) are re-injected, and the guest prints the same;
# then once more, stepping onto and over the guest's own `brk #0x800` (guestbrk_step.py).
# timeout: 200
# expect: gdb stub listening on
# gdb: guestbrk.py
# expect: gdb stub listening on
# gdb: guestbrk_step.py
. /scenarios/lib.sh
WANT='GUEST-BRK count=12 markers=8 imms=800,0,4,800,0,4,800,0,4,800,0,4'
run_brkvm /tmp/base run -k $GUESTS/guestbrk.elf -m 64M
expect_line /tmp/base 'GUEST-EXCEPTION' && fail "baseline: $(grep -m1 GUEST-EXCEPTION /tmp/base | tr -d '\r')"
BASE=$(grep -m1 'GUEST-BRK' /tmp/base | tr -d '\r')
[ "$BASE" = "$WANT" ] ||
    fail "baseline run without gdb: $(grep -m1 'GUEST-BRK' /tmp/base | tr -d '\r')"
[ $RC = 0 ] || fail "baseline: brkvm exited $RC (want 0)"
RUN_LIMIT=190
run_brkvm /tmp/out run -k $GUESTS/guestbrk.elf -m 64M --gdb 0.0.0.0:1234 --gdb-wait
expect_line /tmp/out 'GUEST-EXCEPTION' && fail "$(grep -m1 GUEST-EXCEPTION /tmp/out | tr -d '\r')"
GOT=$(grep -m1 'GUEST-BRK' /tmp/out | tr -d '\r')
[ "$GOT" = "$BASE" ] || fail "under gdb the guest printed '$GOT', alone '$BASE'"
[ $RC = 0 ] || fail "brkvm exited $RC (want 0)"
RUN_LIMIT=190
run_brkvm /tmp/out2 run -k $GUESTS/guestbrk.elf -m 64M --gdb 0.0.0.0:1234 --gdb-wait
expect_line /tmp/out2 'GUEST-EXCEPTION' && fail "stepping over the guest's brk #0x800: $(grep -m1 GUEST-EXCEPTION /tmp/out2 | tr -d '\r')"
GOT=$(grep -m1 'GUEST-BRK' /tmp/out2 | tr -d '\r')
[ "$GOT" = "$BASE" ] || fail "gdb's stepping over the guest's brk #0x800: the guest printed '$GOT', alone '$BASE'"
[ $RC = 0 ] || fail "stepping over the guest's brk #0x800: brkvm exited $RC (want 0)"
ok "the guest's own BRKs went to the guest, gdb saw only its breakpoint"
