"""checks.py - the result protocol every nested test script speaks (gdb scripts through
brkvm_test.py, the plain-python raw-socket and LLDB scripts directly): a GDB-CHECK line per
claim, a GDB-RESULT line at the end that tests/nested/runner.py reads.  No gdb import."""
import os
import sys
import time

_fails = []
_t0 = time.monotonic()


def log(msg):
    print(f"[{time.monotonic() - _t0:6.2f}] {msg}", flush=True)


def check(cond, msg):
    log(("GDB-CHECK ok " if cond else "GDB-CHECK FAIL ") + msg)
    if not cond:
        _fails.append(msg)
    return cond


def done():
    """print GDB-RESULT and end the process at once (inside gdb, too: no teardown that could
    touch the target)"""
    print("GDB-RESULT FAIL " + "; ".join(_fails) if _fails else "GDB-RESULT PASS", flush=True)
    sys.stderr.flush()
    os._exit(0)
