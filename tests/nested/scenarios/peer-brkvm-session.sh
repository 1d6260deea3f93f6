# peer-brkvm-session - the brkvm-vs-QEMU gdbstub comparison (tests/nested/peer/FEATURES.md):
# session handling: attach to a running guest, Ctrl-C, detach/reattach, a second client, kill (peer_session.py)
# against brkvm (--gdb), guest forever.elf, with the same extra initrd as the QEMU run.
# Passes when the gdb script ran to its end: its PEER-FEATURE lines are the measurements.
# timeout: 200
# modes: vhe
# manual
# recording
# extra-initrd: qemu-peer
# expect: PEER-TARGET (?P<peer>brkvm)
# expect: gdb stub listening on
# expect: GUEST-SESSION counter=
# gdb: peer_session.py
. /scenarios/lib.sh
echo "PEER-TARGET brkvm"
RUN_LIMIT=190
t0=$(cut -d' ' -f1 /proc/uptime)
run_brkvm /tmp/out run -k $GUESTS/forever.elf -m 64M --gdb 0.0.0.0:1234
T=$(awk -v a="$t0" '{print $1 - a}' /proc/uptime)
echo "PEER-TIME vmm ran $T s"
expect_line /tmp/out GUEST-EXCEPTION && echo "PEER-FEATURE guest-exception | the guest took an unexpected exception | no | $(grep -m1 GUEST-EXCEPTION /tmp/out | tr -d '\r')"
echo "PEER-FEATURE kill-exit | the VMM after gdb's kill | info | exit code $RC after $T s"
ok "peer_session against brkvm"
