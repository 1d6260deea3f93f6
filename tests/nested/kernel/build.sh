#!/bin/bash
# tests/nested/kernel/build.sh - build a small arm64 guest kernel with full DWARF and Linux's gdb
# scripts (vmlinux-gdb.py), from Debian 12's linux-source-6.1, for the gdb-stub tests.
#
#   build/kernel/src/linux-source-6.1/   the source, extracted once (per package version)
#   build/kernel/<hash>/                 the O= build dir; <hash> covers the config fragment
#                                        below, the source package version and the compiler
#       Image  vmlinux  vmlinux-gdb.py  scripts/gdb/  modules/*.ko  .config  build-info
#   build/kernel/current -> <hash>
#
# The same kernel boots on QEMU virt (PL011, console=ttyAMA0) and on brkvm (8250, ttyS0).
# Idempotent: a finished build dir is reused as it is (FORCE=1 re-runs make in it).
# Usage: tests/nested/kernel/build.sh      env: JOBS (2), FORCE, NO_APT=1 (skip apt-get)
# gdb:   gdb-multiarch -iex "add-auto-load-safe-path $PWD/build/kernel" build/kernel/current/vmlinux
#        auto-loads the lx-* commands (or: -ex 'source build/kernel/current/vmlinux-gdb.py').
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
KB="$ROOT/build/kernel"
JOBS=${JOBS:-2}
ARCHV=(ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-)
TARBALL=/usr/src/linux-source-6.1.tar.xz

# ---- what the guest needs, on top of `make tinyconfig` -------------------------------------
# y/m/n or a value; checked after olddefconfig (options that other options select count too).
FRAGMENT='
64BIT=y
SMP=y
NR_CPUS=8
PRINTK=y
PRINTK_TIME=y
TTY=y
SERIAL_8250=y
SERIAL_8250_CONSOLE=y
SERIAL_OF_PLATFORM=y
SERIAL_EARLYCON=y
SERIAL_AMBA_PL011=y
SERIAL_AMBA_PL011_CONSOLE=y
OF=y
ARM_GIC=y
ARM_GIC_V3=y
ARM_ARCH_TIMER=y
ARM_PSCI_FW=y
BLK_DEV_INITRD=y
RD_GZIP=n
DEVTMPFS=y
DEVTMPFS_MOUNT=y
PROC_FS=y
SYSFS=y
SHMEM=y
TMPFS=y
BINFMT_ELF=y
BINFMT_SCRIPT=y
MULTIUSER=y
FUTEX=y
EPOLL=y
SIGNALFD=y
TIMERFD=y
EVENTFD=y
POSIX_TIMERS=y
MAGIC_SYSRQ=y
PROC_KCORE=y
KALLSYMS=y
KALLSYMS_ALL=y
DEBUG_KERNEL=y
DEBUG_INFO_DWARF5=y
DEBUG_INFO_REDUCED=n
DEBUG_INFO_SPLIT=n
DEBUG_INFO_COMPRESSED=n
GDB_SCRIPTS=y
FRAME_POINTER=y
MODULES=y
MODULE_UNLOAD=y
KPROBES=y
FTRACE=y
FUNCTION_TRACER=y
DYNAMIC_FTRACE=y
ARM64_PTR_AUTH=y
ARM64_PTR_AUTH_KERNEL=y
RELOCATABLE=y
RANDOMIZE_BASE=y
UNMAP_KERNEL_AT_EL0=y
SAMPLES=y
SAMPLE_KPROBES=m
'

log() { echo "kernel/build.sh: $*"; }
mkdir -p "$KB"
exec 9>"$KB/.lock"; flock 9   # one build at a time

# ---- 1. packages and source ------------------------------------------------------------------
need=()
command -v aarch64-linux-gnu-gcc >/dev/null || need+=(gcc-aarch64-linux-gnu)
[ -f "$TARBALL" ] || need+=(linux-source-6.1)
for p in linux-source-6.1 flex bison bc libssl-dev libelf-dev python3 rsync cpio kmod xz-utils make; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
    [ "${NO_APT:-}" = 1 ] && { log "missing packages: ${need[*]}"; exit 1; }
    log "installing: ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y "${need[@]}" >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y "${need[@]}" >/dev/null; }
fi
PKGVER=$(dpkg-query -W -f='${Version}' linux-source-6.1)
SRC="$KB/src/linux-source-6.1"
if [ "$(cat "$KB/src/.extracted" 2>/dev/null)" != "$PKGVER" ]; then
    log "extracting linux-source-6.1 $PKGVER"
    rm -rf "$KB/src"; mkdir -p "$KB/src"
    tar -C "$KB/src" -xf "$TARBALL"
    echo "$PKGVER" > "$KB/src/.extracted"
fi

# ---- 2. configure and build ------------------------------------------------------------------
GCCVER=$(aarch64-linux-gnu-gcc -dumpfullversion)
HASH=$(printf '%s\n' "$PKGVER" "$GCCVER" "$FRAGMENT" | sha256sum | cut -c1-12)
O="$KB/$HASH"
mk() { make -C "$SRC" O="$O" "${ARCHV[@]}" "$@"; }

if [ -f "$O/.done" ] && [ -z "${FORCE:-}" ]; then
    log "cached: $O"
else
    t0=$(date +%s)
    mkdir -p "$O"
    if [ ! -f "$O/.config" ] || [ ! -f "$O/.configured" ]; then
        mk -s tinyconfig >/dev/null   # merge_config.sh is chatty even with -s
        args=()
        while IFS='=' read -r k v; do
            [ -n "$k" ] || continue
            case "$v" in
            y) args+=(--enable "$k") ;;
            m) args+=(--module "$k") ;;
            n) args+=(--disable "$k") ;;
            *) args+=(--set-val "$k" "$v") ;;
            esac
        done <<< "$FRAGMENT"
        "$SRC/scripts/config" --file "$O/.config" "${args[@]}"
        # the debug-info level is a choice: make DWARF5 the only one set
        "$SRC/scripts/config" --file "$O/.config" --disable DEBUG_INFO_NONE \
            --disable DEBUG_INFO_DWARF_TOOLCHAIN_DEFAULT --disable DEBUG_INFO_DWARF4
        mk -s olddefconfig
        touch "$O/.configured"
    fi
    bad=0
    while IFS='=' read -r k v; do
        [ -n "$k" ] || continue
        s=$("$SRC/scripts/config" --file "$O/.config" --state "$k")
        want=$v; [ "$want" = n ] && want='n|undef'
        if ! [[ "$s" =~ ^($want)$ ]]; then log "config: $k wanted $v, got $s"; bad=1; fi
    done <<< "$FRAGMENT"
    [ $bad = 0 ] && log "config: all $(grep -c = <<< "$FRAGMENT") options as wanted"
    mk -j"$JOBS" Image vmlinux modules scripts_gdb
    rm -rf "$O/modules"; mkdir -p "$O/modules"
    find "$O/samples" -name '*.ko' -exec cp {} "$O/modules/" \; 2>/dev/null || true
    ln -sfn arch/arm64/boot/Image "$O/Image"
    t1=$(date +%s)
    if [ -f "$O/build-info" ]; then   # FORCE re-run: keep the first build's line
        echo "re-made $(date -u +%FT%TZ) in $((t1 - t0)) s" >> "$O/build-info"
    else
        { echo "linux-source-6.1 $PKGVER"; echo "gcc $GCCVER"; echo "built $(date -u +%FT%TZ) in $((t1 - t0)) s"; } > "$O/build-info"
    fi
    touch "$O/.done"
    log "build time: $((t1 - t0)) s"
fi
ln -sfn "$HASH" "$KB/current"

# ---- 3. report -------------------------------------------------------------------------------
cat "$O/build-info"
log "Image   $(stat -L -c %s "$O/Image") bytes  $KB/current/Image"
log "vmlinux $(stat -c %s "$O/vmlinux") bytes  $KB/current/vmlinux"
log "gdb     $KB/current/vmlinux-gdb.py -> $(readlink -f "$O/vmlinux-gdb.py")"
log "modules $(cd "$O/modules" && ls *.ko 2>/dev/null | tr '\n' ' ')"
