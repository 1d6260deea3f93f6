"""rsp_codec.py - the GDB remote protocol's framing for the raw-socket clients (malformed.py,
hostile_client.py): checksum, `$...#cc` frames, and undoing the stub's escapes and run-length
encoding."""


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
