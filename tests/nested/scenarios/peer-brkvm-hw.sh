# peer-brkvm-hw - the brkvm-vs-QEMU gdbstub comparison (tests/nested/peer/FEATURES.md):
# hardware breakpoints and watchpoints (peer_hw.py)
# against brkvm (--gdb --gdb-wait), guest counter.elf, with the same extra initrd as the QEMU run.
# Passes when the gdb script ran to its end: its PEER-FEATURE lines are the measurements.
# timeout: 200
# modes: vhe
# manual
# recording
# extra-initrd: qemu-peer
# expect: PEER-TARGET (?P<peer>brkvm)
# expect: gdb stub listening on
# gdb: peer_hw.py
. /scenarios/lib.sh
echo "PEER-TARGET brkvm"
RUN_LIMIT=190
t0=$(cut -d' ' -f1 /proc/uptime)
run_brkvm /tmp/out run -k $GUESTS/counter.elf -m 64M --gdb 0.0.0.0:1234 --gdb-wait
T=$(awk -v a="$t0" '{print $1 - a}' /proc/uptime)
echo "PEER-TIME vmm ran $T s"
expect_line /tmp/out GUEST-EXCEPTION && echo "PEER-FEATURE guest-exception | the guest took an unexpected exception | no | $(grep -m1 GUEST-EXCEPTION /tmp/out | tr -d '\r')"
grep -q GUEST-COUNTER /tmp/out || fail "the guest did not get to its output"
ok "peer_hw against brkvm"
