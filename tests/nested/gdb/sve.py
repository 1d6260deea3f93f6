"""sve.py - gdb against brkvm running the sve guest (--gdb-wait).  With SVE in the vCPUs the
target description carries org.gnu.gdb.aarch64.sve in place of .fpu: $vg follows the guest's
ZCR_EL1 (2 at its shortest length, the guest's own CNTD at its longest), z0/p0/ffr hold the
guest's patterns, a write to z1 reaches the guest (it prints it).  Without SVE (nVHE host) the
fpu feature stays and v0/v1 do the same.  Either way ID_AA64PFR0_EL1.SVE must agree."""
import os
import re
import sys

sys.path.insert(0, os.environ["BRKVM_GDBLIB"])
from brkvm_test import check, connect, cont_expect_end, done, log, pc, reg, run, sym_addr  # noqa

import gdb  # noqa: E402

Z1_FIRST = 0x1122334455667788
Z1_LAST = 0x99AABBCCDDEEFF00


def val(expr):
    return int(gdb.parse_and_eval(expr)) & 0xFFFFFFFFFFFFFFFF


def stop_at(symbol):
    run(f"break *{symbol}")
    run("continue")
    check(pc() == sym_addr(symbol), f"stopped at {symbol} (pc {pc():#x})")


connect(os.path.join(os.environ["BRKVM_GUESTS"], "sve.elf"))
tdesc = run("maint print xml-tdesc")
has_sve = "org.gnu.gdb.aarch64.sve" in tdesc
has_fpu = "org.gnu.gdb.aarch64.fpu" in tdesc
pfr0_sve = (reg("id_aa64pfr0_el1") >> 32) & 0xF
log(f"target description: sve={has_sve} fpu={has_fpu}; ID_AA64PFR0_EL1.SVE={pfr0_sve}")
check(has_sve != has_fpu, "exactly one of the sve and fpu features")
check(has_sve == (pfr0_sve != 0), "the sve feature is there exactly when the vCPU has SVE")
names = [r.name for r in gdb.selected_frame().architecture().registers()]

if has_sve:
    for n in ["z0", "z31", "p0", "p15", "ffr", "vg", "fpsr", "fpcr"]:
        check(n in names, f"register {n} in gdb's architecture")
    zbits = int(re.search(r'<reg name="z0" bitsize="(\d+)"', tdesc).group(1))
    vq = zbits // 128
    log(f"z registers: {zbits} bits (VQ {vq})")
    check(zbits % 128 == 0 and 1 <= vq <= 16, f"z0 is a whole number of quadwords ({zbits} bits)")

    # the guest at its shortest vector length: ZCR_EL1.LEN = 0
    stop_at("sve_short_stop")
    run("info registers vg")
    check(val("$vg") == 2, f"$vg = 2 at ZCR_EL1.LEN 0 (got {val('$vg')})")
    check(val("$x5") == 2, f"the guest's CNTD agrees (x5 = {val('$x5')})")

    # at its longest, with the patterns set
    stop_at("sve_stop")
    out = run("info registers vg")
    vg = val("$vg")
    check(vg == val("$x5"), f"$vg = {vg} = the guest's own CNTD (x5 = {val('$x5')})")
    check(vg == 2 * vq, f"$vg = {vg} matches the z registers' {zbits} bits")
    check(re.search(rf"vg\s+0x{vg:x}\s+{vg}", out) is not None, "info registers vg shows it")
    nbytes = 16 * vq
    zb = [val(f"$z0.b.u[{i}]") for i in range(nbytes)]
    check(zb == [i & 0xFF for i in range(nbytes)], f"z0.b = 0, 1, 2, ... over all {nbytes} bytes")
    check(val("$z0.d.u[1]") == 0x0F0E0D0C0B0A0908, f"z0.d.u[1] = {val('$z0.d.u[1]'):#x}")
    check(val("$v0.d.u[0]") == 0x0706050403020100, "v0 (gdb's view of z0's low 128 bits)")
    p0 = [val(f"$p0[{i}]") for i in range(2 * vq)]
    check(p0 == [0x15] + [0] * (2 * vq - 1), f"p0 = ptrue .h vl3: bytes {p0[:4]}...")
    ffr = [val(f"$ffr[{i}]") for i in range(2 * vq)]
    check(ffr == [0xFF] * (2 * vq), f"ffr all true ({ffr[:4]}...)")
    run("p $p0")
    run("p $z0.d.u")
    check(val("$z1.d.u[0]") == 0, "z1 = 0 before the write")
    run(f"set $z1.d.u[0] = {Z1_FIRST:#x}")
    run(f"set $z1.d.u[{2 * vq - 1}] = {Z1_LAST:#x}")
    check(val("$z1.d.u[0]") == Z1_FIRST, "z1.d.u[0] reads back")
    check(val(f"$z1.d.u[{2 * vq - 1}]") == Z1_LAST, "z1's last doubleword reads back")
    check(val("$z1.d.u[1]") == 0, "the rest of z1 untouched")
    check(val("$z0.b.u[5]") == 5, "z0 untouched by the write to z1")
else:
    for n in ["v0", "v31", "fpsr", "fpcr"]:
        check(n in names, f"register {n} in gdb's architecture")
    check("z0" not in names and "vg" not in names, "no SVE registers")
    stop_at("fp_stop")
    check(val("$v0.d.u[0]") == 0x0706050403020100 and val("$v0.d.u[1]") == 0x0F0E0D0C0B0A0908,
          f"v0 = bytes 0-15 ({val('$v0.d.u[1]'):#x}{val('$v0.d.u[0]'):016x})")
    run("p $v0")
    run(f"set $v1.d.u[0] = {Z1_FIRST:#x}")
    run(f"set $v1.d.u[1] = {Z1_LAST:#x}")
    check(val("$v1.d.u[0]") == Z1_FIRST and val("$v1.d.u[1]") == Z1_LAST, "v1 reads back")
run("delete")
check(cont_expect_end(), "guest ran to its power-off")
done()
