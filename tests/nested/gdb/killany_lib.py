"""killany_lib.py - what both sides of scenario gdb-kill-anywhere need about the killany guest
(tests/guests/killany.c): its .text from the ELF file and the checksum the guest computes over
it (FNV-1a 64 over little-endian 32-bit words), the fields of its ka_status block, and the
`monitor info breakpoints` verdict.  No gdb import: used by kill_anywhere.py (plain python3) and
killany_session.py (inside gdb)."""
import re
import struct

STATUS_FIELDS = ("magic", "loops", "streak", "held", "bad_loops", "last_bad", "ever",
                 "ever_flags", "text_sum", "cnt", "freq", "run_loops", "run_bad", "last_bad_loop")
MAGIC = 0x4b414b414b414b41
KA_GOOD = 3            # killany.c: good loops in a row that make a clean streak
FLAGS = ((1, "text"), (2, "dbgreg"), (4, "mdscr"), (8, "ownbp"), (16, "ownwp"), (32, "clock"))


def flag_names(v):
    return ",".join(n for b, n in FLAGS if v & b) or "-"


def elf_text(path):
    """(address, bytes) of the ELF's .text section"""
    with open(path, "rb") as f:
        data = f.read()
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3a)

    def sh(i):
        return struct.unpack_from("<IIQQQQ", data, shoff + i * shentsize)
    stroff = sh(shstrndx)[4]
    for i in range(shnum):
        name, _, _, addr, off, size = sh(i)
        end = data.index(b"\0", stroff + name)
        if data[stroff + name:end] == b".text":
            return addr, data[off:off + size]
    raise ValueError(f"{path}: no .text section")


def checksum(words_bytes):
    h = 0xcbf29ce484222325
    for (w,) in struct.iter_unpack("<I", words_bytes[:len(words_bytes) & ~3]):
        h = ((h ^ w) * 0x100000001b3) & 0xffffffffffffffff
    return h


def parse_kv(line):
    """KEY=VALUE words of a line -> dict of str (ints where they parse)"""
    out = {}
    for k, v in re.findall(r"(\w+)=(\S+)", line):
        try:
            out[k] = int(v, 0)
        except ValueError:
            out[k] = v
    return out


def monitor_verdict(text):
    """problems in `monitor info breakpoints` after a debugger went away: none of gdb's
    breakpoints or slots may be left, and brkvm must see the guest's own 2 + 2 slots armed"""
    bad = []
    m = re.search(r"software breakpoints \(BRK #0\): (\d+)", text)
    if not m or m.group(1) != "0":
        bad.append(f"software breakpoints left: {m.group(1) if m else '?'}")
    if re.search(r"^\s+(hw|wp)\s+slot", text, re.M):
        bad.append("hardware slots left: " + "; ".join(
            l.strip() for l in text.splitlines() if re.match(r"\s+(hw|wp)\s+slot", l)))
    m = re.search(r"the guest's own: (\d+) hardware breakpoints, (\d+) watchpoints armed(.*)", text)
    if not m or (m.group(1), m.group(2)) != ("2", "2") or m.group(3).strip():
        bad.append("the guest's own slots: " + (m.group(0) if m else "no line"))
    return bad
