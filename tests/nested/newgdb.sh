#!/bin/bash
# newgdb.sh - build build/newgdb/gdb-multiarch: Debian 13 (trixie)'s gdb-multiarch (gdb 16.x),
# runnable on this Debian 12 (bookworm) machine without installing anything into the system.
#
# Why: bookworm's gdb-multiarch is gdb 13.1.  When an arm64 kernel uses pointer authentication,
# the return addresses saved on its stack carry a PAC in their top bits.  gdb 13.1 strips the PAC
# with the *data/code mask of the low half* only (pauth_dmask/pauth_cmask), i.e. it clears the PAC
# bits of a kernel (TTBR1, bit 55 set) address instead of setting them, so kernel backtraces
# unwind into garbage such as 0x00ffffc008037f8c / "Backtrace stopped" after the first frame.
# gdb >= 14 reads the high-half mask as well (the pauth_cmask_high/pauth_dmask_high registers of
# the org.gnu.gdb.aarch64.pauth_v2 feature) and applies pauth_cmask_high to addresses with bit 55
# set, so kernel backtraces through PAC-signed frames work.
#
# How (same trick as qemu-peer.sh): resolve the runtime dependency closure of gdb-multiarch:amd64
# in trixie main with `apt-get -s install` against an empty dpkg status and a private apt setup
# (private sources.list, lists dir and cache under build/newgdb/apt/, so neither the system's
# sources nor what bookworm has installed take part), `apt-get download` the .debs into
# build/newgdb/debs/, unpack them all with `dpkg-deb -x` into build/newgdb/root/ and write the
# wrapper build/newgdb/gdb-multiarch, which runs root/usr/bin/gdb-multiarch through root's own
# ld-linux-x86-64.so.2 with --library-path on root's library dirs, with PYTHONHOME=root/usr (the
# embedded libpython3.x's stdlib), GCONV_PATH on root's gconv modules and
# --data-directory=root/usr/share/gdb.  Nothing outside build/newgdb/ is written.
#
# Idempotent and cached: nothing is done when build/newgdb/gdb-multiarch exists and is newer than
# this script; the package list and the .debs are kept, so a rerun only re-unpacks.
# Needs network access to http://deb.debian.org/debian (or set NEWGDB_MIRROR).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
P=$TOP/build/newgdb
WRAP=$P/gdb-multiarch
MIRROR=${NEWGDB_MIRROR:-http://deb.debian.org/debian}
SUITE=trixie
ARCH=amd64

if [ -x "$WRAP" ] && [ "$WRAP" -nt "$0" ]; then
    echo "newgdb: cached"
    exit 0
fi
mkdir -p "$P/debs" "$P/apt/lists/partial" "$P/apt/cache/archives/partial" "$P/apt/preferences.d"

# private apt setup: only trixie main, an empty dpkg status, amd64 only, no system hooks
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $MIRROR $SUITE main" \
    > "$P/apt/sources.list"
cat > "$P/apt/apt.conf" <<'EOF'
// read after the system's apt.conf.d: drop its apt-get update hooks (PackageKit, AppStream, ...)
#clear APT::Update::Pre-Invoke;
#clear APT::Update::Post-Invoke;
#clear APT::Update::Post-Invoke-Success;
EOF
APT=(apt-get -q -c "$P/apt/apt.conf"
     -o Dir::Etc::sourcelist="$P/apt/sources.list" -o Dir::Etc::sourceparts=-
     -o Dir::Etc::preferences=/dev/null -o Dir::Etc::preferencesparts="$P/apt/preferences.d"
     -o Dir::State::Lists="$P/apt/lists" -o Dir::State::status=/dev/null
     -o Dir::State::extended_states="$P/apt/extended_states"
     -o Dir::Cache="$P/apt/cache" -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache=
     -o APT::Architecture="$ARCH" -o APT::Architectures="$ARCH"
     -o Acquire::Languages=none -o APT::Sandbox::User=root)

# 1. the dependency closure of gdb-multiarch (arch-all packages without the suffix)
if [ ! -s "$P/packages" ]; then
    echo "newgdb: apt-get update ($MIRROR $SUITE main)"
    "${APT[@]}" update >"$P/apt/update.log" 2>&1 ||
        { cat "$P/apt/update.log" >&2; echo "newgdb: apt-get update failed" >&2; exit 1; }
    "${APT[@]}" -s install --no-install-recommends gdb-multiarch 2>"$P/apt/resolve.err" |
        awk -v a=$ARCH '/^Inst /{ if ($0 ~ /\[all\]/) print $2; else print $2 ":" a }' \
        > "$P/packages.tmp" || true
    grep -qx "gdb-multiarch:$ARCH" "$P/packages.tmp" ||
        { cat "$P/apt/resolve.err" >&2; echo "newgdb: cannot resolve gdb-multiarch:$ARCH in $SUITE" >&2; exit 1; }
    mv "$P/packages.tmp" "$P/packages"
fi

# 2. download what is missing
missing=()
while read -r pkg; do
    ls "$P/debs/${pkg%:"$ARCH"}"_*.deb >/dev/null 2>&1 || missing+=("$pkg")
done < "$P/packages"
if [ ${#missing[@]} -gt 0 ]; then
    echo "newgdb: downloading ${#missing[@]} packages"
    (cd "$P/debs" && "${APT[@]}" download "${missing[@]}" 2>&1 |
        grep -v -i -e unsandboxed -e '^Get:' -e '^Fetched ' >&2 || true)
fi
while read -r pkg; do
    ls "$P/debs/${pkg%:"$ARCH"}"_*.deb >/dev/null 2>&1 ||
        { echo "newgdb: apt-get download $pkg failed" >&2; exit 1; }
done < "$P/packages"

# 3. unpack everything into the private root
ROOT=$P/root
rm -rf "$ROOT" "$WRAP"
mkdir -p "$ROOT"
for deb in "$P"/debs/*.deb; do
    dpkg-deb -x "$deb" "$ROOT"
done
[ -x "$ROOT/usr/bin/gdb-multiarch" ] ||
    { echo "newgdb: no usr/bin/gdb-multiarch in the packages" >&2; exit 1; }
LDSO=
for f in usr/lib/x86_64-linux-gnu lib/x86_64-linux-gnu usr/lib64 lib64; do
    [ -f "$ROOT/$f/ld-linux-x86-64.so.2" ] && { LDSO=$f/ld-linux-x86-64.so.2; break; }
done
[ -n "$LDSO" ] || { echo "newgdb: no ld-linux-x86-64.so.2 in the packages" >&2; exit 1; }
PYLIB=$(cd "$ROOT/usr/lib" && ls -d python3.[0-9]* 2>/dev/null | head -1) || true
[ -n "$PYLIB" ] && [ -f "$ROOT/usr/lib/$PYLIB/os.py" ] ||
    { echo "newgdb: no Python stdlib (usr/lib/python3.x/os.py) in the packages" >&2; exit 1; }

# 4. the wrapper (location-independent: finds root/ next to itself)
cat > "$WRAP.tmp" <<EOF
#!/bin/sh
# Debian $SUITE's gdb-multiarch $(dpkg-deb -f "$(ls "$P"/debs/gdb-multiarch_*.deb)" Version), run from
# the private root next to this file by its own loader and libraries (made by tests/nested/newgdb.sh).
# PYTHONHOME/GCONV_PATH are for gdb's embedded $PYLIB and the trixie glibc; they are removed from
# the environment of programs gdb starts itself (inferiors), not from "shell" commands.
D=\$(dirname "\$(readlink -f "\$0")")
R=\$D/root
PYTHONHOME=\$R/usr GCONV_PATH=\$R/usr/lib/x86_64-linux-gnu/gconv
export PYTHONHOME GCONV_PATH
unset PYTHONPATH
exec "\$R/$LDSO" \\
    --library-path "\$R/usr/lib/x86_64-linux-gnu:\$R/lib/x86_64-linux-gnu:\$R/usr/lib:\$R/lib" \\
    "\$R/usr/bin/gdb-multiarch" --data-directory="\$R/usr/share/gdb" \\
    -iex 'unset environment PYTHONHOME' -iex 'unset environment GCONV_PATH' "\$@"
EOF
chmod 755 "$WRAP.tmp"
ver=$("$WRAP.tmp" -nx --version | head -1) ||
    { echo "newgdb: $WRAP does not run" >&2; "$WRAP.tmp" -nx --version >&2 || true; rm -f "$WRAP.tmp"; exit 1; }
mv "$WRAP.tmp" "$WRAP"
echo "newgdb: ${WRAP#"$TOP"/} (GNU gdb ${ver##* })"
