# dynlibs.sh - sourced by dynbrkvm.sh and sanbrkvm.sh: carry a dynamically linked arm64 program's
# loader and shared libraries, taken from an arm64 sysroot (and other library directories), into a
# staging tree that becomes a cpio for the test host.  Needs READELF (aarch64-linux-gnu-readelf).
#
# dynlibs_copy_loader ROOT INTERP STAGE
#   ROOT/INTERP to STAGE/INTERP as libc6 has it: a symbolic link stays a link (libc.so.6 has its
#   target as DT_NEEDED, so the closure below copies that file)
# dynlibs_copy_closure WHO WHERE PROG LIBDIR LIST DIR...
#   every soname of PROG's DT_NEEDED closure, looked up in the DIRs in order (links resolved),
#   copied to LIBDIR/SONAME; the sonames, sorted, written to LIST.  A soname in none of the DIRs:
#   "WHO: SONAME (DT_NEEDED of FILE) is WHERE" on stderr and status 1.

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
