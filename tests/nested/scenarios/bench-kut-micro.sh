# bench-kut-micro - kvm-unit-tests' micro-bench (arm/micro-bench.flat: hypercall, MMIO read
# exits to the VMM and to the in-kernel vGIC, EOI, IPI, LPI through the ITS, a 10 ms timer) under
# kvmtool's lkvm-static and under brkvm in one test-host boot, with the command line
# kvm-unit-tests' arm/run builds (2 vCPUs).  kvmtool's default irqchip has an ITS, brkvm's has
# not: brkvm runs with --irqchip gicv3-its so that both measure the LPI path.  Prints
# `KUT-MICRO VMM NAME AVG_NS` lines; bench/kut-micro.sh turns them into a table.  A
# measurement, not a test (tag manual: not in --all).
# timeout: 500
# modes: vhe,nvhe
# manual
# recording
# extra-initrd: kut
. /scenarios/lib.sh
cd /kut/kvm-unit-tests || fail "no /kut/kvm-unit-tests (extra initrd kut missing)"
OPTS="--kernel arm/micro-bench.flat --cpus 2 --nodefaults --network mode=none --loglevel=warning"
ROUNDS=3                        # alternating kvmtool, brkvm; the table takes the lowest
for round in $(seq "$ROUNDS"); do
    for vmm in kvmtool brkvm; do
        case $vmm in
        kvmtool) cmd="/kut/bin/lkvm-static run $OPTS" ;;
        brkvm) cmd="/bin/brkvm run $OPTS --irqchip gicv3-its" ;;
        esac
        echo "+ $cmd (round $round)"
        timeout -s KILL 180 $cmd > /tmp/mb.txt 2>&1
        tr -d '\r' < /tmp/mb.txt | sed 's/^/  | /'
        # "name   total_ns   avg_ns" rows; "NAME test skipped" rows
        tr -d '\r' < /tmp/mb.txt | awk -v vmm=$vmm '
            NF == 3 && $2 ~ /^[0-9.]+$/ && $3 ~ /^[0-9.]+$/ { print "KUT-MICRO", vmm, $1, $3 }
            / test skipped$/ { print "KUT-MICRO", vmm, $1, "skipped" }'
        grep -q '^EXIT: STATUS=1' /tmp/mb.txt || echo "KUT-MICRO $vmm status no-EXIT-STATUS=1"
    done
done
