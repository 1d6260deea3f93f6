#!/bin/bash
# build.sh - build everything: build/native (pure logic + unit tests, with ASan/UBSan; on an
# arm64 machine also brkvm itself) and build/cross (static arm64 brkvm + test guests for the test
# host: cross-compiled on x86_64, a native static build on arm64).  Run scripts/deps.sh first.
set -euo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"
ARCH=$(dpkg --print-architecture)
WERROR=${WERROR:-true}

setup() { # setup DIR ARGS...: configure once, then let ninja pick up changes
    local dir=$1; shift
    if [ ! -f "$dir/build.ninja" ]; then
        meson setup "$dir" -Dwerror="$WERROR" "$@" >"$dir.setup.log" 2>&1 ||
            { cat "$dir.setup.log"; echo "build: meson setup $dir failed" >&2; exit 1; }
    fi
}

mkdir -p build
# build/libfdt-native (scripts/deps.sh: the native libfdt-dev is not installed because a foreign
# one is, or DEPS_LOCAL_LIBFDT=1): the native build takes libfdt from there through its libfdt.pc
# (meson's pkg_config_path option: kept by every reconfigure); switching between it and the
# system's sets build/native up from scratch
fdt_from=system native_pc=()
if [ -f build/libfdt-native/.done ]; then
    fdt_from=build/libfdt-native
    native_pc=("-Dpkg_config_path=$TOP/build/libfdt-native/pkgconfig")
fi
if [ "$(cat build/native.libfdt 2>/dev/null || echo system)" != "$fdt_from" ]; then
    rm -rf build/native
fi
echo "$fdt_from" > build/native.libfdt
setup build/native -Db_sanitize=address,undefined -Db_lundef=false "${native_pc[@]}"
if [ "$ARCH" = arm64 ]; then
    setup build/cross -Dstatic=true
else
    setup build/cross --cross-file cross/aarch64-linux-gnu.ini \
        --cross-file build/sysroot-arm64.ini -Dstatic=true
fi
ninja -C build/native >build/native.log 2>&1 || { cat build/native.log; exit 1; }
# glibc warns that getpwnam & co. in a static binary need its shared libraries at run time:
# brkvm never calls them (glib links them in), so that one warning is filtered out
ninja -C build/cross 2>&1 | grep -v -E "statically linked applications requires at runtime|: in function" >build/cross.log || true
[ -f build/cross/brkvm ] && ninja -C build/cross -n 2>/dev/null | grep -q "no work to do" ||
    { cat build/cross.log; echo "build: cross build failed" >&2; exit 1; }
echo "build: build/native (unit tests, libfdt: $fdt_from), build/cross/brkvm ($(file -b build/cross/brkvm | cut -d, -f1-2))"
