# gdb-cond - breakpoint conditions evaluated in brkvm (gdb's condition-evaluation target): on the
# two-vCPU condsmp guest, the stops of `break hit if i % 50 == 7` evaluated by brkvm are exactly
# those of gdb's own evaluation (same cpu, i and thread), on a software and a hardware
# breakpoint; brkvm goes past the false hits without reporting them; an agent dprintf prints
# the lines gdb's own dprintf prints; a condition reading unmapped memory stops with one log
# line (gdb/cond.py).
# timeout: 300
# modes: vhe nvhe
# expect: gdb stub listening on
# gdb: cond.py
. /scenarios/lib.sh
run_brkvm /tmp/base run -k $GUESTS/condsmp.elf -m 64M -c 2
expect_line /tmp/base 'GUEST-CONDSMP rounds=6 calls=4800' ||
    fail "the guest alone: $(grep -m1 GUEST- /tmp/base | tr -d '\r')"
RUN_LIMIT=280
run_brkvm /tmp/out run -k $GUESTS/condsmp.elf -m 64M -c 2 --gdb 0.0.0.0:1234 --gdb-wait
expect_line /tmp/out 'GUEST-CONDSMP rounds=6 calls=4800' ||
    fail "the guest did not finish its 6 rounds: $(grep -m1 GUEST- /tmp/out | tr -d '\r')"
expect_line /tmp/out 'the condition of the breakpoint at 0x[0-9a-f]+ failed \(.*0x10' ||
    fail "brkvm did not log the condition that read unmapped memory"
[ $RC = 0 ] || fail "brkvm exited $RC (want 0)"
ok "target-evaluated conditions gave gdb's stops on 2 vCPUs"
