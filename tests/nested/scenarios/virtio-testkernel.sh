# virtio-testkernel - the test kernel (tests/nested/kernel/build.sh: its virtio-mmio, -blk,
# -console, -rng and ext4 drivers built in; no networking, so no 9p) boots straight from an
# ext4 root on a virtio disk (root=/dev/vda, no initramfs) with its console on hvc0 (--console
# virtio, console=hvc0 only: every guest line reaches stdout through virtio-console), reads
# /dev/hwrng (--rng), syncs and powers off: brkvm exits 0 and the test host finds the root's
# synced file in the image.
# timeout: 170
# extra-initrd: virtio,testkernel
. /scenarios/lib.sh
RUN_LIMIT=140
cp /virtio/rootfs.ext4 /tmp/root.img
run_brkvm /tmp/out run -k /tk/Image -m 256M -c 2 -d /tmp/root.img --rng \
    --console virtio -p "console=hvc0 root=/dev/vda rootfstype=ext4 rw init=/init brkvm.rootextra"
tr -d '\r' < /tmp/out > /tmp/out.txt
expect_line /tmp/out.txt '^GUEST-ROOT-DONE' || fail "the guest did not finish (exit $RC)"
[ "$RC" = 0 ] || fail "brkvm exited $RC (want 0)"
expect_line /tmp/out.txt '^GUEST-ROOTFS brkvm ext4 root.* root=/dev/root ext4 rw' ||
    fail "the root is not the ext4 disk: $(grep -m1 GUEST-ROOTFS /tmp/out.txt)"
expect_line /tmp/out.txt '^GUEST-ROOT-RNG virtio_rng' || fail "no virtio hwrng: $(grep -m1 GUEST-ROOT-RNG /tmp/out.txt)"
expect_line /tmp/out.txt '^GUEST-ROOT-CONSOLE hvc0' || fail "the console is not hvc0: $(grep -m1 GUEST-ROOT-CONSOLE /tmp/out.txt)"
boot=$(sed -n 's/^GUEST-SYNCED boot=//p' /tmp/out.txt)
for m in loop crc16 crc32c_generic mbcache jbd2 ext4; do insmod /virtio/modules/$m.ko 2>/dev/null; done
mkdir -p /mnt/img
mount -t ext4 -o loop /tmp/root.img /mnt/img || fail "the test host cannot mount the image"
persist=$(cat /mnt/img/persist.txt 2>&1)
umount /mnt/img
[ "$persist" = "persisted by the guest, boot $boot" ] || fail "persist.txt in the image: '$persist'"
ok "test kernel: ext4 root on virtio-blk without initramfs, hvc0 console, hwrng"
