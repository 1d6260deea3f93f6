"""guest.py - Guest: one kernel booted under brkvm with gdb-multiarch attached at its first
instruction, for tests that assert on breakpoints.

Every wait has a limit; a wait that runs out, an unexpected stop or an early end of the guest
raises TestFailure (an AssertionError) whose message ends with the last console lines.  The VMM
and gdb run in process groups of their own, ended by close() (the `with` block's end), by an
atexit hook, and by the Guest's overall `timeout` watchdog, whichever comes first."""
import atexit
import os
import platform
import re
import shlex
import shutil
import signal
import socket
import subprocess
import threading
import time

from .gdbmi import GdbError, GdbGone, GdbMI, die_with_parent
from .mi import quote
from .stops import Breakpoint, count_hit, stop_of

TAIL = 30
TOP = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
_FUNC = re.compile(r"[A-Za-z_][A-Za-z0-9_.$]*")
_live = set()                   # Guests not closed yet, for the atexit hook


class TestFailure(AssertionError):
    """a failed expectation about the guest; the message ends with its console tail"""
    __test__ = False            # (not a test class for pytest's collector)


def choose_vmm(env, machine, kvm_writable, which, exists):
    """the command that runs brkvm: $BRKVM (split like a shell word list) if set; on an arm64
    host with a writable /dev/kvm, brkvm (PATH, else this tree's build); elsewhere the
    launcher brkvm-x86 (PATH, else this tree's scripts/), which runs brkvm inside the test host
    with the same flags.  Pure: the host's facts are arguments."""
    if env.get("BRKVM"):
        return shlex.split(env["BRKVM"])
    if machine in ("aarch64", "arm64") and kvm_writable:
        names, tree = ["brkvm"], ["build/brkvm", "build/cross/brkvm"]
    else:
        names, tree = ["brkvm-x86"], ["scripts/brkvm-x86"]
    for n in names:
        if which(n):
            return [which(n)]
    for t in tree:
        if exists(os.path.join(TOP, t)):
            return [os.path.join(TOP, t)]
    raise FileNotFoundError(f"no {names[0]} on PATH nor in {TOP} (set BRKVM=/path/to/it)")


def default_vmm():
    return choose_vmm(os.environ, platform.machine(), os.access("/dev/kvm", os.W_OK),
                      shutil.which, os.path.exists)


def group_alive(pgid):
    """whether a process of group pgid still runs (zombies waiting for a parent that does not
    reap them, e.g. a container's init, count as ended)"""
    if not os.path.isdir("/proc/self"):
        try:
            os.killpg(pgid, 0)
            return True
        except ProcessLookupError:
            return False
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _value(text):
    """gdb's printed value: an int when it is one (also a pointer's address), a str for a C
    string or char array (up to its first NUL), else gdb's text"""
    m = re.fullmatch(r"(?:\([^()]*\) )?(-?\d+|0x[0-9a-fA-F]+)(?: <[^>]*>)?", text.strip())
    if m:
        return int(m.group(1), 0)
    m = re.fullmatch(r'(?:0x[0-9a-f]+ )?"((?:[^"\\]|\\.)*)"(?:, \'\\000\' <repeats \d+ times>)?',
                     text.strip())
    if m:
        return m.group(1).split("\\000")[0].encode().decode("unicode_escape")
    return text


class Guest:
    """A kernel under brkvm with gdb attached.

    Guest(kernel, initrd=None, symbols=None, params="", cpus=1, mem="256M", args=(),
          timeout=300, kaslr=False, gdb="gdb-multiarch", vmm=None, log=None)

    kernel/initrd/symbols: host paths (symbols: a vmlinux with DWARF for expressions by type,
    or System.map: passed to brkvm's --symbols as well).  params: the kernel command line.
    args: more `brkvm run` flags.  timeout: the whole Guest's limit in s (then everything is
    killed).  kaslr=False adds --no-kaslr (gdb attaches before the kernel picks its slide).
    vmm: the brkvm command (default: choose_vmm).  log: a file for the console as it comes."""

    def __init__(self, kernel, initrd=None, symbols=None, params="", cpus=1, mem="256M",
                 args=(), timeout=300, kaslr=False, gdb="gdb-multiarch", vmm=None, log=None,
                 connect_timeout=120):
        self.kernel, self.initrd, self.symbols = kernel, initrd, symbols
        self.params, self.cpus, self.mem, self.args = params, cpus, mem, list(args)
        self.timeout, self.kaslr, self.gdb_program = timeout, kaslr, gdb
        self.vmm_cmd = list(vmm) if vmm else None
        self.log_path, self.connect_timeout = log, connect_timeout
        self.breakpoints = {}
        self.vmm = self.gdb = None
        self.attached = False
        self.exit_status = None
        self.expired = False
        self._lines, self._partial = [], ""
        self._lock = threading.Lock()
        self._watchdog = None

    # ---- life cycle ------------------------------------------------------------------------

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def start(self):
        """boot the guest (its vCPUs wait at the first instruction) and attach gdb"""
        for name, path in (("kernel", self.kernel), ("initrd", self.initrd),
                           ("symbols", self.symbols)):
            if path and not os.path.isfile(path):
                raise FileNotFoundError(f"{name} {path}: no such file")
        self.port = _free_port()
        cmd = (self.vmm_cmd or default_vmm()) + ["run", "-k", self.kernel]
        if self.initrd:
            cmd += ["-i", self.initrd]
        if self.symbols:
            cmd += ["--symbols", self.symbols]
        cmd += ["-c", str(self.cpus), "-m", str(self.mem), "-p", self.params,
                "--gdb", f"127.0.0.1:{self.port}", "--gdb-wait"]
        if not self.kaslr:
            cmd.append("--no-kaslr")
        self.command = cmd + self.args
        _live.add(self)
        self._t0 = time.monotonic()
        self._logf = open(self.log_path, "w") if self.log_path else None
        # (a killed test process takes brkvm, or the launcher and with it its QEMU, along)
        self.vmm = subprocess.Popen(self.command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT, start_new_session=True,
                                    preexec_fn=die_with_parent)
        self._console_reader = threading.Thread(target=self._read_console, daemon=True)
        self._console_reader.start()
        self._watchdog = threading.Timer(self.timeout, self._expire)
        self._watchdog.daemon = True
        self._watchdog.start()
        try:
            self._attach()
        except BaseException:
            self.close()
            raise

    def _attach(self):
        args = [self.symbols] if self.symbols and not self.symbols.endswith(".map") else []
        self.gdb = GdbMI(self.gdb_program, args)
        for c in ("-gdb-set mi-async on", "-gdb-set pagination off", "-gdb-set confirm off",
                  "-gdb-set architecture aarch64", "-gdb-set remotetimeout 30",
                  # (gdb itself retries a refused connection for 15 s: we retry, checking
                  # on the VMM in between)
                  "-gdb-set tcp connect-timeout 2"):
            self._gdb(c)
        deadline = time.monotonic() + self.connect_timeout
        while True:
            self._check_alive("attaching gdb")
            try:
                self._gdb(f"-target-select remote 127.0.0.1:{self.port}", timeout=60)
                break
            except GdbError as e:           # not listening yet (a forwarded port accepts
                err = str(e)                # before brkvm listens behind it): again
            self._check_alive(f"attaching gdb (last error: {err})")
            if time.monotonic() > deadline:
                self.fail(f"gdb could not attach to 127.0.0.1:{self.port} within "
                          f"{self.connect_timeout} s: {err}")
            time.sleep(0.5)
        self.attached = True
        self.gdb.stops.clear()
        self.gdb.running = False

    def close(self):
        """end gdb and the VMM (their whole process groups) unless they ended already"""
        if self._watchdog:
            self._watchdog.cancel()
        if self.gdb:
            self.gdb.kill()
        if self.vmm:
            self._end_vmm()
        if getattr(self, "_logf", None):
            self._logf.close()
            self._logf = None
        _live.discard(self)

    def _end_vmm(self):
        """SIGTERM to the VMM's process group (the launcher cleans up its QEMU then), SIGKILL
        to what is left after 5 s"""
        p = self.vmm
        for sig, grace in ((signal.SIGTERM, 5), (signal.SIGKILL, 5)):
            try:
                os.killpg(p.pid, sig)       # the group, even when its leader ended already
            except ProcessLookupError:
                break
            t_end = time.monotonic() + grace
            while time.monotonic() < t_end:
                p.poll()
                if not group_alive(p.pid):
                    break
                time.sleep(0.05)
            else:
                continue
            break
        p.wait()
        if p.stdin:
            try:
                p.stdin.close()
            except OSError:
                pass
        self._console_reader.join(timeout=5)
        if self.exit_status is None:
            self.exit_status = p.returncode

    def _expire(self):
        self.expired = True
        for proc in (self.gdb.proc if self.gdb else None, self.vmm):
            if proc is not None:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass

    # ---- console ---------------------------------------------------------------------------

    def _read_console(self):
        fd = self.vmm.stdout.fileno()
        while True:
            chunk = os.read(fd, 4096)
            if not chunk:
                break
            text = chunk.decode(errors="replace")
            if self._logf:
                self._logf.write(text)
                self._logf.flush()
            with self._lock:
                *full, self._partial = (self._partial + text).split("\n")
                self._lines += [ln.rstrip("\r") for ln in full]
        with self._lock:
            if self._partial:
                self._lines.append(self._partial.rstrip("\r"))
                self._partial = ""
        self.vmm.stdout.close()

    @property
    def console(self):
        """the console output so far (CR LF as LF)"""
        with self._lock:
            return "\n".join(self._lines + [self._partial])

    def console_tail(self, n=TAIL):
        with self._lock:
            lines = self._lines + ([self._partial] if self._partial else [])
        return lines[-n:]

    def send(self, text):
        """type text on the guest's console"""
        self.vmm.stdin.write(text.encode())
        self.vmm.stdin.flush()

    def expect(self, regex, within):
        """wait until the console shows `regex` (Python re); returns the match"""
        deadline = time.monotonic() + within
        while True:
            m = re.search(regex, self.console, re.M)
            if m:
                return m
            if self.vmm.poll() is not None:
                self._console_reader.join(timeout=5)
                m = re.search(regex, self.console, re.M)
                if m:
                    return m
                self.fail(f"the VMM exited (status {self.vmm.returncode}) before the console "
                          f"showed /{regex}/")
            if time.monotonic() > deadline:
                self.fail(f"timed out after {within} s waiting for /{regex}/ on the console")
            time.sleep(0.05)

    # ---- failures --------------------------------------------------------------------------

    def fail(self, msg):
        """raise TestFailure with msg and the console tail"""
        if self.vmm is not None and self.vmm.poll() is not None:
            self._console_reader.join(timeout=2)
        tail = self.console_tail()
        el = time.monotonic() - self._t0 if hasattr(self, "_t0") else 0
        if self.expired:
            msg += f" (the Guest's overall timeout of {self.timeout} s ran out: killed)"
        raise TestFailure(f"{msg} [{el:.1f} s after start]\n--- last {len(tail)} console "
                          "lines:\n" + "\n".join("    " + ln for ln in tail))

    def _check_alive(self, doing):
        if self.vmm.poll() is not None:
            self.fail(f"the VMM exited with status {self.vmm.returncode} while {doing}")

    def _gdb(self, cmd, timeout=30):
        try:
            return self.gdb.command(cmd, timeout)
        except GdbGone as e:
            self.fail(f"{e} during {cmd!r}; its last output: "
                      + "".join(list(self.gdb.transcript)[-5:]).strip())
        except TimeoutError as e:
            self.fail(str(e))

    # ---- gdb -------------------------------------------------------------------------------

    def breakpoint(self, location, condition=None, task=None, collect=()):
        """a breakpoint at `location`, counting its hits: a function name means its first
        instruction (`*NAME`: one location, the arguments in x0-x7 as the call passed them;
        gdb's own `break NAME` may pick several locations after the prologue, each a hit), any
        other gdb location (FILE:LINE, *ADDR) is gdb's.  condition: a gdb expression; task: only
        in the Linux task whose comm is that name (arm64 Linux keeps `current` in SP_EL0; needs a
        vmlinux with DWARF); collect: expressions evaluated at every hit, into bp.values"""
        if not self.attached:
            self.fail(f"breakpoint({location!r}): gdb is not attached (detached, or the guest "
                      "ended)")
        if task:
            t = f"$_streq(((struct task_struct *)$sp_el0)->comm, {quote(task)})"
            condition = f"({t}) && ({condition})" if condition else t
        was_running = self._stop_if_running()
        spec = f"*{location}" if _FUNC.fullmatch(location) else location
        cmd = "-break-insert " + (f"-c {quote(condition)} " if condition else "") + spec
        try:
            rec = self.gdb.command(cmd)
        except GdbError as e:
            self.fail(f"gdb refused the breakpoint {location!r}: {e}")
        num = int(rec.results["bkpt"]["number"])
        bp = Breakpoint(num, location, list(collect), guest=self)
        self.breakpoints[num] = bp
        if was_running:
            self._resume()
        return bp

    def _stop_if_running(self):
        if not self.gdb.running:
            return False
        self._gdb("-exec-interrupt")
        stop = self.gdb.wait_stop(30)
        if stop is None:
            self.fail("the guest did not stop for gdb within 30 s")
        self._on_stop(stop_of(stop), "stopping the guest")
        return True

    def _resume(self):
        self.gdb.stops.clear()
        self._gdb("-exec-continue")

    def _on_stop(self, stop, waiting_for):
        """count a breakpoint hit; fail on the guest's end or a stop gdb did not ask for"""
        bp = count_hit(self.breakpoints, stop)
        if bp is not None:
            bp.values.append({e: self.eval(e) for e in bp.collect})
            return bp
        if stop.reason == "exited":
            self.attached = False
            self.exit_status = stop.exit_code
            return None
        if stop.reason == "signal" and stop.signal in ("SIGINT", "0"):
            return None                     # our own interrupt
        if stop.reason == "other":
            return None
        # brkvm says why in an `O` packet first (e.g. "brkvm: guest panic on vCPU 1: ...")
        said = [t.strip() for t in list(self.gdb.transcript)[-8:] if t.startswith("brkvm:")]
        self.fail(f"unexpected stop while {waiting_for}: {stop.describe()}"
                  + (f" ({said[-1]})" if said else ""))

    def run_until(self, predicate, timeout, what=None, bp=None):
        """resume the guest, count breakpoint hits, and stop resuming once predicate() holds
        (checked at every stop and, for conditions such as a console line, while the guest
        runs: then gdb stops it); the guest stays stopped there.  Fails after `timeout` s, or
        if the guest ends first."""
        desc = what or "the condition"
        if not self.attached:
            self.fail(f"run_until({desc}): gdb is not attached")
        deadline = time.monotonic() + timeout

        def text():
            return desc.replace("{hits}", str(bp.hits)) if bp else desc
        while not predicate():
            self._resume()
            while True:
                stop = self.gdb.wait_stop(min(0.5, max(deadline - time.monotonic(), 0)))
                if stop is not None:
                    break
                if predicate():             # (e.g. a console line): stop the guest there
                    self._stop_if_running()
                    return
                if self.vmm.poll() is not None or self.expired:
                    self.fail(f"the VMM exited (status {self.vmm.returncode}) while waiting "
                              f"for {text()}")
                if time.monotonic() >= deadline:
                    try:
                        self._stop_if_running()
                    except TestFailure:
                        pass
                    self.fail(f"timed out after {timeout} s waiting for {text()}")
            self._on_stop(stop_of(stop), f"waiting for {text()}")
            if not self.attached:
                self.fail(f"the guest ended (exit status {self.exit_status}) before "
                          f"{text()}")

    def eval(self, expr):
        """an expression's value, evaluated by gdb with the symbols' types in the stopped
        guest: an int when gdb prints a number (or a pointer), else gdb's text"""
        if self.gdb.running:
            self.fail(f"eval({expr!r}): the guest is running (evaluate at a stop)")
        try:
            rec = self.gdb.command(f"-data-evaluate-expression {quote(expr)}")
        except GdbError as e:
            self.fail(f"gdb cannot evaluate {expr!r}: {e}")
        return _value(rec.results.get("value", ""))

    def gdb_command(self, cli):
        """a gdb CLI command (e.g. "bt", "info registers x0"); the text it printed"""
        try:
            return self.gdb.console(cli)
        except GdbError as e:
            self.fail(f"gdb: {cli!r}: {e}")

    def detach(self):
        """remove every breakpoint and let the guest run on without gdb"""
        if self.attached:
            self._stop_if_running()
            self._gdb("-target-detach")
            self.attached = False

    def expect_exit(self, status=0, within=60):
        """wait until brkvm exits (the guest powered off: status 0; reset: 3); with gdb still
        attached the guest is resumed and hits are counted on the way.  Fails on another
        status or after `within` s."""
        deadline = time.monotonic() + within
        while self.attached:
            self._resume()
            stop = None
            while stop is None and self.vmm.poll() is None:
                if time.monotonic() >= deadline:
                    self.fail(f"brkvm did not exit within {within} s")
                stop = self.gdb.wait_stop(0.5)
            if stop is None:
                break                            # the VMM ended and gdb said nothing
            self._on_stop(stop_of(stop), "waiting for the guest's end")
        try:
            rc = self.vmm.wait(timeout=max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            self.fail(f"brkvm did not exit within {within} s")
        self._console_reader.join(timeout=5)
        self.exit_status = rc
        if rc != status:
            self.fail(f"brkvm exited with status {rc}, expected {status}")
        return rc


@atexit.register
def _close_all():
    for g in list(_live):
        g.close()
