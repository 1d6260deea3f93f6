# virtio-devices - Debian's kernel in brkvm with two virtio-blk disks (one read-only), virtio-rng
# and virtio-console (--console virtio), its virtio drivers loaded from modules:
#   - the guest finds each device with the right id and driver (virtio-mmio v2 transport);
#   - vda: size and serial as brkvm set them, the first bytes as the host wrote them, a write at
#     sector 1 lands in the host file, a read past the end fails;
#   - vdb (,ro): read-only in the guest (VIRTIO_BLK_F_RO), a write fails (also with
#     blockdev --setrw: Linux 6.1 still refuses it itself, so the device's own IOERR answer to
#     writes is proven by tests/unit/test_virtio.c), and the host file is unchanged;
#   - /dev/hwrng gives distinct, non-zero data from virtio-rng;
#   - a line written to hvc0 reaches brkvm's stdout.
# Then the disk lock: while one brkvm has rw.img open read-write, a second one is refused
# (exit 2, "in use"), read-write and read-only alike; once the first is gone it is accepted.
# timeout: 170
# extra-initrd: virtio
# modes: vhe
. /scenarios/lib.sh
RUN_LIMIT=140
cat $L2_INITRD /virtio/l2-modules.cpio > /tmp/initrd
dd if=/dev/zero of=/tmp/rw.img bs=1M count=8 2>/dev/null
printf 'BRKVM-DISK-RW' | dd of=/tmp/rw.img conv=notrunc 2>/dev/null
dd if=/dev/zero of=/tmp/ro.img bs=1M count=4 2>/dev/null
printf 'BRKVM-DISK-RO' | dd of=/tmp/ro.img conv=notrunc 2>/dev/null
ro_sum=$(md5sum < /tmp/ro.img)
run_brkvm /tmp/out run -k $L2_IMAGE -i /tmp/initrd -m 256M -c 2 --loglevel info \
    -d /tmp/rw.img -d /tmp/ro.img,ro --rng --console virtio \
    -p "console=ttyS0 brkvm.test=vmods,virtio,blk,rng,hvc"
tr -d '\r' < /tmp/out > /tmp/out.txt
expect_line /tmp/out.txt '^GUEST-DONE' || fail "the guest did not finish (exit $RC)"
[ "$RC" = 0 ] || fail "brkvm exited $RC (want 0)"
grep -E '^brkvm: virtio: virtio-' /tmp/out.txt
grep -E '^GUEST-(VMODS|VIRTIO|BLK|RNG|HVC)' /tmp/out.txt

# the devices as the guest sees them: 0x0002 blk (x2), 0x0003 console, 0x0004 rng
for want in "device=0x0002 .*driver=virtio_blk" "device=0x0003 .*driver=virtio_console" \
            "device=0x0004 .*driver=virtio_rng"; do
    expect_line /tmp/out.txt "^GUEST-VIRTIO .*$want" || fail "no virtio device matching '$want'"
done
[ "$(grep -c 'device=0x0002 .*driver=virtio_blk' /tmp/out.txt)" = 2 ] || fail "not two virtio disks"

# vda: 8 MiB = 16384 sectors, writable, brkvm's serial, the host's bytes
expect_line /tmp/out.txt '^GUEST-BLK vda sectors=16384 ro=0 serial=BRKVM[0-9a-f]+ head=BRKVM-DISK-RW' ||
    fail "vda not as expected: $(grep -m1 'GUEST-BLK vda' /tmp/out.txt)"
expect_line /tmp/out.txt '^GUEST-BLK vdb sectors=8192 ro=1 .*head=BRKVM-DISK-RO' ||
    fail "vdb not as expected (read-only, 4 MiB): $(grep -m1 'GUEST-BLK vdb' /tmp/out.txt)"
expect_line /tmp/out.txt '^GUEST-BLK-WRITE vda rc=0' || fail "the write to vda failed"
got=$(dd if=/tmp/rw.img bs=512 skip=1 count=1 2>/dev/null | tr -dc 'A-Z0-9-')
[ "$got" = GUEST-WROTE-SECTOR1 ] || fail "the guest's write is not in rw.img sector 1: '$got'"
expect_line /tmp/out.txt '^GUEST-BLK-PASTEND vda got=0' || fail "a read past the end of vda returned data"
expect_line /tmp/out.txt '^GUEST-BLK-WRITE vdb rc=[1-9]' || fail "a write to the read-only vdb succeeded"
expect_line /tmp/out.txt '^GUEST-BLK-FORCEDWRITE vdb rc=[1-9]' ||
    fail "a write to vdb with the guest's ro flag cleared succeeded"
[ "$(md5sum < /tmp/ro.img)" = "$ro_sum" ] || fail "ro.img changed"

# rng: two different non-zero reads, 16 KiB delivered
rng=$(grep -m1 '^GUEST-RNG a=' /tmp/out.txt)
a=$(echo "$rng" | sed 's/.* a=\([0-9a-f]*\).*/\1/'); b=$(echo "$rng" | sed 's/.* b=\([0-9a-f]*\).*/\1/')
z=$(echo "$rng" | sed 's/.* zero=\([0-9a-f]*\).*/\1/')
[ -n "$a" ] && [ "$a" != "$b" ] && [ "$a" != "$z" ] || fail "hwrng data not random: $rng"
echo "$rng" | grep -q 'bytes=16384' || fail "hwrng did not deliver 16 KiB: $rng"
expect_line /tmp/out.txt '^GUEST-RNG current=virtio_rng' || fail "virtio_rng is not the current hwrng"

# console: the hvc0 line reached stdout
expect_line /tmp/out.txt '^GUEST-HVC-LINE via hvc0' || fail "nothing written to hvc0 reached brkvm's stdout"
ok "devices found, disk rw/ro/past-end, rng, hvc0"

# the lock: a second brkvm is refused rw.img while the first has it read-write
brkvm run -k $GUESTS/forever.elf -m 64M -d /tmp/rw.img >/tmp/first.out 2>&1 </dev/null &
first=$!
for i in 1 2 3 4 5 6 7 8 9 10; do grep -q GUEST-SESSION /tmp/first.out && break; sleep 0.5; done
grep -q GUEST-SESSION /tmp/first.out || { kill -9 $first; fail "the first brkvm did not start: $(cat /tmp/first.out)"; }
for spec in /tmp/rw.img /tmp/rw.img,ro; do
    run_brkvm /tmp/second run -k $GUESTS/hello.elf -m 64M -d $spec
    [ "$RC" = 2 ] || { kill -9 $first; fail "-d $spec: a second brkvm exited $RC while the first had the disk (want 2)"; }
    grep -q 'in use' /tmp/second || { kill -9 $first; fail "-d $spec: no 'in use' message: $(cat /tmp/second)"; }
done
kill -9 $first; wait $first 2>/dev/null
run_brkvm /tmp/third run -k $GUESTS/hello.elf -m 64M -d /tmp/rw.img
[ "$RC" = 0 ] || fail "after the first brkvm ended, the disk is still refused (exit $RC)"
ok "lock: a second brkvm refused while the first holds the disk ($(grep -m1 'in use' /tmp/second)), accepted after"
