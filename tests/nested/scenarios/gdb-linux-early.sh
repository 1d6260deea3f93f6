# gdb-linux-early - `break` on start_kernel set while brkvm holds the vCPUs before the kernel's
# first instruction (--gdb-wait; MMU off, so only brkvm's load map knows where the kernel's
# addresses are: --symbols gives _text's link address).  A first boot reads start_kernel's
# address from /proc/kallsyms (nokaslr: its link address).
# console
# timeout: 300
# expect(170): GUEST-SYM start_kernel=(?P<sk>[0-9a-f]{16})
# expect: GUEST-READY
# send: stop\r
# expect(60): GUEST-DONE
# expect(60): gdb stub listening on
# gdb: early.py
# expect(170): GUEST-READY
# send: stop\r
# expect(60): GUEST-DONE
. /scenarios/lib.sh
echo "ffff800008000000 T _text" > /tmp/System.map
P="console=ttyS0 earlycon=uart8250,mmio,0x1000000 panic=-1 nokaslr brkvm.test=gdbloop"
for run in plain debug; do
    extra=""
    [ $run = debug ] && extra="--gdb 0.0.0.0:1234 --gdb-wait --symbols /tmp/System.map"
    echo "+ brkvm run -k $L2_IMAGE ... $extra"
    { timeout -s KILL 140 brkvm run -k $L2_IMAGE -i $L2_INITRD -c 2 -m 256M $extra -p "$P" 2>&1
      echo $? > /tmp/brkvm.rc; } | tee /tmp/out
    RC=$(cat /tmp/brkvm.rc)
    tr -d '\r' < /tmp/out > /tmp/out.txt
    expect_line /tmp/out.txt '^GUEST-DONE' || fail "the guest did not finish ($run)"
    [ $RC = 0 ] || fail "brkvm exited $RC ($run)"
done
ok "early breakpoint on start_kernel"
