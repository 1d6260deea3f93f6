#!/usr/bin/env python3
"""ptwalk_corpus.py - write the seed corpus of fuzz_ptwalk (tests/fuzz/corpus-ptwalk/): page
tables in fuzz_ptwalk.c's input format (SCTLR, TCR, TTBR0, TTBR1, VA, another TTBR, window base,
flags as little-endian u64s, then the window's bytes).  To keep the seeds small, most use one
shared table frame at every level (the walker does not care; a VA whose indexes at several
levels are equal needs a single table descriptor) and the window ends after its last non-zero
byte; one seed has a table per level as Linux builds them."""
import os
import struct

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus-ptwalk")

SCTLR_M, SCTLR_WXN = 1, 1 << 19
VALID, TABLE, AF = 1, 2, 1 << 10
AP_EL0, AP_RO, PXN, UXN = 1 << 6, 1 << 7, 1 << 53, 1 << 54
PXN_T, UXN_T, AP_T_NO_EL0, AP_T_RO = 1 << 59, 1 << 60, 1 << 61, 1 << 62
TBI0, TBI1, HPD1 = 1 << 37, 1 << 38, 1 << 42


def tcr(gran, va_bits, ips, extra=0):
    """the same granule and VA size for both halves"""
    tg0 = {12: 0, 16: 1, 14: 2}[gran]
    tg1 = {14: 1, 12: 2, 16: 3}[gran]
    tsz = 64 - va_bits
    return tsz | tg0 << 14 | tsz << 16 | tg1 << 30 | ips << 32 | extra


class Window:
    """guest memory at base with a bump allocator of tables (each its granule's size)"""

    def __init__(self, base, gran, shared=True):
        self.base, self.gran, self.shared, self.buf = base, gran, shared, bytearray()

    def table(self):
        if self.shared:
            if not self.buf:
                self.buf += bytes(1 << self.gran)
            return self.base
        pa = self.base + len(self.buf)
        self.buf += bytes(1 << self.gran)
        return pa

    def put(self, pa, val):
        old = self.get(pa)
        assert old in (0, val), f"slot {pa:#x} holds {old:#x}, wanted {val:#x}"
        struct.pack_into("<Q", self.buf, pa - self.base, val)

    def data(self):
        data = bytes(self.buf).rstrip(b"\0")
        return data + bytes(-len(data) % 8)  # whole descriptors

    def get(self, pa):
        return struct.unpack_from("<Q", self.buf, pa - self.base)[0]

    def map(self, root, va_bits, va, level, leaf, table_attrs=0):
        g = self.gran
        start = 3
        while g + (g - 3) * (3 - start) + (g - 3) < va_bits:
            start -= 1
        table = root
        for lvl in range(start, 4):
            sh = g + (g - 3) * (3 - lvl)
            width = va_bits - sh if lvl == start else g - 3
            slot = table + ((va >> sh) & ((1 << width) - 1)) * 8
            if lvl == level:
                self.put(slot, leaf)
                return
            d = self.get(slot)
            if not d & VALID:
                d = self.table() | VALID | TABLE | table_attrs
                self.put(slot, d)
            table = d & 0x0000FFFFFFFFF000 & ~((1 << g) - 1)


def entry(sctlr, tcr_v, ttbr0, ttbr1, va, alt, win, flags=0):
    return struct.pack("<8Q", sctlr, tcr_v, ttbr0, ttbr1, va, alt, win.base, flags) + win.data()


def seeds():
    # MMU off: identity, and a VA beyond 52 bits
    w = Window(0x40000000, 12)
    yield "mmu-off", entry(0, 0, 0, 0, 0x40001234, 0, w)
    yield "mmu-off-high", entry(0, TBI0, 0, 0, 0x00F0000040001234, 0, w)

    # 4K granule, 48-bit VA (Linux's default): a kernel page, a 2M block, a 1G block, a user page
    w = Window(0x40000000, 12)
    f = w.table()
    w.map(f, 48, 0xFFFF008040202000, 3, 0x40200000 | VALID | TABLE | AF | UXN)
    w.map(f, 48, 0xFFFF008040600000, 2, 0x40200000 | VALID | AF | PXN | UXN)
    w.map(f, 48, 0x0000008100000000, 1, 0x40000000 | VALID | AF | AP_EL0)
    w.map(f, 48, 0x0000028140A06000, 3, 0x41000000 | VALID | TABLE | AF | AP_EL0 | PXN,
          table_attrs=PXN_T)
    c = tcr(12, 48, 5, TBI0)
    yield "4k48-kernel-page", entry(SCTLR_M, c, f, f, 0xFFFF008040202ABC, f, w, 1)
    yield "4k48-block-2m", entry(SCTLR_M, c, f, f, 0xFFFF008040634567, f, w)
    yield "4k48-block-1g", entry(SCTLR_M | SCTLR_WXN, c, f, f, 0x0000008100123456, f, w)
    yield "4k48-user-tbi", entry(SCTLR_M, c, f, f, 0x5A00028140A06008, f, w)
    yield "4k48-unmapped", entry(SCTLR_M, c, f, f, 0x0000008040200000, f, w)
    yield "4k48-epd1", entry(SCTLR_M, c | 1 << 23, f, f, 0xFFFF008040202000, f, w)

    # 4K granule, 39-bit VA (3 levels), a table per level; hierarchical permissions on and off
    w = Window(0x80000000, 12, shared=False)
    t1 = w.table()
    w.map(t1, 39, 0xFFFFFFC000403000, 3, 0x80600000 | VALID | TABLE | AF,
          table_attrs=AP_T_RO | AP_T_NO_EL0)
    c = tcr(12, 39, 2)
    yield "4k39-aptable", entry(SCTLR_M, c, 0, t1, 0xFFFFFFC000403010, 0, w)
    yield "4k39-hpd", entry(SCTLR_M, c | HPD1, 0, t1, 0xFFFFFFC000403010, 0, w)

    # 16K granule, 47-bit VA: 4 levels with a 2-entry top table
    w = Window(0x40000000, 14)
    f = w.table()
    w.map(f, 47, 0xFFFF801002008000, 3, 0x40400000 | VALID | TABLE | AF)
    w.map(f, 47, 0xFFFF801006000000, 2, 0x42000000 | VALID | AF)
    c = tcr(14, 47, 5)
    yield "16k47-page", entry(SCTLR_M, c, 0, f, 0xFFFF801002008FF8, f, w)
    yield "16k47-block-32m", entry(SCTLR_M, c, 0, f, 0xFFFF801006345678, f, w)

    # 64K granule, 52-bit output addresses (FEAT_LPA): tables and blocks above 2^48
    base = 0x000F000000000000
    w = Window(base, 16)
    f = w.table()

    def oa52(pa):
        return (pa & 0x0000FFFFFFFF0000) | ((pa >> 48) & 0xF) << 12
    w.put(f + 8, oa52(f) | VALID | TABLE)
    w.put(f + 16, oa52(base + (4 << 40)) | VALID | AF)  # a 512 MiB block at level 2
    w.put(f + 24, oa52(base) | VALID | AF)  # a 4 TiB block at level 1
    ttbr = (f & 0x0000FFFFFFFFFFC0) | ((f >> 48) & 0xF) << 2
    c = tcr(16, 48, 6)
    yield "64k52-block-512m", entry(SCTLR_M, c, ttbr, 0, 0x0000040052345678, ttbr, w)
    yield "64k52-block-4t", entry(SCTLR_M, c, ttbr, 0, 0x00000C0012345678, ttbr, w)

    # 64K granule, 42-bit VA (2 levels) as Linux's CONFIG_ARM64_64K_PAGES with VA_BITS_42
    w = Window(0x40000000, 16)
    f = w.table()
    w.map(f, 42, 0xFFFFFC0000810000, 3, 0x40810000 | VALID | TABLE | AF | AP_RO)
    c = tcr(16, 42, 2)
    yield "64k42-page", entry(SCTLR_M, c, 0, f, 0xFFFFFC0000810010, 0, w, 1)

    # a table that points at itself (a loop the enumerator must bound)
    w = Window(0x40000000, 12)
    t0 = w.table()
    w.put(t0, t0 | VALID | TABLE)
    w.put(t0 + 8, 0x40000000 | VALID | TABLE | AF)
    yield "4k48-loop", entry(SCTLR_M, tcr(12, 48, 5), t0, t0, 0x0000008040201008, t0, w, 1)


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, data in seeds():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
