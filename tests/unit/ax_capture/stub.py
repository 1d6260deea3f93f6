#!/usr/bin/env python3
"""stub.py - a minimal fake gdb remote stub that logs the Z packets gdb sends (capture.sh).

Serves an aarch64 ELF's PT_LOAD segments as memory, one stopped thread with pc at a symbol, and
answers just enough (qSupported with ConditionalBreakpoints+ and BreakpointCommands+) for gdb to
insert breakpoints carrying agent-expression conditions and dprintf commands.  Logs every Z/z
packet, and "# TEXT" for gdb's `maint packet qAxMark:TEXT` (markers between the cases).

  stub.py ELF PC_HEX LOG     (prints the TCP port it listens on; one connection, then exits)
"""
import socket
import struct
import sys


def load_segments(path):
    data = open(path, 'rb').read()
    assert data[:4] == b'\x7fELF' and data[4] == 2 and data[5] == 1, 'not a 64-bit LE ELF'
    phoff, = struct.unpack_from('<Q', data, 0x20)
    phentsize, phnum = struct.unpack_from('<HH', data, 0x36)
    segs = []
    for i in range(phnum):
        p_type, _, off, vaddr, _, filesz, memsz, _ = struct.unpack_from('<IIQQQQQQ', data, phoff + i * phentsize)
        if p_type == 1:  # PT_LOAD
            segs.append((vaddr, data[off:off + filesz] + bytes(memsz - filesz)))
    return segs


def read_mem(segs, addr, n):
    for base, blob in segs:
        if base <= addr and addr + n <= base + len(blob):
            return blob[addr - base:addr - base + n]
    return None


def reply(pkt, segs, pc):
    if pkt.startswith('qSupported'):
        return 'PacketSize=4000;ConditionalBreakpoints+;BreakpointCommands+;swbreak+'
    if pkt == '?':
        return 'S05'
    if pkt == 'g':  # x0-x30, sp, pc (8 bytes each), cpsr (4)
        regs = [0] * 31 + [0x7ffff000, pc]
        return ''.join(struct.pack('<Q', r).hex() for r in regs) + struct.pack('<I', 0x3c5).hex()
    if pkt[0] == 'm':
        a, n = (int(v, 16) for v in pkt[1:].split(','))
        b = read_mem(segs, a, n)
        return b.hex() if b is not None else 'E01'
    if pkt[0] in 'Zz' or pkt[0] == 'H' or pkt == 'qSymbol::':
        return 'OK'
    if pkt == 'qAttached':
        return '1'
    if pkt == 'qfThreadInfo':
        return 'm1'
    if pkt == 'qsThreadInfo':
        return 'l'
    return ''


def main():
    elf, pc, log = sys.argv[1], int(sys.argv[2], 16), sys.argv[3]
    segs = load_segments(elf)
    srv = socket.socket()
    srv.bind(('127.0.0.1', 0))
    srv.listen(1)
    print(srv.getsockname()[1], flush=True)
    conn, _ = srv.accept()
    buf = b''
    with open(log, 'w') as out:
        while True:
            chunk = conn.recv(65536)
            if not chunk:
                break
            buf += chunk
            while True:
                buf = buf.lstrip(b'+-\x03')
                start, hash_ = buf.find(b'$'), buf.find(b'#')
                if start < 0 or hash_ < 0 or len(buf) < hash_ + 3:
                    break
                pkt = buf[start + 1:hash_].decode('latin-1')
                buf = buf[hash_ + 3:]
                if pkt[0] in 'Zz':
                    out.write(pkt + '\n')
                elif pkt.startswith('qAxMark:'):
                    out.write('# ' + pkt[len('qAxMark:'):] + '\n')
                r = reply(pkt, segs, pc)
                conn.sendall(b'+$%s#%02x' % (r.encode(), sum(r.encode()) & 0xff))
                if pkt in ('k', 'D'):
                    return


if __name__ == '__main__':
    main()
