#!/usr/bin/env python3
"""p9_corpus.py - write the seed corpus of fuzz_p9 (tests/fuzz/corpus/p9/): short 9P2000.L
sessions in fuzz_p9.c's input format (a config byte, then len[2] + message for each)."""
import os
import struct

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "p9")
PREAMBLE, FIX = 16, 2  # config bits: version + attach fid 0 first; patch size fields
CAP4K, CAP70K = 8, 12  # config bits 2-3: resp_cap


def s(text):
    b = text.encode() if isinstance(text, str) else text
    return struct.pack("<H", len(b)) + b


def msg(mtype, body, tag=1):
    return struct.pack("<IBH", 7 + len(body), mtype, tag) + body


def walk(fid, newfid, *names):
    return msg(110, struct.pack("<IIH", fid, newfid, len(names)) + b"".join(s(n) for n in names))


def fid(mtype, f, extra=b""):
    return msg(mtype, struct.pack("<I", f) + extra)


def lopen(f, flags):
    return fid(12, f, struct.pack("<I", flags))


def lcreate(f, name, flags=2, mode=0o644):
    return fid(14, f, s(name) + struct.pack("<III", flags, mode, 0))


def read(f, off, count):
    return fid(116, f, struct.pack("<QI", off, count))


def write(f, off, data):
    return fid(118, f, struct.pack("<QI", off, len(data)) + data)


def readdir(f, off, count):
    return fid(40, f, struct.pack("<QI", off, count))


def setattr(f, valid, mode=0, uid=0, gid=0, size=0, at=0, mt=0):
    return fid(26, f, struct.pack("<IIIIQQQQQ", valid, mode, uid, gid, size, at, 0, mt, 0))


def dirop(mtype, d, name, *ints):
    return fid(mtype, d, s(name) + b"".join(struct.pack("<I", i) for i in ints))


SEEDS = {
    "session": (PREAMBLE | CAP70K, [
        walk(0, 1), lcreate(1, "new"), walk(0, 9), lcreate(9, "ro", 0), fid(50, 1), write(1, 0, b"hello"), read(1, 0, 100),
        fid(24, 1, struct.pack("<Q", 0x3fff)), fid(120, 1),
        walk(0, 2, "file"), lopen(2, 0), read(2, 0, 8192), fid(50, 2), fid(120, 2),
        walk(0, 3), lopen(3, 0), readdir(3, 0, 8192), readdir(3, 0, 60), fid(120, 3)]),
    "escape": (PREAMBLE | CAP70K, [
        walk(0, 1, ".."), walk(0, 2, "..", "outside", "secret"), walk(0, 3, "abs", "secret"),
        walk(0, 4, "abs"), lopen(4, 0), fid(22, 4), walk(0, 5, "rel"), lcreate(5, "x"),
        walk(0, 6, "dir", "up"), lopen(6, 2), walk(0, 7, "abssecret"), setattr(7, 8, size=0),
        walk(0, 8, "dir", "..", ".."), walk(0, 9, "etc", "passwd"), walk(0, 10, "a/b")]),
    "dirops": (PREAMBLE | CAP70K, [
        dirop(72, 0, "d", 0o755, 0), fid(16, 0, s("l") + s("../outside") + struct.pack("<I", 0)),
        msg(74, struct.pack("<I", 0) + s("file") + struct.pack("<I", 0) + s("f2")),
        walk(0, 1, "d"), msg(74, struct.pack("<I", 0) + s("f2") + struct.pack("<I", 1) + s("f3")),
        walk(1, 2, "f3"), msg(20, struct.pack("<II", 2, 0) + s("back")),
        msg(70, struct.pack("<II", 0, 2) + s("hard")), dirop(18, 0, "fifo", 0o10644, 0, 0, 0),
        dirop(76, 0, "hard", 0), fid(122, 2), dirop(76, 0, "d", 0x200)]),
    "attrs": (PREAMBLE | CAP70K, [
        walk(0, 1, "file"), setattr(1, 1, mode=0o600), setattr(1, 6, uid=0, gid=0),
        setattr(1, 8, size=3), setattr(1, 0x1b0, at=5, mt=6), setattr(1, 0x30),
        fid(24, 1, struct.pack("<Q", 0x7ff)), fid(8, 0),
        fid(52, 1, struct.pack("<BIQQI", 1, 0, 0, 0, 1) + s("c")),
        fid(54, 1, struct.pack("<BQQI", 1, 0, 0, 1) + s("c")),
        msg(30, struct.pack("<II", 1, 5) + s("user.x")), msg(108, struct.pack("<H", 1))]),
    "raw": (CAP70K, [
        msg(100, struct.pack("<I", 8192) + s("9P2000.L"), 0xffff),
        msg(104, struct.pack("<II", 7, 0xffffffff) + s("u") + s("") + struct.pack("<I", 0)),
        walk(7, 8, "dir", "sub"), lopen(8, 0), read(8, 0, 0xffffffff), b"\x03\x00\x00",
        msg(100, struct.pack("<I", 4096) + s("9P2000.u"))]),
    "malformed": (FIX | PREAMBLE | CAP4K, [
        b"", b"\x07\x00", b"\xff\xff\xff\xff\x78\x01\x00", walk(0, 1)[:-1],
        msg(110, struct.pack("<IIH", 0, 1, 17)), write(0, 0, b"abc")[:-2],
        msg(200, b""), msg(6, b"")]),
}


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, (cfg, msgs) in SEEDS.items():
        data = bytes([cfg]) + b"".join(struct.pack("<H", len(m)) + m for m in msgs)
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
