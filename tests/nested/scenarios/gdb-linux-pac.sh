# gdb-linux-pac - pointer authentication for the guest (the VHE test host's CPU has it) and gdb's
# pauth feature: a backtrace through a PAC-signed return address in Debian's kernel is correct.
# console
# modes: vhe
# timeout: 240
# expect(170): GUEST-SYM __arm64_sys_getpid=(?P<getpid>[0-9a-f]{16})
# expect: GUEST-READY
# gdb: linux_pac.py
# send: stop\r
# expect(60): GUEST-DONE
. /scenarios/lib.sh
# --no-pauth turns it off
run_brkvm /tmp/np run -k $GUESTS/hello.elf -m 64M --no-pauth --loglevel info
expect_line /tmp/np 'pointer authentication: off \(--no-pauth\)' || fail "--no-pauth not honoured"
run_brkvm_console 220 run -k $L2_IMAGE -i $L2_INITRD -c 2 -m 256M --gdb 0.0.0.0:1234 --loglevel info \
    -p "console=ttyS0 earlycon=uart8250,mmio,0x1000000 panic=-1 nokaslr brkvm.test=gdbloop"
expect_line /tmp/out.txt 'pointer authentication: on' || fail "brkvm did not give the guest pointer authentication"
expect_guest_done
ok "PAC'd backtrace"
