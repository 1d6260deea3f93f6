# gdb-listen - where and how the stub listens, checked inside the test host with gdbping (a tiny
# RSP client): unix:PATH gets mode 0600 and only in a directory of the user's own that no one
# else may write (/tmp is refused); an existing path is replaced only when it is a stale socket
# (a regular file, a live brkvm's socket are refused, exit 2, unchanged); a client that sets a breakpoint and drops the
# connection leaves the guest running with the breakpoint gone; a TCP port without a host binds
# 127.0.0.1 only; a busy port is a start-up error (exit 2); 'D' detaches; 'k' ends brkvm (exit 0).
# timeout: 90
. /scenarios/lib.sh
cd /tmp
ifconfig lo 127.0.0.1 up
waitfor() { i=0; while ! eval "$1" && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done; eval "$1"; }

# 0. where a unix socket may go
refused() { # refused WHY-REGEX ARGS...: brkvm exits 2 at once with a message matching WHY-REGEX
    why=$1; shift
    brkvm run -k $GUESTS/counter.elf -m 64M "$@" >r.out 2>&1 </dev/null
    rc=$?
    echo "  brkvm $*: exit $rc: $(head -n1 r.out)"
    [ $rc = 2 ] || fail "brkvm $* exited $rc (want 2): $(cat r.out)"
    grep -q -E "$why" r.out || fail "brkvm $*: no message matching '$why': $(cat r.out)"
}
refused 'writable by other users' --gdb unix:/tmp/gdb.sock
[ -e /tmp/gdb.sock ] && fail "a refused brkvm left /tmp/gdb.sock"
mkdir -m 700 /tmp/own
echo "keep me" > /tmp/own/file
refused 'exists and is not a socket' --gdb unix:/tmp/own/file
[ "$(cat /tmp/own/file)" = "keep me" ] || fail "the regular file at the socket path was changed"
mkdir -m 777 /tmp/own/open
refused 'writable by other users' --gdb unix:/tmp/own/open/g.sock
ok "unix socket refused in /tmp, in a world-writable directory, and over a regular file (exit 2, file unchanged)"

# 1. unix socket, breakpoint, dropped connection
S=/tmp/own/gdb.sock
# a stale socket (a brkvm killed with SIGKILL leaves its socket behind) is replaced
brkvm run -k $GUESTS/counter.elf -m 64M --gdb unix:$S --gdb-wait >k.out 2>&1 </dev/null &
kpid=$!
waitfor "[ -S $S ]"
kill -9 $kpid; wait $kpid 2>/dev/null
[ -S $S ] || fail "could not leave a stale socket at $S"
brkvm run -k $GUESTS/counter.elf -m 64M --gdb unix:$S --gdb-wait >u.out 2>&1 </dev/null &
pid=$!
waitfor 'grep -q "listening on unix" u.out' || fail "no stub on the stale socket's path: $(cat u.out)"
mode=$(stat -c %a $S)
[ "$mode" = 600 ] || fail "socket mode $mode, want 600"
# a second brkvm must not steal a live socket
refused 'listens on that socket' --gdb unix:$S
[ -S $S ] || fail "the refused second brkvm removed the live socket"
r=$(gdbping unix:$S '?' 'Z0,80080004,4' 'm80080004,4') || fail "gdbping on the unix socket failed"
echo "$r" | sed 's/^/  gdbping: /'
echo "$r" | head -n1 | grep -q '^T05' || fail "no stop reply to ?: $r"
[ "$(echo "$r" | sed -n 2p)" = OK ] || fail "Z0 not accepted: $r"
echo "$r" | sed -n 3p | grep -q -v '^000020d4$' || fail "m shows our BRK instead of the original"
wait $pid; rc=$?
cat u.out | sed 's/^/  | /'
grep -q GUEST-EXCEPTION u.out && fail "a breakpoint survived the dropped connection: $(grep GUEST-EXCEPTION u.out)"
grep -q 'GUEST-COUNTER counter=0x0*a total=0x0*37' u.out || fail "the guest did not run to its end after the client left"
[ $rc = 0 ] || fail "brkvm exited $rc after the client dropped (want 0)"
ok "stale socket replaced, live one refused, unix socket 0600, breakpoint removed when the client dropped, guest finished"

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
