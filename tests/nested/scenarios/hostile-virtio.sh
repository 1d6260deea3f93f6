# hostile-virtio - the vabuse guest (tests/guests/vabuse.c) drives brkvm's virtio devices (blk on
# a scratch image, rng, console) with descriptor loops, chains as long as the queue, next indexes
# and buffers outside the table / RAM / across its ends / wrapping, nested and malformed indirect
# tables, bad blk requests, a runaway available index and a head outside the table (the device
# must set DEVICE_NEEDS_RESET), queue sizes 0, 6, 512, 65535 and rings outside RAM, notifications
# before DRIVER_OK and for queues that do not exist, resets with requests in flight, then one
# correct request after each group.  The guest checks every answer itself (VABUSE-CASE lines).
# brkvm must keep running to the guest's power-off (exit 0), the scratch image must be unchanged
# outside sectors 2-3 (the only ones the guest writes, with its pattern), the console line must
# reach stdout, and brkvm's log must stay short however often the guest repeats a mistake.
# modes: vhe
# timeout: 120
. /scenarios/lib.sh
RUN_LIMIT=90
dd if=/dev/urandom of=/tmp/scratch.img bs=64k count=16 2>/dev/null
cp /tmp/scratch.img /tmp/scratch.orig
t0=$(cut -d' ' -f1 /proc/uptime)
run_brkvm /tmp/out run -k $GUESTS/vabuse.elf -m 64M -d /tmp/scratch.img --rng --console virtio
t1=$(cut -d' ' -f1 /proc/uptime)
tr -d '\r' < /tmp/out > /tmp/out.txt
[ $RC = 137 ] && fail "brkvm still running after ${RUN_LIMIT}s"
expect_line /tmp/out.txt 'GUEST-EXCEPTION|GUEST-FAIL' && fail "$(grep -m1 -E 'GUEST-EXCEPTION|GUEST-FAIL' /tmp/out.txt)"
expect_line /tmp/out.txt 'AddressSanitizer|runtime error|Segmentation|Aborted|core dumped' &&
    fail "a sign of corruption: $(grep -m1 -E 'AddressSanitizer|runtime error|Segmentation|Aborted|core dumped' /tmp/out.txt)"
expect_line /tmp/out.txt '^GUEST-VABUSE start' || fail "the guest did not start"
total=$(grep -m1 '^VABUSE-TOTAL' /tmp/out.txt)
[ -n "$total" ] || fail "no VABUSE-TOTAL line (exit $RC): the guest did not finish"
expect_line /tmp/out.txt '^VABUSE-CASE .* BAD' && fail "$(grep '^VABUSE-CASE .* BAD' /tmp/out.txt | head -n3 | tr '\n' ';')"
echo "$total" | grep -q ' bad=0$' || fail "$total"
cases=$(echo "$total" | sed 's/.*cases=\([0-9]*\).*/\1/')
[ "$cases" -ge 60 ] || fail "only $cases cases ran"
[ $RC = 0 ] || fail "brkvm exited $RC (want 0: the guest powered off)"
expect_line /tmp/out.txt '^brkvm: guest powered off' || fail "no 'guest powered off' line"
expect_line /tmp/out.txt '^VABUSE-HVC line through virtio-console' || fail "the hvc0 line did not reach stdout"
# the image: sectors 2-3 hold the guest's pattern, everything else is as it was
part() { dd if="$1" bs=512 skip="$2" count="$3" 2>/dev/null | md5sum; }
[ "$(part /tmp/scratch.img 0 2)" = "$(part /tmp/scratch.orig 0 2)" ] || fail "sectors 0-1 of the scratch image changed"
[ "$(part /tmp/scratch.img 4 9999)" = "$(part /tmp/scratch.orig 4 9999)" ] || fail "the scratch image changed after sector 3"
[ "$(dd if=/tmp/scratch.img bs=1 skip=1024 count=8 2>/dev/null)" = "AP_MVKRB" ] ||
    fail "sector 2 does not hold the guest's pattern"
[ "$(stat -c %s /tmp/scratch.img)" = "$(stat -c %s /tmp/scratch.orig)" ] || fail "the image changed size"
# the log: the guest repeated 300 bad layouts and 300 bad feature sets
lines=$(grep -c '^brkvm: ' /tmp/out.txt)
grep '^brkvm: ' /tmp/out.txt | head -n 30
[ "$lines" -le 30 ] || fail "brkvm printed $lines log lines for the guest's mistakes (want at most 30)"
ok "$total; $lines brkvm log lines; image intact outside sectors 2-3; $(awk -v a="$t0" -v b="$t1" 'BEGIN{print b - a}') s"
