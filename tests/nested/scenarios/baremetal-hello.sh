# baremetal-hello - the hello guest as an ELF and as a flat binary: exit 0 and the marker line.
# timeout: 60
. /scenarios/lib.sh
for g in hello.elf hello.bin; do
    run_brkvm /tmp/out run -k $GUESTS/$g -m 64M
    expect_line /tmp/out 'GUEST-EXCEPTION' && fail "$g: $(grep -m1 GUEST-EXCEPTION /tmp/out | tr -d '\r')"
    [ $RC = 137 ] && fail "$g: brkvm still running after ${RUN_LIMIT}s"
    expect_line /tmp/out '^GUEST-HELLO-OK el=0x0+1 ' || fail "$g: no 'GUEST-HELLO-OK el=1' line"
    [ $RC = 0 ] || fail "$g: brkvm exited $RC (want 0)"
    ok "$g"
done
