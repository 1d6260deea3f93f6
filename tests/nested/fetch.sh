#!/bin/bash
# fetch.sh - download Debian's arm64 kernel (the versioned package behind linux-image-arm64) and
# busybox-static into build/nested/dl/, and unpack:
#   build/nested/vmlinuz      uncompressed arm64 Image (used for the test host L1 and the guest L2)
#   build/nested/busybox      static arm64 busybox
#   build/nested/modules/     the virtio-net modules (for runner.py --gdb-port networking)
#   build/nested/modules-virtio/  virtio-mmio, -blk, -console, -rng, 9p, ext4, loop and their
#                             dependencies (for the L2 guest and the test host: virtio.sh)
# Idempotent: when everything is unpacked already it only prints the paths.
set -euo pipefail
TOP=$(cd "$(dirname "$0")/../.." && pwd)
OUT=$TOP/build/nested
DL=$OUT/dl
mkdir -p "$DL"

if [ -f "$OUT/.fetched" ] && [ -f "$OUT/vmlinuz" ] && [ -x "$OUT/busybox" ] && [ -d "$OUT/modules" ] && [ -f "$OUT/modules-virtio/ext4.ko" ]; then
    echo "fetch: cached: $OUT/vmlinuz ($(cat "$OUT/.fetched"))"
    exit 0
fi

if ! dpkg --print-foreign-architectures | grep -qx arm64 && [ "$(dpkg --print-architecture)" != arm64 ]; then
    echo "fetch: adding the arm64 architecture to dpkg"
    dpkg --add-architecture arm64
    apt-get update -q >/dev/null
fi
# the metapackage depends on the versioned image, e.g. linux-image-6.1.0-28-arm64
kpkg() { apt-cache depends linux-image-arm64:arm64 2>/dev/null |
         awk '/Depends: linux-image-[0-9]/{print $2; exit}' | sed 's/:arm64$//'; }
KPKG=$(kpkg)
if [ -z "$KPKG" ]; then
    apt-get update -q >/dev/null
    KPKG=$(kpkg)
fi
[ -n "$KPKG" ] || { echo "fetch: cannot resolve linux-image-arm64:arm64" >&2; exit 1; }

get() {   # get PKG: download PKG:arm64 into $DL unless a .deb of it is there; print its path
    local deb
    deb=$(ls "$DL/$1"_*_arm64.deb 2>/dev/null | tail -1 || true)
    if [ -z "$deb" ]; then
        (cd "$DL" && apt-get download -q "$1:arm64" 2>&1 | grep -v -i unsandboxed >&2 || true)
        deb=$(ls "$DL/$1"_*_arm64.deb 2>/dev/null | tail -1 || true)
        [ -n "$deb" ] || { echo "fetch: apt-get download $1:arm64 failed" >&2; exit 1; }
    fi
    echo "$deb"
}
KDEB=$(get "$KPKG")
BDEB=$(get busybox-static)

TMP=$OUT/unpack
rm -rf "$TMP" "$OUT/modules" "$OUT/modules-virtio"
mkdir -p "$TMP" "$OUT/modules" "$OUT/modules-virtio"
dpkg-deb -x "$KDEB" "$TMP/k"
dpkg-deb -x "$BDEB" "$TMP/b"
cp "$(ls "$TMP"/k/boot/vmlinuz-* | head -1)" "$OUT/vmlinuz"
cp "$TMP/b/bin/busybox" "$OUT/busybox"
# networking for the gdb port: load order failover, net_failover, virtio_net, virtio_mmio
M=$(ls -d "$TMP"/k/lib/modules/*/kernel)
for m in net/core/failover drivers/net/net_failover drivers/net/virtio_net drivers/virtio/virtio_mmio; do
    cp "$M/$m.ko" "$OUT/modules/"
done
# the virtio devices' drivers (Debian builds them as modules); virtio.sh gives the load order
for m in drivers/virtio/virtio_mmio drivers/block/virtio_blk drivers/char/virtio_console \
         drivers/char/hw_random/virtio-rng lib/crc16 crypto/crc32c_generic fs/mbcache fs/jbd2/jbd2 \
         fs/ext4/ext4 fs/netfs/netfs fs/fscache/fscache net/9p/9pnet net/9p/9pnet_virtio fs/9p/9p \
         drivers/block/loop; do
    cp "$M/$m.ko" "$OUT/modules-virtio/"
done
rm -rf "$TMP" "$OUT/kernel"
echo "$(basename "$KDEB") $(basename "$BDEB")" > "$OUT/.fetched"
echo "fetch: $OUT/vmlinuz from $(basename "$KDEB"), $OUT/busybox from $(basename "$BDEB")"
