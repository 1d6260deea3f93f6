# gdb-linux-brk - the guest's own BRKs keep working while gdb is attached with a breakpoint
# set (on sync(), which nobody calls): a user program with a SIGTRAP handler executes brk #0,
# brk #0x1234, brk #0 (the kernel must deliver three SIGTRAPs), and a kprobe on getpid (arm64
# kprobes are BRK #0x004 plus a BRK #0x006 after the out-of-line step) counts its hits.  brkvm
# re-injects every one of these into the guest; gdb sees no stop but its own interrupt.
# console
# timeout: 240
# expect(170): GUEST-SYM __arm64_sys_sync=(?P<sync>[0-9a-f]{16})
# expect: GUEST-READY
# gdb&: linux_brk.py
# expect(60): <- vCont;c
# send: go\r
# expect(60): GUEST-BRKTEST rc=
# expect(60): GUEST-KPROBE hits=
# flag: done
# wait
# send: stop\r
# expect(60): GUEST-DONE
. /scenarios/lib.sh
echo "+ brkvm run -k $L2_IMAGE ... --gdb 0.0.0.0:1234 --loglevel debug (stdin: the console)"
{ timeout -s KILL 220 brkvm run -k $L2_IMAGE -i $L2_INITRD -c 2 -m 256M --gdb 0.0.0.0:1234 \
    --loglevel debug \
    -p "console=ttyS0 earlycon=uart8250,mmio,0x1000000 panic=-1 nokaslr brkvm.test=brkwait" 2>&1
  echo $? > /tmp/brkvm.rc; } | tee /tmp/out
RC=$(cat /tmp/brkvm.rc)
tr -d '\r' < /tmp/out > /tmp/out.txt
[ $RC = 137 ] && fail "brkvm killed after 220 s"
grep -q -E 'Internal error|Oops|BUG:|Unable to handle|Unexpected kernel BRK' /tmp/out.txt &&
    fail "guest kernel error: $(grep -m1 -E 'Internal error|Oops|BUG:|Unable to handle|Unexpected kernel BRK' /tmp/out.txt)"
expect_line /tmp/out.txt '^BRKTEST traps=3 imms=0,1234,0 OK' ||
    fail "user BRKs not delivered as SIGTRAP: $(grep -m1 BRKTEST /tmp/out.txt)"
hits=$(sed -n 's/^GUEST-KPROBE hits=\([0-9]*\).*/\1/p' /tmp/out.txt | head -n1)
[ "${hits:-0}" -ge 5 ] || fail "kprobe on getpid counted ${hits:-no} hits (want >= 5)"
n=$(grep -c 're-injected' /tmp/out.txt)
echo "GDB-LINUX-BRK kprobe hits=$hits, BRKs re-injected by brkvm: $n"
[ "$n" -ge 3 ] || fail "brkvm logged only $n re-injected BRKs"
expect_line /tmp/out.txt '^GUEST-DONE' || fail "the guest did not finish"
[ $RC = 0 ] || fail "brkvm exited $RC (want 0)"
ok "guest BRK users work with gdb attached (kprobe hits $hits, $n re-injections)"
