"""mi.py - gdb's machine interface (GDB/MI) output records, parsed (pure: text in, records out).

One line of `gdb -i=mi` output is one record:
    [TOKEN]^done,bkpt={number="1",addr="0x..."}      result record (kind "result")
    *stopped,reason="breakpoint-hit",bkptno="1"       exec async (kind "exec")
    =thread-created,id="1"                           notify async (kind "notify")
    +download,...                                    status async (kind "status")
    ~"text\\n"  @"text"  &"text"                      console / target / log stream
    (gdb)                                            prompt (kind "prompt")
Values are C strings, tuples {name=value,...} (dicts) and lists [value,...] or [name=value,...]
(lists; the named form keeps only the values, as gdb repeats the name, e.g. frame=...)."""
from dataclasses import dataclass, field

STREAMS = {"~": "console", "@": "target", "&": "log"}
ASYNC = {"*": "exec", "=": "notify", "+": "status"}


class MIParseError(ValueError):
    pass


@dataclass
class Record:
    kind: str                 # result, exec, notify, status, console, target, log, prompt
    cls: str = ""             # done, running, connected, error, exit; stopped, running, ...
    token: int = None         # the number the command was sent with (result/async records)
    results: dict = field(default_factory=dict)
    text: str = ""            # stream records: the decoded string


def _cstring(s, i):
    """decode the C string starting at s[i] == '"'; returns (text, index after it)"""
    if i >= len(s) or s[i] != '"':
        raise MIParseError(f"expected '\"' at {i}: {s!r}")
    out = bytearray()
    i += 1
    esc = {"n": 10, "t": 9, "r": 13, '"': 34, "\\": 92, "a": 7, "b": 8, "f": 12, "v": 11,
           "e": 27, "'": 39}
    while i < len(s):
        c = s[i]
        if c == '"':
            return out.decode("utf-8", errors="replace"), i + 1
        if c == "\\":
            i += 1
            if i >= len(s):
                break
            c = s[i]
            if c in esc:
                out.append(esc[c])
                i += 1
            elif c in "01234567":          # gdb writes non-printable bytes as \NNN (octal)
                j = i
                while j < len(s) and j < i + 3 and s[j] in "01234567":
                    j += 1
                out.append(int(s[i:j], 8) & 0xff)
                i = j
            else:
                out += c.encode()
                i += 1
            continue
        out += c.encode()
        i += 1
    raise MIParseError(f"unterminated string: {s!r}")


def _value(s, i):
    """a value at s[i]: C string, {tuple} or [list]; returns (value, index after it)"""
    if i >= len(s):
        raise MIParseError(f"value expected at end: {s!r}")
    c = s[i]
    if c == '"':
        return _cstring(s, i)
    if c == "{":
        return _results(s, i + 1, "}")
    if c == "[":
        i += 1
        items = []
        if i < len(s) and s[i] == "]":
            return items, i + 1
        while True:
            if s[i] in '"{[':
                v, i = _value(s, i)
            else:                                  # name=value: keep the value
                _, v, i = _result(s, i)
            items.append(v)
            if i < len(s) and s[i] == ",":
                i += 1
                continue
            if i < len(s) and s[i] == "]":
                return items, i + 1
            raise MIParseError(f"',' or ']' expected at {i}: {s!r}")
    raise MIParseError(f"unexpected {c!r} at {i}: {s!r}")


def _result(s, i):
    """name=value at s[i]; returns (name, value, index after it)"""
    j = s.find("=", i)
    if j < 0:
        raise MIParseError(f"'=' expected after {i}: {s!r}")
    name = s[i:j]
    v, k = _value(s, j + 1)
    return name, v, k


def _results(s, i, end):
    """name=value,... up to the closing `end` (or the line's end when end is None)"""
    out = {}
    if end and i < len(s) and s[i] == end:
        return out, i + 1
    while i < len(s):
        name, v, i = _result(s, i)
        if name in out:                           # a repeated name (rare): all its values
            if not isinstance(out[name], _Rep):
                out[name] = _Rep([out[name]])
            out[name].append(v)
        else:
            out[name] = v
        if i < len(s) and s[i] == ",":
            i += 1
            continue
        if end and i < len(s) and s[i] == end:
            return out, i + 1
        if not end and i == len(s):
            return out, i
        raise MIParseError(f"',' expected at {i}: {s!r}")
    if end:
        raise MIParseError(f"{end!r} expected at end: {s!r}")
    return out, i


class _Rep(list):
    """the values of a name that a tuple repeats"""


def parse_record(line):
    """one line of MI output -> Record (MIParseError for what is not MI)"""
    line = line.rstrip("\r\n")
    if line.strip() == "(gdb)":
        return Record("prompt")
    if line[:1] in STREAMS:
        text, end = _cstring(line, 1)
        return Record(STREAMS[line[0]], text=text)
    i = 0
    while i < len(line) and line[i].isdigit():
        i += 1
    token = int(line[:i]) if i else None
    if i >= len(line) or line[i] not in "^*=+":
        raise MIParseError(f"not an MI record: {line!r}")
    kind = "result" if line[i] == "^" else ASYNC[line[i]]
    j = line.find(",", i)
    cls = line[i + 1:] if j < 0 else line[i + 1:j]
    results = {} if j < 0 else _results(line, j + 1, None)[0]
    return Record(kind, cls, token, results)


def quote(s):
    """a C string for an MI command argument"""
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
