# stress-start - a hunt for the rare VHE stalls of CI (a guest that stops making progress while
# brkvm lives: gdb-virtio-stop, hostile-mmio, gdb-linux-modules): brkvm runs the mmiopoke guest
# and Debian's kernel (2 vCPUs, blk, rng) again and again in one test host.  When a run prints
# nothing for STALL seconds: the state of its threads, KVM's counters and the test host's
# interrupts and memory events, twice a second apart (STALL-* lines), then STALL-GDB-NOW KIND
# and a minute for gdb/stalldump.py, which attaches from this machine and prints each vCPU's
# registers and backtrace (Debian's kernel: symbols when STALL_VMLINUX names its vmlinux from
# linux-image-*-dbg); then the hunt ends, failed.  No stall: STALL-GDB-NOW none, passed.
# Test-host command line: stress.rounds=N (default 25); stress.vmm=kvmtool|qemu (the Linux guest
# only, under another VMM: no gdb); stress.only=linux; stress.thp=always|madvise|never;
# stress.khugepaged=fast (no sleeps between its scans).
# manual
# modes: vhe
# timeout: 1500
# extra-initrd: kut,qemu-peer
# expect(1450): STALL-GDB-NOW (?P<stallkind>[a-z]+)
# gdb: stalldump.py
. /scenarios/lib.sh
ROUNDS=25 VMM=brkvm ONLY=
T=/sys/kernel/mm/transparent_hugepage
for arg in $(cat /proc/cmdline); do
    case "$arg" in
    stress.rounds=*) ROUNDS=${arg#stress.rounds=} ;;
    stress.vmm=*) VMM=${arg#stress.vmm=} ;;
    stress.only=*) ONLY=${arg#stress.only=} ;;
    stress.thp=*) echo "${arg#stress.thp=}" > $T/enabled ;;
    stress.khugepaged=fast)
        echo 0 > $T/khugepaged/scan_sleep_millisecs
        echo 0 > $T/khugepaged/alloc_sleep_millisecs
        echo 65536 > $T/khugepaged/pages_to_scan ;;
    esac
done
STALL=20
mount -t debugfs none /sys/kernel/debug 2>/dev/null
dd if=/dev/urandom of=/tmp/scratch.img bs=64k count=16 2>/dev/null
echo "STRESS vmm=$VMM THP $(cat $T/enabled) defrag $(cat $T/defrag) ksm $(cat /sys/kernel/mm/ksm/run 2>/dev/null)"

# kvm_counters: every VM's non-zero debugfs counters, one line
kvm_counters() {
    for d in /sys/kernel/debug/kvm/*-*; do
        [ -d "$d" ] || continue
        printf '%s:' "${d##*/}"
        for f in "$d"/*; do
            [ -f "$f" ] || continue
            v=$(cat "$f" 2>/dev/null) || continue
            [ "$v" = 0 ] || printf ' %s=%s' "${f##*/}" "$v"
        done
        echo
    done
}

# vmstat_mm: the memory-management events that move or remap a process's pages
vmstat_mm() {
    grep -E '^(thp_fault_alloc|thp_fault_fallback|thp_collapse_alloc|thp_split_pmd|pgmigrate_success|compact_stall) ' /proc/vmstat | tr '\n' ' '
}

# stall_sample N PID: its threads, KVM's counters, interrupts
stall_sample() {
    thread_states $2 STALL-THREAD-$1 $([ $1 = 2 ] && echo 0 || echo 10)
    echo "STALL-KVM-$1 $(kvm_counters)"
    grep -E 'timer|IPI[01]|vgic' /proc/interrupts | sed "s/^/STALL-IRQ-$1 /"
    echo "STALL-VMSTAT-$1 $(vmstat_mm)"
}

# one NAME LIMIT COMMAND...: COMMAND with a stall watcher; a stall ends the hunt
runs=0
one() {
    name=$1; limit=$2; shift 2
    runs=$((runs + 1))
    : > /tmp/s.out
    "$@" > /tmp/s.out 2>&1 </dev/null &
    pid=$!
    t0=$(cut -d' ' -f1 /proc/uptime | cut -d. -f1)
    last=$t0; size=0
    while kill -0 $pid 2>/dev/null; do
        sleep 1
        now=$(cut -d' ' -f1 /proc/uptime | cut -d. -f1)
        s=$(wc -c < /tmp/s.out)
        if [ "$s" != "$size" ]; then size=$s; last=$now; fi
        if [ $((now - last)) -ge $STALL ] || [ $((now - t0)) -ge "$limit" ]; then
            echo "STALL run $runs ($name): no output for $((now - last)) s, $((now - t0)) s after start; its last lines:"
            tail -3 /tmp/s.out | tr -d '\r' | sed 's/^/STALL-LAST /'
            grep -E 'AnonHugePages|^[0-9a-f]+-' /proc/$pid/smaps | grep -B1 -E 'AnonHugePages: +[1-9]' |
                sed 's/^/STALL-SMAPS /'
            stall_sample 1 $pid
            sleep 1
            stall_sample 2 $pid
            kind=$name
            [ "$VMM" = brkvm ] || kind=none
            echo "STALL-GDB-NOW $kind run $runs"
            sleep 60
            tail -5 /tmp/s.out | tr -d '\r' | sed 's/^/STALL-AFTER /'
            kill -9 $pid
            fail "run $runs ($name) stalled"
        fi
    done
    wait $pid
    rc=$?
    echo "RUN $runs $name exit $rc $((now - t0)) s; $(vmstat_mm)"
}

ARGS="console=ttyS0 earlycon=uart8250,mmio,0x1000000 panic=-1 brkvm.test=cpus"
i=0
while [ $i -lt "$ROUNDS" ]; do
    i=$((i + 1))
    case $VMM in
    brkvm)
        [ "$ONLY" = linux ] ||
            one mmiopoke 60 brkvm run -k $GUESTS/mmiopoke.elf -m 64M -d /tmp/scratch.img,ro --rng \
                --console virtio --gdb 0.0.0.0:1234
        one linux 90 brkvm run -k $L2_IMAGE -i $L2_INITRD -c 2 -m 256M --rng \
            -d /tmp/scratch.img,ro --gdb 0.0.0.0:1234 --no-kaslr -p "$ARGS" ;;
    kvmtool)
        one linux 90 /kut/bin/lkvm-static run -k $L2_IMAGE -i $L2_INITRD -m 256 -c 2 --nodefaults \
            --network mode=none --virtio-transport mmio --rng -d /tmp/scratch.img,ro -p "$ARGS" ;;
    qemu)
        one linux 90 /qemu/qemu -M virt,gic-version=3 -cpu host -enable-kvm -m 256M -smp 2 \
            -nodefaults -display none -serial stdio -no-reboot -kernel $L2_IMAGE \
            -initrd $L2_INITRD -append "console=ttyAMA0 panic=-1 brkvm.test=cpus" ;;
    esac
done
echo "STALL-GDB-NOW none"
echo "STRESS vmm=$VMM runs=$runs stalls=0"
ok "$runs runs, none stalled"
