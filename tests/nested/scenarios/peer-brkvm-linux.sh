# peer-brkvm-linux - the brkvm-vs-QEMU comparison of kernel-aware debugging (peer/FEATURES.md):
# peer_linux.py against brkvm (--kaslr-seed, --symbols System.map) on the
# test kernel with KASLR on.  Passes when the script ran to its end; its PEER-FEATURE lines are
# the measurements.
# console
# modes: vhe
# manual
# recording
# timeout: 240
# extra-initrd: qemu-peer,testkernel
# expect: PEER-TARGET (?P<peer>brkvm)
# expect(170): GUEST-SYM __arm64_sys_getpid=(?P<getpid>[0-9a-f]{16})
# expect: GUEST-SYM init_task=(?P<init_task>[0-9a-f]{16})
# expect: GUEST-READY
# gdb: peer_linux.py
# send: stop\r
# expect(60): GUEST-DONE
. /scenarios/lib.sh
. /qemu/lib.sh
[ -f /tk/Image ] || fail "no test kernel in the test host (extra-initrd testkernel)"
echo "PEER-TARGET brkvm"
t0=$(cut -d' ' -f1 /proc/uptime)
run_console 220 brkvm run -k /tk/Image -i $L2_INITRD -c 2 -m 256M --gdb 0.0.0.0:1234 \
    --kaslr-seed 0x5eed0000cafe0001 --symbols /tk/System.map \
    -p "console=ttyS0 earlycon=uart8250,mmio,0x1000000 panic=-1 loglevel=4 brkvm.test=gdbloop"
peer_linux_end "$t0"
