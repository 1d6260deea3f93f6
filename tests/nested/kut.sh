#!/bin/bash
# kut.sh - build/nested/kut.cpio: kvm-unit-tests (arm64, --target=kvmtool) and kvmtool's
# lkvm-static, both built from ../shared/third_party/ (unpacked into build/kut/, never committed),
# plus what kvm-unit-tests' run_tests.sh needs that busybox lacks: Debian's bash-static, coreutils'
# timeout (run_tests uses `timeout -k 1s --foreground`), util-linux's enhanced getopt and
# libc-bin's getconf (with glibc's loader and libc.so.6).  A second newc cpio appended to
# host-initramfs.cpio (scenario tag `extra-initrd: kut`).  Files in the test host:
#   /kut/kvm-unit-tests/   run_tests.sh, config.mak (HOST=aarch64), scripts/, errata.txt,
#                          arm/run, arm/unittests.cfg, arm/*.flat
#   /kut/bin/              bash, lkvm-static, timeout, getopt, getconf (the last three: wrappers
#                          running /kut/libexec/NAME through /kut/lib's loader)
#   /usr/bin/env           -> /bin/busybox (the suite's scripts start with #!/usr/bin/env bash)
# Cached: the builds under build/kut/ are redone when a tarball is newer than their result, the
# cpio when missing or older than this script or the builds.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
OUT=$TOP/build/nested
K=$TOP/build/kut
CPIO=$OUT/kut.cpio
TP=${THIRD_PARTY:-$TOP/../shared/third_party}
[ -d "$TP" ] || TP=/work/shared/third_party
KUT_TGZ=$TP/kvm-unit-tests-1da1819e.tar.gz
KVMTOOL_TGZ=$TP/kvmtool-b48735e.tar.gz
SYSROOT=$TOP/build/sysroot-arm64/usr
CROSS=aarch64-linux-gnu-
for f in "$KUT_TGZ" "$KVMTOOL_TGZ"; do
    [ -f "$f" ] || { echo "kut: $f missing (shared/third_party)" >&2; exit 1; }
done
mkdir -p "$K" "$OUT"
# the cross compiler and the arm64 sysroot come from scripts/deps.sh; make too, if missing
if ! command -v make >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q make >/dev/null 2>&1 ||
        { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q make >/dev/null; }
fi
command -v ${CROSS}gcc >/dev/null || { echo "kut: no aarch64-linux-gnu-gcc (run scripts/deps.sh)" >&2; exit 1; }

# 1. kvmtool's lkvm-static (libfdt: the sysroot's static library and headers, in one directory
#    as kvmtool's LIBFDT_DIR wants them)
LKVM=$K/kvmtool/lkvm-static
if [ ! -x "$LKVM" ] || [ "$KVMTOOL_TGZ" -nt "$LKVM" ]; then
    [ -f "$SYSROOT/lib/aarch64-linux-gnu/libfdt.a" ] ||
        { echo "kut: no libfdt.a in $SYSROOT (run scripts/deps.sh)" >&2; exit 1; }
    rm -rf "$K/kvmtool" "$K/libfdt"
    mkdir -p "$K/libfdt"
    cp "$SYSROOT/lib/aarch64-linux-gnu/libfdt.a" "$SYSROOT/include/libfdt.h" \
       "$SYSROOT/include/libfdt_env.h" "$SYSROOT/include/fdt.h" "$K/libfdt/"
    tar -C "$K" -xzf "$KVMTOOL_TGZ"
    echo "kut: building kvmtool lkvm-static" >&2
    nice make -C "$K/kvmtool" -j2 ARCH=arm64 CROSS_COMPILE=$CROSS LIBFDT_DIR="$K/libfdt" \
        lkvm-static > "$K/kvmtool.log" 2>&1 ||
        { tail -20 "$K/kvmtool.log" >&2; echo "kut: kvmtool build failed" >&2; exit 1; }
fi

# 2. kvm-unit-tests for arm64, target kvmtool (the UART and exit conventions kvmtool has)
KUT=$K/kvm-unit-tests
if [ ! -f "$KUT/arm/selftest.flat" ] || [ "$KUT_TGZ" -nt "$KUT/arm/selftest.flat" ]; then
    rm -rf "$KUT"
    tar -C "$K" -xzf "$KUT_TGZ"
    echo "kut: building kvm-unit-tests" >&2
    (cd "$KUT" && ./configure --arch=arm64 --cross-prefix=$CROSS --target=kvmtool &&
        nice make -j2) > "$K/kvm-unit-tests.log" 2>&1 ||
        { tail -20 "$K/kvm-unit-tests.log" >&2; echo "kut: kvm-unit-tests build failed" >&2; exit 1; }
fi

if [ -f "$CPIO" ] && [ "$CPIO" -nt "$0" ] && [ "$CPIO" -nt "$LKVM" ] &&
   [ "$CPIO" -nt "$KUT/arm/selftest.flat" ]; then
    echo "kut: cached: $CPIO ($(stat -c %s "$CPIO") bytes)" >&2
    exit 0
fi

# 3. Debian's arm64 bash-static, coreutils (timeout), util-linux (getopt), libc-bin (getconf),
#    libc6 (loader, libc.so.6)
D=$K/debs
PKGS="bash-static coreutils util-linux libc-bin libc6"
mkdir -p "$D"
missing=()
for p in $PKGS; do
    ls "$D/${p}"_*_arm64.deb >/dev/null 2>&1 || missing+=("$p:arm64")
done
if [ ${#missing[@]} -gt 0 ]; then
    if ! dpkg --print-foreign-architectures | grep -qx arm64 && [ "$(dpkg --print-architecture)" != arm64 ]; then
        dpkg --add-architecture arm64
        apt-get update -q >/dev/null
    fi
    (cd "$D" && apt-get download -q "${missing[@]}" 2>&1 | grep -v -i unsandboxed >&2 || true)
fi
for p in $PKGS; do
    ls "$D/${p}"_*_arm64.deb >/dev/null 2>&1 || { echo "kut: apt-get download $p:arm64 failed" >&2; exit 1; }
done
R=$K/debroot
rm -rf "$R"
for p in $PKGS; do dpkg-deb -x "$(ls "$D/${p}"_*_arm64.deb | head -1)" "$R"; done

# 4. the stage
S=$(mktemp -d "$OUT/kut.XXXXXX")
trap 'rm -rf "$S" "$R"' EXIT
mkdir -p "$S/kut/bin" "$S/kut/lib" "$S/kut/libexec" "$S/usr/bin" \
    "$S/kut/kvm-unit-tests/arm"
install -m 755 "$R/bin/bash-static" "$S/kut/bin/bash"
install -m 755 "$LKVM" "$S/kut/bin/lkvm-static"
${CROSS}strip "$S/kut/bin/lkvm-static"
cp -L "$R/lib/ld-linux-aarch64.so.1" "$S/kut/lib/"
cp -L "$R/lib/aarch64-linux-gnu/libc.so.6" "$S/kut/lib/"
for tool in usr/bin/timeout usr/bin/getopt usr/bin/getconf; do
    name=$(basename "$tool")
    install -m 755 "$R/$tool" "$S/kut/libexec/$name"
    for so in $(${CROSS}readelf -d "$R/$tool" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
        [ -e "$S/kut/lib/$so" ] || { echo "kut: $name needs $so, not packed" >&2; exit 1; }
    done
    printf '#!/bin/sh\nexec /kut/lib/ld-linux-aarch64.so.1 --library-path /kut/lib /kut/libexec/%s "$@"\n' \
        "$name" > "$S/kut/bin/$name"
    chmod 755 "$S/kut/bin/$name"
done
ln -s /bin/busybox "$S/usr/bin/env"
KD=$S/kut/kvm-unit-tests
cp "$KUT/run_tests.sh" "$KUT/errata.txt" "$KD/"
echo 1da1819e > "$KD/build-head"     # what the runner prints as the suite's version
mkdir -p "$KD/scripts" && cp "$KUT"/scripts/*.bash "$KD/scripts/"
cp "$KUT/arm/run" "$KUT/arm/unittests.cfg" "$KUT"/arm/*.flat "$KD/arm/"
# config.mak as on an arm64 host: arm/run refuses kvmtool on HOST=x86_64 (where it was built)
sed -e 's|^HOST=.*|HOST=aarch64|' -e 's|^SRCDIR=.*|SRCDIR=/kut/kvm-unit-tests|' \
    -e 's|^ERRATATXT=.*|ERRATATXT=/kut/kvm-unit-tests/errata.txt|' -e 's|^PRETTY_PRINT_STACKS=.*|PRETTY_PRINT_STACKS=no|' "$KUT/config.mak" > "$KD/config.mak"
(cd "$S" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) > "$CPIO.tmp"
mv "$CPIO.tmp" "$CPIO"
echo "kut: $CPIO ($(stat -c %s "$CPIO") bytes: $(ls "$KD/arm" | grep -c '\.flat$') test binaries," \
     "lkvm-static, bash $(dpkg-deb -f "$(ls "$D"/bash-static_*_arm64.deb)" Version))" >&2
