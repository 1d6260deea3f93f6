"""brkvm_test.py - helpers for the gdb scripts of the nested scenarios (run inside host
gdb-multiarch by tests/nested/runner.py).  A script imports it, drives gdb, calls check() for
every claim, and ends with done(), which prints the GDB-RESULT line the runner reads."""
import os
import re
import signal
import socket
import threading
import time

import gdb

from checks import check, done, log  # noqa: F401 (the scripts import them from here)

PORT = os.environ.get("BRKVM_PORT", "1234")
GUESTS = os.environ.get("BRKVM_GUESTS", "")
NESTED = os.environ.get("BRKVM_NESTED", "")
# The peer comparison (tests/nested/peer/) runs the same scripts against another VMM whose
# guests are variants of ours: BRKVM_GUEST_VARIANT, or a scenario's expect group
# (?P<guest_variant>...) (BRKVM_VAR_guest_variant), e.g. "virt", makes connect() load
# NAME-virt.elf for NAME.elf.  Unset (the default), nothing changes.
GUEST_VARIANT = os.environ.get("BRKVM_GUEST_VARIANT") or os.environ.get("BRKVM_VAR_guest_variant", "")


def run(cmd):
    """gdb command, output captured and logged"""
    out = gdb.execute(cmd, to_string=True)
    for line in out.rstrip("\n").splitlines():
        log(f"  {cmd!r}: {line}")
    return out


def monitor_quit():
    """end brkvm with `monitor quit` (the connection drops as it exits: gdb may report that)"""
    try:
        run("monitor quit")
    except gdb.error as e:
        log(f"monitor quit: {e}")


def guest_elf(path):
    """path, or its GUEST_VARIANT (counter.elf -> counter-virt.elf)"""
    if GUEST_VARIANT and path.endswith(".elf") and not path.endswith(f"-{GUEST_VARIANT}.elf"):
        return path[:-4] + f"-{GUEST_VARIANT}.elf"
    return path


def connect(symbols=None, retries=40):
    """target remote, retrying while slirp accepts before the stub listens"""
    if symbols:
        run(f"file {guest_elf(symbols)}")
    run("set architecture aarch64")
    # every packet crosses slirp and an emulated TCP stack; on a busy machine a step's stop
    # reply can take longer than gdb's default 2 s, after which gdb and the stub disagree
    run("set remotetimeout 30")
    for i in range(retries):
        try:
            run(f"target remote 127.0.0.1:{PORT}")
            return True
        except gdb.error as e:
            log(f"connect attempt {i + 1}: {e}")
            time.sleep(0.5)
    check(False, "connect to the stub")
    done()


def reg(name):
    return int(gdb.parse_and_eval(f"${name}")) & 0xffffffffffffffff


def pc():
    return reg("pc")


def sym_addr(name):
    return int(gdb.parse_and_eval(f"&{name}").cast(gdb.lookup_type("long"))) & 0xffffffffffffffff


def cont_interrupt(after):
    """continue, and interrupt (Ctrl-C -> 0x03 to the stub) after `after` seconds"""
    t = threading.Timer(after, lambda: os.kill(os.getpid(), signal.SIGINT))
    t.start()
    try:
        run("continue")
    finally:
        t.cancel()


def cont_expect_end(code=0):
    """continue into the guest's end: brkvm's 'W' packet makes gdb report the inferior exited
    with brkvm's exit status (0: "exited normally" after PSCI SYSTEM_OFF; 3 after a reset)"""
    codes = []

    def on_exit(ev):
        codes.append(getattr(ev, "exit_code", None))

    gdb.events.exited.connect(on_exit)
    try:
        run("continue")
    except gdb.error as e:
        log(f"continue ended with an error, not an exit: {e}")
        return False
    finally:
        gdb.events.exited.disconnect(on_exit)
    log(f"continue ended: the inferior exited with code {codes}")
    return codes == [code] and gdb.selected_inferior().pid == 0


# ---- helpers for the scenarios after gdb-basic ----

def record_stops():
    """a list to which every gdb stop event appends (event type name, stop signal)"""
    events = []
    gdb.events.stop.connect(lambda ev: events.append(
        (type(ev).__name__, getattr(ev, "stop_signal", None))))
    return events


def break_address(spec, fallback):
    """`break SPEC`: (the gdb.Breakpoint, the address gdb put it at; fallback where gdb has no
    Breakpoint.locations)"""
    run(f"break {spec}")
    bp = gdb.breakpoints()[-1]
    return bp, (bp.locations[0].address if hasattr(bp, "locations") else fallback)


def other_client(seconds=2):
    """another connection to the stub while gdb is attached: send `?` and collect for SECONDS
    what comes back; returns (bytes received, whether the other end closed the connection)"""
    s = socket.create_connection(("127.0.0.1", int(PORT)), timeout=5)
    s.sendall(b"+$?#3f")
    got, closed = b"", False
    s.settimeout(0.5)
    t_end = time.monotonic() + seconds
    while time.monotonic() < t_end:
        try:
            chunk = s.recv(4096)
        except socket.timeout:
            continue
        except OSError as e:
            log(f"other connection: {e}")
            closed = True
            break
        if not chunk:
            closed = True
            break
        got += chunk
    s.close()
    return got, closed


def elf_bytes(path, addr, n):
    """n bytes at addr as the ELF file's PT_LOAD segments hold them (zeros past p_filesz)"""
    import struct
    with open(path, "rb") as f:
        data = f.read()
    phoff, = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    out = bytearray()
    for a in range(addr, addr + n):
        byte = None
        for i in range(phnum):
            p_type, _, p_off, p_vaddr, _, p_filesz, p_memsz, _ = struct.unpack_from(
                "<IIQQQQQQ", data, phoff + i * phentsize)
            if p_type == 1 and p_vaddr <= a < p_vaddr + p_memsz:
                byte = data[p_off + a - p_vaddr] if a - p_vaddr < p_filesz else 0
                break
        if byte is None:
            raise ValueError(f"{a:#x} is not in a PT_LOAD segment of {path}")
        out.append(byte)
    return bytes(out)


def read_mem(addr, n):
    """n bytes of target memory (gdb.MemoryError if unreadable)"""
    return bytes(gdb.selected_inferior().read_memory(addr, n))


def u32s(b):
    import struct
    return list(struct.unpack(f"<{len(b) // 4}I", b))


def error_of(cmd):
    """run a gdb command that should fail; return its error text ('' if it did not fail)"""
    try:
        run(cmd)
    except gdb.error as e:
        log(f"  {cmd!r} failed: {e}")
        return str(e) or "error"
    return ""


def x_words(addr, n):
    """`x/NXw ADDR`: the words gdb prints, in order"""
    out = run(f"x/{n}xw {addr:#x}")
    words = []
    for line in out.splitlines():
        _, _, rest = line.partition(":")
        words += [int(w, 16) for w in rest.split()]
    return words


def maint_packet(pkt):
    """send a raw packet; return the stub's reply text"""
    out = run(f"maint packet {pkt}")
    m = re.search(r'received: "(.*)"', out)
    return m.group(1) if m else out
