# shell - the README demo: Linux inside brkvm with an interactive busybox shell on the console.
# interactive
# Run with: tests/nested/runner.py --scenario shell --interactive   (exit the shell to finish)
. /scenarios/lib.sh
echo "test host: starting brkvm with Debian's kernel, 2 vCPUs, 256M; 'exit' in the guest shell powers it off"
brkvm run -k $L2_IMAGE -i $L2_INITRD -c 2 -m 256M -p "console=ttyS0 earlycon=uart8250,mmio,0x1000000 panic=-1"
rc=$?
echo "brkvm exited with $rc"
exit $rc
