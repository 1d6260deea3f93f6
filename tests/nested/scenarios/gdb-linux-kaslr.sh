# gdb-linux-kaslr - KASLR without nokaslr: Debian's kernel booted twice with two --kaslr-seed
# values; brkvm finds the slide itself (--symbols: a System.map with _text), tells gdb through
# qOffsets and `monitor kaslr`, and a symbol file relocated by it lets gdb break by name.
# console
# modes: vhe,nvhe
# timeout: 300
# expect(170): GUEST-SYM __arm64_sys_getpid=(?P<getpid>[0-9a-f]{16})
# expect: GUEST-READY
# gdb: kaslr.py
# send: stop\r
# expect(60): GUEST-DONE
# expect(170): GUEST-SYM __arm64_sys_getpid=(?P<getpid>[0-9a-f]{16})
# expect: GUEST-READY
# gdb: kaslr.py
# send: stop\r
# expect(60): GUEST-DONE
. /scenarios/lib.sh
echo "ffff800008000000 T _text" > /tmp/System.map
for seed in 0x1234567812345678 0x0badcafe0badcafe; do
    echo "+ brkvm run -k $L2_IMAGE ... --kaslr-seed $seed --symbols /tmp/System.map --gdb 0.0.0.0:1234"
    { timeout -s KILL 140 brkvm run -k $L2_IMAGE -i $L2_INITRD -c 2 -m 256M --gdb 0.0.0.0:1234 \
        --kaslr-seed $seed --symbols /tmp/System.map \
        -p "console=ttyS0 earlycon=uart8250,mmio,0x1000000 panic=-1 brkvm.test=gdbloop" 2>&1
      echo $? > /tmp/brkvm.rc; } | tee /tmp/out
    RC=$(cat /tmp/brkvm.rc)
    tr -d '\r' < /tmp/out > /tmp/out.txt
    grep -q 'KASLR disabled' /tmp/out.txt && fail "the guest kernel disabled KASLR (seed $seed)"
    expect_line /tmp/out.txt '^GUEST-DONE' || fail "the guest did not finish (seed $seed)"
    [ $RC = 0 ] || fail "brkvm exited $RC (seed $seed)"
done
ok "KASLR slide found and used with two seeds"
