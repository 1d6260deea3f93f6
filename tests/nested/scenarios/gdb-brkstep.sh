# gdb-brkstep - the guest's own BRKs on both vCPUs while gdb single-steps (issue 12, hostile
# guest): the brkstep guest (tests/guests/brkstep.c) has vCPU 1 take `brk #0x77` at 10 kHz of its
# time and vCPU 0 a `brk #0x55` per round of its loop, all handled by the guest itself.  Alone
# first (the baseline), then under gdb (gdb/brkstep.py): stepi on each vCPU while the other runs,
# and continues to a breakpoint where the guest's handler returns.  Every BRK the guest executed
# reached its handler exactly once (issued1 = brks1, x19 = x20 = brks0), no wrong immediate, and
# gdb's answers were right (the script's checks).
# timeout: 280
# modes: vhe
# expect: gdb stub listening on
# gdb: brkstep.py
. /scenarios/lib.sh
counts() {   # the guest's line, or fail
    L=$(grep -m1 'GUEST-BRKSTEP' "$1" | tr -d '\r')
    echo "$L" | grep -qE 'GUEST-BRKSTEP x19=[0-9]+ x20=[0-9]+ brks0=[0-9]+ issued1=[0-9]+ brks1=[0-9]+ bad=[0-9]+ ms=[0-9]+ hz1=[0-9]+$' ||
        fail "$2: no GUEST-BRKSTEP line: $(grep -m1 GUEST- "$1" | tr -d '\r')"
    eval "$(echo "$L" | sed 's/GUEST-BRKSTEP //; s/\([a-z0-9]*\)=\([0-9]*\)/\1=\2;/g')"
    [ "$x19" = "$x20" ] && [ "$x19" = "$brks0" ] ||
        fail "$2: vCPU 0's rounds and its BRKs differ: $L"
    [ "$issued1" = "$brks1" ] || fail "$2: vCPU 1 executed $issued1 BRKs, its handler saw $brks1: $L"
    [ "$bad" = 0 ] || fail "$2: $bad BRKs reached the wrong handler path (immediate): $L"
    [ "$issued1" -gt 0 ] || fail "$2: vCPU 1 took no BRK: $L"
}
run_brkvm /tmp/base run -k $GUESTS/brkstep.elf -m 64M -c 2
expect_line /tmp/base 'GUEST-EXCEPTION' && fail "baseline: $(grep -m1 GUEST-EXCEPTION /tmp/base | tr -d '\r')"
counts /tmp/base "alone"
[ "$x19" = 2000 ] || fail "alone: $x19 rounds, want 2000"
[ $RC = 0 ] || fail "baseline: brkvm exited $RC (want 0)"
BASE="$L"
RUN_LIMIT=260
run_brkvm /tmp/out run -k $GUESTS/brkstep.elf -m 64M -c 2 --gdb 0.0.0.0:1234 --gdb-wait
expect_line /tmp/out 'GUEST-EXCEPTION' && fail "$(grep -m1 GUEST-EXCEPTION /tmp/out | tr -d '\r')"
counts /tmp/out "under gdb"
[ $RC = 0 ] || fail "brkvm exited $RC (want 0)"
ok "the guest's own BRKs while gdb stepped: alone '$BASE', under gdb '$L'"
