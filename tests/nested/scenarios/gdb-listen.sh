# gdb-listen - where and how the stub listens, checked inside the test host with gdbping (a tiny
# RSP client): unix:PATH gets mode 0600; a client that sets a breakpoint and drops the
# connection leaves the guest running with the breakpoint gone; a TCP port without a host binds
# 127.0.0.1 only; a busy port is a start-up error (exit 2); 'D' detaches; 'k' ends brkvm (exit 0).
# timeout: 90
. /scenarios/lib.sh
cd /tmp
ifconfig lo 127.0.0.1 up
waitfor() { i=0; while ! eval "$1" && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done; eval "$1"; }

# 1. unix socket, breakpoint, dropped connection
brkvm run -k $GUESTS/counter.elf -m 64M --gdb unix:/tmp/gdb.sock --gdb-wait >u.out 2>&1 </dev/null &
pid=$!
waitfor '[ -S /tmp/gdb.sock ]' || fail "no socket /tmp/gdb.sock: $(cat u.out)"
mode=$(stat -c %a /tmp/gdb.sock)
[ "$mode" = 600 ] || fail "socket mode $mode, want 600"
r=$(gdbping unix:/tmp/gdb.sock '?' 'Z0,80080004,4' 'm80080004,4') || fail "gdbping on the unix socket failed"
echo "$r" | sed 's/^/  gdbping: /'
echo "$r" | head -n1 | grep -q '^T05' || fail "no stop reply to ?: $r"
[ "$(echo "$r" | sed -n 2p)" = OK ] || fail "Z0 not accepted: $r"
echo "$r" | sed -n 3p | grep -q -v '^000020d4$' || fail "m shows our BRK instead of the original"
wait $pid; rc=$?
cat u.out | sed 's/^/  | /'
grep -q GUEST-EXCEPTION u.out && fail "a breakpoint survived the dropped connection: $(grep GUEST-EXCEPTION u.out)"
grep -q 'GUEST-COUNTER counter=0x0*a total=0x0*37' u.out || fail "the guest did not run to its end after the client left"
[ $rc = 0 ] || fail "brkvm exited $rc after the client dropped (want 0)"
ok "unix socket 0600, breakpoint removed when the client dropped, guest finished"

# 2. TCP: the default host is 127.0.0.1; a second brkvm on the same port fails cleanly
brkvm run -k $GUESTS/counter.elf -m 64M --gdb 1235 --gdb-wait >t.out 2>&1 </dev/null &
pid=$!
waitfor 'grep -q ":04D3 " /proc/net/tcp' || fail "nothing listens on port 1235: $(cat t.out)"
line=$(grep ":04D3 " /proc/net/tcp | head -n1)
echo "  /proc/net/tcp: $line"
echo "$line" | grep -q '0100007F:04D3 00000000:0000 0A' || fail "port 1235 is not bound to 127.0.0.1 only: $line"
brkvm run -k $GUESTS/counter.elf -m 64M --gdb 1235 >t2.out 2>&1 </dev/null
rc=$?
echo "  second brkvm: exit $rc: $(cat t2.out)"
[ $rc = 2 ] || fail "second brkvm on a busy port exited $rc (want 2)"
grep -q -i 'in use' t2.out || fail "no 'in use' message: $(cat t2.out)"
r=$(gdbping 127.0.0.1:1235 'qSupported' 'D') || fail "gdbping over TCP failed"
echo "$r" | sed 's/^/  gdbping: /'
echo "$r" | head -n1 | grep -q 'PacketSize=' || fail "qSupported reply lacks PacketSize: $r"
wait $pid; rc=$?
[ $rc = 0 ] && grep -q 'GUEST-COUNTER counter=0x0*a' t.out || fail "after D the guest did not finish (exit $rc)"
ok "TCP on 127.0.0.1 only, busy port refused, D detached"

# 3. k ends the VMM
brkvm run -k $GUESTS/counter.elf -m 64M --gdb 1236 --gdb-wait >k.out 2>&1 </dev/null &
pid=$!
waitfor 'grep -q ":04D4 " /proc/net/tcp' || fail "nothing listens on port 1236"
gdbping 127.0.0.1:1236 '?' '!k' >/dev/null || fail "gdbping k failed"
wait $pid; rc=$?
cat k.out | sed 's/^/  | /'
grep -q 'killed from the debugger' k.out || fail "no 'killed from the debugger' line"
[ $rc = 0 ] || fail "brkvm exited $rc after k (want 0)"
grep -q GUEST-COUNTER k.out && fail "the guest ran to its end although k came first"
ok "k ended brkvm with exit 0"
