# gdb-virtio-stop - while gdb holds the guest stopped, the virtio device threads deliver nothing
# into it (no request completed, no interrupt injected, no console input); queued work goes on
# when it runs again.  Debian's kernel keeps virtio-rng and virtio-blk busy and reads hvc0 (guest
# test vioload, --console virtio); gdb stops it six times for 1.5 s and reads brkvm's per-device
# counters (monitor info virtio) at both ends of each stop; during a last stop the runner types a
# line, which must not arrive before gdb lets the guest go, and must arrive after (virtio_stop.py).
# console
# timeout: 220
# extra-initrd: virtio
# expect(170): GUEST-READY
# gdb&: virtio_stop.py
# await(120): stopped
# pause: 1
# send: ping-while-stopped\r
# wait
# expect(30): GUEST-GOT ping-while-stopped
# send: stop\r
# expect(60): GUEST-VIOLOAD
. /scenarios/lib.sh
cat $L2_INITRD /virtio/l2-modules.cpio > /tmp/initrd
dd if=/dev/zero of=/tmp/d.img bs=1M count=4 2>/dev/null
run_brkvm_console 200 run -k $L2_IMAGE -i /tmp/initrd -m 256M -c 2 --gdb 0.0.0.0:1234 \
    --rng -d /tmp/d.img --console virtio -p "console=ttyS0 brkvm.test=vmods,vioload"
expect_guest_done
grep -E '^GUEST-(GOT|VIOLOAD)' /tmp/out.txt
ok "devices held still while gdb held the guest; typed input arrived after"
