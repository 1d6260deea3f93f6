# gdb-linux - Debian's arm64 kernel under brkvm with 2 vCPUs (nokaslr, KPTI forced on), host gdb
# attached while it runs: a breakpoint on the getpid syscall handler (address from the guest's
# /proc/kallsyms) hit from guest userspace, 2 threads, kernel text read identically from an EL1
# and from an EL0 stop (KPTI: TTBR1 then maps only the trampoline), a breakpoint set while
# stopped at EL0, detach, and the guest finishes its script.
# console
# timeout: 240
# expect(170): GUEST-SYM __arm64_sys_getpid=(?P<getpid>[0-9a-f]{16})
# expect: GUEST-READY
# gdb: linux_smp.py
# send: stop\r
# expect(60): GUEST-DONE
. /scenarios/lib.sh
echo "+ brkvm run -k $L2_IMAGE ... --gdb 0.0.0.0:1234 (stdin: the console)"
{ timeout -s KILL 220 brkvm run -k $L2_IMAGE -i $L2_INITRD -c 2 -m 256M --gdb 0.0.0.0:1234 \
    -p "console=ttyS0 earlycon=uart8250,mmio,0x1000000 panic=-1 nokaslr kpti=1 brkvm.test=gdbloop" 2>&1
  echo $? > /tmp/brkvm.rc; } | tee /tmp/out
RC=$(cat /tmp/brkvm.rc)
tr -d '\r' < /tmp/out > /tmp/out.txt
[ $RC = 137 ] && fail "brkvm killed after 220 s"
expect_line /tmp/out.txt '^GUEST-KPTI [1-9]' || fail "the guest kernel did not enable KPTI"
expect_line /tmp/out.txt '^GUEST-DONE' || fail "the guest did not finish its script after detach"
grep -q -E 'Internal error|Oops|BUG:|Unable to handle' /tmp/out.txt && fail "guest kernel error: $(grep -m1 -E 'Internal error|Oops|BUG:|Unable to handle' /tmp/out.txt)"
[ $RC = 0 ] || fail "brkvm exited $RC (want 0)"
ok "gdb on a 2-vCPU Linux guest"
