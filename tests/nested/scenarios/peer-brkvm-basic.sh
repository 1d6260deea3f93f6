# peer-brkvm-basic - the brkvm-vs-QEMU gdbstub comparison (tests/nested/peer/FEATURES.md):
# peer_basic.py against brkvm (--gdb-wait) in the test host, running
# counter.elf, booted with the same extra initrd as the QEMU run (same boot cost).  Passes when the script
# ran to its end; its PEER-FEATURE lines are the measurements.
# timeout: 200
# modes: vhe
# manual
# recording
# extra-initrd: qemu-peer
# expect: PEER-TARGET (?P<peer>brkvm)
# expect: gdb stub listening on
# gdb: peer_basic.py
. /scenarios/lib.sh
echo "PEER-TARGET brkvm"
RUN_LIMIT=190
t0=$(cut -d' ' -f1 /proc/uptime)
run_brkvm /tmp/out run -k $GUESTS/counter.elf -m 64M --gdb 0.0.0.0:1234 --gdb-wait
echo "PEER-TIME vmm ran $(awk -v a="$t0" '{print $1 - a}' /proc/uptime) s"
# x0 = 100 at the 3rd call: total 55 - 3 + 100 = 0x98; counter = 1000 at the 5th: 1006 = 0x3ee
if expect_line /tmp/out 'GUEST-COUNTER counter=0x0+3ee total=0x0+98'; then
    echo "PEER-FEATURE writes-visible | the guest's output shows gdb's register and memory writes | ok | $(grep -m1 GUEST-COUNTER /tmp/out | tr -d '\r')"
else
    echo "PEER-FEATURE writes-visible | the guest's output shows gdb's register and memory writes | no | $(grep -m1 GUEST-COUNTER /tmp/out | tr -d '\r')"
fi
echo "PEER-FEATURE vmm-exit | VMM exit code after the session | info | $RC"
grep -q GUEST-COUNTER /tmp/out || fail "the guest did not get to its output"
ok "peer_basic against brkvm"
