# gdb-linux-pac-bt - a backtrace through PAC-signed return addresses, with real DWARF: the test
# kernel (ARM64_PTR_AUTH_KERNEL) with KASLR on, under brkvm with pointer authentication (the VHE
# test host's CPU has it), debugged by gdb 16 (Debian 13's, tests/nested/newgdb.sh: Debian 12's
# gdb 13.1 stops at the first signed return address, see vmlinux.py), which strips kernel PACs
# with brkvm's pauth_cmask_high.
# console
# modes: vhe
# timeout: 240
# extra-initrd: testkernel
# gdb-program: newgdb
# expect(170): GUEST-SYM __arm64_sys_getpid=(?P<getpid>[0-9a-f]{16})
# expect: GUEST-READY
# gdb: pac_bt.py
# send: stop\r
# expect(60): GUEST-DONE
. /scenarios/lib.sh
[ -f /tk/Image ] || fail "no test kernel in the test host (extra-initrd testkernel)"
run_brkvm_console 220 run -k /tk/Image -i $L2_INITRD -c 2 -m 256M --gdb 0.0.0.0:1234 \
    --kaslr-seed 0x0badcafe0badcafe --symbols /tk/System.map --loglevel info \
    -p "console=ttyS0 earlycon=uart8250,mmio,0x1000000 panic=-1 loglevel=4 brkvm.test=gdbloop"
expect_line /tmp/out.txt 'pointer authentication: on' || fail "brkvm did not give the guest pointer authentication"
expect_guest_done
ok "PAC'd kernel backtrace with gdb 16"
