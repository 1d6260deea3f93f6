"""linux_pac.py - a backtrace through a PAC-signed return address: Debian's kernel
(ARM64_PTR_AUTH_KERNEL) under brkvm with pointer authentication, stopped inside the getpid
handler after its prologue (paciasp; stp x29, x30) so the caller's return address on the stack
carries a PAC; gdb strips it with brkvm's org.gnu.gdb.aarch64.pauth masks.  Debian 12's gdb 13.1
applies only the low mask, so for kernel addresses the top byte stays (a gdb limitation, fixed
in gdb 14 with pauth_cmask_high, which brkvm publishes): the test checks both halves."""
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.environ["BRKVM_GDBLIB"])
from brkvm_test import check, connect, done, log, pc, reg, run  # noqa: E402

import gdb  # noqa: E402

GETPID = int(os.environ["BRKVM_VAR_getpid"], 16)
PACIASP, STP_FP_LR, MOV_FP_SP = 0xd503233f, 0xa9bf7bfd, 0x910003fd


def word(addr):
    return int(gdb.parse_and_eval(f"*(unsigned int *){addr:#x}")) & 0xffffffff


def symbol_file_for(name, addr, words):
    """Debian's kernel comes without symbols or unwind tables: an ELF holding the function's
    first instructions at its address, a function symbol and the call-frame information a
    compiler emits for that prologue (gdb 13's prologue analysis gives up at ftrace's NOP):
    after PACIASP the return address is signed (DW_CFA_AARCH64_negate_ra_state), after
    STP x29, x30, [sp, #-16]! they are saved, after MOV x29, sp the frame is x29-based."""
    d = tempfile.mkdtemp(prefix="brkvm-pac-")
    src, obj, elf = (os.path.join(d, n) for n in ("f.S", "f.o", "f.elf"))
    with open(src, "w") as f:
        f.write(f".text\n.globl {name}\n.type {name}, %function\n{name}:\n.cfi_startproc\n")
        for w in words:
            f.write(f"  .inst {w:#010x}\n")
            if w == PACIASP:
                f.write("  .cfi_negate_ra_state\n")
            elif w == STP_FP_LR:
                f.write("  .cfi_def_cfa_offset 16\n  .cfi_offset 29, -16\n  .cfi_offset 30, -8\n")
            elif w == MOV_FP_SP:
                f.write("  .cfi_def_cfa_register 29\n")
        f.write(f".cfi_endproc\n.size {name}, . - {name}\n")
    subprocess.run(["aarch64-linux-gnu-as", "-o", obj, src], check=True)
    subprocess.run(["aarch64-linux-gnu-ld", "-o", elf, f"-Ttext={addr:#x}", "-e", name, obj],
                   check=True)
    return elf


connect()
cmask = reg("pauth_cmask")
check(cmask == 0x007f000000000000, f"pauth_cmask from the 48-bit VA size ({cmask:#x})")
check(reg("pauth_dmask") == cmask, "pauth_dmask likewise")
check(reg("pauth_cmask_high") == 0xffff000000000000, f"pauth_cmask_high ({reg('pauth_cmask_high'):#x})")
code = [word(GETPID + 4 * i) for i in range(8)]
log("getpid: " + " ".join(f"{w:08x}" for w in code))
check(PACIASP in code and STP_FP_LR in code and MOV_FP_SP in code,
      "the handler signs its return address (paciasp) and saves it (stp x29, x30)")
after = GETPID + 4 * (code.index(MOV_FP_SP) + 1)
run(f"add-symbol-file {symbol_file_for('__arm64_sys_getpid', GETPID, code)}")
run(f"break *{after:#x}")
run("continue")
check(pc() == after, f"stopped after the prologue ({pc():#x})")
saved_lr = int(gdb.parse_and_eval("*(unsigned long *)($x29 + 8)")) & 0xffffffffffffffff
check(saved_lr >> 48 != 0xffff, f"the saved return address carries a PAC ({saved_lr:#x})")
out = run("bt 3")
frame1 = gdb.selected_frame().older()
caller = frame1.pc() & 0xffffffffffffffff if frame1 else 0
want = saved_lr | 0xff7f000000000000
check("[PAC]" in out, "gdb knows frame #1's return address was signed (it shows [PAC])")
# gdb 13.1 (Debian 12) unmasks with pauth_cmask only (addr & ~cmask): bits 54:48 go, the top
# byte stays; gdb 14 also applies pauth_cmask_high to upper-half addresses (sign extension).
check(caller == saved_lr & ~cmask, f"gdb 13 stripped the PAC bits 54:48 with brkvm's pauth_cmask "
      f"({caller:#x})")
high = reg("pauth_cmask_high")
check(caller | high == want, f"with pauth_cmask_high (gdb >= 14) frame #1 is {caller | high:#x}, "
      f"the real return address {want:#x}")
run("delete")
run("detach")
done()
