"""brkvm_test.py - helpers for the gdb scripts of the nested scenarios (run inside host
gdb-multiarch by tests/nested/runner.py).  A script imports it, drives gdb, calls check() for
every claim, and ends with done(), which prints the GDB-RESULT line the runner reads."""
import os
import re
import sys
import time

import gdb

PORT = os.environ.get("BRKVM_PORT", "1234")
GUESTS = os.environ.get("BRKVM_GUESTS", "")
NESTED = os.environ.get("BRKVM_NESTED", "")
_fails = []
_t0 = time.monotonic()


def log(msg):
    print(f"[{time.monotonic() - _t0:6.2f}] {msg}", flush=True)


def check(cond, msg):
    log(("GDB-CHECK ok " if cond else "GDB-CHECK FAIL ") + msg)
    if not cond:
        _fails.append(msg)
    return cond


def run(cmd):
    """gdb command, output captured and logged"""
    out = gdb.execute(cmd, to_string=True)
    for line in out.rstrip("\n").splitlines():
        log(f"  {cmd!r}: {line}")
    return out


def connect(symbols=None, retries=40):
    """target remote, retrying while slirp accepts before the stub listens"""
    if symbols:
        run(f"file {symbols}")
    run("set architecture aarch64")
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


def cont_expect_end():
    """continue into the guest's power-off: the stub goes away with the VM"""
    try:
        run("continue")
    except gdb.error as e:
        log(f"continue ended: {e}")
        return True
    return False


def done():
    if _fails:
        print("GDB-RESULT FAIL " + "; ".join(_fails), flush=True)
    else:
        print("GDB-RESULT PASS", flush=True)
    os._exit(0)
