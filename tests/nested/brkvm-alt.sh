#!/bin/bash
# brkvm-alt.sh - build/nested/brkvm-alt.cpio (extra initrd brkvm-alt, scenario bench-disk-alt):
# another static arm64 brkvm, $BRKVM_ALT (e.g. a build with a change to measure), as /alt/brkvm
# in the test host.  Packed anew on every call (one file, cheap).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=$(cd "$HERE/../.." && pwd)/build/nested
[ -n "${BRKVM_ALT:-}" ] && [ -f "$BRKVM_ALT" ] ||
    { echo "brkvm-alt: set BRKVM_ALT to a static arm64 brkvm (now '${BRKVM_ALT:-}')" >&2; exit 1; }
file -b "$BRKVM_ALT" | grep -q 'ARM aarch64.*statically linked' ||
    { echo "brkvm-alt: $BRKVM_ALT is not a static arm64 executable" >&2; exit 1; }
S=$(mktemp -d "$OUT/brkvm-alt.XXXXXX")
trap 'rm -rf "$S"' EXIT
mkdir -p "$S/alt"
install -m 755 "$BRKVM_ALT" "$S/alt/brkvm"
(cd "$S" && find alt | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) > "$OUT/brkvm-alt.cpio"
echo "brkvm-alt: $OUT/brkvm-alt.cpio from $BRKVM_ALT" >&2
