# gdb-linux-ftrace - breakpoints in kernel text that ftrace rewrites, on the test kernel: gdb
# breaks on ftrace_call (the call in ftrace's trampoline that the kernel repoints, unvalidated,
# when a tracer starts and stops) and on __arm64_sys_getpid; the guest then turns the function
# tracer on for getpid through tracefs and off again.  The stop at ftrace_call must show the
# kernel's new instruction and step into the tracer; after the kernel wrote the old call back
# over gdb's BRK, removing the breakpoint must leave the kernel's code; the trace must have
# recorded getpid and ftrace must not complain.
# console
# modes: vhe,nvhe
# timeout: 300
# extra-initrd: testkernel
# expect(170): GUEST-SYM __arm64_sys_getpid=(?P<getpid>[0-9a-f]{16})
# expect: GUEST-READY
# gdb&: ftrace.py
# await(200): armed2
# send: ftrace __arm64_sys_getpid\r
# expect(90): GUEST-FTRACE __arm64_sys_getpid rc=0 tracer=function
# await(200): traced
# send: ftrace off\r
# expect(90): GUEST-FTRACE off rc=0 lines=(?P<lines>[0-9]+)
# flag: off
# wait
# send: stop\r
# expect(60): GUEST-DONE
. /scenarios/lib.sh
[ -f /tk/Image ] || fail "no test kernel in the test host (extra-initrd testkernel)"
run_brkvm_console 280 run -k /tk/Image -i $L2_INITRD -c 2 -m 256M --gdb 0.0.0.0:1234 \
    --no-kaslr -p "console=ttyS0 earlycon=uart8250,mmio,0x1000000 panic=-1 brkvm.test=gdbloop"
grep -q -E 'Internal error|Oops|BUG:|Unable to handle|ftrace failed|ftrace faulted|WARNING:' /tmp/out.txt &&
    fail "guest kernel complained: $(grep -m1 -E 'Internal error|Oops|BUG:|Unable to handle|ftrace failed|ftrace faulted|WARNING:' /tmp/out.txt)"
lines=$(sed -n 's/^GUEST-FTRACE off rc=0 lines=\([0-9]*\).*/\1/p' /tmp/out.txt)
[ "${lines:-0}" -gt 0 ] || fail "the function tracer recorded nothing (lines=$lines)"
expect_guest_done
ok "breakpoints over ftrace's self-modifying text; trace lines: $lines"
