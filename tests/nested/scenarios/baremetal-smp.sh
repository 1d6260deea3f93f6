# baremetal-smp - two vCPUs: vCPU 0 starts vCPU 1 with PSCI CPU_ON and sees it run; brkvm
# (--loglevel info) says it created the GIC the host offers (GICv3, or GICv2 in mode gicv2).
# timeout: 60
# modes: vhe,nvhe,gicv2
. /scenarios/lib.sh
for g in smp.elf smp.bin; do
    run_brkvm /tmp/out run -k $GUESTS/$g -m 64M --cpus 2 --loglevel info
    expect_line /tmp/out 'GUEST-SMP-FAIL' && fail "$g: $(grep -m1 GUEST-SMP-FAIL /tmp/out | tr -d '\r')"
    expect_line /tmp/out 'GUEST-EXCEPTION' && fail "$g: $(grep -m1 GUEST-EXCEPTION /tmp/out | tr -d '\r')"
    [ $RC = 137 ] && fail "$g: brkvm still running after ${RUN_LIMIT}s"
    expect_line /tmp/out '^GUEST-SMP-OK cpu1 started' || fail "$g: no GUEST-SMP-OK line"
    [ $RC = 0 ] || fail "$g: brkvm exited $RC (want 0)"
    expect_brkvm_gic /tmp/out
    ok "$g"
done
