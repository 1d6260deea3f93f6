"""peer_lib.py - helpers of the peer_*.py scripts (the brkvm-vs-QEMU gdbstub comparison,
tests/nested/peer/): each script runs unchanged against brkvm (peer-brkvm-* scenarios) and
against Debian's QEMU with -s (peer-qemu-*), and reports what it measured as
  PEER-FEATURE key | title | ok|no|info | detail
lines (tests/nested/peer/features.py pairs them into FEATURES.md).  A feature that does not
work is a result, not a failure: the script passes when it ran to its end."""
import os
import sys
import time

sys.path.insert(0, os.environ["BRKVM_GDBLIB"])
import brkvm_test  # noqa: E402

import gdb  # noqa: E402

PEER = os.environ.get("BRKVM_VAR_peer", "brkvm")


def feature(key, title, status, detail=""):
    """status: True/False (works / does not) or a string (an observation)"""
    st = "ok" if status is True else "no" if status is False else "info"
    brkvm_test.log(f"PEER-FEATURE {key} | {title} | {st} | {detail}")


def attempt(cmd):
    """(output, None) or (None, error text)"""
    try:
        return brkvm_test.run(cmd), None
    except gdb.error as e:
        brkvm_test.log(f"  {cmd!r} failed: {e}")
        return None, str(e) or "error"


def timed(cmd):
    t = time.monotonic()
    out, err = attempt(cmd)
    return out, err, time.monotonic() - t


def packet(pkt):
    return brkvm_test.maint_packet(pkt)


def end_of_guest():
    """continue into the guest's power-off: how the session ends"""
    out, err = attempt("continue")
    inf = gdb.selected_inferior()
    if err:
        return f"continue ended with an error: {err}"
    if out and "exited" in out:
        return "gdb reports the inferior exited: " + [l for l in out.splitlines() if "exited" in l][0].strip()
    if inf.pid == 0:
        return "gdb reports the inferior exited (a W stop reply)"
    return f"continue returned, pid {inf.pid}: {(out or '').strip()[-120:]}"
