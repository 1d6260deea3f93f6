"""kaslr.py - Debian's kernel with KASLR on (a --kaslr-seed), brkvm given the link address of
_text (--symbols with a one-line System.map): `monitor kaslr` finds where the image runs and the
slide; the kernel text read through the stub at (its link address + slide) is the Image's; gdb's
qOffsets gets the slide; a symbol file relocated with `symbol-file FILE -o SLIDE` (the recipe)
lets `break __arm64_sys_getpid` by name hit.  Run twice (two seeds): the slides differ."""
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.environ["BRKVM_GDBLIB"])
from brkvm_test import check, connect, done, log, pc, run  # noqa: E402

import gdb  # noqa: E402

GETPID = int(os.environ["BRKVM_VAR_getpid"], 16)  # from /proc/kallsyms: where it runs
LINK_TEXT = 0xffff800008000000  # _text in the System.map given to brkvm
SLIDES = os.path.join(os.environ["BRKVM_FLAGS"], "slides")


def words(addr, n):
    return [int(gdb.parse_and_eval(f"*(unsigned int *){addr + 4 * i:#x}")) & 0xffffffff
            for i in range(n)]


def image_words(off, n):
    with open(os.path.join(os.environ["BRKVM_NESTED"], "vmlinuz"), "rb") as f:
        f.seek(off)
        data = f.read(4 * n)
    return [int.from_bytes(data[i:i + 4], "little") for i in range(0, 4 * n, 4)]


def symbol_file(name, link_addr):
    d = tempfile.mkdtemp(prefix="brkvm-kaslr-")
    src, obj, elf = (os.path.join(d, n) for n in ("s.S", "s.o", "s.elf"))
    with open(src, "w") as f:
        f.write(f".text\n.globl {name}\n.type {name}, %function\n{name}:\n  .space 64\n"
                f".size {name}, 64\n")
    subprocess.run(["aarch64-linux-gnu-as", "-o", obj, src], check=True)
    subprocess.run(["aarch64-linux-gnu-ld", "-o", elf, f"-Ttext={link_addr:#x}", "-e", name, obj],
                   check=True)
    return elf


connect()
out = run("monitor kaslr")
m = re.search(r"running at VA (0x[0-9a-f]+)", out)
s = re.search(r"KASLR slide (0x[0-9a-f]+)", out)
check(m is not None and s is not None, "monitor kaslr reports the running VA and the slide")
slide = int(s.group(1), 16) if s else 0
text_va = int(m.group(1), 16) if m else 0
check(text_va == LINK_TEXT + slide, f"_text runs at {text_va:#x} = link + slide")
check(slide != 0, f"KASLR moved the kernel (slide {slide:#x})")
check(f"symbol-file vmlinux -o {slide:#x}" in out, "monitor kaslr prints the gdb recipe")
# monitor info pt: the kernel's text is an executable, read-only range at the slid address
pt = gdb.execute("monitor info pt kernel", to_string=True)
covering = [l for l in pt.splitlines()
            if re.match(r"\s+0x[0-9a-f]+-0x[0-9a-f]+ ->", l)
            and int(l.split()[0].split("-")[0], 16) <= GETPID <= int(l.split()[0].split("-")[1], 16)]
log(f"info pt kernel: {len(pt.splitlines())} lines; covering getpid: {covering}")
check(len(covering) >= 1 and " ro " in covering[0] and "x-el1" in covering[0],
      "monitor info pt shows the kernel text as a read-only executable range")
r = run("maint packet qOffsets")
check(f"Text={slide:x};Data={slide:x}" in r, f"qOffsets carries the slide ({r.strip()})")

# the handler /proc/kallsyms names lies at its link address + slide: same bytes as the Image's
link_getpid = GETPID - slide
off = link_getpid - LINK_TEXT
check(0 < off < 64 << 20, f"__arm64_sys_getpid at Image offset {off:#x}")
check(words(GETPID, 8)[2:] == image_words(off, 8)[2:], "kernel text at link address + slide = Image")

# the recipe, with a one-symbol stand-in for vmlinux
run(f"symbol-file {symbol_file('__arm64_sys_getpid', link_getpid)} -o {slide:#x}")
run("break __arm64_sys_getpid")
run("continue")
# gdb puts a breakpoint by function name after what it takes for the prologue
check(GETPID <= pc() < GETPID + 32, f"break __arm64_sys_getpid by name hit at {pc():#x} "
      f"(the function runs at {GETPID:#x})")
run("delete")
prev = open(SLIDES).read().split() if os.path.exists(SLIDES) else []
if prev:
    check(f"{slide:#x}" not in prev, f"a different seed gives a different slide ({prev} vs {slide:#x})")
with open(SLIDES, "a") as f:
    f.write(f"{slide:#x}\n")
run("detach")
done()
