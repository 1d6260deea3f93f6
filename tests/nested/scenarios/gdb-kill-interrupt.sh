# gdb-kill-interrupt - gdb's `kill` after a Ctrl-C stop ends brkvm (bench-stub's session brk
# saw brkvm outlive it): the brkloop guest executes its own `brk` in a loop, handled by its own
# vector table; gdb (kill_interrupt.py) breaks on never_called (never hit), continues,
# interrupts after 1 s, then kills.  brkvm must exit 0 with its "killed from the debugger" line
# (without the kill it runs forever: gdb sets run_seconds = 0, the limit kills it: 137).
# Twice: gdb straight to the stub, then through stub_proxy.py as bench-stub runs it (the bench
# SIGKILLed the relay right after the kill, which could drop gdb's `k`: 4 of 13 runs).
# timeout: 150
# expect: KILL-RUN via=(?P<via>direct)
# expect: gdb stub listening on
# gdb: kill_interrupt.py
# expect: KILL-RUN via=(?P<via>proxy)
# expect: gdb stub listening on
# gdb: kill_interrupt.py
. /scenarios/lib.sh
for via in direct proxy; do
    echo "KILL-RUN via=$via"
    RUN_LIMIT=45
    T0=$(awk '{print $1}' /proc/uptime)
    run_brkvm /tmp/out run -k $GUESTS/brkloop.elf -m 64M --gdb 0.0.0.0:1234 --gdb-wait
    EL=$(awk -v a="$T0" '{printf "%.1f", $1 - a}' /proc/uptime)
    echo "brkvm ran ${EL} s (exit $RC)"
    [ "$RC" = 137 ] && fail "$via: brkvm outlived gdb's kill: still running after its ${RUN_LIMIT} s limit"
    expect_line /tmp/out 'GUEST-BRKLOOP' && fail "$via: the guest ended by itself (run_seconds not 0?)"
    expect_line /tmp/out "^brkvm: killed from the debugger \(gdb 'kill'\)" ||
        fail "$via: no 'brkvm: killed from the debugger' line (exit $RC)"
    [ "$RC" = 0 ] || fail "$via: brkvm exited $RC after gdb's kill (want 0)"
    ok "$via: gdb's kill after a Ctrl-C stop ended brkvm (exit 0, ran ${EL} s)"
    sleep 1     # the next brkvm's stub on the same port
done
