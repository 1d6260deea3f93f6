#!/bin/bash
# qemu-peer.sh - build build/nested/qemu-peer.cpio: Debian's arm64 qemu-system-aarch64 with its
# shared-library closure, as a second newc cpio to append to host-initramfs.cpio, so a scenario
# can run QEMU (-enable-kvm) inside the test host as the peer VMM to compare brkvm's gdb stub
# with.  Files land under /qemu/ in the test host:
#   /qemu/bin/qemu-system-aarch64   the binary (its PT_INTERP is not used)
#   /qemu/lib/                      ld-linux-aarch64.so.1 + every DT_NEEDED library, by soname
#   /qemu/qemu                      wrapper: runs the binary through /qemu/lib's loader
# (no firmware or data files: -M virt -kernel ELF -nodefaults -display none needs none).
# Idempotent: the packages are resolved and downloaded once into build/nested/qemu-peer/debs/;
# the cpio is rebuilt only when missing or older than this script.
# Dependencies are resolved against an empty dpkg status with arm64 as the only architecture
# (otherwise what the x86_64 host has installed hides dependencies).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
OUT=$TOP/build/nested
P=$OUT/qemu-peer
CPIO=$OUT/qemu-peer.cpio
READELF=$(command -v aarch64-linux-gnu-readelf || command -v readelf)

if [ -f "$CPIO" ] && [ "$CPIO" -nt "$0" ]; then
    echo "qemu-peer: cached: $CPIO ($(stat -c %s "$CPIO") bytes)"
    exit 0
fi
mkdir -p "$P/debs"
APT=(apt-get -q -o Dir::State::status=/dev/null -o APT::Architectures=arm64
     -o APT::Architecture=arm64)

# 1. the dependency closure of qemu-system-arm:arm64 (arch-all packages without the suffix)
if [ ! -s "$P/packages" ]; then
    if ! dpkg --print-foreign-architectures | grep -qx arm64 && [ "$(dpkg --print-architecture)" != arm64 ]; then
        dpkg --add-architecture arm64
        apt-get update -q >/dev/null
    fi
    "${APT[@]}" -s install --no-install-recommends qemu-system-arm 2>/dev/null |
        awk '/^Inst /{ if ($0 ~ /\[all\]/) print $2; else print $2 ":arm64" }' > "$P/packages.tmp"
    grep -qx 'qemu-system-arm:arm64' "$P/packages.tmp" ||
        { echo "qemu-peer: cannot resolve qemu-system-arm:arm64" >&2; exit 1; }
    mv "$P/packages.tmp" "$P/packages"
fi

# 2. download what is missing
missing=()
while read -r pkg; do
    ls "$P/debs/${pkg%:arm64}"_*.deb >/dev/null 2>&1 || missing+=("$pkg")
done < "$P/packages"
if [ ${#missing[@]} -gt 0 ]; then
    echo "qemu-peer: downloading ${#missing[@]} packages"
    (cd "$P/debs" && "${APT[@]}" download "${missing[@]}" 2>&1 | grep -v -i unsandboxed >&2 || true)
fi
while read -r pkg; do
    ls "$P/debs/${pkg%:arm64}"_*.deb >/dev/null 2>&1 ||
        { echo "qemu-peer: apt-get download $pkg failed" >&2; exit 1; }
done < "$P/packages"

# 3. unpack everything, then copy the DT_NEEDED closure of qemu-system-aarch64
ROOT=$P/root
STAGE=$P/stage
rm -rf "$ROOT" "$STAGE"
mkdir -p "$ROOT" "$STAGE/qemu/bin" "$STAGE/qemu/lib"
for deb in "$P"/debs/*.deb; do
    dpkg-deb -x "$deb" "$ROOT"
done
QBIN=$ROOT/usr/bin/qemu-system-aarch64
[ -x "$QBIN" ] || { echo "qemu-peer: no usr/bin/qemu-system-aarch64 in the packages" >&2; exit 1; }
cp "$QBIN" "$STAGE/qemu/bin/"
LIBDIRS=("$ROOT/lib/aarch64-linux-gnu" "$ROOT/usr/lib/aarch64-linux-gnu" "$ROOT/lib" "$ROOT/usr/lib")
find_lib() {
    local d
    for d in "${LIBDIRS[@]}"; do
        [ -e "$d/$1" ] && { readlink -f "$d/$1"; return 0; }
    done
    return 1
}
interp=$("$READELF" -l "$QBIN" | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p')
cp -L "$ROOT$interp" "$STAGE/qemu/lib/$(basename "$interp")"
queue=("$QBIN")
declare -A seen=()
while [ ${#queue[@]} -gt 0 ]; do
    f=${queue[0]}
    queue=("${queue[@]:1}")
    for so in $("$READELF" -d "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
        [ -n "${seen[$so]:-}" ] && continue
        seen[$so]=1
        path=$(find_lib "$so") || { echo "qemu-peer: $so (needed by $(basename "$f")) not found" >&2; exit 1; }
        cp "$path" "$STAGE/qemu/lib/$so"
        queue+=("$path")
    done
done
cat > "$STAGE/qemu/qemu" <<'EOF'
#!/bin/sh
# run Debian's arm64 qemu-system-aarch64 from /qemu (its own loader and libraries)
exec /qemu/lib/ld-linux-aarch64.so.1 --library-path /qemu/lib /qemu/bin/qemu-system-aarch64 "$@"
EOF
chmod 755 "$STAGE/qemu/qemu"
cat > "$STAGE/qemu/lib.sh" <<'EOF'
# /qemu/lib.sh - for the peer-qemu-* scenarios (after /scenarios/lib.sh)
# run_qemu OUTFILE ARGS...: Debian's QEMU as the peer VMM: -M virt,gic-version=3 -cpu host
# -enable-kvm -m 64M -nodefaults -display none -serial stdio ARGS, for at most $RUN_LIMIT s, its
# output streamed to the console ("  | ") and saved in OUTFILE, the exit code in $RC.
run_qemu() {
    out=$1; shift
    echo "+ qemu-system-aarch64 $(cat /qemu/VERSION) $* (limit ${RUN_LIMIT}s)"
    : > "$out"
    { timeout -s KILL "$RUN_LIMIT" /qemu/qemu -M virt,gic-version=3 -cpu host -enable-kvm -m 64M \
        -nodefaults -display none -serial stdio "$@" 2>&1 </dev/null; echo $? > /tmp/run_qemu.rc; } |
        while IFS= read -r line; do
            printf '  | %s\n' "$line"
            printf '%s\n' "$line" >> "$out"
        done
    RC=$(cat /tmp/run_qemu.rc)
    echo "  (exit $RC$([ "$RC" = 137 ] && echo ": killed after ${RUN_LIMIT}s"))"
}
EOF
dpkg-deb -f "$(ls "$P"/debs/qemu-system-arm_*.deb)" Version > "$STAGE/qemu/VERSION"

# 4. the cpio: directories and files only (appended to host-initramfs.cpio, which has /dev)
(cd "$STAGE" && find qemu | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) > "$CPIO.tmp"
mv "$CPIO.tmp" "$CPIO"
rm -rf "$ROOT"
echo "qemu-peer: $CPIO ($(stat -c %s "$CPIO") bytes: qemu-system-aarch64 $(cat "$STAGE/qemu/VERSION")," \
     "$(ls "$STAGE/qemu/lib" | wc -l) libraries incl. the loader)"
