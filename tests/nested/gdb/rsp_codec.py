"""rsp_codec.py - the GDB remote protocol's framing for the raw-socket clients (malformed.py,
hostile_client.py): checksum, `$...#cc` frames, undoing the stub's escapes and run-length
encoding, and RspConn, the reading side both clients' connections share."""
import socket
import time


def csum(payload):
    return sum(payload) & 0xff


def frame(payload):
    if isinstance(payload, str):
        payload = payload.encode("latin-1")
    return b"$" + payload + b"#" + b"%02x" % csum(payload)


def decode(body):
    """undo the stub's escapes (}x = x ^ 0x20) and run-length encoding (c*n)"""
    out = bytearray()
    i = 0
    while i < len(body):
        c = body[i]
        if c == ord("}"):
            out.append(body[i + 1] ^ 0x20)
            i += 2
        elif c == ord("*"):
            out += bytes([out[-1]]) * (body[i + 1] - 29)
            i += 2
        else:
            out.append(c)
            i += 1
    return bytes(out)


def escape_bin(data):
    """binary data for X/vFile: escape # $ } *"""
    out = bytearray()
    for b in data:
        if b in b"#$}*":
            out += bytes([ord("}"), b ^ 0x20])
        else:
            out.append(b)
    return bytes(out)


class RspConn:
    """a raw client's connection over the connected socket `sock`: packets parsed from self.pos
    (100 000 replies may sit in one buffer), the acks before a packet and any noise skipped, each
    packet acked unless self.noack; `O` console-output packets collected in self.output instead
    of returned, unless keep_o.  A subclass sets the defaults TIMEOUT (s) and KEEP_O."""
    TIMEOUT = 10.0
    KEEP_O = False

    def __init__(self, sock):
        self.s = sock
        self.buf = b""
        self.pos = 0
        self.noack = False
        self.output = []     # O packets' text

    def send(self, data):
        self.s.sendall(data)

    def _fill(self, deadline):
        self.s.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            chunk = self.s.recv(1 << 20)
        except socket.timeout:
            return False
        if not chunk:
            raise ConnectionError("the stub closed the connection")
        self.buf = self.buf[self.pos:] + chunk
        self.pos = 0
        return True

    def packet(self, timeout=None, keep_o=None):
        """the next packet's payload (None at the timeout)"""
        timeout = self.TIMEOUT if timeout is None else timeout
        keep_o = self.KEEP_O if keep_o is None else keep_o
        deadline = time.monotonic() + timeout
        while True:
            buf, n = self.buf, len(self.buf)
            while self.pos < n and buf[self.pos] in b"+-":
                self.pos += 1
            if self.pos < n and buf[self.pos] == 0x24:   # '$'
                h = buf.find(b"#", self.pos)
                if h >= 0 and n >= h + 3:
                    body = buf[self.pos + 1:h]
                    self.pos = h + 3
                    if not self.noack:
                        self.send(b"+")
                    p = (decode(body) if b"}" in body or b"*" in body else body).decode("latin-1")
                    if p[:1] == "O" and p != "OK" and not keep_o:
                        try:
                            self.output.append(bytes.fromhex(p[1:]).decode("latin-1"))
                            continue
                        except ValueError:
                            pass
                    return p
            elif self.pos < n:
                self.pos += 1    # noise
                continue
            if time.monotonic() >= deadline:
                return None
            self._fill(deadline)

    def cmd(self, payload, timeout=None):
        self.send(frame(payload))
        return self.packet(timeout)
