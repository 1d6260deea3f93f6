# guest-exits - how brkvm ends for guests that do not just power off:
#   reset.{elf,bin}      PSCI SYSTEM_RESET: exit 3 (distinct from power-off), one line saying the guest requested a reset
#   badaccess.{elf,bin}  a plain ldr from 0x2000000 (no RAM, no device) reads 0 and the guest
#                        continues, silently, or with --debug-mmio with a warning naming the
#                        address; then an ldp from there (no valid syndrome: KVM_EXIT_ARM_NISV):
#                        the guest gets an external data abort (EC 0x25, DFSC 0x10) at the ldp
#                        with FAR 0x2000000, brkvm one warning line naming the address and the
#                        pc, and the guest powers off (exit 0)
# timeout: 90
. /scenarios/lib.sh
ZERO=0x0000000000000000

for g in reset.elf reset.bin; do
    run_brkvm /tmp/out run -k $GUESTS/$g -m 64M
    [ $RC = 137 ] && fail "$g: brkvm still running after ${RUN_LIMIT}s"
    expect_line /tmp/out 'GUEST-EXCEPTION|GUEST-FAIL' && fail "$g: $(grep -m1 -E 'GUEST-EXCEPTION|GUEST-FAIL' /tmp/out | tr -d '\r')"
    expect_line /tmp/out '^GUEST-RESET-REQUEST' || fail "$g: no GUEST-RESET-REQUEST marker"
    [ $RC = 3 ] || fail "$g: brkvm exited $RC after SYSTEM_RESET (want 3)"
    expect_line /tmp/out '^brkvm: .*reset' || fail "$g: no 'brkvm: ...reset...' line"
    ok "$g: exit 3, $(grep -m1 '^brkvm: .*reset' /tmp/out)"
done

for g in badaccess.elf badaccess.bin; do
    for dbg in "" --debug-mmio; do
        t="$g${dbg:+ $dbg}"
        run_brkvm /tmp/out run -k $GUESTS/$g -m 64M $dbg
        [ $RC = 137 ] && fail "$t: brkvm still running after ${RUN_LIMIT}s"
        expect_line /tmp/out 'GUEST-EXCEPTION|GUEST-FAIL' && fail "$t: $(grep -m1 -E 'GUEST-EXCEPTION|GUEST-FAIL' /tmp/out | tr -d '\r')"
        expect_line /tmp/out '^GUEST-BADACCESS start' || fail "$t: no start marker"
        expect_line /tmp/out '^GUEST-UNMAPPED-READ value=' ||
            fail "$t: the guest did not continue after a read of unmapped MMIO"
        expect_line /tmp/out "^GUEST-UNMAPPED-READ value=$ZERO" ||
            fail "$t: unmapped MMIO read gave $(grep -m1 GUEST-UNMAPPED-READ /tmp/out | tr -d '\r') (want 0)"
        if [ -n "$dbg" ]; then
            expect_line /tmp/out 'unmapped MMIO read 0x2000000' ||
                fail "$t: no warning naming 0x2000000 for the unmapped read"
            expect_line /tmp/out 'unmapped MMIO write 0x2000000.*0x12345678' ||
                fail "$t: no warning naming 0x2000000 and the value for the unmapped write"
        else
            expect_line /tmp/out 'unmapped MMIO' &&
                fail "$t: unmapped MMIO reported without --debug-mmio: $(grep -m1 'unmapped MMIO' /tmp/out)"
        fi
        pc=$(sed -n 's/^GUEST-BADACCESS-LDP pc=0x0*\([0-9a-f]*\).*/\1/p' /tmp/out)
        [ -n "$pc" ] || fail "$t: no GUEST-BADACCESS-LDP marker"
        abort=$(grep -m1 '^GUEST-BADACCESS-ABORT' /tmp/out | tr -d '\r')
        [ -n "$abort" ] || fail "$t: the guest got no abort for the ldp (exit $RC)"
        # ESR's low 32 bits: EC 0x25 (data abort, same EL), IL, DFSC 0x10 (synchronous external
        # abort); the test host's KVM 6.1 sets bits 63:32 of what it injects (sign extension)
        echo "$abort" | grep -q -E 'esr=0x[0-9a-f]{8}96000010 far=0x0+2000000 elr=0x0*'"$pc"'$' ||
            fail "$t: not an external abort at the ldp (pc 0x$pc) for 0x2000000: $abort"
        [ $RC = 0 ] || fail "$t: brkvm exited $RC after the guest handled the abort (want 0)"
        line=$(grep -m1 'KVM cannot emulate' /tmp/out | tr -d '\r')
        echo "$line" | grep -q "access to 0x2000000 at pc 0x$pc .*external data abort" ||
            fail "$t: no line naming 0x2000000, the pc 0x$pc and the injected abort: $line"
        ok "$t: read 0, abort injected ($abort), exit 0"
    done
done
