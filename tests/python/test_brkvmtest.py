#!/usr/bin/env python3
"""test_brkvmtest.py [--tap] - tests of python/brkvmtest without a VM: the MI record parser, stop
classification and hit counting, JUnit XML, the choice of the brkvm command, gdb's values, the
runner, and a Guest's failure paths against fake VMMs (scripts that print console lines and never
open the gdb port, exit early, or ignore SIGTERM) driving the real gdb-multiarch: each fails with
the console tail in its message and leaves no process behind.  TAP output, exit 1 on a failure."""
import io
import os
import subprocess
import sys
import tempfile
import textwrap
import time
import traceback
import xml.etree.ElementTree as ET
from contextlib import redirect_stdout

TOP = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
sys.path.insert(0, os.path.join(TOP, "python"))

from brkvmtest import Guest, TestFailure, choose_vmm  # noqa: E402
from brkvmtest.guest import _value  # noqa: E402
from brkvmtest.junit import Result, junit_xml  # noqa: E402
from brkvmtest.mi import MIParseError, parse_record, quote  # noqa: E402
from brkvmtest.runner import main as runner_main  # noqa: E402
from brkvmtest.stops import Breakpoint, count_hit, stop_of  # noqa: E402

TESTS = []


def test(fn):
    TESTS.append(fn)
    return fn


def eq(got, want):
    assert got == want, f"got {got!r}, want {want!r}"


# ---- MI records ------------------------------------------------------------------------------

@test
def mi_result_with_tuple():
    r = parse_record('12^done,bkpt={number="1",type="breakpoint",addr="0xffff8000",'
                     'thread-groups=["i1"],times="0"}')
    eq((r.kind, r.cls, r.token), ("result", "done", 12))
    eq(r.results["bkpt"]["number"], "1")
    eq(r.results["bkpt"]["thread-groups"], ["i1"])


@test
def mi_stopped_breakpoint():
    r = parse_record('*stopped,reason="breakpoint-hit",disp="keep",bkptno="2",frame={addr='
                     '"0xffffffc008037f94",func="__arm64_sys_getpid",args=[{name="__unused",'
                     'value="0xffffff8000a9feb0"}]},thread-id="1",stopped-threads="all",core="0"')
    eq((r.kind, r.cls, r.token), ("exec", "stopped", None))
    eq(r.results["frame"]["args"], [{"name": "__unused", "value": "0xffffff8000a9feb0"}])
    s = stop_of(r)
    eq((s.reason, s.bkptno, s.func, s.addr, s.thread),
       ("breakpoint", 2, "__arm64_sys_getpid", 0xffffffc008037f94, "1"))


@test
def mi_streams_and_escapes():
    eq(parse_record(r'~"Breakpoint 1 at \"x\"\n"').text, 'Breakpoint 1 at "x"\n')
    eq(parse_record(r'@"\033[0m\tA\\B"').text, "\x1b[0m\tA\\B")
    eq(parse_record(r'&"warning: \303\251t\303\251\n"').text, "warning: été\n")
    eq(parse_record("(gdb) ").kind, "prompt")


@test
def mi_lists_of_results_keep_values():
    r = parse_record('^done,stack=[frame={level="0",func="a"},frame={level="1",func="b"}],'
                     'e=[],t={}')
    eq([f["func"] for f in r.results["stack"]], ["a", "b"])
    eq((r.results["e"], r.results["t"]), ([], {}))


@test
def mi_error_and_bare_records():
    r = parse_record('3^error,msg="No symbol \\"nosuch\\" in current context."')
    eq((r.cls, r.token, r.results["msg"]), ("error", 3, 'No symbol "nosuch" in current context.'))
    eq(parse_record("*running,thread-id=\"all\"").cls, "running")
    eq(parse_record("5^connected").results, {})
    eq(parse_record('=thread-group-added,id="i1"').kind, "notify")


@test
def mi_refuses_what_is_not_mi():
    for bad in ("Reading symbols from vmlinux...", '^done,x="unterminated', "^done,x=",
                '^done,x={a="1"', '~"open', "7"):
        try:
            parse_record(bad)
        except MIParseError:
            continue
        raise AssertionError(f"accepted {bad!r}")


@test
def mi_quote_round_trips():
    s = 'a "b" \\ c\nd'
    eq(parse_record("~" + quote(s)).text, s)


# ---- stops and hits --------------------------------------------------------------------------

@test
def stop_reasons():
    eq(stop_of(parse_record('*stopped,reason="exited-normally"')).exit_code, 0)
    eq(stop_of(parse_record('*stopped,reason="exited",exit-code="03"')).exit_code, 3)
    eq(stop_of(parse_record('*stopped,reason="exited",exit-code="12"')).exit_code, 10)   # octal
    s = stop_of(parse_record('*stopped,reason="signal-received",signal-name="SIGTRAP",'
                             'frame={addr="0x80000004",func="??"},thread-id="2"'))
    eq((s.reason, s.signal, s.addr), ("signal", "SIGTRAP", 0x80000004))
    assert "SIGTRAP" in s.describe() and "thread 2" in s.describe(), s.describe()
    eq(stop_of(parse_record('*stopped,frame={addr="0x80000000"}')).reason, "other")


@test
def hits_counted_per_breakpoint():
    bps = {1: Breakpoint(1, "a"), 2: Breakpoint(2, "b")}
    hit = stop_of(parse_record('*stopped,reason="breakpoint-hit",bkptno="2"'))
    for _ in range(3):
        eq(count_hit(bps, hit).location, "b")
    eq(count_hit(bps, stop_of(parse_record('*stopped,reason="breakpoint-hit",bkptno="9"'))), None)
    eq(count_hit(bps, stop_of(parse_record('*stopped,reason="signal-received",signal-name='
                                           '"SIGINT"'))), None)
    eq((bps[1].hits, bps[2].hits), (0, 3))


# ---- values, JUnit, VMM choice ---------------------------------------------------------------

@test
def gdb_values():
    eq(_value("172"), 172)
    eq(_value("-1"), -1)
    eq(_value("(struct pt_regs *) 0xffffff8000a9feb0"), 0xffffff8000a9feb0)
    eq(_value("0xffffffc008037f94 <__arm64_sys_getpid>"), 0xffffffc008037f94)
    eq(_value(r'"getpid3\000\000\000\000"'), "getpid3")
    eq(_value('"sh", \'\\000\' <repeats 13 times>'), "sh")
    eq(_value("{a = 1, b = 2}"), "{a = 1, b = 2}")


@test
def junit_document():
    res = [Result("test_ok", "ex", 1.5, "passed", output="hello"),
           Result("test_bad", "ex", 2.25, "failed", "4 hits <expected> & not \x07 seen",
                  "--- last 30 console lines:\n    GUEST-INIT\x1b[0m"),
           Result("test_err", "ex", 0.25, "error", "OSError: x", "trace")]
    root = ET.fromstring(junit_xml("brkvmtest", res).split("\n", 1)[1])
    suite = root.find("testsuite")
    eq((suite.get("tests"), suite.get("failures"), suite.get("errors"), suite.get("time")),
       ("3", "1", "1", "4.000"))
    cases = suite.findall("testcase")
    eq([c.get("name") for c in cases], ["test_ok", "test_bad", "test_err"])
    eq(cases[0].find("system-out").text, "hello")
    f = cases[1].find("failure")
    eq(f.get("message"), "4 hits <expected> & not  seen")
    assert "GUEST-INIT[0m" in f.text, f.text
    eq(cases[2].find("error").get("message"), "OSError: x")


@test
def vmm_choice():
    def which_of(*names):
        return lambda n: f"/usr/bin/{n}" if n in names else None
    never = lambda p: False  # noqa: E731
    eq(choose_vmm({"BRKVM": "/opt/brkvm-x86 --verbose"}, "x86_64", False, which_of(), never),
       ["/opt/brkvm-x86", "--verbose"])
    eq(choose_vmm({}, "aarch64", True, which_of("brkvm", "brkvm-x86"), never), ["/usr/bin/brkvm"])
    eq(choose_vmm({}, "aarch64", False, which_of("brkvm", "brkvm-x86"), never),
       ["/usr/bin/brkvm-x86"])
    eq(choose_vmm({}, "x86_64", False, which_of("brkvm-x86"), never), ["/usr/bin/brkvm-x86"])
    tree = choose_vmm({}, "x86_64", False, which_of(), lambda p: p.endswith("scripts/brkvm-x86"))
    assert tree[0].endswith("/scripts/brkvm-x86"), tree
    try:
        choose_vmm({}, "x86_64", False, which_of(), never)
    except FileNotFoundError as e:
        assert "BRKVM=" in str(e), e
    else:
        raise AssertionError("no error without any brkvm")


# ---- the runner ------------------------------------------------------------------------------

@test
def runner_counts_and_writes_junit():
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "test_sample.py")
        with open(path, "w") as f:
            f.write(textwrap.dedent("""
                def helper(): pass
                def test_b_pass(): print("out of b")
                def test_a_fail(): assert 1 == 2, "one is not two"
                def test_c_error(): raise OSError("no such file")
                """))
        out = io.StringIO()
        with redirect_stdout(out):
            rc = runner_main([path, "--junit", os.path.join(d, "r.xml")])
        text = out.getvalue()
        eq(rc, 1)
        assert text.rstrip().endswith("1 passed, 2 failed"), text
        order = [ln.split()[1] for ln in text.splitlines() if ln.startswith(("PASS", "FAIL"))]
        eq(order, ["test_sample.test_b_pass", "test_sample.test_a_fail",
                   "test_sample.test_c_error"])
        assert "one is not two" in text, text
        suite = ET.parse(os.path.join(d, "r.xml")).getroot().find("testsuite")
        eq((suite.get("tests"), suite.get("failures"), suite.get("errors")), ("3", "1", "1"))
        eq(suite.find("testcase").find("system-out").text, "out of b\n")
        with redirect_stdout(io.StringIO()):
            eq(runner_main([os.path.join(d, "missing.py")]), 2)


# ---- Guest failure paths against fake VMMs (real gdb-multiarch) ------------------------------

FAKE = """#!/usr/bin/env python3
# a fake brkvm: console lines, a child in its process group, never a gdb stub
import os, signal, sys, time
mode = os.environ["FAKE_MODE"]
if mode == "stubborn":
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
child = os.fork()
if child == 0:
    os.execvp("sleep", ["sleep", "600"])
open(os.environ["FAKE_PIDS"], "w").write(f"{os.getpid()} {child}")
for i in range(1, 41):
    print(f"fake console line {i}", flush=True)
print("args: " + " ".join(sys.argv[1:]), flush=True)
if mode == "exit":
    sys.exit(1)
time.sleep(600)
"""


def gone(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    # a zombie child of ours is gone too (nobody reaped it yet)
    with open(f"/proc/{pid}/stat") as f:
        return f.read().split(")")[-1].split()[0] == "Z"


def fake_guest_failure(mode, **kw):
    """run a Guest on the fake VMM in `mode`; (the TestFailure, the fake's pids, gdb's pid,
    seconds)"""
    with tempfile.TemporaryDirectory() as d:
        fake, pids = os.path.join(d, "brkvm"), os.path.join(d, "pids")
        with open(fake, "w") as f:
            f.write(FAKE)
        os.chmod(fake, 0o755)
        kernel = os.path.join(d, "Image")
        open(kernel, "wb").close()
        os.environ.update(FAKE_MODE=mode, FAKE_PIDS=pids)
        g = Guest(kernel=kernel, params="console=ttyS0", vmm=[fake], **kw)
        t0 = time.monotonic()
        err = None
        try:
            with g:
                raise AssertionError("the Guest started")
        except TestFailure as e:
            err = e
        took = time.monotonic() - t0
        with open(pids) as f:
            vmm_pids = [int(x) for x in f.read().split()]
    return str(err), vmm_pids, g.gdb.proc.pid if g.gdb else None, took, g


def check_no_leftovers(vmm_pids, gdb_pid):
    for pid in vmm_pids + ([gdb_pid] if gdb_pid else []):
        assert gone(pid), f"process {pid} is still there"


@test
def guest_attach_timeout_fails_with_console_tail():
    msg, pids, gdbpid, took, g = fake_guest_failure("hang", connect_timeout=3)
    assert "gdb could not attach" in msg, msg
    assert "--- last 30 console lines:" in msg, msg
    lines = msg.split("--- last 30 console lines:\n")[1].splitlines()
    eq(len(lines), 30)
    eq(lines[-1].strip().split()[:2], ["args:", "run"])
    assert "fake console line 40" in msg and "fake console line 11\n" not in msg, msg
    assert "--gdb-wait" in lines[-1] and "--no-kaslr" in lines[-1], lines[-1]
    assert took < 15, took
    assert gdbpid, "gdb never started"
    check_no_leftovers(pids, gdbpid)


@test
def guest_vmm_exit_fails_with_status():
    msg, pids, gdbpid, took, g = fake_guest_failure("exit", connect_timeout=30)
    assert "the VMM exited with status 1" in msg, msg
    assert "fake console line 40" in msg, msg
    assert took < 15, took
    check_no_leftovers(pids, gdbpid)


@test
def guest_overall_timeout_ends_everything():
    msg, pids, gdbpid, took, g = fake_guest_failure("hang", timeout=3, connect_timeout=60)
    assert "overall timeout of 3 s" in msg, msg
    assert "fake console line 40" in msg, msg
    assert took < 15, took
    check_no_leftovers(pids, gdbpid)


@test
def guest_close_kills_a_vmm_ignoring_sigterm():
    msg, pids, gdbpid, took, g = fake_guest_failure("stubborn", connect_timeout=2)
    assert "gdb could not attach" in msg, msg
    assert 5 <= took < 20, took           # SIGTERM ignored: SIGKILL after the 5 s grace
    check_no_leftovers(pids, gdbpid)


@test
def guest_processes_die_with_a_killed_test():
    """kill -9 of the test process itself: brkvm (here the fake) and gdb go too"""
    with tempfile.TemporaryDirectory() as d:
        fake, pids = os.path.join(d, "brkvm"), os.path.join(d, "pids")
        with open(fake, "w") as f:
            f.write(FAKE)
        os.chmod(fake, 0o755)
        open(os.path.join(d, "Image"), "wb").close()
        script = textwrap.dedent(f"""
            import sys, time
            sys.path.insert(0, {os.path.join(TOP, "python")!r})
            from brkvmtest import Guest
            g = Guest(kernel={os.path.join(d, "Image")!r}, vmm=[{fake!r}], connect_timeout=600)
            g.start()
            """)
        env = dict(os.environ, FAKE_MODE="hang", FAKE_PIDS=pids)
        p = subprocess.Popen([sys.executable, "-c", script], env=env)
        t_end = time.monotonic() + 10
        gdbs = []
        while time.monotonic() < t_end and not (os.path.exists(pids) and gdbs):
            time.sleep(0.2)
            gdbs = [int(x) for x in subprocess.run(["pgrep", "-P", str(p.pid), "gdb"],
                                                    capture_output=True, text=True).stdout.split()]
        assert os.path.exists(pids) and gdbs, "the Guest did not start its VMM and gdb"
        p.kill()
        p.wait()
        with open(pids) as f:
            vmm, child = [int(x) for x in f.read().split()]
        t_end = time.monotonic() + 5
        while time.monotonic() < t_end and not (gone(vmm) and gone(gdbs[0])):
            time.sleep(0.1)
        try:
            check_no_leftovers([vmm], gdbs[0])
        finally:                    # (the fake's own child: PR_SET_PDEATHSIG is per process)
            for pid in (child, vmm, gdbs[0]):
                try:
                    os.kill(pid, 9)
                except ProcessLookupError:
                    pass


def main():
    tap = "--tap" in sys.argv
    bad = 0
    print(f"1..{len(TESTS)}")
    for i, fn in enumerate(TESTS, 1):
        try:
            t0 = time.monotonic()
            fn()
            print(f"ok {i} - {fn.__name__} ({time.monotonic() - t0:.1f} s)", flush=True)
        except Exception:  # noqa: BLE001
            bad += 1
            print(f"not ok {i} - {fn.__name__}", flush=True)
            print("\n".join("#   " + ln for ln in traceback.format_exc().splitlines()), flush=True)
    if not tap:
        print(f"{len(TESTS) - bad} passed, {bad} failed")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
