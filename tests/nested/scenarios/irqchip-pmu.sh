# irqchip-pmu - --irqchip and --pmu with the hello guest, quick: the GIC asked for is the one
# brkvm creates (its --loglevel info line) or a start-up error naming it (exit 1: KVM cannot
# build it on this host: no GICv2 on the vhe host's GICv3, no GICv3 on a GICv2 host); gicv3-its
# adds the ITS and the DT its msi-controller ("arm,gic-v3-its"); --pmu initialises KVM's PMU on
# every vCPU and the DT gets "arm,armv8-pmuv3" (without --pmu: neither).  The guests that use
# them are kvm-unit-tests' (scenario kvm-unit-tests).
# timeout: 90
# modes: vhe,gicv2
. /scenarios/lib.sh
G=$GUESTS/hello.elf
# hello ARGS...: the hello guest with ARGS; its DT in /tmp/x.dtb; exit code in $RC
hello() {
    rm -f /tmp/x.dtb
    run_brkvm /tmp/out run -k $G -m 64M -c 2 --loglevel info --dump-dtb /tmp/x.dtb "$@"
}
hello_ok() {
    hello "$@"
    [ $RC = 0 ] && expect_line /tmp/out '^GUEST-HELLO-OK' || fail "brkvm $*: exit $RC, no GUEST-HELLO-OK"
}
hello_refused() { # WHAT ARGS...: brkvm must stop before the guest runs, saying WHAT
    what=$1; shift
    hello "$@"
    [ $RC = 1 ] || fail "brkvm $*: exit $RC (want 1: KVM cannot build it here)"
    grep -q -F -e "$what" /tmp/out || fail "brkvm $*: no '$what' in its error"
    expect_line /tmp/out '^GUEST-HELLO' && fail "brkvm $*: the guest ran"
    ok "$* refused: $(grep -m1 -F -e "$what" /tmp/out | tr -d '\r')"
}
hello_ok
grep -q 'arm,armv8-pmuv3' /tmp/x.dtb && fail "a pmu node without --pmu"
grep -q 'arm,gic-v3-its' /tmp/x.dtb && fail "an ITS without --irqchip gicv3-its"
case $(host_gic) in
v3)
    hello_ok --irqchip gicv3
    expect_line /tmp/out '^brkvm: gic: GICv3: distributor' || fail "--irqchip gicv3: no GICv3 line"
    hello_ok --irqchip gicv3-its
    expect_line /tmp/out '^brkvm: gic: ITS: 0x' || fail "--irqchip gicv3-its: no ITS line"
    grep -q 'arm,gic-v3-its' /tmp/x.dtb || fail "--irqchip gicv3-its: no arm,gic-v3-its in the DT"
    ok "gicv3, gicv3-its: $(grep -m1 'gic: ITS' /tmp/out | tr -d '\r')"
    hello_refused '--irqchip gicv2: KVM cannot create a GICv2' --irqchip gicv2 ;;
v2)
    hello_ok --irqchip gicv2
    expect_line /tmp/out '^brkvm: gic: GICv2: distributor' || fail "--irqchip gicv2: no GICv2 line"
    expect_line /tmp/out 'no GICv3' && fail "--irqchip gicv2 tried a GICv3 first"
    ok "gicv2"
    hello_refused '--irqchip gicv3: KVM cannot create a GICv3' --irqchip gicv3
    hello_refused '--irqchip gicv3-its: KVM cannot create a GICv3' --irqchip gicv3-its ;;
*) fail "cannot tell the test host's GIC" ;;
esac
hello_ok --pmu
expect_line /tmp/out '^brkvm: pmu: PMUv3 on 2 vCPUs' || fail "--pmu: no 'pmu: PMUv3 on 2 vCPUs' line"
grep -q 'arm,armv8-pmuv3' /tmp/x.dtb || fail "--pmu: no arm,armv8-pmuv3 in the DT"
ok "--pmu: $(grep -m1 'pmu: PMUv3' /tmp/out | tr -d '\r')"
