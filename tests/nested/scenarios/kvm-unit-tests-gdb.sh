# kvm-unit-tests-gdb - kvm-unit-tests' debug tests (debug.flat: bp = the guest's own hardware
# breakpoints, wp = its watchpoints, ss = its software step) under brkvm with gdb attached
# (gdb/kut_debug.py: --gdb-wait, one software breakpoint on code the run never executes, then
# continue).  KVM traps the guest's debug exceptions while gdb debugs; brkvm must give them back
# to the guest: bp and wp must pass as they do without gdb (checked first, same command line as
# kvm-unit-tests' arm/run builds).  ss is reported, not judged (KUT-GDB lines): while guest
# debugging is on, KVM clears the guest's MDSCR_EL1.SS on every entry, so the guest cannot step
# itself (README: "Limitation").
# timeout: 300
# modes: vhe
# extra-initrd: kut
# gdb: kut_debug.py
. /scenarios/lib.sh
K=/kut/kvm-unit-tests/arm/debug.flat
OPTS="--cpus 1 --nodefaults --network mode=none --loglevel=warning"
verdict() { # FILE: the test's summary, or why there is none
    s=$(grep -m1 '^SUMMARY:' "$1" | tr -d '\r')
    grep -q '^EXIT: STATUS=1' "$1" || s="${s:-no SUMMARY} (no EXIT: STATUS=1)"
    grep -q '^FAIL' "$1" && s="$s; $(grep '^FAIL' "$1" | tr -d '\r' | tr '\n' ' ')"
    echo "${s:-no SUMMARY}"
}
for t in bp wp ss; do
    RUN_LIMIT=60
    run_brkvm /tmp/alone-$t run --kernel $K --params $t $OPTS
    RUN_LIMIT=120
    run_brkvm /tmp/gdb-$t run --kernel $K --params $t $OPTS --gdb 0.0.0.0:1234 --gdb-wait
    echo "KUT-GDB $t | alone: $(verdict /tmp/alone-$t) | under gdb: $(verdict /tmp/gdb-$t) (exit $RC)"
    eval "rc_$t=$RC"
done
for t in bp wp; do
    a=$(verdict /tmp/alone-$t) g=$(verdict /tmp/gdb-$t)
    case "$a" in "SUMMARY: "*" tests") ;; *) fail "debug-$t without gdb: $a" ;; esac
    [ "$g" = "$a" ] || fail "debug-$t under gdb: '$g', without gdb: '$a'"
done
[ "$rc_bp" = 0 ] && [ "$rc_wp" = 0 ] || fail "brkvm under gdb exited bp=$rc_bp wp=$rc_wp (want 0)"
ok "debug-bp and debug-wp pass with gdb attached ($(verdict /tmp/gdb-bp), $(verdict /tmp/gdb-wp))"
