# gdb-linux-time - Debian's kernel under brkvm, stopped by gdb for 30 s (past the kernel's
# 21 s RCU stall and 20 s soft lockup limits): the guest's clock is
# frozen meanwhile (the virtual counter is saved and restored, as QEMU's kvm-adjvtime), so its
# uptime advances far less than 30 s and its kernel logs no soft lockup or RCU stall; then a
# read watchpoint on the kernel variable jiffies stops it in kernel code.
# console
# timeout: 300
# expect(170): GUEST-JIFFIES-READERS(?P<readers>( [0-9a-f]{16})+)
# expect: GUEST-READY
# gdb: linux_time.py
# pause: 5
# send: stop\r
# expect(60): GUEST-STALLS
. /scenarios/lib.sh
echo "+ brkvm run -k $L2_IMAGE ... --gdb 0.0.0.0:1234 (stdin: the console)"
{ timeout -s KILL 280 brkvm run -k $L2_IMAGE -i $L2_INITRD -c 2 -m 256M --gdb 0.0.0.0:1234 \
    -p "console=ttyS0 earlycon=uart8250,mmio,0x1000000 panic=-1 nokaslr brkvm.test=timewait" 2>&1
  echo $? > /tmp/brkvm.rc; } | tee /tmp/out
RC=$(cat /tmp/brkvm.rc)
tr -d '\r' < /tmp/out > /tmp/out.txt
[ $RC = 137 ] && fail "brkvm killed after 280 s"
before=$(sed -n 's/^GUEST-UPTIME before=//p' /tmp/out.txt)
after=$(sed -n 's/^GUEST-UPTIME after=//p' /tmp/out.txt)
stalls=$(sed -n 's/^GUEST-STALLS //p' /tmp/out.txt)
[ -n "$before" ] && [ -n "$after" ] || fail "no uptime lines"
adv=$(awk "BEGIN { print $after - $before }")
echo "GDB-LINUX-TIME guest uptime advanced ${adv}s across a 30 s stop + 5 s; lockup/stall lines: $stalls"
awk "BEGIN { exit !($adv < 20) }" || fail "guest uptime advanced ${adv}s across the 30 s stop (want < 20)"
[ "$stalls" = 0 ] || fail "the guest kernel complained: $(grep -m1 -i -E 'soft lockup|rcu.*stall|hung task' /tmp/out.txt)"
[ $RC = 0 ] || fail "brkvm exited $RC (want 0)"
ok "guest clock frozen during the stop (uptime +${adv}s), no lockups; rwatch on jiffies"
