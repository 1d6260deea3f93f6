# virtio-root - an ext4 root filesystem on a virtio disk, the shell on hvc0 (virtio-console),
# and kill -9: Debian's kernel boots its initramfs, loads the virtio and ext4 modules, mounts
# /dev/vda (a copy of virtio.sh's rootfs.ext4) and switch_roots into it.  The root's /init
# writes /persist.txt and syncs, writes /fsynced.txt with fsync (a virtio-blk FLUSH), and starts
# a shell on /dev/console = hvc0 (console=ttyS0 console=hvc0, --console virtio): the runner types
# a command there (input through virtio-console's receive queue) that writes /typed.txt and
# syncs.  Then brkvm is killed with SIGKILL -- no chance to flush anything -- and the test host
# mounts the image itself (loop + ext4): the three files hold what the guest wrote.
# console
# timeout: 200
# extra-initrd: virtio
# expect(170): GUEST-ROOTFS brkvm ext4 root.* root=/dev/vda ext4 rw
# expect: GUEST-FSYNCED
# expect: GUEST-SHELL
# expect: [#$] $
# send: echo typed-on-hvc0 > /typed.txt && sync && echo GUEST-TYPED-$((40+2))\r
# expect: GUEST-TYPED-42
# modes: vhe
. /scenarios/lib.sh
[ -t 0 ] || fail "stdin is not a terminal (host/init did not give the scenario the console)"
cat $L2_INITRD /virtio/l2-modules.cpio > /tmp/initrd
cp /virtio/rootfs.ext4 /tmp/root.img
# kill -9 brkvm once the guest said its typed command was synced
( for i in $(seq 1 900); do
      grep -q '^GUEST-TYPED-42' /tmp/out 2>/dev/null && break
      sleep 0.2
  done
  kill -9 $(pidof brkvm) 2>/dev/null ) &
run_brkvm_console 170 run -k $L2_IMAGE -i /tmp/initrd -m 256M -d /tmp/root.img --console virtio \
    -p "console=ttyS0 console=hvc0 brkvm.test=vmods,root"
[ "$RC" = 137 ] || fail "brkvm was not killed by SIGKILL (exit $RC)"
grep -q '^GUEST-TYPED-42' /tmp/out.txt || fail "the typed command did not run in the guest's shell"
boot=$(sed -n 's/^GUEST-SYNCED boot=//p' /tmp/out.txt)
[ -n "$boot" ] || fail "no GUEST-SYNCED line"
echo "brkvm killed with SIGKILL after the guest's sync; looking into the image"
for m in loop crc16 crc32c_generic mbcache jbd2 ext4; do insmod /virtio/modules/$m.ko 2>/dev/null; done
mkdir -p /mnt/img
mount -t ext4 -o loop /tmp/root.img /mnt/img || fail "the test host cannot mount the image after the kill"
persist=$(cat /mnt/img/persist.txt 2>&1); fsynced=$(cat /mnt/img/fsynced.txt 2>&1); typed=$(cat /mnt/img/typed.txt 2>&1)
umount /mnt/img
echo "persist.txt: $persist"; echo "fsynced.txt: $fsynced"; echo "typed.txt: $typed"
[ "$persist" = "persisted by the guest, boot $boot" ] || fail "persist.txt in the image: '$persist'"
[ "$fsynced" = "$boot" ] || fail "fsynced.txt in the image: '$fsynced' (want $boot)"
[ "$typed" = typed-on-hvc0 ] || fail "typed.txt in the image: '$typed'"
ok "ext4 root on virtio-blk, shell on hvc0, synced writes survive kill -9 of brkvm"
