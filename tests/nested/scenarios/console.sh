# console - the guest console's input side, driven by runner.py through QEMU's stdin: brkvm runs
# the Linux guest's interactive demo shell with stdin = the test host's console (a real tty,
# /dev/ttyAMA0, our controlling terminal).  Proves:
#   (a) typed keys reach the guest (UART receive path): `echo $((6*7))-typed` prints 42-typed
#   (b) raw mode: a Ctrl-C byte goes to the guest and interrupts `sleep 1000` there (exit status
#       130 = SIGINT) instead of killing brkvm; the prompt is back within 15 s
#   (c) the UART's interrupt: /proc/interrupts in the guest counts ttyS0 interrupts > 0, and
#       /proc/tty/driver/serial shows the port on a non-zero irq (not polled) with rx > 0 (the
#       8250 driver takes received bytes in its interrupt handler)
#   (d) Ctrl-A x (sent as Ctrl-A Ctrl-A x: QEMU's mux eats one Ctrl-A) ends brkvm with exit 0
#       and "quit from the console (Ctrl-A x)"
#   (e) `stty -g` of the console is the same before and after brkvm (terminal restored)
# The guest's busybox shell sends ESC[6n before each prompt: runner.py removes such sequences
# before matching, and the prompt regex only needs "# " at the end of the output so far.
# console
# timeout: 200
# expect(170): Type 'exit' to power off
# expect: [#$] $
# send: echo $((6*7))-typed\r
# expect: ^42-typed$
# expect: [#$] $
# send: echo SLEEP-START; sleep 1000\r
# expect: ^SLEEP-START$
# pause: 1
# send: \x03
# expect(15): [#$] $
# send: echo SLEEP-RC=$?\r
# expect: ^SLEEP-RC=[0-9]+
# expect: [#$] $
# send: grep -E 'ttyS|serial' /proc/interrupts | sed 's/^/UART-IRQ /'; sed -n 's/^0: /UART-STAT /p' /proc/tty/driver/serial\r
# expect: ^UART-STAT
# expect: [#$] $
# send: \x01\x01x
# expect(30): quit from the console \(Ctrl-A x\)
# modes: vhe
. /scenarios/lib.sh
[ -t 0 ] || fail "stdin is not a terminal (host/init did not give the scenario the console)"
before=$(stty -g) || fail "stty -g failed before brkvm"
echo "CONSOLE stty before: $before"
echo "+ brkvm run -k $L2_IMAGE -i $L2_INITRD -c 2 -m 256M (stdin: $(readlink /proc/self/fd/0))"
{ timeout -s KILL 170 brkvm run -k $L2_IMAGE -i $L2_INITRD -c 2 -m 256M \
    -p "console=ttyS0 earlycon=uart8250,mmio,0x1000000 panic=-1" 2>&1
  echo $? > /tmp/brkvm.rc; } | tee /tmp/out
RC=$(cat /tmp/brkvm.rc)
after=$(stty -g) || fail "stty -g failed after brkvm"
echo "CONSOLE brkvm exit $RC; stty after: $after"
tr -d '\r' < /tmp/out > /tmp/out.txt

[ $RC = 137 ] && fail "brkvm killed after 170 s (the scripted console did not finish it)"
expect_line /tmp/out.txt '^42-typed$' || fail "(a) typed input did not reach the guest: no 42-typed"
expect_line /tmp/out.txt '^SLEEP-START$' || fail "(b) the sleep command did not start"
sleeprc=$(sed -n 's/^SLEEP-RC=\([0-9]*\).*/\1/p' /tmp/out.txt | head -n1)
[ "$sleeprc" = 130 ] || fail "(b) sleep ended with status '${sleeprc:-none}', want 130 (SIGINT from the Ctrl-C byte)"
irqline=$(grep -m1 '^UART-IRQ' /tmp/out.txt)
[ -n "$irqline" ] || fail "(c) no ttyS/serial line in the guest's /proc/interrupts"
count=$(echo "$irqline" | awk '{ n = 0; for (i = 3; $i ~ /^[0-9]+$/; i++) n += $i; print n }')
echo "CONSOLE uart interrupts: $count ($irqline)"
[ "${count:-0}" -gt 0 ] || fail "(c) the UART's interrupt count is 0: $irqline"
stat=$(grep -m1 '^UART-STAT' /tmp/out.txt)
echo "CONSOLE uart driver: $stat"
echo "$stat" | grep -q -E ' irq:[1-9][0-9]* ' || fail "(c) ttyS0 has no interrupt (polled?): $stat"
echo "$stat" | grep -q -E ' rx:[1-9][0-9]*' || fail "(c) ttyS0 counted no received bytes: $stat"
expect_line /tmp/out.txt 'brkvm: quit from the console \(Ctrl-A x\)' ||
    fail "(d) no 'quit from the console (Ctrl-A x)' line (exit $RC)"
[ $RC = 0 ] || fail "(d) brkvm exited $RC after Ctrl-A x (want 0)"
[ "$before" = "$after" ] || fail "(e) terminal not restored: stty -g before $before, after $after"
ok "console input, Ctrl-C in raw mode, $count UART interrupts ($(echo "$stat" | grep -o 'rx:[0-9]*')), Ctrl-A x exit 0, tty restored"
