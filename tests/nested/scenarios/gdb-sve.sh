# gdb-sve - SVE for the guest and its registers in gdb: on a VHE host (QEMU -cpu max: SVE)
# brkvm gives the vCPUs SVE and gdb sees z/p/ffr/vg (gdb/sve.py reads the sve guest's patterns
# and writes z1, which the guest prints); on an nVHE host (cortex-a72: no SVE) the fpu feature
# and v0/v1 do the same.  Then --no-sve on the VHE host: no SVE in the guest.
# timeout: 200
# expect: gdb stub listening on
# gdb: sve.py
. /scenarios/lib.sh
RUN_LIMIT=190
if dmesg | grep -q 'VHE mode initialized'; then host=vhe; else host=nvhe; fi
run_brkvm /tmp/out run -k $GUESTS/sve.elf -m 64M --loglevel info --gdb 0.0.0.0:1234 --gdb-wait
expect_line /tmp/out 'GUEST-EXCEPTION' && fail "$(grep -m1 GUEST-EXCEPTION /tmp/out | tr -d '\r')"
[ $RC = 0 ] || fail "brkvm exited $RC (want 0)"
grep -m1 'SVE: ' /tmp/out
if [ $host = vhe ]; then
    expect_line /tmp/out '^brkvm: vcpu: SVE: on, max vector length [0-9]+ bits' ||
        fail "VHE host (SVE): brkvm did not log 'SVE: on'"
    vl=$(sed -n 's/.*SVE: on, max vector length \([0-9]*\) bits.*/\1/p' /tmp/out | head -1)
    vg=$((vl / 64))
    expect_line /tmp/out "GUEST-SVE vg=$vg z1.d0=0x1122334455667788 z1.dlast=0x99aabbccddeeff00 z0=kept" ||
        fail "guest did not see gdb's z1 (want vg=$vg): $(grep -m1 GUEST- /tmp/out | tr -d '\r')"
    ok "SVE: $vl-bit vectors, gdb read z0/p0/ffr/vg and wrote z1"
    # --no-sve: the same guest takes its FP path (no gdb this time: it runs through)
    RUN_LIMIT=60
    run_brkvm /tmp/out2 run -k $GUESTS/sve.elf -m 64M --loglevel info --no-sve
    expect_line /tmp/out2 'SVE: off \(--no-sve\)' || fail "--no-sve: no 'SVE: off (--no-sve)' line"
    expect_line /tmp/out2 'GUEST-FP v1.d0=0x0+ v1.d1=0x0+' ||
        fail "--no-sve: the guest did not take its FP path: $(grep -m1 GUEST- /tmp/out2 | tr -d '\r')"
    ok "--no-sve: no SVE in the guest"
else
    expect_line /tmp/out '^brkvm: vcpu: SVE: not offered by KVM' ||
        fail "nVHE host (cortex-a72, no SVE): brkvm did not log 'SVE: not offered by KVM'"
    expect_line /tmp/out 'GUEST-FP v1.d0=0x1122334455667788 v1.d1=0x99aabbccddeeff00' ||
        fail "guest did not see gdb's v1: $(grep -m1 GUEST- /tmp/out | tr -d '\r')"
    ok "no SVE: the fpu feature, gdb read v0 and wrote v1"
fi
