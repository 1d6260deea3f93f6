# gdb-linux-vmlinux - a kernel developer's `gdb vmlinux` session on the test kernel
# (tests/nested/kernel: DWARF, vmlinux-gdb.py) booted with KASLR (a --kaslr-seed) and
# --symbols System.map: target remote relocates vmlinux by brkvm's qOffsets, then break by
# name, bt, p jiffies, and Linux's gdb scripts: lx-version, lx-dmesg, lx-ps, lx-lsmod and
# $lx_current() on each vCPU.
# console
# modes: vhe,nvhe
# timeout: 300
# extra-initrd: testkernel
# expect(170): GUEST-SYM __arm64_sys_getpid=(?P<getpid>[0-9a-f]{16})
# expect: GUEST-SYM start_kernel=(?P<start_kernel>[0-9a-f]{16})
# expect: GUEST-SYM init_task=(?P<init_task>[0-9a-f]{16})
# expect: GUEST-SYM jiffies=(?P<jiffies>[0-9a-f]{16})
# expect: GUEST-PIDS (?P<pids>[0-9]+ [0-9]+)
# expect: GUEST-READY
# gdb: vmlinux.py
# send: stop\r
# expect(60): GUEST-DONE
. /scenarios/lib.sh
[ -f /tk/Image ] || fail "no test kernel in the test host (extra-initrd testkernel)"
cat $L2_INITRD /tk/modules.cpio > /tmp/initrd.cpio
SEED=0x5eed0000cafe0001
run_brkvm_console 280 run -k /tk/Image -i /tmp/initrd.cpio -c 2 -m 256M --gdb 0.0.0.0:1234 \
    --kaslr-seed $SEED --symbols /tk/System.map \
    -p "console=ttyS0 earlycon=uart8250,mmio,0x1000000 panic=-1 loglevel=4 brkvm.test=gdbloop"
grep -q 'KASLR disabled' /tmp/out.txt && fail "the guest kernel disabled KASLR"
grep -q -E 'Internal error|Oops|BUG:|Unable to handle' /tmp/out.txt &&
    fail "guest kernel error: $(grep -m1 -E 'Internal error|Oops|BUG:|Unable to handle' /tmp/out.txt)"
expect_guest_done
ok "gdb vmlinux session with KASLR and Linux's gdb scripts"
