# gdb-linux-panic - --on-panic: the test kernel panics on CPU 1 (`echo c > /proc/sysrq-trigger`)
# and brkvm, which knows panic() from --symbols (KASLR on), stops it with its own breakpoint:
# (1) gdb attached and running gets the stop (SIGABRT, brkvm's message, thread 2, bt through
# sysrq_handle_crash; panic_attached.py); after detach the guest finishes its panic (panic=-1:
# reset, exit 3); (2) no gdb attached: brkvm prints "guest panic on vCPU 1; waiting for gdb on
# ADDR", holds the guest, and a gdb attaching later sees the same stop (panic_late.py);
# (3) --on-panic exit: exit status 4 and one line, and the guest's own BRKs (a user program's,
# a kprobe's) still reach it while brkvm's breakpoint keeps guest debugging on; (4) the pvpanic device (--pvpanic), driven by
# a bare-metal guest (Debian's kernel has no pvpanic driver): exit 4, and --on-panic none lets
# the guest go on; (5) --on-panic dump:FILE calls the crash-dump writer with both vCPUs held.
# console
# modes: vhe
# timeout: 300
# extra-initrd: testkernel
# expect(170): GUEST-PANIC-READY cpus=2
# gdb&: panic_attached.py
# await(120): attached
# send: crash\r
# wait
# expect(60): RUN1-END
# expect(120): GUEST-PANIC-READY cpus=2
# send: crash\r
# expect(60): waiting for gdb on
# gdb: panic_late.py
# expect(60): RUN2-END
# expect(120): GUEST-PANIC-READY cpus=2
# send: crash\r
# expect(60): RUN3-END
. /scenarios/lib.sh
[ -f /tk/Image ] || fail "no test kernel in the test host (extra-initrd testkernel)"
P="console=ttyS0 earlycon=uart8250,mmio,0x1000000 panic=-1 loglevel=4 brkvm.test=panic"
K="-k /tk/Image -i $L2_INITRD -c 2 -m 256M --symbols /tk/System.map --kaslr-seed 0x0123456789abcdef"

# (1) gdb attached
run_brkvm_console 100 run $K --gdb 0.0.0.0:1234 -p "$P"
echo "RUN1-END rc=$RC"
expect_line /tmp/out.txt '^GUEST-PANIC-NOW' || fail "run 1: the guest did not trigger the panic"
expect_line /tmp/out.txt '^brkvm: guest panic on vCPU 1: sysrq triggered crash; stopped for gdb' ||
    fail "run 1: brkvm did not report the panic stop"
expect_line /tmp/out.txt 'Kernel panic - not syncing: sysrq triggered crash' ||
    fail "run 1: after gdb detached the guest did not finish its panic"
[ "$RC" = 3 ] || fail "run 1: brkvm exited $RC (want 3: the panic's reset after gdb detached)"
ok "run 1: panic stop with gdb attached"

# (2) no gdb attached: brkvm waits for one
run_brkvm_console 100 run $K --gdb 0.0.0.0:1234 -p "$P"
echo "RUN2-END rc=$RC"
expect_line /tmp/out.txt '^brkvm: guest panic on vCPU 1; waiting for gdb on 0\.0\.0\.0:1234 \(sysrq triggered crash\)' ||
    fail "run 2: no 'waiting for gdb' line"
[ "$RC" = 3 ] || fail "run 2: brkvm exited $RC (want 3)"
ok "run 2: the panic held until gdb attached"

# (3) --on-panic exit
run_brkvm_console 100 run $K --on-panic exit -p "$P"
echo "RUN3-END rc=$RC"
[ "$RC" = 4 ] || fail "run 3: --on-panic exit: brkvm exited $RC (want 4)"
expect_line /tmp/out.txt '^brkvm: guest panic on vCPU 1: sysrq triggered crash \(--on-panic exit: exit status 4\)' ||
    fail "run 3: no exit line"
grep -q 'Kernel panic - not syncing' /tmp/out.txt && fail "run 3: the guest went on into its panic"
# with no gdb, brkvm's breakpoint keeps KVM's guest debugging on: the guest's own BRKs still work
expect_line /tmp/out.txt '^BRKTEST traps=3 imms=0,1234,0 OK' ||
    fail "run 3: user BRKs not delivered as SIGTRAP: $(grep -m1 BRKTEST /tmp/out.txt)"
hits=$(sed -n 's/^GUEST-KPROBE hits=\([0-9]*\).*/\1/p' /tmp/out.txt | head -n1)
[ "${hits:-0}" -ge 3 ] || fail "run 3: kprobe on getpid counted ${hits:-no} hits (want >= 3)"
ok "run 3: --on-panic exit gives status 4"

# (4) pvpanic
run_brkvm /tmp/pv.txt run -k $GUESTS/pvpanic.elf --pvpanic
expect_line /tmp/pv.txt '^GUEST-PVPANIC events=0x0*3' || fail "pvpanic: the register did not offer events 3"
expect_line /tmp/pv.txt '^brkvm: guest panic on vCPU 0: reported by pvpanic \(--on-panic exit' ||
    fail "pvpanic: no panic line"
[ "$RC" = 4 ] || fail "pvpanic: brkvm exited $RC (want 4)"
grep -q GUEST-PVPANIC-AFTER /tmp/pv.txt && fail "pvpanic: the guest ran on after --on-panic exit"
run_brkvm /tmp/pv.txt run -k $GUESTS/pvpanic.elf --pvpanic --on-panic none --dump-dtb /tmp/pv.dtb
expect_line /tmp/pv.txt '^GUEST-PVPANIC-AFTER' || fail "pvpanic: --on-panic none did not let the guest go on"
[ "$RC" = 0 ] || fail "pvpanic: --on-panic none: brkvm exited $RC (want 0)"
grep -q 'qemu,pvpanic-mmio' /tmp/pv.dtb || fail "pvpanic: no qemu,pvpanic-mmio node in the DT"
# (5) --on-panic dump:FILE: the other vCPU (powered off, in KVM_RUN) is paused, the dump written
# (an ELF core: the magic and e_type ET_CORE; gdb-linux-dump opens such cores with gdb and drgn), exit 4
rm -f /tmp/pv.core
run_brkvm /tmp/pv.txt run -k $GUESTS/pvpanic.elf -c 2 --pvpanic --on-panic dump:/tmp/pv.core
[ "$RC" = 4 ] || fail "dump: brkvm exited $RC (want 4)"
expect_line /tmp/pv.txt 'reported by pvpanic; crash dump written to /tmp/pv\.core \(exit status 4\)' ||
    fail "dump: no 'crash dump written' line"
hdr=$(head -c 18 /tmp/pv.core | od -An -tx1 | tr -d ' \n')
[ "$hdr" = 7f454c460201010000000000000000000400 ] || fail "dump: /tmp/pv.core is not an ELF64 core (header $hdr)"
echo "PANIC-DUMP written: $(stat -c %s /tmp/pv.core) bytes"
ok "gdb-linux-panic: stop with and without gdb, exit 4, pvpanic"
