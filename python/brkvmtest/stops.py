"""stops.py - what a gdb stop means for a test, and breakpoint hit counting (pure: MI records in).

gdb reports every stop of the target as an MI `*stopped` record; stop_of() turns it into a Stop
(a breakpoint hit, the guest's end, a signal), and count_hit() credits a hit to the Breakpoint
it belongs to."""
from dataclasses import dataclass, field


@dataclass
class Stop:
    reason: str                      # "breakpoint", "exited", "signal", "other"
    bkptno: int = None               # reason "breakpoint": gdb's breakpoint number
    exit_code: int = None            # reason "exited": the guest's (brkvm's) exit status
    signal: str = ""                 # reason "signal": e.g. SIGTRAP, SIGINT
    thread: str = ""                 # gdb's thread id (brkvm: vCPU N-1)
    func: str = ""                   # the function gdb shows in the stop's frame
    addr: int = None                 # the stop's pc

    def describe(self):
        where = f" in {self.func}" if self.func else ""
        where += f" at {self.addr:#x}" if self.addr is not None else ""
        where += f" (thread {self.thread})" if self.thread else ""
        if self.reason == "breakpoint":
            return f"breakpoint {self.bkptno}{where}"
        if self.reason == "exited":
            return f"the guest ended with exit status {self.exit_code}"
        if self.reason == "signal":
            return f"{self.signal}{where}"
        return f"a stop{where}"


@dataclass
class Breakpoint:
    """a breakpoint of a Guest: gdb's number, where it was asked for, the hits so far and, per
    hit, the values of its `collect` expressions"""
    number: int
    location: str
    collect: list = field(default_factory=list)
    hits: int = 0
    values: list = field(default_factory=list)     # one dict {expression: value} per hit
    guest: object = field(default=None, repr=False)

    def expect_hits(self, n, within):
        """run the guest until this breakpoint has hit n times (the guest is then stopped at
        the n-th hit); fail with the console tail if that takes longer than `within` seconds"""
        self.guest.run_until(lambda: self.hits >= n, timeout=within,
                             what=f"{n} hits of {self.location} (got {{hits}})", bp=self)


def stop_of(record):
    """the Stop an MI `*stopped` record describes"""
    r = record.results
    reason = r.get("reason", "")
    frame = r.get("frame") if isinstance(r.get("frame"), dict) else {}
    addr = frame.get("addr")
    s = Stop("other", thread=r.get("thread-id", ""), func=frame.get("func", ""),
             addr=int(addr, 16) if addr and addr.startswith("0x") else None)
    if reason == "breakpoint-hit":
        s.reason, s.bkptno = "breakpoint", int(r.get("bkptno", "0"))
    elif reason == "exited-normally":
        s.reason, s.exit_code = "exited", 0
    elif reason == "exited":
        s.reason, s.exit_code = "exited", int(r.get("exit-code", "0"), 8)  # gdb prints octal
    elif reason == "exited-signalled":
        s.reason, s.signal = "exited", r.get("signal-name", "")
    elif reason == "signal-received":
        s.reason, s.signal = "signal", r.get("signal-name", "")
    return s


def count_hit(breakpoints, stop):
    """credit a breakpoint stop to its Breakpoint (breakpoints: {number: Breakpoint});
    returns that Breakpoint, or None for any other stop"""
    if stop.reason != "breakpoint":
        return None
    bp = breakpoints.get(stop.bkptno)
    if bp is not None:
        bp.hits += 1
    return bp
