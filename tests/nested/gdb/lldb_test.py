"""lldb_test.py - helpers for the lldb scripts of the gdb-lldb scenario (plain python3 run by
tests/nested/runner.py as `host:` steps): run Debian's lldb-15 in batch mode against brkvm's
stub, split its output by command, read symbols from the guest's ELF.  lldb-15's Python
scripting is unusable on Debian 12 (no lldb.embedded_interpreter), so the checks parse the
text lldb prints.  Prints GDB-CHECK lines and the GDB-RESULT line the runner reads."""
import os
import re
import struct
import subprocess
import tempfile
import time

from checks import check, done, log  # noqa: E402,F401

PORT = os.environ.get("BRKVM_PORT", "1234")
GUESTS = os.environ.get("BRKVM_GUESTS", "")
LLDB = os.environ.get("BRKVM_LLDB", "lldb-15")


def elf_symbols(path):
    """{name: value} from the ELF's .symtab"""
    with open(path, "rb") as f:
        data = f.read()
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", data, 0x3a)
    secs = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)]
    syms = {}
    for _, sh_type, _, _, off, size, link, _, _, entsize in secs:
        if sh_type != 2:  # SHT_SYMTAB
            continue
        stroff = secs[link][4]
        for o in range(off, off + size, entsize):
            name, _, _, _, value, _ = struct.unpack_from("<IBBHQQ", data, o)
            end = data.index(b"\0", stroff + name)
            syms[data[stroff + name:end].decode()] = value
    return syms


def elf_u32(path, addr):
    """the 32-bit word at addr as the ELF's PT_LOAD segments hold it"""
    with open(path, "rb") as f:
        data = f.read()
    phoff, = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    for i in range(phnum):
        p_type, _, p_off, p_vaddr, _, p_filesz, _, _ = struct.unpack_from(
            "<IIQQQQQQ", data, phoff + i * phentsize)
        if p_type == 1 and p_vaddr <= addr and addr + 4 <= p_vaddr + p_filesz:
            return struct.unpack_from("<I", data, p_off + addr - p_vaddr)[0]
    raise ValueError(f"{addr:#x} not in the file")


def run_lldb(commands, target=None, retries=10):
    """lldb-15 --batch: optionally `target create TARGET`, connect, then the commands.
    Returns [(command, output)] for the commands after the connect, and the packets lldb
    sent (their names).  lldb --batch stops at the first failing command and kills the
    process when it exits attached, so a script ends with `process detach`."""
    for attempt in range(retries):
        pkt_log = tempfile.mktemp(prefix="lldb-packets-")
        argv = [LLDB, "--batch", "--no-lldbinit",
                "-o", f"log enable -f {pkt_log} gdb-remote packets"]
        if target:
            argv += ["-o", f"target create {target}"]
        argv += ["-o", f"gdb-remote 127.0.0.1:{PORT}"]
        for c in commands:
            argv += ["-o", c]
        log("$ " + " ".join(repr(a) if " " in a else a for a in argv))
        p = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                           timeout=180)
        for line in (p.stdout + p.stderr).splitlines():
            log("  lldb| " + line)
        blocks = split_blocks(p.stdout)
        connect = [out for cmd, out in blocks if cmd.startswith("gdb-remote")]
        sent = []
        if os.path.exists(pkt_log):
            with open(pkt_log, errors="replace") as f:
                sent = re.findall(r"send packet: \$([^#]*)#", f.read())
            os.unlink(pkt_log)
        if connect and "error:" in connect[0] and not sent:
            log(f"connect attempt {attempt + 1} failed, retrying")
            time.sleep(1)
            continue
        names = []
        for s in sent:  # packet names, in first-sent order (p/m/Z... arguments dropped)
            m = re.match(r"([qQvjx][A-Za-z]+|[a-zA-Z?])", s)
            n = m.group(1) if m else s[:1]
            if n not in names:
                names.append(n)
        log("packets lldb sent: " + " ".join(names))
        check(connect and "Process 1 stopped" in connect[0], "gdb-remote: connected, process 1 stopped")
        return [(c, o) for c, o in blocks
                if not c.startswith(("log ", "target create", "gdb-remote"))], names
    check(False, "lldb connected to the stub")
    done()


def split_blocks(out):
    """lldb --batch echoes each command as '(lldb) CMD': [(CMD, its output)]"""
    blocks = []
    for line in out.splitlines():
        if line.startswith("(lldb) "):
            blocks.append([line[7:], ""])
        elif blocks:
            blocks[-1][1] += line + "\n"
    return [tuple(b) for b in blocks]


def regs(text):
    """'   x0 = 0x0000000000000001 ...' lines -> {name: value}"""
    return {m.group(1): int(m.group(2), 16)
            for m in re.finditer(r"^\s*(\w+) = (0x[0-9a-fA-F]+)", text, re.M)}


class Session:
    """the output of one lldb run, taken command by command in order"""

    def __init__(self, blocks):
        self.blocks = list(blocks)

    def next(self, cmd):
        """output of the next block, which must be cmd ('' if lldb stopped before it)"""
        if not self.blocks:
            check(False, f"lldb ran '{cmd}' (it stopped before: an earlier command failed)")
            return ""
        c, out = self.blocks.pop(0)
        if c != cmd:
            check(False, f"lldb ran '{cmd}' (next was '{c}')")
        return out
