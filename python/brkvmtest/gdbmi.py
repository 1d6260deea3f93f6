"""gdbmi.py - gdb-multiarch driven through its machine interface (`-i=mi`, asynchronous: commands
are accepted while the guest runs).  One reader thread turns gdb's output into Records; the
caller's thread consumes them: results are matched to their command by token, `*stopped`
records are queued for wait_stop()."""
import collections
import os
import queue
import signal
import subprocess
import threading
import time

from .mi import MIParseError, Record, parse_record, quote


class GdbError(Exception):
    """gdb answered a command with ^error"""


class GdbGone(Exception):
    """gdb's output ended (it exited or was killed)"""


def die_with_parent():
    """Popen's preexec_fn: the child gets SIGKILL when this process dies, even by SIGKILL
    (Linux PR_SET_PDEATHSIG; elsewhere nothing)"""
    try:
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)   # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class GdbMI:
    def __init__(self, program="gdb-multiarch", args=()):
        self.proc = subprocess.Popen(
            [program, "-i=mi", "-nx", "-q", *args], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
            preexec_fn=die_with_parent)
        self._q = queue.Queue()
        self._token = 0
        self.stops = collections.deque()        # *stopped records not yet consumed
        self.running = False                    # the last exec record was *running
        self.transcript = collections.deque(maxlen=300)   # recent output, for messages
        self._capture = None                    # console(): the stream text of its command
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        for raw in self.proc.stdout:
            line = raw.decode(errors="replace").rstrip("\r\n")
            try:
                self._q.put(parse_record(line))
            except MIParseError:                 # gdb's own stderr, or a target's raw output
                self._q.put(Record("log", text=line + "\n"))
        self._q.put(None)

    def _pump(self, timeout):
        """take one record (or None after `timeout` s): stops are queued, streams recorded"""
        try:
            rec = self._q.get(timeout=max(timeout, 0))
        except queue.Empty:
            return None
        if rec is None:
            self._q.put(None)                    # stays at the end for every later reader
            raise GdbGone(f"gdb exited (status {self.proc.poll()})")
        if rec.kind in ("console", "target", "log"):
            self.transcript.append(rec.text)
            if self._capture is not None and rec.kind == "console":
                self._capture.append(rec.text)
        elif rec.kind == "exec":
            if rec.cls == "running":
                self.running = True
            elif rec.cls == "stopped":
                self.running = False
                self.stops.append(rec)
        return rec

    def command(self, cmd, timeout=30):
        """send one MI command; its result record (GdbError for ^error, TimeoutError when gdb
        does not answer within `timeout` s)"""
        self._token += 1
        tok = self._token
        try:
            self.proc.stdin.write(f"{tok}{cmd}\n".encode())
            self.proc.stdin.flush()
        except OSError as e:
            raise GdbGone(f"gdb does not take commands: {e}") from e
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"gdb did not answer {cmd!r} within {timeout} s")
            rec = self._pump(min(left, 0.5))
            if rec is not None and rec.kind == "result" and rec.token == tok:
                if rec.cls == "error":
                    raise GdbError(rec.results.get("msg", "error"))
                return rec

    def console(self, cli, timeout=30):
        """a gdb CLI command; the text it printed"""
        self._capture = []
        try:
            self.command(f"-interpreter-exec console {quote(cli)}", timeout)
            return "".join(self._capture)
        finally:
            self._capture = None

    def wait_stop(self, timeout):
        """the next *stopped record, or None when none came within `timeout` s"""
        deadline = time.monotonic() + timeout
        while not self.stops:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            self._pump(min(left, 0.2))
        return self.stops.popleft()

    def kill(self):
        """end gdb (its whole process group) at once"""
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc.wait()
        for f in (self.proc.stdin, self.proc.stdout):
            try:
                f.close()
            except OSError:
                pass
        self._reader.join(timeout=5)
