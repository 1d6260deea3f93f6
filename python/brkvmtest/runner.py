"""runner.py - `python3 -m brkvmtest FILE... [--junit OUT.xml] [-k SUBSTRING]`: imports each test
file, runs its functions named test_* in file order, prints one PASS/FAIL line per test (a failure
with its message, which for a Guest ends with the console tail), then "N passed, N failed";
exit status 0 iff none failed (2: a file could not be loaded or nothing ran; 130: interrupted).
--junit writes the results as JUnit XML.  SIGTERM ends the run like Ctrl-C: every Guest is
closed."""
import argparse
import importlib.util
import io
import os
import signal
import sys
import time
import traceback
from contextlib import redirect_stdout

from .junit import Result, junit_xml


class _Tee(io.TextIOBase):
    """stdout for a test: printed as usual and kept for the JUnit report"""
    def __init__(self, out):
        self.out, self.kept = out, io.StringIO()

    def write(self, s):
        self.kept.write(s)
        return self.out.write(s)

    def flush(self):
        self.out.flush()


def load_tests(path):
    """(module name, [(name, function)...]) of a test file, test_* functions in file order"""
    name = os.path.splitext(os.path.basename(path))[0]
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
    try:
        spec.loader.exec_module(mod)
    finally:
        sys.path.pop(0)
    funcs = [(n, f) for n, f in vars(mod).items()
             if n.startswith("test_") and callable(f) and getattr(f, "__module__", "") == name]
    funcs.sort(key=lambda nf: nf[1].__code__.co_firstlineno)
    return name, funcs


def run_test(classname, name, func):
    """run one test function; its Result"""
    tee = _Tee(sys.stdout)
    t0 = time.monotonic()
    try:
        with redirect_stdout(tee):
            func()
        outcome, message, details = "passed", "", ""
    except AssertionError as e:
        outcome = "failed"
        message = (str(e).splitlines() or ["assertion failed"])[0]
        details = traceback.format_exc()
    except Exception as e:      # noqa: BLE001 (a test's error is a result, not the runner's end)
        outcome, message, details = "error", f"{type(e).__name__}: {e}", traceback.format_exc()
    return Result(name, classname, time.monotonic() - t0, outcome, message, details,
                  tee.kept.getvalue())


def _sigterm(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python3 -m brkvmtest", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("files", nargs="+", help="test files (Python), test_* functions run")
    ap.add_argument("--junit", metavar="OUT.xml", help="write JUnit XML there")
    ap.add_argument("-k", dest="only", help="only tests whose name contains this")
    args = ap.parse_args(argv)
    signal.signal(signal.SIGTERM, _sigterm)
    results, broken = [], 0
    try:
        broken = _run_files(args, results)
    except KeyboardInterrupt as e:      # Ctrl-C or SIGTERM: the Guests closed on the way out
        print(f"brkvmtest: interrupted ({e or 'Ctrl-C'})", flush=True)
        broken = -1
    if args.junit:
        with open(args.junit, "w") as f:
            f.write(junit_xml("brkvmtest", results))
    npass = sum(r.outcome == "passed" for r in results)
    nfail = len(results) - npass
    print(f"{npass} passed, {nfail} failed", flush=True)
    if broken < 0:
        return 130
    if broken or not results:
        return 2
    return 0 if nfail == 0 else 1


def _run_files(args, results):
    """run the tests of args.files into results; the number of files that did not load"""
    broken = 0
    for path in args.files:
        try:
            classname, funcs = load_tests(path)
        except Exception:       # noqa: BLE001
            print(f"ERROR {path}: cannot load:\n{traceback.format_exc()}", flush=True)
            broken += 1
            continue
        for name, func in funcs:
            if args.only and args.only not in name:
                continue
            print(f"RUN  {classname}.{name}", flush=True)
            r = run_test(classname, name, func)
            results.append(r)
            if r.outcome == "passed":
                print(f"PASS {classname}.{name} ({r.seconds:.1f} s)", flush=True)
            else:
                print(f"FAIL {classname}.{name} ({r.seconds:.1f} s): {r.message}", flush=True)
                print("\n".join("    " + ln for ln in r.details.rstrip().splitlines()), flush=True)
    return broken
