#!/usr/bin/env python3
"""test_launcher.py [--tap] - scripts/brkvm-x86 end to end, from this (x86_64) machine: it boots
the test host under QEMU with brkvm inside, as a user would, and checks what the user sees.
TAP output ("ok N - ...", "not ok N - ..."), exit 1 on a failure.  About 90 s; run it under the
CPU lock (flock /tmp/brkvm-cpu.lock ...) on a shared machine.

  1. a bad flag, a busy --gdb port, a disk image in use: brkvm's own messages, exit 2
  2. the console through a pty: the guest's shell (Debian's kernel, build/nested/
     guest-initramfs.cpio), a typed line reaches it, gdb-multiarch on the forwarded port reads
     registers and detaches, Ctrl-A x quits with status 0, the terminal is restored
  3. a disk, a --9p folder, --dump-dtb: the guest writes sector 1 of -d IMAGE, reads and
     writes the folder and powers off: the writes are in the host's file and folder, the DTB at
     its host path, exit 0
  4. a guest reset (tests/guests/reset.elf): exit 3
  5. SIGINT to the launcher's process group, SIGTERM, SIGKILL to the launcher: no QEMU left
"""
import fcntl
import os
import pty
import re
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import termios
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.normpath(os.path.join(HERE, "..", ".."))
LAUNCHER = os.path.join(TOP, "scripts", "brkvm-x86")
NESTED = os.path.join(TOP, "build", "nested")
IMAGE = os.path.join(NESTED, "vmlinuz")
INITRD = os.path.join(NESTED, "guest-initramfs.cpio")
RESET = os.path.join(TOP, "build", "cross", "tests", "guests", "reset.elf")
PARAMS = "console=ttyS0 earlycon=uart8250,mmio,0x1000000 panic=-1 quiet"

n = 0
failed = 0


def check(name, ok, detail=""):
    global n, failed
    n += 1
    print(f"{'ok' if ok else 'not ok'} {n} - {name}", flush=True)
    if not ok:
        failed += 1
        for line in str(detail).splitlines()[-25:]:
            print(f"#   {line}", flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def qemus(pid):
    """QEMU processes of the launcher with that PID (its run directory is in QEMU's argv)"""
    r = subprocess.run(["pgrep", "-f", f"qemu-system-aarch64.*brkvm-x86\\.{pid}/"],
                       capture_output=True, text=True)
    return r.stdout.split()


def wait_for(cond, limit):
    t = time.monotonic()
    while time.monotonic() - t < limit:
        if cond():
            return True
        time.sleep(0.1)
    return False


class Pty:
    """the launcher on a pseudo-terminal (its stdin and stdout), stderr to a pipe"""

    def __init__(self, args, cwd=None):
        self.master, slave = pty.openpty()
        self.before = termios.tcgetattr(slave)
        self.slave = slave
        self.p = subprocess.Popen([LAUNCHER] + args, stdin=slave, stdout=slave,
                                  stderr=subprocess.PIPE, start_new_session=True, cwd=cwd)
        self.out = b""

    def expect(self, regex, limit):
        t = time.monotonic()
        while time.monotonic() - t < limit:
            m = re.search(regex, self.out)
            if m:
                self.out = self.out[m.end():]
                return m
            r, _, _ = select.select([self.master], [], [], 0.2)
            if r:
                try:
                    self.out += os.read(self.master, 4096)
                except OSError:
                    return None
        return None

    def send(self, data):
        os.write(self.master, data)

    def finish(self, limit=30):
        try:
            rc = self.p.wait(limit)
        except subprocess.TimeoutExpired:
            os.killpg(self.p.pid, signal.SIGKILL)
            rc = "timeout"
        after = termios.tcgetattr(self.slave)
        err = self.p.stderr.read().decode(errors="replace")
        os.close(self.slave)
        os.close(self.master)
        return rc, after, err


def test_bad_flag():
    r = subprocess.run([LAUNCHER, "run", "-k", IMAGE, "--no-such-flag"], stdin=subprocess.DEVNULL,
                       capture_output=True, text=True, timeout=120)
    check("bad flag: exit 2 with brkvm's message", r.returncode == 2 and
          "Unknown option --no-such-flag" in r.stderr and "brkvm" in r.stderr,
          f"rc {r.returncode}\n{r.stderr}")


def test_busy_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        r = subprocess.run([LAUNCHER, "run", "-k", IMAGE, "--gdb", f"127.0.0.1:{port}"],
                           stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    check("--gdb on a busy port: exit 2, brkvm's message",
          r.returncode == 2 and f"brkvm: --gdb 127.0.0.1:{port}: Address already in use"
          in r.stderr, f"rc {r.returncode}\n{r.stderr}")


def test_disk_in_use(tmp):
    img = os.path.join(tmp, "locked.img")
    with open(img, "wb") as f:
        f.write(b"\0" * 4096)
    fd = os.open(img, os.O_RDWR)
    try:        # held as a brkvm holds its read-write disk
        fcntl.fcntl(fd, fcntl.F_OFD_SETLK, struct.pack("hhqqi", fcntl.F_WRLCK, 0, 0, 0, 0))
        r = subprocess.run([LAUNCHER, "run", "-k", IMAGE, "-d", img], stdin=subprocess.DEVNULL,
                           capture_output=True, text=True, timeout=60)
    finally:
        os.close(fd)
    check("-d on an image another process holds: exit 2, brkvm's message",
          r.returncode == 2 and f"brkvm: --disk {img}: in use by another process" in r.stderr,
          f"rc {r.returncode}\n{r.stderr}")


def test_console_gdb(tmp):
    port = free_port()
    t = Pty(["run", "-k", IMAGE, "-i", INITRD, "-m", "256M", "-c", "2", "-p", PARAMS,
             "--gdb", f"127.0.0.1:{port}"], cwd=tmp)
    m = t.expect(rb"Type 'exit' to power off", 120)
    check("console: the guest's shell greets on the launcher's terminal", m is not None,
          t.out.decode(errors="replace"))
    t.expect(rb"# ", 20)
    t.send(b"echo typed-$((6 * 7))\r")
    m = t.expect(rb"typed-42", 30)
    check("console: a typed line reaches the guest's shell", m is not None,
          t.out.decode(errors="replace"))
    g = subprocess.run(["gdb-multiarch", "-nx", "-q", "-batch", "-ex", "set confirm off",
                        "-ex", f"target remote 127.0.0.1:{port}", "-ex", "info registers pc",
                        "-ex", "x/i $pc", "-ex", "monitor dump-guest-memory core.elf",
                        "-ex", "detach"],
                       stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)
    out = g.stdout + g.stderr
    check("gdb: on the forwarded port, registers and memory read, detach",
          g.returncode == 0 and re.search(r"^pc\s+0x[0-9a-f]+", out, re.M) and
          re.search(r"=> 0x[0-9a-f]+.*:\s+\S+", out) and "detached]" in out
          and "Remote connection closed" not in out, out)
    try:
        with open(os.path.join(tmp, "core.elf"), "rb") as f:
            head = f.read(4)
        size = os.stat(os.path.join(tmp, "core.elf")).st_size
    except OSError as e:
        head, size = str(e), 0
    check("monitor dump-guest-memory FILE: the core in the launcher's directory",
          head == b"\x7fELF" and size > (64 << 20), f"{head!r} {size} bytes\n{out}")
    t.send(b"echo again-$((2 * 3))\r")
    m = t.expect(rb"again-6", 30)
    check("console: the guest runs on after gdb detached", m is not None,
          t.out.decode(errors="replace"))
    t.send(b"\x01x")
    rc, after, err = t.finish()
    check("Ctrl-A x: brkvm quits, the launcher exits 0", rc == 0, f"rc {rc}\n{err}")
    check("the terminal is restored", after == t.before, f"{t.before}\n{after}")
    check("brkvm's own messages reach the launcher's stderr, naming the forwarded address",
          f"gdb stub listening on 127.0.0.1:{port}" in err and "0.0.0.0" not in err
          and "Ctrl-A x" in err, err)


def test_disk(tmp):
    img = os.path.join(tmp, "disk with space.img")
    with open(img, "wb") as f:
        f.write(b"\0" * (1 << 20))
    # the guest's virtio modules: Debian's, appended to the initramfs as /lib/virtio/*.ko
    mods = os.path.join(tmp, "mods")
    os.makedirs(os.path.join(mods, "lib", "virtio"))
    for k in os.listdir(os.path.join(NESTED, "modules-virtio")):
        shutil.copy(os.path.join(NESTED, "modules-virtio", k), os.path.join(mods, "lib", "virtio"))
    cpio = subprocess.run("find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0",
                          shell=True, cwd=mods, capture_output=True, check=True).stdout
    initrd = os.path.join(tmp, "initrd.cpio")
    with open(initrd, "wb") as f, open(INITRD, "rb") as g:
        f.write(g.read() + cpio)
    share = os.path.join(tmp, "share")
    os.makedirs(share)
    with open(os.path.join(share, "in.txt"), "w") as f:
        f.write("from the host\n")
    dtb = os.path.join(tmp, "dtb", "out.dtb")
    os.makedirs(os.path.dirname(dtb))
    r = subprocess.run([LAUNCHER, "run", "-k", IMAGE, "-i", initrd, "-d", img,
                        "--9p", f"{share},hostshare", "--dump-dtb", dtb,
                        "-p", PARAMS + " brkvm.test=vmods,blk,p9host"],
                       stdin=subprocess.DEVNULL, capture_output=True, timeout=150)
    out = r.stdout.decode(errors="replace")
    try:
        with open(os.path.join(share, "out.txt")) as f:
            written = f.read()
    except OSError as e:
        written = str(e)
    check("--9p: the guest reads and writes the host folder",
          "GUEST-P9HOST read from the host" in out and written == "written by the guest\n",
          f"out.txt: {written!r}\n{out}")
    try:
        with open(dtb, "rb") as f:
            magic = f.read(4)
    except OSError as e:
        magic = str(e)
    check("--dump-dtb: the DTB is written to the host path", magic == b"\xd0\x0d\xfe\xed",
          f"{dtb}: {magic!r}")
    with open(img, "rb") as f:
        f.seek(512)
        sector = f.read(32)
    check("disk: the guest's write is in the host file",
          "GUEST-BLK-WRITE vda rc=0" in out and sector.startswith(b"GUEST-WROTE-SECTOR1"),
          f"sector 1: {sector!r}\n{out}\n{r.stderr.decode(errors='replace')}")
    check("power off: exit 0", r.returncode == 0 and "GUEST-DONE" in out,
          f"rc {r.returncode}\n{r.stderr.decode(errors='replace')}")


def test_reset():
    # the kernel directly in /tmp: /tmp is shared into the test host (read-only, at /tmp)
    kernel = f"/tmp/brkvm-launcher-reset-{os.getpid()}.elf"
    shutil.copy(RESET, kernel)
    try:
        r = subprocess.run([LAUNCHER, "run", "-k", kernel], stdin=subprocess.DEVNULL,
                           capture_output=True, text=True, timeout=120)
    finally:
        os.unlink(kernel)
    check("guest reset (kernel in /tmp): exit 3",
          r.returncode == 3 and "GUEST-RESET-REQUEST" in r.stdout,
          f"rc {r.returncode}\n{r.stdout}\n{r.stderr}")


def test_kill(sig, group):
    p = subprocess.Popen([LAUNCHER, "run", "-k", IMAGE, "-i", INITRD, "-p", PARAMS],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, start_new_session=True)
    name = signal.Signals(sig).name + (" to the process group" if group else "")
    started = wait_for(lambda: qemus(p.pid), 60)
    time.sleep(1)
    (os.killpg if group else os.kill)(p.pid, sig)
    try:
        rc = p.wait(20)
    except subprocess.TimeoutExpired:
        rc = "timeout"
    gone = wait_for(lambda: not qemus(p.pid), 10)
    left = qemus(p.pid)
    for q in left:
        os.kill(int(q), signal.SIGKILL)
    if sig == signal.SIGKILL:    # (its run directory: removed by the next launcher's start)
        shutil.rmtree(os.path.join(TOP, "build", "launcher", f"brkvm-x86.{p.pid}"),
                      ignore_errors=True)
    want = None if sig == signal.SIGKILL else 128 + sig
    check(f"{name}: no QEMU left" + (f", launcher exit {want}" if want else ""),
          started and gone and (want is None or rc == want),
          f"QEMU seen: {started}, rc {rc}, left: {left}\n"
          + (p.stderr.read().decode(errors="replace") if rc != "timeout" else ""))


def main():
    for f in (IMAGE, INITRD):
        guest_init = os.path.join(TOP, "tests", "nested", "guest", "init")
        if not os.path.exists(f) or os.stat(f).st_mtime < os.stat(guest_init).st_mtime:
            subprocess.run([os.path.join(TOP, "tests", "nested", "mkinitramfs.sh")],
                           stdout=subprocess.DEVNULL, check=True)
    t0 = time.monotonic()
    tmp = tempfile.mkdtemp(prefix="brkvm-launcher-test-", dir=os.path.join(TOP, "build"))
    try:
        test_bad_flag()
        test_busy_port()
        test_disk_in_use(tmp)
        test_console_gdb(tmp)
        test_disk(tmp)
        if os.path.exists(RESET):
            test_reset()
        else:
            check("guest reset: exit 3", False, f"no {RESET} (scripts/build.sh)")
        test_kill(signal.SIGINT, True)
        test_kill(signal.SIGTERM, False)
        test_kill(signal.SIGKILL, False)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"# {n - failed} passed, {failed} failed in {time.monotonic() - t0:.0f}s")
    print(f"1..{n}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
