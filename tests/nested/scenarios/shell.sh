# shell - the README demo: Linux inside brkvm with an interactive busybox shell on the console,
# and brkvm's gdb stub on port 1234 when the test host has its network (runner --gdb-port).
# interactive
# Run with: tests/nested/runner.py --scenario shell --interactive --gdb-port 1234
. /scenarios/lib.sh
gdb=""
[ -e /sys/class/net/eth0 ] && gdb="--gdb 0.0.0.0:1234"
echo "test host: starting brkvm with Debian's kernel, 2 vCPUs, 256M; 'exit' in the guest shell powers it off"
brkvm run -k $L2_IMAGE -i $L2_INITRD -c 2 -m 256M $gdb -p "console=ttyS0 earlycon=uart8250,mmio,0x1000000 panic=-1"
rc=$?
echo "brkvm exited with $rc"
exit $rc
