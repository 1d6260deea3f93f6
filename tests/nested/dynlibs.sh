# dynlibs.sh - sourced by dynbrkvm.sh and sanbrkvm.sh: carry a dynamically linked arm64 program's
# loader and shared libraries, taken from an arm64 sysroot (and other library directories), into a
# staging tree that becomes a cpio for the test host.  Needs READELF (aarch64-linux-gnu-readelf),
# MA (aarch64-linux-gnu) and OUT (build/nested).
#
# dynlibs_fresh CPIO FILE...
#   status 0 when CPIO exists and is newer than every FILE, the calling script and dynlibs.sh
# dynlibs_stage WHO SUBDIR PROG
#   ST = a new staging directory OUT/WHO.XXXXXX (removed at exit) with SUBDIR/brkvm = PROG and an
#   empty lib/MA
# dynlibs_copy_loader ROOT INTERP STAGE
#   ROOT/INTERP to STAGE/INTERP as libc6 has it: a symbolic link stays a link (libc.so.6 has its
#   target as DT_NEEDED, so the closure below copies that file)
# dynlibs_pack SUBDIR CPIO
#   ST's SUBDIR and lib, sorted, as a newc CPIO owned by root
# dynlibs_copy_closure WHO WHERE PROG LIBDIR LIST DIR...
#   every soname of PROG's DT_NEEDED closure, looked up in the DIRs in order (links resolved),
#   copied to LIBDIR/SONAME; the sonames, sorted, written to LIST.  A soname in none of the DIRs:
#   "WHO: SONAME (DT_NEEDED of FILE) is WHERE" on stderr and status 1.

dynlibs_fresh() {
    local cpio=$1 f
    shift
    [ -f "$cpio" ] || return 1
    for f in "$@" "$0" "${BASH_SOURCE[0]}"; do
        [ "$cpio" -nt "$f" ] || return 1
    done
}

dynlibs_stage() {
    ST=$(mktemp -d "$OUT/$1.XXXXXX")
    trap 'rm -rf "$ST"' EXIT
    mkdir -p "$ST/$2" "$ST/lib/$MA"
    cp "$3" "$ST/$2/brkvm"
}

dynlibs_pack() {
    (cd "$ST" && find "$1" lib | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) > "$2.tmp"
    mv "$2.tmp" "$2"
}

dynlibs_copy_loader() {
    if [ -L "$1$2" ]; then ln -s "$(readlink "$1$2")" "$3$2"; else cp "$1$2" "$3$2"; fi
}

dynlibs_needed() { "${READELF:?}" -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'; }

# dynlibs_find SONAME DIR...: the resolved path of the first DIR/SONAME that exists
dynlibs_find() {
    local so=$1 d
    shift
    for d in "$@"; do
        [ -e "$d/$so" ] && { readlink -f "$d/$so"; return 0; }
    done
    return 1
}

dynlibs_copy_closure() {
    local who=$1 where=$2 prog=$3 libdir=$4 list=$5 f so path
    shift 5
    local queue=("$prog")
    local -A seen=()
    while [ ${#queue[@]} -gt 0 ]; do
        f=${queue[0]}
        queue=("${queue[@]:1}")
        for so in $(dynlibs_needed "$f"); do
            [ -n "${seen[$so]:-}" ] && continue
            seen[$so]=1
            path=$(dynlibs_find "$so" "$@") ||
                { echo "$who: $so (DT_NEEDED of $(basename "$f")) is $where" >&2; return 1; }
            cp "$path" "$libdir/$so" || return 1
            queue+=("$path")
        done
    done
    printf '%s\n' "${!seen[@]}" | LC_ALL=C sort > "$list"
}
