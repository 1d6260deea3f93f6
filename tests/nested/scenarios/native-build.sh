# native-build - the brkvm an arm64 user builds with `meson setup build && ninja -C build` (no
# -Dstatic: dynamically linked against Debian's arm64 glib and libfdt; cross-built the same way
# into build/dyn by tests/nested/dynbrkvm.sh) runs in the test host as on a Debian arm64 machine:
# /dyn/brkvm started directly (the kernel runs its PT_INTERP /lib/ld-linux-aarch64.so.1, which
# finds the libraries in /lib/aarch64-linux-gnu by its built-in search path).
#   1. it is the dynamic one: its ELF program headers (read with od) have a PT_INTERP, which
#      /bin/brkvm (static) has not; the loader's own list (LD_TRACE_LOADED_OBJECTS=1, what ldd
#      does) resolves every DT_NEEDED soname (/dyn/NEEDED, read with readelf at build time)
#      in /lib/aarch64-linux-gnu; `brkvm --version` runs
#   2. the hello bare-metal guest: GUEST-HELLO-OK, exit 0
#   3. Debian's kernel with 2 vCPUs as linux-boot: /init reached, 2 CPUs, GUEST-DONE, exit 0;
#      /proc/PID/maps of that brkvm while the guest boots lists the libraries it loaded
# timeout: 180
# modes: vhe
# extra-initrd: dynbrkvm
. /scenarios/lib.sh
[ -x /dyn/brkvm ] || fail "no /dyn/brkvm: the extra initrd dynbrkvm is missing"
export PATH=/dyn:$PATH
[ "$(command -v brkvm)" = /dyn/brkvm ] || fail "brkvm resolves to $(command -v brkvm), not /dyn/brkvm"
echo "packages: $(sed "s/ /=/" /dyn/PACKAGES | tr "\n" " ")"

# little-endian fields of an ELF64 file: u16/u32 FILE OFFSET (offsets and sizes here < 4 GiB)
u16() { od -A n -t u2 -j "$2" -N 2 "$1" | tr -d ' '; }
u32() { od -A n -t u4 -j "$2" -N 4 "$1" | tr -d ' '; }
# elf_interp FILE: the path in FILE's PT_INTERP program header, nothing when it has none
elf_interp() {
    phoff=$(u32 "$1" 32) phentsize=$(u16 "$1" 54) phnum=$(u16 "$1" 56) i=0
    while [ $i -lt "$phnum" ]; do
        ph=$((phoff + i * phentsize))
        if [ "$(u32 "$1" $ph)" = 3 ]; then       # PT_INTERP: p_offset at +8, p_filesz at +32
            tail -c +$(($(u32 "$1" $((ph + 8))) + 1)) "$1" | head -c $(($(u32 "$1" $((ph + 32))) - 1))
            return
        fi
        i=$((i + 1))
    done
}

# 1. dynamic, and what it loads
head -c 4 /dyn/brkvm | grep -q ELF || fail "/dyn/brkvm is not an ELF file"
[ "$(u16 /dyn/brkvm 18)" = 183 ] || fail "/dyn/brkvm e_machine $(u16 /dyn/brkvm 18), not EM_AARCH64 (183)"
dyninterp=$(elf_interp /dyn/brkvm)
statinterp=$(elf_interp /bin/brkvm)
echo "PT_INTERP: /dyn/brkvm '$dyninterp' (e_type $(u16 /dyn/brkvm 16)), /bin/brkvm '$statinterp' (e_type $(u16 /bin/brkvm 16))"
[ "$dyninterp" = /lib/ld-linux-aarch64.so.1 ] || fail "/dyn/brkvm's PT_INTERP is '$dyninterp', not /lib/ld-linux-aarch64.so.1"
[ -z "$statinterp" ] || fail "/bin/brkvm (the static build) has a PT_INTERP '$statinterp'"
LD_TRACE_LOADED_OBJECTS=1 /dyn/brkvm > /tmp/ldd 2>&1 || fail "LD_TRACE_LOADED_OBJECTS=1 /dyn/brkvm failed: $(cat /tmp/ldd)"
sed 's/^/  ldd | /' /tmp/ldd
grep -q 'not found' /tmp/ldd && fail "the loader cannot find: $(grep 'not found' /tmp/ldd | tr '\n\t' '  ')"
for so in $(cat /dyn/NEEDED); do
    case $so in
    ld-linux-aarch64.so.1) grep -q -E "^[[:space:]]*/lib/ld-linux-aarch64\.so\.1 \(0x" /tmp/ldd ;;
    *) grep -q -E "^[[:space:]]*$so => /lib/aarch64-linux-gnu/$so \(0x" /tmp/ldd ;;
    esac || fail "the loader's list has no '$so' from /lib/aarch64-linux-gnu"
done
[ "$(grep -c '(0x' /tmp/ldd)" -ge "$(wc -l < /dyn/NEEDED)" ] || fail "the loader lists fewer objects than /dyn/NEEDED"
version=$(/dyn/brkvm --version 2>&1) || fail "/dyn/brkvm --version failed: $version"
[ "$version" = "$(/bin/brkvm --version 2>&1)" ] || fail "/dyn/brkvm --version '$version' differs from /bin/brkvm's"
ok "/dyn/brkvm is dynamic (PT_INTERP $dyninterp), loads $(echo $(cat /dyn/NEEDED)), '$version'"

# 2. a bare-metal guest
run_brkvm /tmp/hello run -k $GUESTS/hello.elf -m 64M
expect_line /tmp/hello '^GUEST-HELLO-OK el=0x0+1 ' || fail "hello.elf: no 'GUEST-HELLO-OK el=1' line"
[ $RC = 0 ] || fail "hello.elf: brkvm exited $RC (want 0)"
ok "hello.elf under the dynamic brkvm"

# 3. Debian's kernel, 2 vCPUs; meanwhile, the libraries mapped into that brkvm
RUN_LIMIT=120
rm -f /tmp/maps
( i=0
  while [ $i -lt 100 ]; do
      for p in $(pidof brkvm); do
          [ "$(readlink /proc/$p/exe)" = /dyn/brkvm ] && cat /proc/$p/maps > /tmp/maps.tmp &&
              mv /tmp/maps.tmp /tmp/maps && exit 0
      done
      sleep 0.1; i=$((i + 1))
  done ) &
sampler=$!
BOOTARGS="console=ttyS0 earlycon=uart8250,mmio,0x1000000 panic=-1 brkvm.test=cpus,uname"
run_brkvm /tmp/out run -k $L2_IMAGE -i $L2_INITRD -c 2 -m 256M -p "$BOOTARGS"
wait $sampler
expect_line /tmp/out '^GUEST-INIT uptime=' || fail "guest never reached /init"
expect_line /tmp/out '^GUEST-CPUS 2' || fail "guest does not see 2 CPUs: $(grep -m1 GUEST-CPUS /tmp/out | tr -d '\r')"
expect_line /tmp/out '^GUEST-DONE' || fail "no GUEST-DONE"
[ $RC = 0 ] || fail "brkvm exited $RC after the guest's poweroff (want 0)"
[ -s /tmp/maps ] || fail "did not catch /dyn/brkvm running to read its /proc/PID/maps"
loaded=$(awk '$6 ~ /\.so/ {print $6}' /tmp/maps | sort -u)
echo "LOADED $(echo $loaded)"
for so in $(cat /dyn/NEEDED); do
    echo "$loaded" | grep -q "/$so\$" || fail "brkvm's maps have no $so while the guest ran"
done
echo "$loaded" | grep -v -q -E '^/lib/' && fail "a library from outside /lib: $(echo "$loaded" | grep -v -E '^/lib/')"
ok "Linux in the dynamic brkvm: /init, 2 CPUs, powered off, exit 0; $(echo "$loaded" | wc -l) objects mapped"
