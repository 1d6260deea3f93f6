# bench-stub - gdb-stub speed, brkvm next to Debian's QEMU (-enable-kvm -s), one test-host boot:
# six sessions alternating brkvm, qemu, qemu, brkvm, brkvm, qemu on the forever guest (QEMU runs
# forever-virt.elf, the build for its virt machine), both with -m 64M; in each, gdb/stub_bench.py
# measures one window of: `break work if counter == -1` (hits/s), a plain breakpoint hit and
# continued (hits/s), `dump binary memory` of the 64 MiB of RAM (MB/s), then kills the VMM.
# Prints STUB-BENCH lines; bench/stub.sh turns the log into a table (medians of the 3 windows).
# A measurement, not a test (tag manual: not in --all); fails only if brkvm gave no figure.
# timeout: 900
# modes: vhe
# manual
# extra-initrd: qemu-peer
# expect(120): BENCH-VMM (?P<peer>brkvm) elf=(?P<elf>forever)\b
# gdb: stub_bench.py
# expect(120): BENCH-VMM (?P<peer>qemu) elf=(?P<elf>forever-virt)\b
# gdb: stub_bench.py
# expect(120): BENCH-VMM (?P<peer>qemu) elf=(?P<elf>forever-virt)\b
# gdb: stub_bench.py
# expect(120): BENCH-VMM (?P<peer>brkvm) elf=(?P<elf>forever)\b
# gdb: stub_bench.py
# expect(120): BENCH-VMM (?P<peer>brkvm) elf=(?P<elf>forever)\b
# gdb: stub_bench.py
# expect(120): BENCH-VMM (?P<peer>qemu) elf=(?P<elf>forever-virt)\b
# gdb: stub_bench.py
. /scenarios/lib.sh
. /qemu/lib.sh
RUN_LIMIT=180               # a session takes ~1 min; gdb ends the VMM with `kill` (its limit: 240 s)
n=0
for vmm in brkvm qemu qemu brkvm brkvm qemu; do
    n=$((n + 1))
    case $vmm in
    brkvm)
        echo "BENCH-VMM brkvm elf=forever (session $n)"
        run_brkvm /tmp/out run -k $GUESTS/forever.elf -m 64M --gdb 0.0.0.0:1234 ;;
    qemu)
        echo "BENCH-VMM qemu elf=forever-virt (session $n)"
        run_qemu /tmp/out -kernel $GUESTS/forever-virt.elf -s ;;
    esac
    [ "$RC" = 137 ] && echo "BENCH-STUB session $n: $vmm was still running after ${RUN_LIMIT}s"
    sleep 1                 # the next VMM's stub on the same port: let the old socket go
done
ok "6 sessions ran (the figures are the STUB-BENCH lines of the gdb scripts)"
