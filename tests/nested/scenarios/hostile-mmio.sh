# hostile-mmio - the mmiopoke guest (tests/guests/mmiopoke.c) pokes every MMIO range of the
# memory map (UART, the 16 virtio-mmio slots with blk, rng and console behind three of them,
# KVM's vGIC distributor and redistributor), the holes between them, past the end of RAM and of
# the IPA space, with every width, seeded random values, unaligned accesses and the accesses that
# give KVM no valid syndrome (LDP/STP, SIMD q and d registers, writeback, LSE atomics).  The guest
# checks each outcome itself (POKE-CAT / POKE-BAD / POKE-TOTAL lines): emulated accesses
# complete, holes read 0, accesses without a syndrome get an injected external data abort at
# their address (KVM_EXIT_ARM_NISV), beyond the IPA space an abort, and the devices still answer
# afterwards.  brkvm must keep running to the guest's power-off (exit 0), log the first
# no-syndrome access in one line (and each one with --debug-mmio), leave the read-only scratch
# disk unchanged and print no sign of corruption.
# modes: vhe
# timeout: 150
. /scenarios/lib.sh
RUN_LIMIT=60
dd if=/dev/urandom of=/tmp/scratch.img bs=64k count=16 2>/dev/null
sum=$(md5sum < /tmp/scratch.img)
# the second run, with --debug-mmio (a line per access to a hole), does only the no-syndrome part
for dbg in "" --debug-mmio; do
    t="mmiopoke${dbg:+ $dbg -p poke=nisv}"
    t0=$(cut -d' ' -f1 /proc/uptime)
    run_brkvm /tmp/out run -k $GUESTS/mmiopoke.elf -m 64M -d /tmp/scratch.img,ro --rng \
        --console virtio ${dbg:+$dbg -p poke=nisv}
    t1=$(cut -d' ' -f1 /proc/uptime)
    tr -d '\r' < /tmp/out > /tmp/out.txt
    [ $RC = 137 ] && fail "$t: brkvm still running after ${RUN_LIMIT}s"
    expect_line /tmp/out.txt 'GUEST-EXCEPTION|GUEST-FAIL' &&
        fail "$t: $(grep -m1 -E 'GUEST-EXCEPTION|GUEST-FAIL' /tmp/out.txt)"
    expect_line /tmp/out.txt 'AddressSanitizer|runtime error|Segmentation|Aborted|core dumped' &&
        fail "$t: a sign of corruption: $(grep -m1 -E 'AddressSanitizer|runtime error|Segmentation|Aborted|core dumped' /tmp/out.txt)"
    expect_line /tmp/out.txt '^GUEST-POKE start' || fail "$t: the guest did not start"
    total=$(grep -m1 '^POKE-TOTAL' /tmp/out.txt)
    [ -n "$total" ] || fail "$t: no POKE-TOTAL line (exit $RC): the guest did not finish"
    grep -E '^POKE-(CAT|BAD)' /tmp/out.txt
    expect_line /tmp/out.txt '^POKE-BAD' && fail "$t: $(grep -m1 '^POKE-BAD' /tmp/out.txt)"
    echo "$total" | grep -q ' bad=0 ' || fail "$t: $total"
    echo "$total" | grep -q ' virtio-slots=3 ' || fail "$t: the guest did not find 3 virtio devices: $total"
    cases=$(echo "$total" | sed 's/.*cases=\([0-9]*\).*/\1/')
    cats="ram-control no-syndrome ram-edge-pairs after"
    if [ -z "$dbg" ]; then
        [ "$cases" -ge 15000 ] || fail "$t: only $cases cases ran"
        cats="$cats uart virtio gic holes beyond-ipa unaligned"
    fi
    # every category ran cases, none with a wrong outcome
    for c in $cats; do
        expect_line /tmp/out.txt "^POKE-CAT $c cases=[1-9][0-9]* .*bad=0" || fail "$t: category $c did not run cleanly"
    done
    nisv=$(sed -n 's/^POKE-CAT no-syndrome cases=\([0-9]*\) faults=\([0-9]*\) .*/\1 \2/p' /tmp/out.txt)
    [ $RC = 0 ] || fail "$t: brkvm exited $RC (want 0: the guest powered off)"
    expect_line /tmp/out.txt '^brkvm: guest powered off' || fail "$t: no 'guest powered off' line"
    n=$(grep -c 'KVM cannot emulate' /tmp/out.txt)
    if [ -n "$dbg" ]; then
        faults=${nisv#* }
        # LDXR/LDAR may complete (the CPU's choice): each logged line is one injected abort
        [ "$n" -ge 100 ] || fail "$t: $n no-syndrome lines with --debug-mmio (want one per abort)"
        expect_line /tmp/out.txt 'unmapped MMIO read 0x2000000' || fail "$t: no unmapped-read line"
    else
        [ "$n" = 1 ] || fail "$t: $n lines about accesses KVM cannot emulate (want exactly 1)"
        expect_line /tmp/out.txt 'MMIO access to 0x[0-9a-f]+ at pc 0x[0-9a-f]+ that KVM cannot emulate.*external data abort is injected' ||
            fail "$t: the no-syndrome line does not name the address, the pc and the abort"
        other=$(grep -E '^brkvm: ' /tmp/out.txt | grep -v -E 'cannot emulate|guest powered off|virtio' | head -n3)
        [ -z "$other" ] || echo "note: other brkvm lines: $other"
    fi
    [ "$(md5sum < /tmp/scratch.img)" = "$sum" ] || fail "$t: the read-only scratch disk changed"
    ok "$t: $total; no-syndrome cases/aborts $nisv; $n log lines; $(awk -v a="$t0" -v b="$t1" 'BEGIN{print b - a}') s"
done
