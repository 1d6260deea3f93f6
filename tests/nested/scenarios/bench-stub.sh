# bench-stub - bench/stub.sh (issue 11): brkvm next to Debian's QEMU (-enable-kvm -s) in one
# test-host boot, the same host gdb client (gdb/stub_bench.py) on the same guests:
#   sessions 1-6: the forever guest, alternating brkvm, qemu, qemu, brkvm, brkvm, qemu, both with
#     -m 64M: rows 1, 2, 3, 4, 5, 7 and packets per event (part forever)
#   sessions 7-8: the brkloop guest under --gdb-wait / -S: row 6 with gdb attached (part brk)
#   sessions 9-10: the peertimer guest: row 7 with the timer interrupt pending (part steptimer)
#   then without gdb, in this shell: row 6 with no debugger (brkloop's own count over 3 s of its
#   virtual time), row 8 (vmmtime: the VMM's start to firstbyte's first UART byte, 3 each; to
#   Linux's /init, Debian's kernel + the test initramfs, 256M, 1 and 4 vCPUs, 2 of each) and row 9 (at /init:
#   the VMM's RSS minus the guest RAM mapping's Rss, from /proc/PID/status and smaps)
# KVM exits: a hist trigger on kvm:kvm_exit and kvm:kvm_userspace_exit (tracefs) counts every
# exit in the test host; they are sampled around the shell's runs, and for the gdb sessions when
# the script asks (a flag; the runner types its name on the console, the reader below prints
# `KVM-EXITS s=SESSION NAME EXITS USERSPACE_EXITS`) while the guest is stopped.
# Prints STUB-BENCH / STUB-BENCH-EV / STUB-BENCH-XV lines; bench/stub.sh makes the table.
# A measurement, not a test (tag manual: not in --all); fails only if brkvm gave no figure.
# timeout: 1200
# modes: vhe
# manual
# recording
# console
# extra-initrd: qemu-peer
# expect(300): BENCH-VMM (?P<peer>brkvm) elf=(?P<elf>forever) part=(?P<part>forever) session=(?P<session>1)\b
# gdb&: stub_bench.py
# await(300): m1
# send: m1\r
# expect(60): KVM-EXITS s=1 m1\b
# flag: m1ok
# await(300): m2
# send: m2\r
# expect(60): KVM-EXITS s=1 m2\b
# flag: m2ok
# await(300): m3
# send: m3\r
# expect(60): KVM-EXITS s=1 m3\b
# flag: m3ok
# await(300): m4
# send: m4\r
# expect(60): KVM-EXITS s=1 m4\b
# flag: m4ok
# wait
# expect(300): BENCH-VMM (?P<peer>qemu) elf=(?P<elf>forever-virt) part=(?P<part>forever) session=(?P<session>2)\b
# gdb&: stub_bench.py
# await(300): m1
# send: m1\r
# expect(60): KVM-EXITS s=2 m1\b
# flag: m1ok
# await(300): m2
# send: m2\r
# expect(60): KVM-EXITS s=2 m2\b
# flag: m2ok
# await(300): m3
# send: m3\r
# expect(60): KVM-EXITS s=2 m3\b
# flag: m3ok
# await(300): m4
# send: m4\r
# expect(60): KVM-EXITS s=2 m4\b
# flag: m4ok
# wait
# expect(300): BENCH-VMM (?P<peer>qemu) elf=(?P<elf>forever-virt) part=(?P<part>forever) session=(?P<session>3)\b
# gdb&: stub_bench.py
# await(300): m1
# send: m1\r
# expect(60): KVM-EXITS s=3 m1\b
# flag: m1ok
# await(300): m2
# send: m2\r
# expect(60): KVM-EXITS s=3 m2\b
# flag: m2ok
# await(300): m3
# send: m3\r
# expect(60): KVM-EXITS s=3 m3\b
# flag: m3ok
# await(300): m4
# send: m4\r
# expect(60): KVM-EXITS s=3 m4\b
# flag: m4ok
# wait
# expect(300): BENCH-VMM (?P<peer>brkvm) elf=(?P<elf>forever) part=(?P<part>forever) session=(?P<session>4)\b
# gdb&: stub_bench.py
# await(300): m1
# send: m1\r
# expect(60): KVM-EXITS s=4 m1\b
# flag: m1ok
# await(300): m2
# send: m2\r
# expect(60): KVM-EXITS s=4 m2\b
# flag: m2ok
# await(300): m3
# send: m3\r
# expect(60): KVM-EXITS s=4 m3\b
# flag: m3ok
# await(300): m4
# send: m4\r
# expect(60): KVM-EXITS s=4 m4\b
# flag: m4ok
# wait
# expect(300): BENCH-VMM (?P<peer>brkvm) elf=(?P<elf>forever) part=(?P<part>forever) session=(?P<session>5)\b
# gdb&: stub_bench.py
# await(300): m1
# send: m1\r
# expect(60): KVM-EXITS s=5 m1\b
# flag: m1ok
# await(300): m2
# send: m2\r
# expect(60): KVM-EXITS s=5 m2\b
# flag: m2ok
# await(300): m3
# send: m3\r
# expect(60): KVM-EXITS s=5 m3\b
# flag: m3ok
# await(300): m4
# send: m4\r
# expect(60): KVM-EXITS s=5 m4\b
# flag: m4ok
# wait
# expect(300): BENCH-VMM (?P<peer>qemu) elf=(?P<elf>forever-virt) part=(?P<part>forever) session=(?P<session>6)\b
# gdb&: stub_bench.py
# await(300): m1
# send: m1\r
# expect(60): KVM-EXITS s=6 m1\b
# flag: m1ok
# await(300): m2
# send: m2\r
# expect(60): KVM-EXITS s=6 m2\b
# flag: m2ok
# await(300): m3
# send: m3\r
# expect(60): KVM-EXITS s=6 m3\b
# flag: m3ok
# await(300): m4
# send: m4\r
# expect(60): KVM-EXITS s=6 m4\b
# flag: m4ok
# wait
# expect(300): BENCH-VMM (?P<peer>brkvm) elf=(?P<elf>brkloop) part=(?P<part>brk) session=(?P<session>7)\b
# gdb&: stub_bench.py
# await(300): m1
# send: m1\r
# expect(60): KVM-EXITS s=7 m1\b
# flag: m1ok
# await(300): m2
# send: m2\r
# expect(60): KVM-EXITS s=7 m2\b
# flag: m2ok
# await(300): m3
# send: m3\r
# expect(60): KVM-EXITS s=7 m3\b
# flag: m3ok
# await(300): m4
# send: m4\r
# expect(60): KVM-EXITS s=7 m4\b
# flag: m4ok
# wait
# expect(300): BENCH-VMM (?P<peer>qemu) elf=(?P<elf>brkloop-virt) part=(?P<part>brk) session=(?P<session>8)\b
# gdb&: stub_bench.py
# await(300): m1
# send: m1\r
# expect(60): KVM-EXITS s=8 m1\b
# flag: m1ok
# await(300): m2
# send: m2\r
# expect(60): KVM-EXITS s=8 m2\b
# flag: m2ok
# await(300): m3
# send: m3\r
# expect(60): KVM-EXITS s=8 m3\b
# flag: m3ok
# await(300): m4
# send: m4\r
# expect(60): KVM-EXITS s=8 m4\b
# flag: m4ok
# wait
# expect(300): BENCH-VMM (?P<peer>qemu) elf=(?P<elf>peertimer-virt) part=(?P<part>steptimer) session=(?P<session>9)\b
# gdb&: stub_bench.py
# wait
# expect(300): BENCH-VMM (?P<peer>brkvm) elf=(?P<elf>peertimer) part=(?P<part>steptimer) session=(?P<session>10)\b
# gdb&: stub_bench.py
# wait
. /scenarios/lib.sh
. /qemu/lib.sh
# gdb ends each VMM with `kill`; the limits (a session takes 15-40 s) keep a VMM that outlives
# its gdb session from stalling the run: the scenario then says so (BENCH-STUB ... still running)
QEMU_BASE="/qemu/qemu -M virt,gic-version=3 -cpu host -enable-kvm -nodefaults -display none -serial stdio"
T=/sys/kernel/tracing
mount -t tracefs nodev $T 2>/dev/null
for e in kvm_exit kvm_userspace_exit; do
    echo 'hist:keys=common_pid' > $T/events/kvm/$e/trigger 2>/dev/null ||
        echo "BENCH-STUB: no hist trigger on kvm:$e (exits not counted)"
done
hits() { sed -n 's/^ *Hits: *//p' $T/events/kvm/$1/hist 2>/dev/null | head -1; }
kvm_exits() { echo "$(hits kvm_exit) $(hits kvm_userspace_exit)"; }
echo "BENCH-STUB exits at start: $(kvm_exits)"

# the console reader: a line NAME typed by the runner -> the exit counts now
exec 3<&0
echo 0 > /tmp/session
( while read -r m <&3; do
    case $m in m[0-9]*) echo "KVM-EXITS s=$(cat /tmp/session) $m $(kvm_exits)" ;; esac
  done ) &

n=0
for s in brkvm:forever:forever qemu:forever-virt:forever qemu:forever-virt:forever \
         brkvm:forever:forever brkvm:forever:forever qemu:forever-virt:forever \
         brkvm:brkloop:brk qemu:brkloop-virt:brk qemu:peertimer-virt:steptimer brkvm:peertimer:steptimer; do
    n=$((n + 1))
    vmm=${s%%:*} elf=${s#*:} part=${s##*:}
    elf=${elf%:*}
    echo $n > /tmp/session
    wait_flag=--gdb-wait qemu_wait=-S
    [ "$part" = forever ] && wait_flag= qemu_wait=
    case $part in forever) RUN_LIMIT=150 ;; *) RUN_LIMIT=45 ;; esac
    echo "BENCH-VMM $vmm elf=$elf part=$part session=$n"
    case $vmm in
    brkvm) run_brkvm /tmp/out run -k $GUESTS/$elf.elf -m 64M --gdb 0.0.0.0:1234 $wait_flag ;;
    qemu) run_qemu /tmp/out -kernel $GUESTS/$elf.elf -s $qemu_wait ;;
    esac
    [ "$RC" = 137 ] && echo "STUB-BENCH $vmm outlived-kill n/a session $n ($part): still running ${RUN_LIMIT}s after its start, gdb had ended it with kill"
    sleep 1                 # the next VMM's stub on the same port: let the old socket go
done

# kv OUT KEY: KEY's value in a `KEY=VALUE ...` line
kv() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | head -1; }
# xv VMM ROW E0 EVENTS: the exits since the sample E0 ("EXITS UEXITS"), per EVENTS events
xv() {
    set -- "$1" "$2" $3 $4 $(kvm_exits)
    [ $# = 7 ] && echo "STUB-BENCH-XV $1 $2 $(($6 - $3)) $(($7 - $4)) $5"
}

# row 6 without a debugger: the guest's own count over 3 s of its virtual time
for vmm in brkvm qemu qemu brkvm; do
    e0=$(kvm_exits) RUN_LIMIT=30
    case $vmm in
    brkvm) run_brkvm /tmp/out run -k $GUESTS/brkloop.elf -m 64M ;;
    qemu) run_qemu /tmp/out -kernel $GUESTS/brkloop-virt.elf ;;
    esac
    l=$(tr -d '\r' < /tmp/out | grep -m1 GUEST-BRKLOOP)
    c=$(kv "$l" count) t=$(kv "$l" ticks) f=$(kv "$l" freq)
    if [ -n "$c" ] && [ -n "$t" ]; then
        echo "STUB-BENCH $vmm brk-nodbg $(awk -v c=$c -v t=$t -v f=$f 'BEGIN { printf "%.4g", c * f / t }')"
        xv $vmm brk-nodbg "$e0" $c
    else
        echo "STUB-BENCH $vmm brk-nodbg n/a no GUEST-BRKLOOP line (exit $RC)"
    fi
done

# row 8: VMM start -> the guest's first UART byte (firstbyte), 3 of each, alternating
for vmm in brkvm qemu qemu brkvm brkvm qemu; do
    e0=$(kvm_exits)
    case $vmm in
    brkvm) out=$(vmmtime -t 60 -m GUEST-FIRSTBYTE -- brkvm run -k $GUESTS/firstbyte.elf -m 64M) ;;
    qemu) out=$(vmmtime -t 60 -m GUEST-FIRSTBYTE -- $QEMU_BASE -m 64M -kernel $GUESTS/firstbyte-virt.elf) ;;
    esac
    l=$(echo "$out" | grep VMMTIME)
    echo "  $vmm: $l"
    first=$(kv "$l" first)
    case $first in
    -*|"") echo "STUB-BENCH $vmm first-insn n/a no output byte" ;;
    *) echo "STUB-BENCH $vmm first-insn $(awk -v t=$first 'BEGIN { printf "%.4g", t * 1000 }')"
       xv $vmm first-insn "$e0" 1 ;;
    esac
done

# rows 8 and 9: VMM start -> Linux's /init (GUEST-INIT), and the memory beyond guest RAM there
for spec in brkvm:1 qemu:1 qemu:4 brkvm:4 brkvm:1 qemu:1 qemu:4 brkvm:4; do
    vmm=${spec%:*} c=${spec#*:}
    e0=$(kvm_exits)
    case $vmm in
    brkvm) out=$(vmmtime -q -t 120 -m GUEST-INIT -r 256 -- brkvm run -k $L2_IMAGE -i $L2_INITRD \
                 -m 256M -c $c -p "console=ttyS0 panic=-1 loglevel=4 brkvm.test=uname") ;;
    qemu) out=$(vmmtime -q -t 120 -m GUEST-INIT -r 256 -- $QEMU_BASE -m 256M -smp $c -kernel $L2_IMAGE \
                -initrd $L2_INITRD -append "console=ttyAMA0 panic=-1 loglevel=4 brkvm.test=uname") ;;
    esac
    l=$(echo "$out" | grep VMMTIME)
    echo "  $vmm -c $c: $l"
    m=$(kv "$l" match)
    case $m in
    -*|"") echo "STUB-BENCH $vmm init-c$c n/a no GUEST-INIT within 120 s" ;;
    *) echo "STUB-BENCH $vmm init-c$c $m"
       xv $vmm init-c$c "$e0" 1
       o=$(kv "$l" other_kb) r=$(kv "$l" ram_rss_kb)
       case $o in
       -*|"") echo "STUB-BENCH $vmm mem-c$c n/a no /proc figures" ;;
       *) echo "STUB-BENCH $vmm mem-c$c $(awk -v k=$o 'BEGIN { printf "%.4g", k / 1024 }')"
          echo "STUB-BENCH $vmm ram-c$c $(awk -v k=$r 'BEGIN { printf "%.4g", k / 1024 }')" ;;
       esac ;;
    esac
done
ok "the bench ran (the figures are the STUB-BENCH lines)"
