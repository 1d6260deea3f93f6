#!/bin/bash
# demo.sh - boot the default guest (Debian's arm64 kernel + a busybox initramfs, 2 vCPUs, 256M)
# under brkvm with a shell on the console.  On an arm64 machine with /dev/kvm brkvm runs
# directly; elsewhere inside the test host (qemu-system-aarch64 with EL2, KVM inside it).
set -euo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"
scripts/deps.sh
scripts/build.sh
tests/nested/fetch.sh >/dev/null
PARAMS="console=ttyS0 earlycon=uart8250,mmio,0x1000000 panic=-1"
if [ "$(uname -m)" = aarch64 ] && [ -w /dev/kvm ]; then
    tests/nested/mkinitramfs.sh >/dev/null
    echo "demo: brkvm on this machine's KVM; 'exit' in the guest shell powers off, Ctrl-A x quits"
    echo "demo: debug it from another terminal: gdb-multiarch -ex 'target remote 127.0.0.1:1234'"
    exec build/cross/brkvm run -k build/nested/vmlinuz -i build/nested/guest-initramfs.cpio \
        -c 2 -m 256M --gdb 127.0.0.1:1234 -p "$PARAMS"
fi
echo "demo: no arm64 KVM here, so brkvm runs inside the test host (QEMU, ~10 s to the shell)."
echo "demo: 'exit' in the guest shell powers everything off; QEMU's Ctrl-A x aborts."
echo "demo: brkvm's gdb stub is forwarded to this machine: from another terminal, run"
echo "demo:     gdb-multiarch -ex 'target remote 127.0.0.1:1234'"
echo "demo: (the guest stops while gdb is attached; 'detach' or quitting gdb lets it run on)"
exec tests/nested/runner.py --scenario shell --interactive --gdb-port 1234
