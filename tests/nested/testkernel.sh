#!/bin/bash
# testkernel.sh - build/nested/testkernel.cpio: the test kernel (tests/nested/kernel/build.sh:
# Linux 6.1 with DWARF, KALLSYMS_ALL, kprobes, ftrace, pointer authentication, KASLR) as a
# second newc cpio to append to host-initramfs.cpio (scenario tag `extra-initrd: testkernel`).
# Files in the test host:
#   /tk/Image         the kernel (boots on brkvm with the 8250, on QEMU virt with the PL011)
#   /tk/modules.cpio  an L2 initramfs part to append to /guest/initramfs.cpio: /modules/*.ko
#                     (the kprobe samples, built with this kernel)
#   /tk/System.map    its symbols (for brkvm --symbols)
#   /tk/build-id      the build's config hash, so a test can tell that host-side vmlinux matches
# The host side (gdb) uses build/kernel/current/{vmlinux,vmlinux-gdb.py,modules/}.
# Rebuilt when the kernel build is newer than the cpio.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
OUT=$TOP/build/nested
CPIO=$OUT/testkernel.cpio
mkdir -p "$OUT"
"$HERE/kernel/build.sh" >&2
K=$(readlink -f "$TOP/build/kernel/current")
if [ -f "$CPIO" ] && [ "$CPIO" -nt "$K/.done" ] && [ "$CPIO" -nt "$0" ]; then
    echo "testkernel: cached: $CPIO ($(stat -c %s "$CPIO") bytes)" >&2
    exit 0
fi
S=$(mktemp -d "$OUT/testkernel.XXXXXX")
trap 'rm -rf "$S"' EXIT
mkdir -p "$S/root/tk" "$S/mods/modules"
cp -L "$K/Image" "$S/root/tk/Image"
cp "$K/System.map" "$S/root/tk/System.map"
cp "$K"/modules/*.ko "$S/mods/modules/"
basename "$K" > "$S/root/tk/build-id"
pack() { (cd "$1" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) > "$2"; }
pack "$S/mods" "$S/root/tk/modules.cpio"
pack "$S/root" "$CPIO.tmp"
mv "$CPIO.tmp" "$CPIO"
echo "testkernel: $CPIO ($(stat -c %s "$CPIO") bytes, kernel $(basename "$K"))" >&2
