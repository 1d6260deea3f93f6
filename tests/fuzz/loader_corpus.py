#!/usr/bin/env python3
"""loader_corpus.py [GUEST.elf] - write the seed corpus of fuzz_loader (tests/fuzz/corpus-loader/):
payload files behind fuzz_loader.c's 40-byte header (RAM size and base, flags, load address,
initrd size, link address of _text, a VA).  arm64 Images, ELFs and flat binaries, each placed
the way brkvm places it.  With GUEST.elf (a bare-metal guest of tests/guests, e.g.
build/cross/tests/guests/hello.elf) also "elf-guest": its PT_LOAD segments repacked right after
the program headers, so the seed is small."""
import os
import struct
import sys

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus-loader")
MIB = 1 << 20
RAM_BASE = {0x80000000: 0, 0x40000000: 1, 0x40010000: 2, 0: 3}
LOAD, INITRD, LINK, LOAD_RAW, INITRD_RAW = 1, 2, 4, 8, 16


def header(ram_mib=8, base=0x80000000, flags=0, load=0, initrd=0, link=0, va=0):
    b0 = (ram_mib * MIB - 2 * MIB) // (32 << 10)
    assert 0 <= b0 <= 255
    return bytes([b0, RAM_BASE[base], flags]) + bytes(5) + struct.pack("<4Q", load, initrd, link, va)


def image(text_offset=0x80000, image_size=None, code=b"\x1f\x20\x03\xd5" * 4, flags=0):
    """an arm64 Image: the header (booting.rst), then code"""
    body = code + bytes(64)
    size = 64 + len(body) if image_size is None else image_size
    hdr = struct.pack("<IIQQQQQQII", 0x14000010, 0, text_offset, size, flags, 0, 0, 0,
                      0x644D5241, 0)
    return hdr + body


def elf(segments, entry, etype=2, machine=183):
    """segments: (p_vaddr, p_paddr, bytes, p_memsz); file data follows the program headers"""
    phoff = 64
    off = phoff + 56 * len(segments)
    ph, data = b"", b""
    for vaddr, paddr, content, memsz in segments:
        ph += struct.pack("<IIQQQQQQ", 1, 7, off + len(data), vaddr, paddr, len(content), memsz,
                          8)
        data += content
    eh = (b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8)
          + struct.pack("<HHIQQQIHHHHHH", etype, machine, 1, entry, phoff, 0, 0, 64, 56,
                        len(segments), 64, 0, 0))
    return eh + ph + data


def repack(path):
    """the PT_LOAD segments of a guest ELF, in a compact ELF of the same layout in memory"""
    raw = open(path, "rb").read()
    entry, phoff = struct.unpack_from("<QQ", raw, 24)
    phnum = struct.unpack_from("<H", raw, 56)[0]
    segs = []
    for i in range(phnum):
        t, _, off, vaddr, paddr, filesz, memsz, _ = struct.unpack_from("<IIQQQQQQ", raw,
                                                                        phoff + 56 * i)
        if t == 1 and memsz:
            segs.append((vaddr, paddr, raw[off:off + filesz], memsz))
    return elf(segs, entry)


def seeds(guest):
    code = b"\x00\x00\x80\xd2\x02\x00\x00\x14"  # mov x0, #0; b .+8
    yield "image", header() + image()
    yield "image-kaslr-link", header(flags=LINK, link=0xFFFF800080000000,
                                     va=0xFFFF800080000010) + image()
    yield "image-text0-initrd", header(9, flags=INITRD, initrd=3 * MIB + 5) + image(0)
    yield "image-old-size0", header(8, 0x40010000) + image(image_size=0)
    yield "image-too-big", header(4) + image(image_size=3 * MIB)
    yield "image-bad-offset", header() + image(0x80800)
    yield "elf-one", header() + elf([(0x80080000, 0x80080000, code, 0x1000)], 0x80080000)
    yield "elf-virt-entry", header() + elf(
        [(0xFFFF000000080000, 0x80080000, code, 0x10),
         (0xFFFF000000090000, 0x80090000, b"data", 0x2000)], 0xFFFF000000080004)
    yield "elf-outside-ram", header(base=0x40000000) + elf(
        [(0x80080000, 0x80080000, code, 8)], 0x80080000)
    yield "elf-overlap", header(flags=INITRD, initrd=4096) + elf(
        [(0x80080000, 0x80080000, code * 4, 0x40), (0x80080010, 0x80080010, b"\xff" * 8, 0x100)],
        0x80080000)
    yield "elf-not-exec", header() + elf([(0x80080000, 0x80080000, code, 8)], 0x80080000, etype=3)
    yield "flat", header() + code * 2
    yield "flat-load-addr", header(flags=LOAD, load=0x200000) + code * 2
    yield "flat-load-raw", header(flags=LOAD | LOAD_RAW, load=0x1000) + code * 2
    yield "flat-initrd-raw", header(flags=INITRD | INITRD_RAW, initrd=(1 << 64) - 4096) + code
    yield "flat-initrd-tight", header(flags=INITRD, initrd=0x80600000 - 0x80080010) + code * 2
    yield "gzip", header() + b"\x1f\x8b\x08\x00" + bytes(16)
    for n in (16, 17):  # LOADER_MAX_SEGMENTS, and one more
        yield f"elf-{n}-segments", header() + elf(
            [(0x80080000 + 0x1000 * i, 0x80080000 + 0x1000 * i, code, 0x1000) for i in range(n)],
            0x80080000)
    if guest:
        yield "elf-guest", header(flags=LINK, link=0x80080000, va=0x80080100) + repack(guest)


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, data in seeds(sys.argv[1] if len(sys.argv) > 1 else None):
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
