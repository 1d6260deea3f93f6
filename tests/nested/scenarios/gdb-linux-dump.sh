# gdb-linux-dump - a crash dump for gdb and drgn: the test kernel (KASLR, --symbols) under gdb,
# one vCPU stopped in a syscall, `monitor dump-guest-memory /tmp/x.core` (gdb/dump.py notes what
# the live session saw); then the test host serves the core (gzip, busybox httpd on the
# forwarded port) and gdb/dump_check.py opens it on the x86_64 machine with gdb-multiarch
# vmlinux (threads, registers, bt, jiffies, lx-dmesg) and Debian's drgn (init_task, the log).
# Last, without --symbols (a bare-metal guest): a core without VMCOREINFO, and the answer says so.
# console
# modes: vhe
# timeout: 240
# extra-initrd: testkernel
# expect(170): GUEST-VMCOREINFO 0x(?P<vmcoreinfo>[0-9a-f]+) [0-9a-f]+
# expect: GUEST-READY
# gdb: dump.py
# send: stop\r
# expect(60): GUEST-DONE
# expect(90): CORE-SERVING
# host: dump_check.py
# expect(60): CORE-FETCHED
# expect: gdb stub listening on
# gdb: dump_nosyms.py
. /scenarios/lib.sh
[ -f /tk/Image ] || fail "no test kernel in the test host (extra-initrd testkernel)"
cat $L2_INITRD /tk/modules.cpio > /tmp/initrd.cpio
run_brkvm_console 200 run -k /tk/Image -i /tmp/initrd.cpio -c 2 -m 64M --gdb 0.0.0.0:1234 \
    --kaslr-seed 0x5eed0000cafe0002 --symbols /tk/System.map \
    -p "console=ttyS0 earlycon=uart8250,mmio,0x1000000 panic=-1 loglevel=4 brkvm.test=gdbloop"
expect_guest_done
[ -f /tmp/x.core ] || fail "no /tmp/x.core"
# written from guest RAM with all-zero chunks left as holes
set -- $(ls -ls /tmp/x.core)
echo "CORE-SIZE bytes=$6 allocated_kib=$1"
[ "$6" -gt $((64 << 20)) ] || fail "the core is smaller than guest RAM ($6 bytes)"
[ "$1" -lt $((64 << 10)) ] || fail "the core has no holes ($1 KiB allocated)"
mkdir -p /tmp/www
t0=$(cut -d' ' -f1 /proc/uptime)
gzip -c /tmp/x.core > /tmp/www/x.core.gz || fail "gzip"
rm /tmp/x.core
echo "CORE-GZIP bytes=$(stat -c %s /tmp/www/x.core.gz) s=$(awk -v a="$t0" '{print $1 - a}' /proc/uptime)"
# the host side fetches it through the forwarded gdb port, then asks for /fetched
httpd -f -vv -p 1234 -h /tmp/www 2>/tmp/httpd.log & h=$!
sleep 0.5
echo "CORE-SERVING"
i=0
while ! grep -q '/fetched' /tmp/httpd.log && [ $i -lt 300 ]; do sleep 0.5; i=$((i + 1)); done
kill $h
grep -q '/fetched' /tmp/httpd.log || fail "the host did not fetch the core"
echo "CORE-FETCHED"
RUN_LIMIT=60
run_brkvm /tmp/out2 run -k $GUESTS/hello.elf -m 16M --gdb 0.0.0.0:1234 --gdb-wait
expect_line /tmp/out2 'quit from the gdb monitor' || fail "no 'quit from the gdb monitor' line"
set -- $(ls -ls /tmp/y.core)
[ "$6" -gt $((16 << 20)) ] || fail "the core without --symbols is smaller than guest RAM"
ok "cores written and fetched (the host checked them with gdb and drgn)"
