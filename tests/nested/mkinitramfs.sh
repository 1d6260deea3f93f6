#!/bin/bash
# mkinitramfs.sh - build the two initramfs images of the nested tests (uncompressed newc cpio:
# gunzip under emulation costs seconds):
#   build/nested/guest-initramfs.cpio  L2: busybox + tests/nested/guest/init (Linux inside brkvm)
#   build/nested/host-initramfs.cpio   L1 test host: busybox, brkvm, the test guests, the L2
#                                      kernel + initramfs, tests/nested/scenarios/, host/init
#   build/nested/launcher-initramfs.cpio  L1 test host as scripts/brkvm-x86 boots it: busybox,
#                                      brkvm, the virtio/9p/net modules, host/brkvm-x86-init
# Usage: mkinitramfs.sh [BRKVM [GUESTS_DIR]]   (or env BRKVM=, GUESTS=)
#        mkinitramfs.sh --launcher [BRKVM]     only launcher-initramfs.cpio
#   BRKVM       static arm64 brkvm binary (default build/cross/brkvm; may be missing: the
#               host then only runs scenarios that need no brkvm, e.g. kvmcheck)
#   GUESTS_DIR  directory with the built test guests (default build/cross/tests/guests)
# Runs tests/nested/fetch.sh first (cached).  Needs no root: /dev/console is written by hand.
set -euo pipefail
LAUNCHER_ONLY=0
if [ "${1:-}" = --launcher ]; then LAUNCHER_ONLY=1; shift; fi
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
OUT=$TOP/build/nested
BRKVM=${1:-${BRKVM:-$TOP/build/cross/brkvm}}
GUESTS=${2:-${GUESTS:-$TOP/build/cross/tests/guests}}

"$HERE/fetch.sh" >/dev/null

# devnodes OUTFILE: a newc archive with /dev and /dev/console (c 5 1), without mknod/root.
# The kernel opens /dev/console for init's stdio before /init can mount devtmpfs.
devnodes() {
    python3 - "$1" <<'PY'
import sys
def ent(name, mode, rmaj=0, rmin=0):
    name = name.encode() + b"\0"
    h = b"070701" + b"".join(b"%08X" % v for v in (
        0, mode, 0, 0, 1, 0, 0, 0, 0, rmaj, rmin, len(name), 0))
    h += name
    return h + b"\0" * (-len(h) % 4)
data = ent("dev", 0o40755) + ent("dev/console", 0o20600, 5, 1) + ent("TRAILER!!!", 0)
open(sys.argv[1], "wb").write(data + b"\0" * (-len(data) % 512))
PY
}

# pack DIR OUTFILE: DIR's tree, then the device nodes, as one concatenated newc stream
pack() {
    (cd "$1" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) > "$2"
    devnodes "$2.dev"
    cat "$2.dev" >> "$2"
    rm -f "$2.dev"
}

skel() {   # skel DIR: busybox + empty mount points
    rm -rf "$1"
    mkdir -p "$1"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,root,etc}
    cp "$OUT/busybox" "$1/bin/busybox"
    ln -s busybox "$1/bin/sh"
}

# L1 test host of scripts/brkvm-x86: only what brkvm-x86-init needs (the user's files come in
# over virtio-9p and virtio-blk)
if [ -f "$BRKVM" ]; then
    L=$(mktemp -d "$OUT/rootfs-launcher.XXXXXX")     # (several launchers may build at once)
    skel "$L"
    install -m 755 "$HERE/host/brkvm-x86-init" "$L/init"
    mkdir -p "$L/lib/virtio" "$L/lib/net"
    cp "$OUT"/modules-virtio/*.ko "$L/lib/virtio/"
    cp "$OUT"/modules/*.ko "$L/lib/net/"
    install -m 755 "$BRKVM" "$L/bin/brkvm"
    pack "$L" "$OUT/launcher-initramfs.cpio.$$"
    mv "$OUT/launcher-initramfs.cpio.$$" "$OUT/launcher-initramfs.cpio"
    rm -rf "$L"
elif [ $LAUNCHER_ONLY = 1 ]; then
    echo "mkinitramfs: no brkvm at $BRKVM (build it: scripts/build.sh)" >&2
    exit 1
fi
if [ $LAUNCHER_ONLY = 1 ]; then
    echo "mkinitramfs: $OUT/launcher-initramfs.cpio ($(stat -c %s "$OUT/launcher-initramfs.cpio") bytes)"
    exit 0
fi

# L2 guest
G=$OUT/rootfs-guest
skel "$G"
install -m 755 "$HERE/guest/init" "$G/init"
# the guest's test programs (tests/nested/guest/meson.build), next to the brkvm binary
GPROGS=$(dirname "$BRKVM")/tests/nested/guest
for prog in brktest diskbench getpid3; do
    if [ -x "$GPROGS/$prog" ]; then
        install -m 755 "$GPROGS/$prog" "$G/bin/$prog"
    else
        echo "mkinitramfs: warning: no $GPROGS/$prog (build it with scripts/build.sh)" >&2
    fi
done
pack "$G" "$OUT/guest-initramfs.cpio"

# L1 test host
H=$OUT/rootfs-host
skel "$H"
install -m 755 "$HERE/host/init" "$H/init"
mkdir -p "$H/guest" "$H/guests" "$H/scenarios" "$H/modules"
cp "$OUT/vmlinuz" "$H/guest/Image"
cp "$OUT/guest-initramfs.cpio" "$H/guest/initramfs.cpio"
cp "$HERE"/scenarios/*.sh "$H/scenarios/"
cp "$OUT"/modules/*.ko "$H/modules/"
[ -x "$GPROGS/gdbping" ] && install -m 755 "$GPROGS/gdbping" "$H/bin/gdbping"
[ -x "$GPROGS/vmmtime" ] && install -m 755 "$GPROGS/vmmtime" "$H/bin/vmmtime"
if [ -f "$BRKVM" ]; then
    install -m 755 "$BRKVM" "$H/bin/brkvm"
    file -b "$BRKVM" | grep -q 'statically linked' ||
        echo "mkinitramfs: warning: $BRKVM is not statically linked: it will not run in the test host" >&2
    echo "mkinitramfs: brkvm from $BRKVM"
else
    echo "mkinitramfs: warning: no brkvm at $BRKVM: only scenarios without it can pass" >&2
fi
n=0
for f in "$GUESTS"/*.elf "$GUESTS"/*.bin; do
    [ -f "$f" ] && cp "$f" "$H/guests/" && n=$((n + 1))
done
[ $n -gt 0 ] || echo "mkinitramfs: warning: no test guests in $GUESTS" >&2
pack "$H" "$OUT/host-initramfs.cpio"
rm -rf "$G" "$H"
echo "mkinitramfs: $OUT/guest-initramfs.cpio ($(stat -c %s "$OUT/guest-initramfs.cpio") bytes)," \
     "$OUT/host-initramfs.cpio ($(stat -c %s "$OUT/host-initramfs.cpio") bytes, $n guests)"
