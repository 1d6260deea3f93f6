#!/bin/bash
# virtio.sh - build/nested/virtio.cpio, a second newc cpio for the test host (scenario tag
# `extra-initrd: virtio`) with what the virtio scenarios need besides brkvm:
#   /virtio/modules/*.ko      Debian's virtio-mmio, -blk, -console, -rng, 9p, ext4 and loop
#                             modules (fetch.sh), for the test host itself (loop + ext4, to
#                             look into a disk image after brkvm is gone)
#   /virtio/l2-modules.cpio   the same modules as /lib/virtio/*.ko, to append to the L2 initrd
#                             (guest/init loads them for brkvm.test=vmods)
#   /virtio/rootfs.ext4       a 16 MiB ext4 root filesystem: busybox and tests/nested/rootfs/init
# Rebuilt when an input is newer than the cpio.  Needs mke2fs (e2fsprogs) on the build machine.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
OUT=$TOP/build/nested
CPIO=$OUT/virtio.cpio
"$HERE/fetch.sh" >/dev/null
if [ -f "$CPIO" ] && [ "$CPIO" -nt "$0" ] && [ "$CPIO" -nt "$HERE/rootfs/init" ] &&
   [ "$CPIO" -nt "$OUT/.fetched" ]; then
    echo "virtio: cached: $CPIO ($(stat -c %s "$CPIO") bytes)" >&2
    exit 0
fi
S=$(mktemp -d "$OUT/virtio.XXXXXX")
trap 'rm -rf "$S"' EXIT
pack() { (cd "$1" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) > "$2"; }
mkdir -p "$S/root/virtio/modules" "$S/l2/lib/virtio" "$S/rootfs"/{bin,sbin,proc,sys,dev,tmp,mnt,etc}
cp "$OUT"/modules-virtio/*.ko "$S/root/virtio/modules/"
cp "$OUT"/modules-virtio/*.ko "$S/l2/lib/virtio/"
pack "$S/l2" "$S/root/virtio/l2-modules.cpio"
cp "$OUT/busybox" "$S/rootfs/bin/busybox"
ln -s busybox "$S/rootfs/bin/sh"
install -m 755 "$HERE/rootfs/init" "$S/rootfs/init"
echo "brkvm ext4 root, built $(date -u +%F)" > "$S/rootfs/etc/brkvm-rootfs"
MKE2FS=$(command -v mke2fs || echo /sbin/mke2fs)
"$MKE2FS" -q -F -t ext4 -L brkvmroot -d "$S/rootfs" "$S/root/virtio/rootfs.ext4" 16M
pack "$S/root" "$CPIO.tmp"
mv "$CPIO.tmp" "$CPIO"
echo "virtio: $CPIO ($(stat -c %s "$CPIO") bytes)" >&2
