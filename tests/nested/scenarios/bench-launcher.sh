# bench-launcher - brkvm alone in an already booted test host, for bench/launcher.sh: the same
# guest as the launcher's measurement (Debian's kernel + the guest initramfs, brkvm.test=uname),
# started bench.rounds times (default 2); the runner's log has host-side timestamps for
# BENCH-BRKVM-START, the guest's first console line and GUEST-INIT.
# manual
# recording
# modes: vhe
# timeout: 300
. /scenarios/lib.sh
rounds=2
for arg in $(cat /proc/cmdline); do
    case "$arg" in bench.rounds=*) rounds=${arg#bench.rounds=} ;; esac
done
RUN_LIMIT=90
for r in $(seq "$rounds"); do
    echo "BENCH-BRKVM-START $r"
    run_brkvm /tmp/bench.out run -k "$L2_IMAGE" -i "$L2_INITRD" -m 256M -c 2 \
        -p "console=ttyS0 earlycon=uart8250,mmio,0x1000000 panic=-1 brkvm.test=uname"
    echo "BENCH-BRKVM-END $r rc=$RC"
    [ "$RC" = 0 ] || fail "brkvm exited with $RC in round $r"
done
