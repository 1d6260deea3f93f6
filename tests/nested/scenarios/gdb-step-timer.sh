# gdb-step-timer - single steps while the guest's virtual timer interrupt is pending all the time
# (tests/guests/steptimer.c: GICv3, PPI 27, re-armed every 100 us by its IRQ handler): first
# alone (the baseline: interrupts really arrive, the guest sees its own DAIF), then under gdb
# (steptimer.py): 1000 stepi never enter the IRQ vector, DAIF after each step is the guest's
# own (also across msr daifset/daifclr #2 and mrs x0, daif), no interrupt taken while stepping,
# and after continue the interrupts arrive again and the guest ends with bad=0.
# timeout: 200
# expect: gdb stub listening on
# gdb: steptimer.py
. /scenarios/lib.sh
MIN_IRQS=4000     # steptimer.c's TARGET_IRQS: it ends after so many interrupts
irqs_of() { sed -n 's/.*GUEST-TIMER irqs=\([0-9]*\).*/\1/p' "$1" | head -1; }
run_brkvm /tmp/base run -k $GUESTS/steptimer.elf -m 64M
expect_line /tmp/base 'GUEST-EXCEPTION' && fail "baseline: $(grep -m1 GUEST-EXCEPTION /tmp/base | tr -d '\r')"
expect_line /tmp/base 'GUEST-TIMER irqs=[0-9]+ loops=[0-9]+ bad=0 other=0 ' ||
    fail "baseline run without gdb: $(grep -m1 'GUEST-TIMER' /tmp/base | tr -d '\r')"
N=$(irqs_of /tmp/base)
[ "${N:-0}" -ge $MIN_IRQS ] || fail "baseline: only ${N:-no} timer interrupts (want >= $MIN_IRQS)"
[ $RC = 0 ] || fail "baseline: brkvm exited $RC (want 0)"
RUN_LIMIT=190
run_brkvm /tmp/out run -k $GUESTS/steptimer.elf -m 64M --gdb 0.0.0.0:1234 --gdb-wait
expect_line /tmp/out 'GUEST-EXCEPTION' && fail "$(grep -m1 GUEST-EXCEPTION /tmp/out | tr -d '\r')"
expect_line /tmp/out 'GUEST-TIMER irqs=[0-9]+ loops=[0-9]+ bad=0 other=0 ' ||
    fail "under gdb: $(grep -m1 'GUEST-TIMER' /tmp/out | tr -d '\r')"
M=$(irqs_of /tmp/out)
[ "${M:-0}" -ge $MIN_IRQS ] || fail "under gdb: only ${M:-no} timer interrupts (want >= $MIN_IRQS)"
[ $RC = 0 ] || fail "brkvm exited $RC (want 0)"
ok "stepping with a pending timer interrupt: baseline $N interrupts, under gdb $M"
