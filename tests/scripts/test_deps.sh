#!/bin/bash
# test_deps.sh [--tap] - scripts/deps.sh's installed-package detection against fake dpkg
# databases (dpkg-query --admindir on a status file written here: nothing on this machine is read
# or changed): a package counts only when installed for the native architecture or "all"; a
# foreign-only libfdt-dev (not Multi-Arch: same) is unpacked locally instead of being replaced;
# a foreign-only Multi-Arch: same package is installed beside it; any other foreign-only package
# is refused.  TAP output (one line per check), exit 1 on a failure.
set -uo pipefail
TOP=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../../scripts/deps.sh
. "$TOP/scripts/deps.sh"     # sourced: defines the functions, runs nothing
set +e

D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT
# fake_status 'NAME ARCH MULTIARCH STATUS'...: a dpkg status file with those packages
fake_status() {
    local name arch ma st1 st2 st3
    : > "$D/status"
    for e in "$@"; do
        read -r name arch ma st1 st2 st3 <<<"$e"
        {
            echo "Package: $name"
            echo "Status: $st1 $st2 $st3"
            [ "$ma" = - ] || echo "Multi-Arch: $ma"
            echo "Architecture: $arch"
            echo "Version: 1.0-1"
            echo "Maintainer: test <test@example.org>"
            echo "Description: fake"
            echo
        } >> "$D/status"
    done
}
dpkg_query() { dpkg-query --admindir="$D" "$@"; }     # deps.sh's hook, pointed at the fake

n=0 bad=0
check() { # check NAME GOT WANT
    n=$((n + 1))
    if [ "$2" = "$3" ]; then echo "ok $n - $1"
    else echo "not ok $n - $1"; echo "#   got:  $(echo "$2" | tr '\n' '|')"; echo "#   want: $(echo "$3" | tr '\n' '|')"; bad=$((bad + 1)); fi
}

# the reported case: libfdt-dev:arm64 on an amd64 machine, no libfdt-dev:amd64
fake_status 'libfdt-dev arm64 - install ok installed' 'meson all foreign install ok installed'
check "foreign-only libfdt-dev is not installed" "$(deps_classify amd64 libfdt-dev meson)" \
    "libfdt-dev foreign arm64 no
meson native"
check "foreign-only libfdt-dev: unpack locally, not apt" "$(deps_plan amd64 libfdt-dev meson)" "localfdt"
check "on arm64 the same package is the native one" "$(deps_plan arm64 libfdt-dev meson)" ""

# the native one installed (alone, or as the old check saw it): nothing to do, unless forced
fake_status 'libfdt-dev amd64 - install ok installed'
check "native libfdt-dev: nothing to do" "$(deps_plan amd64 libfdt-dev)" ""
check "DEPS_LOCAL_LIBFDT=1 forces the local unpack" "$(DEPS_LOCAL_LIBFDT=1 deps_plan amd64 libfdt-dev)" "localfdt"

# Multi-Arch: same libraries: both installed = installed; arm64 alone = install amd64 beside it
fake_status 'libglib2.0-dev arm64 same install ok installed' 'libglib2.0-dev amd64 same install ok installed' \
            'libpcre2-dev arm64 same install ok installed'
check "M-A same, both architectures: installed" "$(deps_classify amd64 libglib2.0-dev)" "libglib2.0-dev native"
check "M-A same, only arm64: apt installs amd64 beside it" "$(deps_plan amd64 libglib2.0-dev libpcre2-dev)" \
    "apt libpcre2-dev"

# another foreign-only package that apt could not put beside it: refused, never replaced
fake_status 'gdb-multiarch arm64 - install ok installed'
check "foreign-only, not M-A same: refused" "$(deps_plan amd64 gdb-multiarch)" "refuse gdb-multiarch arm64"

# states: not installed at all, removed with config files left, held, half-installed
fake_status 'cpio amd64 foreign deinstall ok config-files' 'file amd64 foreign hold ok installed' \
            'xz-utils amd64 foreign install ok half-installed'
check "unknown / config-files / half-installed are missing, held is installed" \
    "$(deps_plan amd64 ninja-build cpio file xz-utils)" \
    "apt ninja-build
apt cpio
apt xz-utils"
check "an empty database: everything missing, in order" "$(fake_status; deps_classify amd64 gcc libfdt-dev)" \
    "gcc missing
libfdt-dev missing"

echo "1..$n"
[ $bad = 0 ]
