# gdb-linux-early-kaslr - the README's KASLR recipe when gdb attaches before the kernel chose
# its slide: the test kernel with KASLR on, brkvm --gdb-wait --symbols System.map; `gdb vmlinux`
# breaks on start_kernel by name at the link address (brkvm's load map puts the BRK on the right
# physical word), the stop comes at the slid address, `monitor kaslr` gives the slide and
# `symbol-file vmlinux -o SLIDE` makes the session whole (names, breakpoints by name).
# console
# timeout: 240
# extra-initrd: testkernel
# expect(60): gdb stub listening on
# gdb: early_kaslr.py
# expect(170): GUEST-READY
# send: stop\r
# expect(60): GUEST-DONE
. /scenarios/lib.sh
[ -f /tk/Image ] || fail "no test kernel in the test host (extra-initrd testkernel)"
run_brkvm_console 220 run -k /tk/Image -i $L2_INITRD -c 2 -m 256M --gdb 0.0.0.0:1234 --gdb-wait \
    --kaslr-seed 0x1234567812345678 --symbols /tk/System.map \
    -p "console=ttyS0 earlycon=uart8250,mmio,0x1000000 panic=-1 loglevel=4 brkvm.test=gdbloop"
grep -q 'KASLR disabled' /tmp/out.txt && fail "the guest kernel disabled KASLR"
expect_guest_done
ok "early attach with KASLR: break start_kernel, then the slide"
