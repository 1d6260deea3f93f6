# bench-disk - virtio-blk and virtio-9p throughput under brkvm, kvmtool (lkvm-static) and QEMU
# (Debian's arm64 qemu-system-aarch64, -enable-kvm), side by side in one test-host boot.  Each
# VMM boots Debian's kernel (/guest/Image) with the same initramfs + virtio modules, 1 vCPU,
# 256 MiB, a fresh 64 MiB raw image on the test host's tmpfs as its only disk (virtio-blk over
# virtio-mmio for all three: kvmtool --virtio-transport mmio, QEMU -device virtio-blk-device)
# and a fresh tmpfs directory as the 9p share "bench" (QEMU: -fsdev local,security_model=none +
# -device virtio-9p-device); the guest runs /bin/diskbench on /dev/vda and on the share
# (guest/init test diskbench) and powers off.  Rounds alternate the three VMMs, the order
# turning each round (brkvm first, then kvmtool first, then QEMU first).  Prints
# `BENCH-DISK ROUND VMM KEY VALUE` lines (VALUE "fail:..." when the VMM could not do it);
# bench/disk.sh turns them into a table.  A measurement, not a test (tag manual: not in --all);
# it fails only when brkvm gave no figures at all.  Test-host command line: bench.rounds=N
# (default 3), bench.vmms=LIST (default brkvm,kvmtool,qemu; "alt" is /alt/brkvm, another brkvm
# build run with brkvm's arguments: scenario bench-disk-alt, bench/disk.sh --alt).
# timeout: 1500
# modes: vhe
# manual
# recording
# extra-initrd: virtio,kut,qemu-peer
. /scenarios/lib.sh
ROUNDS=3 VMMS=brkvm,kvmtool,qemu
for arg in $(cat /proc/cmdline); do
    case "$arg" in
    bench.rounds=*) ROUNDS=${arg#bench.rounds=} ;;
    bench.vmms=*) VMMS=${arg#bench.vmms=} ;;
    esac
done
VMMS=$(echo "$VMMS" | tr ',' ' ')
[ -x /kut/bin/lkvm-static ] || echo "BENCH-DISK 0 kvmtool all fail:no-lkvm-static"
[ -x /qemu/qemu ] || echo "BENCH-DISK 0 qemu all fail:no-qemu"
case " $VMMS " in *" alt "*) [ -x /alt/brkvm ] || fail "no /alt/brkvm (extra initrd brkvm-alt)" ;; esac
cat $L2_INITRD /virtio/l2-modules.cpio > /tmp/initrd || fail "no /virtio/l2-modules.cpio (extra initrd virtio)"
ARGS="panic=-1 loglevel=4 brkvm.test=vmods,diskbench"
echo "BENCH-DISK-INFO qemu $(cat /qemu/VERSION 2>/dev/null) kernel $(uname -r)"
# the order turns each round (the first run of a boot tends to be the slowest): round 2
# starts with the second VMM, and so on
order=$VMMS
for round in $(seq "$ROUNDS"); do
    for vmm in $order; do
        rm -rf /tmp/share /tmp/disk.img /tmp/o.txt
        mkdir /tmp/share
        dd if=/dev/zero of=/tmp/disk.img bs=1M count=64 2>/dev/null
        case $vmm in
        brkvm|alt) bin=/bin/brkvm
            [ $vmm = alt ] && bin=/alt/brkvm
            set -- $bin run -k $L2_IMAGE -i /tmp/initrd -m 256M -c 1 \
                   -d /tmp/disk.img --9p /tmp/share,bench -p "console=ttyS0 $ARGS" ;;
        kvmtool) set -- /kut/bin/lkvm-static run -k $L2_IMAGE -i /tmp/initrd -m 256 -c 1 \
                   --nodefaults --network mode=none --virtio-transport mmio \
                   -d /tmp/disk.img --9p /tmp/share,bench -p "console=ttyS0 $ARGS" ;;
        qemu) set -- /qemu/qemu -M virt,gic-version=3 -cpu host -enable-kvm -m 256M -smp 1 \
                   -nodefaults -display none -serial stdio -no-reboot \
                   -kernel $L2_IMAGE -initrd /tmp/initrd -append "console=ttyAMA0 $ARGS" \
                   -drive if=none,id=d0,file=/tmp/disk.img,format=raw -device virtio-blk-device,drive=d0 \
                   -fsdev local,id=f0,path=/tmp/share,security_model=none \
                   -device virtio-9p-device,fsdev=f0,mount_tag=bench ;;
        esac
        echo "+ $* (round $round)"
        read -r t0 _ </proc/uptime
        timeout -s KILL 400 "$@" </dev/null 2>&1 | tr -d '\r' > /tmp/o.txt
        read -r t1 _ </proc/uptime
        sed 's/^/  | /' /tmp/o.txt | grep -v -E '^  \| \[ *[0-9.]+\] ' | tail -n 30
        echo "BENCH-DISK $round $vmm wall_s $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')"
        for mode in blk file; do
            line=$(grep -m1 "^DISKBENCH $mode " /tmp/o.txt)
            if [ -n "$line" ]; then
                [ $vmm = brkvm ] && : > /tmp/brkvm-ok
                for kv in ${line#DISKBENCH $mode }; do
                    echo "BENCH-DISK $round $vmm ${kv%%=*} ${kv#*=}"
                done
            else
                why=$(grep -m1 -E "^DISKBENCH $mode failed|diskbench: |Error|error|invalid|not supported" /tmp/o.txt |
                      tr ' ' '_' | cut -c1-80)
                echo "BENCH-DISK $round $vmm $mode fail:${why:-no-result}"
            fi
        done
    done
    set -- $order
    first=$1
    shift
    order="$* $first"
done
[ -e /tmp/brkvm-ok ] || fail "brkvm gave no figures"
ok "bench-disk: $ROUNDS rounds"
