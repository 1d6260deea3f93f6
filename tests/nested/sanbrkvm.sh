#!/bin/bash
# sanbrkvm.sh - build build/nested/sanbrkvm.cpio: brkvm with AddressSanitizer + UndefinedBehavior
# Sanitizer (-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer),
# or, run as tsanbrkvm.sh (a symlink), build/nested/tsanbrkvm.cpio: brkvm with ThreadSanitizer.
# Sanitizers need a dynamically linked program, so this is the dynamic cross build of
# dynbrkvm.sh (its arm64 sysroot build/sysroot-dyn-arm64 and its meson cross file, which this
# script runs dynbrkvm.sh to get) with the sanitizer flags, in build/san-asan or build/san-tsan.
# Files in the test host (Debian's arm64 paths, as dynbrkvm.cpio; the two can be appended to the
# same initramfs: the libraries they share are the same files):
#   /san/brkvm                        the sanitized brkvm (PT_INTERP /lib/ld-linux-aarch64.so.1)
#   /san/KIND                         asan or tsan: which sanitizer it carries
#   /san/NEEDED                       its DT_NEEDED closure (sonames, sorted)
#   /lib/ld-linux-aarch64.so.1        the loader (libc6:arm64)
#   /lib/aarch64-linux-gnu/SONAME     every library of that closure: glib, pcre2, libfdt, libc from
#                                     the sysroot; libasan.so.8, libubsan.so.1, libtsan.so.2,
#                                     libstdc++.so.6, libgcc_s.so.1 from the cross toolchain's
#                                     runtime packages (libasan8-arm64-cross & co., scripts/deps.sh)
# host/init puts /san/brkvm in place of /bin/brkvm when the kernel command line says
# host.sanitize=KIND (runner.py: a scenario tagged `# sanitize: KIND NAME`).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
case $(basename "$0") in
# EXTRA: more compile flags.  TSan: GCC warns (-Wtsan) that it does not model
# __atomic_thread_fence; brkvm's fences (virtqueue.c) order its accesses to guest RAM against the
# guest's vCPUs, which TSan does not see anyway, so that warning is off rather than an error
tsanbrkvm.sh) KIND=tsan SAN=thread EXTRA="'-Wno-tsan', " ;;
*) KIND=asan SAN=address,undefined EXTRA="" ;;
esac
OUT=$TOP/build/nested
CPIO=$OUT/${KIND/asan/san}brkvm.cpio
S=$TOP/build/sysroot-dyn-arm64
DYNINI=$TOP/build/sysroot-dyn-arm64.ini
INI=$TOP/build/san-$KIND.ini
B=$TOP/build/san-$KIND
MA=aarch64-linux-gnu
READELF=$MA-readelf
XLIB=/usr/$MA/lib          # the cross toolchain's arm64 runtime libraries (sanitizers, libstdc++)
. "$HERE/dynlibs.sh"

# 1. the sysroot and its cross file: dynbrkvm.sh's (cached after the first run)
cd "$TOP"     # (dynbrkvm.sh and meson take the source tree from the current directory)
"$HERE/dynbrkvm.sh" >/dev/null 2>"$OUT/sanbrkvm-dyn.log" ||
    { cat "$OUT/sanbrkvm-dyn.log" >&2; echo "sanbrkvm: tests/nested/dynbrkvm.sh failed" >&2; exit 1; }
for so in libasan.so.8 libubsan.so.1 libtsan.so.2; do
    [ -e "$XLIB/$so" ] || { echo "sanbrkvm: no $XLIB/$so: run scripts/deps.sh (libasan8-arm64-cross libubsan1-arm64-cross libtsan2-arm64-cross)" >&2; exit 1; }
done
# the same ini with the sanitizer's compile flags first in c_args (meson takes each key from the
# last cross file that sets it, so they are added to that list, not set in a second file);
# -fsanitize itself comes from meson's b_sanitize, for compiles and the link
sed "s/^c_args = \[/c_args = ['-fno-sanitize-recover=all', '-fno-omit-frame-pointer', $EXTRA/" "$DYNINI" > "$INI.tmp"
grep -q fno-sanitize-recover "$INI.tmp" || { echo "sanbrkvm: no c_args line in $DYNINI" >&2; exit 1; }
if cmp -s "$INI.tmp" "$INI"; then rm "$INI.tmp"; else mv "$INI.tmp" "$INI"; rm -rf "$B"; fi

# 2. configure once, build (ninja: a no-op when nothing changed)
if [ ! -f "$B/build.ninja" ]; then
    meson setup "$B" --cross-file "$TOP/cross/aarch64-linux-gnu.ini" --cross-file "$INI" \
        -Db_sanitize="$SAN" -Db_lundef=false -Dwerror="${WERROR:-true}" >"$B.setup.log" 2>&1 ||
        { cat "$B.setup.log" >&2; echo "sanbrkvm: meson setup build/san-$KIND failed" >&2; exit 1; }
fi
nice ninja -C "$B" brkvm >"$B.log" 2>&1 || { cat "$B.log" >&2; echo "sanbrkvm: ninja -C build/san-$KIND failed" >&2; exit 1; }
BIN=$B/brkvm
runtime=$([ $KIND = asan ] && echo libasan.so.8 || echo libtsan.so.2)
"$READELF" -d "$BIN" | grep -q "(NEEDED).*\[$runtime\]" ||
    { echo "sanbrkvm: $BIN does not need $runtime: not a $KIND build" >&2; exit 1; }

if dynlibs_fresh "$CPIO" "$BIN" "$S/.done"; then
    echo "sanbrkvm: cached: $CPIO ($(stat -c %s "$CPIO") bytes)" >&2
    exit 0
fi

# 3. the DT_NEEDED closure: the sysroot first (the libc brkvm was linked against), then the
# cross toolchain's runtime libraries
dynlibs_stage sanbrkvm san "$BIN"
echo $KIND > "$ST/san/KIND"
interp=/lib/ld-linux-aarch64.so.1
dynlibs_copy_loader "$S" "$interp" "$ST"
dynlibs_copy_closure sanbrkvm "neither in $S nor in $XLIB" "$BIN" "$ST/lib/$MA" "$ST/san/NEEDED" \
    "$S/lib/$MA" "$S/usr/lib/$MA" "$XLIB" || exit 1
dynlibs_pack san "$CPIO"
echo "sanbrkvm: $CPIO ($(stat -c %s "$CPIO") bytes: build/san-$KIND/brkvm $(stat -c %s "$BIN") bytes," \
     "needs $(paste -sd' ' "$ST/san/NEEDED"))" >&2
