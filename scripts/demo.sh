#!/bin/bash
# demo.sh - boot the default guest (Debian's arm64 kernel + a busybox initramfs, 2 vCPUs, 256M)
# under brkvm with a shell on the console and the gdb stub on 127.0.0.1:1234, through
# scripts/brkvm-x86: brkvm itself on an arm64 machine with /dev/kvm, elsewhere brkvm inside the
# test host (qemu-system-aarch64 with EL2, KVM inside it).
set -euo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"
scripts/deps.sh
scripts/build.sh
tests/nested/mkinitramfs.sh >/dev/null     # build/nested/vmlinuz + guest-initramfs.cpio
echo "demo: 'exit' in the guest shell powers it off; Ctrl-A x quits brkvm."
echo "demo: debug it from another terminal: gdb-multiarch -ex 'target remote 127.0.0.1:1234'"
echo "demo: (the guest stops while gdb is attached; 'detach' or quitting gdb lets it run on)"
exec scripts/brkvm-x86 run -k build/nested/vmlinuz -i build/nested/guest-initramfs.cpio \
    -c 2 -m 256M --gdb 127.0.0.1:1234 -p "console=ttyS0 earlycon=uart8250,mmio,0x1000000 panic=-1"
