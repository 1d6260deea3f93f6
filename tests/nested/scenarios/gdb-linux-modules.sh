# gdb-linux-modules - Linux's lx-symbols against brkvm, on the test kernel (--no-kaslr: the
# 6.1 lx-symbols reloads vmlinux without an offset): a module loaded before gdb attached gets
# its symbols at once; one loaded while gdb runs the guest is caught by lx-symbols' silent
# breakpoint in do_init_module, and a breakpoint pending on a function of that module (the
# kretprobe sample's entry handler, run from the guest's own kprobe BRK) then hits by name.  The guest
# times both insmods with its own clock (brkvm freezes it while gdb has the guest stopped);
# modules.py times the silent stop from the host.
# console
# modes: vhe,nvhe
# timeout: 300
# extra-initrd: testkernel
# expect(170): GUEST-SYM __arm64_sys_getpid=(?P<getpid>[0-9a-f]{16})
# expect: GUEST-READY
# send: insmod kprobe_example\r
# expect(60): GUEST-INSMOD kprobe_example rc=0 ms=(?P<ms_plain>[0-9]+)
# gdb&: modules.py
# await(200): armed
# send: insmod kretprobe_example\r
# expect(90): GUEST-INSMOD kretprobe_example rc=0 ms=(?P<ms_gdb>[0-9]+)
# wait
# send: stop\r
# expect(60): GUEST-DONE
. /scenarios/lib.sh
[ -f /tk/Image ] || fail "no test kernel in the test host (extra-initrd testkernel)"
cat $L2_INITRD /tk/modules.cpio > /tmp/initrd.cpio
run_brkvm_console 280 run -k /tk/Image -i /tmp/initrd.cpio -c 2 -m 256M --gdb 0.0.0.0:1234 \
    --no-kaslr -p "console=ttyS0 earlycon=uart8250,mmio,0x1000000 panic=-1 loglevel=4 brkvm.test=gdbloop"
grep -q -E 'Internal error|Oops|BUG:|Unable to handle' /tmp/out.txt &&
    fail "guest kernel error: $(grep -m1 -E 'Internal error|Oops|BUG:|Unable to handle' /tmp/out.txt)"
expect_line /tmp/out.txt '^GUEST-INSMOD kretprobe_example rc=0' || fail "insmod under gdb failed"
expect_guest_done
ok "lx-symbols across a module load"
