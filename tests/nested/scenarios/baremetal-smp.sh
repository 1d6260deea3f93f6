# baremetal-smp - two vCPUs: vCPU 0 starts vCPU 1 with PSCI CPU_ON and sees it run.
# timeout: 60
. /scenarios/lib.sh
for g in smp.elf smp.bin; do
    run_brkvm /tmp/out run -k $GUESTS/$g -m 64M --cpus 2
    expect_line /tmp/out 'GUEST-SMP-FAIL' && fail "$g: $(grep -m1 GUEST-SMP-FAIL /tmp/out | tr -d '\r')"
    expect_line /tmp/out 'GUEST-EXCEPTION' && fail "$g: $(grep -m1 GUEST-EXCEPTION /tmp/out | tr -d '\r')"
    [ $RC = 137 ] && fail "$g: brkvm still running after ${RUN_LIMIT}s"
    expect_line /tmp/out '^GUEST-SMP-OK cpu1 started' || fail "$g: no GUEST-SMP-OK line"
    [ $RC = 0 ] || fail "$g: brkvm exited $RC (want 0)"
    ok "$g"
done
