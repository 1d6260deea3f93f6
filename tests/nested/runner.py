#!/usr/bin/env python3
"""runner.py - boot the nested test host (Debian's arm64 kernel under qemu-system-aarch64 with
EL2, so KVM works inside) once per scenario and collect SCENARIO-RESULT lines.

  runner.py --scenario kvmcheck --mode vhe       one boot
  runner.py --all [--only a,b] [--modes vhe]     every scenario in each of its modes, one boot
                                                 at a time
  runner.py --scenario shell --interactive       the console is yours (QEMU: Ctrl-A x quits)

Scenario files (tests/nested/scenarios/NAME.sh) may carry header tags:
  # timeout: SECONDS   limit for the scenario inside the test host (default 120)
  # interactive        needs a user at the console: skipped by --all
  # manual             a measurement, not a test (bench/): skipped by --all
  # recording          the run asserts nothing (peer-*, bench-*): printed REC and counted
                       apart ("N recorded"), never in "N passed"
  # modes: M[,M...]    test-host modes the scenario runs in with --all (default vhe,nvhe;
                       intersected with --modes): vhe (VHE KVM, GICv3), nvhe (nVHE KVM, GICv3),
                       gicv2 (VHE KVM on a GICv2 machine: brkvm gets no vGICv3, uses a vGICv2)
  # console            the scenario reads the test host's console (a tty: its controlling
                       terminal, host/init starts it with setsid cttyhack) instead of /dev/null
  # expect: REGEX      scripted console, processed in order with the send lines: wait until
  # expect(S): REGEX   REGEX (Python re, MULTILINE) appears in the console output since the
                       previous match (S: at most S seconds, default 90; on a miss the runner
                       fails the run and kills QEMU).  Before matching, CSI escape sequences
                       (e.g. busybox's ESC[6n cursor query) are removed and CR/CRLF become LF.
  # send: TEXT         then write TEXT to QEMU's stdin (Python escapes: \r \x03 \x01 \\).
                       QEMU's -nographic mux takes Ctrl-A itself: one Ctrl-A for the serial
                       port is \x01\x01, so brkvm's Ctrl-A x is "\x01\x01x".
  # pause: SECONDS     a scripted-console step: wait that long before the next one
  # gdb: SCRIPT        a scripted step too: run host gdb-multiarch in batch mode on
                       tests/nested/gdb/SCRIPT (Python) against the stub, which the test host
                       reaches through a forwarded port (the runner then adds virtio-net and
                       host.net=1).  The script gets BRKVM_PORT, BRKVM_GUESTS (the built test
                       guests) and BRKVM_NESTED in its environment and must print
                       "GDB-RESULT PASS"; gdb's output goes to the log with a "GDB|" prefix.
  # gdb(S): SCRIPT     the same with S seconds for the script instead of 240 (so are host(S):
                       and gdb&(S):), e.g. a long stop storm in bench/
                       Named groups of earlier expect regexes, (?P<name>...), are passed too,
                       as BRKVM_VAR_name (e.g. an address the guest printed).
  # host: SCRIPT       like gdb:, but runs `python3 tests/nested/gdb/SCRIPT` (raw-socket tests)
  # gdb&: SCRIPT       start the gdb script in the background and go on with the next steps
                       (e.g. gdb stays attached while the console drives the guest)
  # flag: NAME         create the file NAME in $BRKVM_FLAGS (a script waits for it, e.g. to
                       interrupt the guest once the console showed a result)
  # await(S): NAME     wait (at most S seconds, default 240) until a script created the file
                       NAME in $BRKVM_FLAGS (e.g. gdb has set its breakpoints: now type)
  # wait               wait for the background gdb scripts to end
  # gdb-program: NAME  the gdb: steps use build/NAME/gdb-multiarch (built by tests/nested/NAME.sh;
                       newgdb: Debian 13's gdb 16) instead of the system's gdb-multiarch
  # extra-initrd: NAME[,NAME...]  append build/nested/NAME.cpio (built by tests/nested/NAME.sh
                       when missing, e.g. qemu-peer: Debian's arm64 QEMU under /qemu/) to the
                       test host's initramfs (testkernel: the test kernel under /tk/)
  # sanitize: KIND NAME  this file is scenario NAME run with a sanitized brkvm (KIND asan:
                       ASan+UBSan, asan-lsan: the same and LeakSanitizer at each brkvm exit
                       (~12 s each here), tsan: ThreadSanitizer; tests/nested/sanbrkvm.sh): NAME's tags
                       and script, this file's modes and timeout when it has them; the extra
                       initrd sanbrkvm (tsanbrkvm) is added and the test host boots with
                       host.sanitize=KIND (host/init: /san/brkvm becomes /bin/brkvm, each report
                       fails the run).  `--sanitize KIND` does the same for any scenario.
Logs: build/nested/logs/NAME-MODE.log (console lines with host-side timestamps; NAME-MODE-KIND.log
with --sanitize KIND).  In a sanitized run the runner also fails on a sanitizer's report line
anywhere in the console and appends the report's brkvm frames, symbolized with addr2line.
Exit code 0 iff no scenario failed.
"""
import argparse
import codecs
import os
import re
import signal
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True    # (no __pycache__ in the source tree)
from testhost import MODES, OUT, TOP, VMLINUZ, qemu_machine  # noqa: E402
SCEN_DIR = os.path.join(HERE, "scenarios")
GDB_DIR = os.path.join(HERE, "gdb")
GDB_TIMEOUT = 240
DEFAULT_MODES = ["vhe", "nvhe"]
DEFAULT_SCENARIO_TIMEOUT = 120
DEFAULT_EXPECT_TIMEOUT = 90
# sanitizer kinds (host.sanitize=KIND) and the extra initrd with their brkvm (NAME.sh builds it)
SAN_INITRD = {"asan": "sanbrkvm", "asan-lsan": "sanbrkvm", "tsan": "tsanbrkvm"}
SAN_REPORT = re.compile(r"(ERROR|FATAL): (Address|Leak|Thread)Sanitizer|WARNING: ThreadSanitizer|"
                        r"runtime error: |SUMMARY: (Address|Leak|Thread|UndefinedBehavior)Sanitizer|"
                        r"SANITIZER-REPORT")
SAN_FRAME = re.compile(r"#(\d+) 0x[0-9a-f]+ .*\(/bin/brkvm\+(0x[0-9a-f]+)\)")
CSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")
BOOT_MARGIN = 60            # seconds for the test host's boot and power-off around the scenario
TAIL = 30


def scenario_tags(name, sanitize=None):
    """NAME's header tags; a `# sanitize: KIND BASE` file (or sanitize=KIND, runner.py
    --sanitize) gives BASE's (NAME's) tags with the sanitized brkvm: run_as, sanitize, the extra
    initrd"""
    tags = {"timeout": DEFAULT_SCENARIO_TIMEOUT, "interactive": False, "manual": False,
            "recording": False, "console": False,
            "steps": [], "modes": list(DEFAULT_MODES)}
    path = os.path.join(SCEN_DIR, name + ".sh")
    with open(path) as f:
        for line in f:
            if not line.startswith("#"):
                break
            line = line.rstrip("\n")
            m = re.match(r"#\s*timeout:\s*(\d+)", line)
            if m:
                tags["timeout"] = int(m.group(1))
                tags["timeout_set"] = True
            m = re.match(r"#\s*sanitize:\s*([\w-]+)\s+([\w.-]+)\s*$", line)
            if m:
                tags["sanitize_as"] = (m.group(1), m.group(2))
            if re.match(r"#\s*interactive\b", line):
                tags["interactive"] = True
            if re.match(r"#\s*manual\s*$", line):
                tags["manual"] = True
            if re.match(r"#\s*recording\s*$", line):
                tags["recording"] = True
            m = re.match(r"#\s*modes:\s*(\S+)\s*$", line)
            if m:
                tags["modes"] = m.group(1).split(",")
                tags["modes_set"] = True
            if re.match(r"#\s*console\s*$", line):
                tags["console"] = True
            m = re.match(r"#\s*expect(?:\((\d+)\))?:\s?(.*)$", line)
            if m:
                tags["steps"].append(("expect", re.compile(m.group(2), re.M),
                                      int(m.group(1) or DEFAULT_EXPECT_TIMEOUT)))
            m = re.match(r"#\s*send:\s?(.*)$", line)
            if m:
                text = codecs.decode(m.group(1), "unicode_escape").encode("latin-1")
                tags["steps"].append(("send", text, 0))
            m = re.match(r"#\s*pause:\s*([0-9.]+)\s*$", line)
            if m:
                tags["steps"].append(("pause", None, float(m.group(1))))
            m = re.match(r"#\s*(gdb|host|gdb&)(?:\((\d+)\))?:\s*(\S+)\s*$", line)
            if m:
                tags["steps"].append((m.group(1), m.group(3), int(m.group(2) or GDB_TIMEOUT)))
            m = re.match(r"#\s*flag:\s*(\w+)\s*$", line)
            if m:
                tags["steps"].append(("flag", m.group(1), 0))
            m = re.match(r"#\s*await(?:\((\d+)\))?:\s*(\w+)\s*$", line)
            if m:
                tags["steps"].append(("await", m.group(2), int(m.group(1) or GDB_TIMEOUT)))
            if re.match(r"#\s*wait\s*$", line):
                tags["steps"].append(("wait", None, GDB_TIMEOUT))
            m = re.match(r"#\s*gdb-program:\s*(\w+)\s*$", line)
            if m:
                tags["gdb_program"] = m.group(1)
            m = re.match(r"#\s*extra-initrd:\s*([\w,.-]+)\s*$", line)
            if m:
                tags["extra_initrd"] = m.group(1).split(",")
    if "sanitize_as" in tags:
        kind, base = tags["sanitize_as"]
        if base == name or "run_as" in scenario_tags(base):
            raise ValueError(f"scenario {name}: '# sanitize: {kind} {base}' names a wrapper")
        own = tags
        tags = scenario_tags(base, kind)
        for key in ("timeout", "modes"):
            if own.get(key + "_set"):
                tags[key] = own[key]
        tags["manual"] = own["manual"]
        return tags
    if sanitize:
        if sanitize not in SAN_INITRD:
            raise ValueError(f"unknown sanitizer {sanitize} (known: {', '.join(SAN_INITRD)})")
        tags["run_as"] = name
        tags["sanitize"] = sanitize
        tags["extra_initrd"] = tags.get("extra_initrd", []) + [SAN_INITRD[sanitize]]
    return tags


def list_scenarios():
    return sorted(f[:-3] for f in os.listdir(SCEN_DIR)
                  if f.endswith(".sh") and f != "lib.sh")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def uses_gdb(tags):
    return any(kind in ("gdb", "host", "gdb&") for kind, _, _ in tags["steps"])


def build_part(name):
    """run tests/nested/NAME.sh (cached builds): quiet unless it fails"""
    r = subprocess.run([os.path.join(HERE, name + ".sh")], capture_output=True, text=True)
    if r.returncode != 0:
        sys.stderr.write(r.stdout[-3000:] + r.stderr[-3000:])
        raise RuntimeError(f"tests/nested/{name}.sh failed (exit {r.returncode})")


def gdb_program(tags):
    """gdb-multiarch, or (tag gdb-program: NAME) build/NAME/gdb-multiarch, built by
    tests/nested/NAME.sh (newgdb: Debian 13's gdb 16, for what Debian 12's gdb 13.1 lacks)"""
    name = tags.get("gdb_program")
    if not name:
        return "gdb-multiarch"
    build_part(name)
    return os.path.join(TOP, "build", name, "gdb-multiarch")


def host_initrd(tags):
    """host-initramfs.cpio, or (tag extra-initrd) a copy with build/nested/NAME.cpio appended"""
    base = os.path.join(OUT, "host-initramfs.cpio")
    extra = tags.get("extra_initrd")
    if not extra:
        return base
    parts = [base]
    for name in extra:
        part = os.path.join(OUT, name + ".cpio")
        # NAME.sh builds it; each is idempotent (cached) and rebuilds what is stale
        build_part(name)
        parts.append(part)
    path = os.path.join(OUT, "host-initramfs+" + "+".join(extra) + ".cpio")
    with open(path, "wb") as out:
        for part in parts:     # concatenated newc archives: the kernel unpacks them in order
            with open(part, "rb") as f:
                shutil.copyfileobj(f, out, 1 << 20)
    return path


def qemu_cmd(args, scenario, mode, limit, port=0):
    tags = scenario_tags(scenario, args.sanitize)
    append = (f"console=ttyAMA0 panic=-1 scenario={tags.get('run_as', scenario)}"
              f" scenario.timeout={limit}")
    if tags.get("sanitize"):
        append += f" host.sanitize={tags['sanitize']}"
    if tags["console"]:
        append += " scenario.console=1"
    port = port or args.gdb_port
    cmd = qemu_machine(mode) + ["-nographic", "-kernel", VMLINUZ,
                                "-initrd", host_initrd(tags)]
    if port:
        append += " host.net=1"
        cmd += ["-netdev", f"user,id=n0,hostfwd=tcp:127.0.0.1:{port}-:1234",
                "-device", "virtio-net-device,netdev=n0"]
    if args.append:
        append += " " + args.append
    return cmd + ["-append", append]


def run_interactive(args, scenario, mode):
    cmd = qemu_cmd(args, scenario, mode, 0)
    print("runner: QEMU console follows; Ctrl-A x quits QEMU", flush=True)
    return subprocess.call(cmd)


def san_symbolize(lines, kind):
    """the brkvm frames of the sanitizer reports in LINES (`#N 0x... (/bin/brkvm+0xOFF)`: the
    test host has no symbolizer), as `#N function file:line` lines from addr2line on
    build/san-KIND/brkvm"""
    binary = os.path.join(TOP, "build", "san-" + kind.split("-")[0], "brkvm")
    frames = [(m.group(1), m.group(2)) for m in map(SAN_FRAME.search, lines) if m]
    if not frames or not os.path.exists(binary):
        return []
    r = subprocess.run(["aarch64-linux-gnu-addr2line", "-f", "-e", binary] + [o for _, o in frames],
                       capture_output=True, text=True)
    out = r.stdout.splitlines() + ["?"] * (2 * len(frames))   # function, file:line per address
    return [f"#{n} {out[2 * i]} {out[2 * i + 1].replace(TOP + '/', '')}"
            for i, (n, _) in enumerate(frames)]


def san_verdict(tags, lines):
    """(ok, detail) of a sanitized run: the sanitized brkvm was in place, and no report line"""
    kind = tags["sanitize"]
    if not any(f"HOST-SANITIZE {kind}: /bin/brkvm is /san/brkvm" in l for l in lines):
        return False, f"sanitize {kind}: the test host did not install /san/brkvm"
    reports = [l for l in lines if SAN_REPORT.search(l)]
    if reports:
        sym = san_symbolize(lines, kind)
        return False, (f"sanitize {kind}: {len(reports)} report lines, first: {reports[0].strip()}"
                       + ("\n  brkvm frames:\n" + "\n".join("    " + f for f in sym[:40]) if sym else ""))
    if not any(f"HOST-SANITIZE {kind}: no report" in l for l in lines):
        return False, f"sanitize {kind}: the test host did not check its report directory"
    return True, f"sanitize {kind}: no report"


def log_path(args, scenario, mode):
    """build/nested/logs/NAME-MODE[-SANITIZER].log, a run's console log"""
    suffix = f"-{args.sanitize}" if args.sanitize else ""
    return os.path.join(OUT, "logs", f"{scenario}-{mode}{suffix}.log")


def run_one(args, scenario, mode):
    """Boot once; return (passed, detail) after writing the console to the log file."""
    tags = scenario_tags(scenario, args.sanitize)
    limit = tags["timeout"]
    timeout = args.timeout or max(180, limit + BOOT_MARGIN)
    os.makedirs(os.path.join(OUT, "logs"), exist_ok=True)
    logpath = log_path(args, scenario, mode)
    port = (args.gdb_port or free_port()) if uses_gdb(tags) else 0
    gdbprog = gdb_program(tags) if uses_gdb(tags) else None   # (built before the boot)
    cmd = qemu_cmd(args, scenario, mode, limit, port)
    t0 = time.monotonic()
    ev = {}
    lines = []
    with open(logpath, "w") as log:
        log.write("QEMU: " + " ".join(f"'{c}'" if " " in c else c for c in cmd) + "\n")
        steps = list(tags["steps"])
        p = subprocess.Popen(cmd, stdin=subprocess.PIPE if steps else subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             start_new_session=True)
        lock = threading.Lock()
        seen = [""]         # console text since the last expect matched (CSI removed, LF only)

        def logline(line):
            el = time.monotonic() - t0
            lines.append(line)
            log.write(f"{el:7.2f} {line}\n")
            log.flush()
            if args.verbose:
                print(f"{el:7.2f} {line}", flush=True)
            if "HOST-INIT" in line and "init" not in ev:
                ev["init"] = el
            if "HOST-KVM" in line:
                ev["kvm"] = line
            if "HOST-GIC" in line:
                ev["gic"] = line
            m = re.search(r"SCENARIO-RESULT (\S+) (PASS|FAIL)(.*)", line)
            if m and "result" not in ev:
                ev["result"] = (m.group(2), m.group(3).strip(), el)

        def reader():
            # byte chunks, not lines: a shell prompt has no newline after it
            buf = b""
            fd = p.stdout.fileno()
            while True:
                chunk = os.read(fd, 4096)
                if not chunk:
                    break
                buf += chunk
                with lock:
                    seen[0] = (seen[0] + chunk.decode(errors="replace"))[-65536:]
                *full, buf = buf.split(b"\n")
                for raw in full:
                    logline(raw.decode(errors="replace").rstrip("\r"))
            if buf:
                logline(buf.decode(errors="replace").rstrip("\r"))

        variables = {}
        flags = tempfile.mkdtemp(prefix="brkvm-flags-")
        background = []

        def run_gdb(script, limit_s, kind="gdb"):
            env = dict(os.environ, BRKVM_PORT=str(port), BRKVM_NESTED=OUT,
                       BRKVM_GUESTS=os.path.join(TOP, "build", "cross", "tests", "guests"),
                       BRKVM_GDBLIB=GDB_DIR, BRKVM_FLAGS=flags, PYTHONDONTWRITEBYTECODE="1",
                       BRKVM_KERNEL=os.path.join(TOP, "build", "kernel", "current"))
            env.update({f"BRKVM_VAR_{k}": v for k, v in variables.items()})
            if kind in ("gdb", "gdb&"):
                cmd_g = [gdbprog, "-nx", "-q", "-batch", "-ex", "set confirm off",
                         "-ex", "set pagination off", "-x", os.path.join(GDB_DIR, script)]
            else:
                cmd_g = [sys.executable, os.path.join(GDB_DIR, script)]
            t1 = time.monotonic()
            log.write(f"{t1 - t0:7.2f} RUNNER: {kind} {script}\n")
            try:
                g = subprocess.run(cmd_g, env=env, stdin=subprocess.DEVNULL,
                                   capture_output=True, text=True, timeout=limit_s)
                out, rc = g.stdout + g.stderr, g.returncode
            except subprocess.TimeoutExpired as e:
                out = (e.stdout or b"").decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or "")
                rc = "timeout"
            for l in out.splitlines():
                log.write(f"{time.monotonic() - t0:7.2f} GDB| {l}\n")
                if args.verbose:
                    print(f"GDB| {l}", flush=True)
            log.flush()
            res = [l for l in out.splitlines() if l.startswith("GDB-RESULT")]
            checks = sum(1 for l in out.splitlines() if "GDB-CHECK ok" in l)
            if rc != 0 or not res or res[-1] != "GDB-RESULT PASS":
                why = res[-1] if res else f"no GDB-RESULT (gdb rc {rc})"
                fails = [l for l in out.splitlines() if "GDB-CHECK FAIL" in l]
                ev.setdefault("gdb_fail", []).append(f"{script}: {why}" + (
                    f" [{fails[0]}]" if fails else ""))
            else:
                ev.setdefault("gdb_ok", []).append(
                    f"{script}: {checks} checks in {time.monotonic() - t1:.1f}s")

        def scripter():
            # the scripted console: expect/send steps in order; a missed expect kills QEMU
            for kind, what, limit_s in steps:
                if kind == "pause":
                    time.sleep(limit_s)
                    continue
                if kind in ("gdb", "host"):
                    run_gdb(what, limit_s, kind)
                    continue
                if kind == "gdb&":
                    bg = threading.Thread(target=run_gdb, args=(what, limit_s, kind), daemon=True)
                    bg.start()
                    background.append(bg)
                    continue
                if kind == "flag":
                    open(os.path.join(flags, what), "w").close()
                    log.write(f"{time.monotonic() - t0:7.2f} RUNNER: flag {what}\n")
                    continue
                if kind == "await":
                    t1 = time.monotonic()
                    while not os.path.exists(os.path.join(flags, what)):
                        if time.monotonic() - t1 > limit_s or p.poll() is not None:
                            ev["script"] = f"await {what}: no script created it within {limit_s}s"
                            return
                        time.sleep(0.2)
                    log.write(f"{time.monotonic() - t0:7.2f} RUNNER: await {what} done after "
                              f"{time.monotonic() - t1:.2f}s\n")
                    continue
                if kind == "wait":
                    for bg in background:
                        bg.join(timeout=limit_s)
                    continue
                if kind == "send":
                    log.write(f"{time.monotonic() - t0:7.2f} RUNNER: send {what!r}\n")
                    try:
                        p.stdin.write(what)
                        p.stdin.flush()
                    except OSError as e:
                        ev["script"] = f"send {what!r} failed: {e}"
                        return
                    continue
                t1 = time.monotonic()
                while True:
                    with lock:
                        # normalized here, not per chunk: an escape sequence or a CR LF may
                        # be split between two reads
                        seen[0] = CSI.sub("", seen[0].replace("\r\n", "\n"))
                        if not seen[0].endswith("\r"):
                            seen[0] = seen[0].replace("\r", "\n")
                        m = what.search(seen[0])
                        if m:
                            seen[0] = seen[0][m.end():]
                            variables.update({k: v for k, v in m.groupdict().items() if v})
                    if m:
                        el = time.monotonic() - t0
                        log.write(f"{el:7.2f} RUNNER: expect /{what.pattern}/ matched after "
                                  f"{el - (t1 - t0):.2f}s: {m.group(0)!r}\n")
                        break
                    if p.poll() is not None:
                        ev["script"] = f"expect /{what.pattern}/: QEMU exited first"
                        return
                    if time.monotonic() - t1 > limit_s:
                        ev["script"] = f"expect /{what.pattern}/ not seen within {limit_s}s"
                        ev["stall"] = True
                        log.write(f"RUNNER: {ev['script']}: the test host's task states "
                                  f"(sysrq t), then killing QEMU\n")
                        sysrq_dump(p, log)
                        os.killpg(p.pid, signal.SIGKILL)
                        return
                    time.sleep(0.05)
        th = threading.Thread(target=reader, daemon=True)
        th.start()
        sc = None
        if steps:
            sc = threading.Thread(target=scripter, daemon=True)
            sc.start()
        try:
            p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            ev["timeout"] = True
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
        if sc:
            sc.join(timeout=GDB_TIMEOUT + 10 if port else 5)
        for bg in background:
            bg.join(timeout=GDB_TIMEOUT + 10)
        shutil.rmtree(flags, ignore_errors=True)
        th.join(timeout=5)
        total = time.monotonic() - t0
        log.write(f"RUNNER: qemu rc={p.returncode} total={total:.1f}s"
                  + (" KILLED after timeout" if ev.get("timeout") else "") + "\n")

    timing = f"{total:.1f}s, host init at {ev['init']:.1f}s" if "init" in ev else f"{total:.1f}s"
    if "script" in ev and not (ev.get("result") or ("", "", 0))[0] == "FAIL":
        passed, detail = False, "scripted console: " + ev["script"]
    elif "result" in ev:
        verdict, reason, _ = ev["result"]
        passed = verdict == "PASS"
        detail = reason
        ngdb = sum(1 for kind, _, _ in tags["steps"] if kind in ("gdb", "host", "gdb&"))
        if len(ev.get("gdb_ok", [])) + len(ev.get("gdb_fail", [])) < ngdb:
            ev.setdefault("gdb_fail", []).append(
                f"only {len(ev.get('gdb_ok', []))} of {ngdb} gdb scripts ran to the end")
        if ev.get("gdb_fail"):
            passed, detail = False, "gdb: " + "; ".join(ev["gdb_fail"]) + (
                f" (scenario: {verdict} {reason})")
        elif ev.get("gdb_ok"):
            detail = (detail + " " if detail else "") + "gdb: " + "; ".join(ev["gdb_ok"])
    elif ev.get("timeout"):
        passed, detail = False, f"no SCENARIO-RESULT, QEMU killed after {timeout}s"
    else:
        passed, detail = False, f"no SCENARIO-RESULT, QEMU exited with {p.returncode}"
    if tags.get("sanitize") and "result" in ev:
        # a report fails the run whatever the scenario said (e.g. one expecting brkvm to fail)
        san_ok, san_detail = san_verdict(tags, lines)
        if not san_ok:
            passed = False
            with open(logpath, "a") as log:
                log.write("RUNNER: " + san_detail + "\n")
        detail = (san_detail + "; " + detail) if detail else san_detail
    kvm = ev.get("kvm", "")
    gic = ev.get("gic", "")
    if passed and MODES[mode][2] not in kvm and scenario != "shell":
        passed, detail = False, f"KVM not in {mode} mode: {kvm or 'no HOST-KVM line'}"
    elif passed and f"HOST-GIC {MODES[mode][3]}" not in gic and scenario != "shell":
        passed, detail = False, f"test host's GIC is not {MODES[mode][3]}: {gic or 'no HOST-GIC line'}"
    # a stall: the console stopped where the scenario waited (an expect that timed out, the
    # whole run's limit) or run_brkvm's watcher saw brkvm at its limit (HANG-REPORT)
    stalled = not passed and (ev.get("stall") or ev.get("timeout")
                              or any(l.startswith("HANG-REPORT") for l in lines))
    if not passed:
        detail += f"\n--- last {TAIL} lines of {logpath}:\n" + "\n".join(
            "    " + l for l in lines[-TAIL:])
    return passed, f"({timing}; log {os.path.relpath(logpath, TOP)})" + (
        f" {detail}" if detail else ""), stalled


def stall_excerpt(path, before=25, most=80):
    """what a stalled run's log says about the stall, for the CI output (the log files stay on the
    CI machine): the console's last lines before the runner gave up, then from the test host's
    task dump (sysrq t) or run_brkvm's HANG-REPORT the blocks of brkvm's threads"""
    try:
        with open(path, errors="replace") as f:
            lines = [l.rstrip("\n") for l in f]
    except OSError:
        return []
    cut = next((i for i, l in enumerate(lines) if l.startswith("RUNNER: expect") and "sysrq" in l),
               len(lines))
    out = lines[max(0, cut - before):cut]
    keep = False
    for l in lines[cut:]:
        m = re.search(r"\btask:(\S+)", l)
        if m:
            keep = re.match(r"(brkvm|vcpu\d+|virtio-|9p|gdb|lkvm|qemu)", m.group(1)) is not None
        elif "runnable tasks:" in l:
            keep = False
        if keep or "HANG-REPORT" in l:
            out.append(l)
    return out[:most]


def sysrq_dump(p, log):
    """ask the test host's kernel for every task's state and kernel stack (a break on the serial
    line, QEMU -nographic's Ctrl-A b, then sysrq 't'; the test host's init allows sysrq) and give
    it a few seconds to print them into the log"""
    try:
        p.stdin.write(b"\x01b")
        p.stdin.flush()
        time.sleep(0.3)
        p.stdin.write(b"t")
        p.stdin.flush()
    except (OSError, ValueError, AttributeError, TypeError) as e:
        log.write(f"RUNNER: sysrq: {e}\n")
        return
    time.sleep(5)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scenario", help="scenario to run (tests/nested/scenarios/NAME.sh)")
    ap.add_argument("--all", action="store_true", help="run every non-interactive scenario")
    ap.add_argument("--only", help="comma-separated scenarios for --all")
    ap.add_argument("--mode", choices=list(MODES), help="test-host mode (default: vhe; with --all: each scenario's modes)")
    ap.add_argument("--modes", help="comma-separated modes for --all: only these of each scenario's modes")
    ap.add_argument("--timeout", type=int, default=0,
                    help="QEMU wall-clock limit per boot in s (default max(180, scenario timeout + 60))")
    ap.add_argument("--gdb-port", type=int, default=0,
                    help="forward 127.0.0.1:PORT to the test host's port 1234 (virtio-net, eth0 10.0.2.15)")
    ap.add_argument("--append", default="", help="extra test-host kernel command line")
    ap.add_argument("--no-retry", action="store_true",
                    help="a run that stalls fails at once (default: it is run once more)")
    ap.add_argument("--interactive", action="store_true", help="give the console to the user")
    ap.add_argument("--brkvm", help="brkvm binary for the initramfs (default build/cross/brkvm)")
    ap.add_argument("--guests", help="test-guest directory (default build/cross/tests/guests)")
    ap.add_argument("--no-build", action="store_true", help="do not rebuild the initramfs images")
    ap.add_argument("--sanitize", choices=list(SAN_INITRD),
                    help="run with the sanitized brkvm (asan: ASan+UBSan, asan-lsan: and LSan, "
                         "tsan: ThreadSanitizer; "
                         "tests/nested/sanbrkvm.sh), any report fails the run")
    ap.add_argument("-v", "--verbose", action="store_true", help="echo the console while running")
    args = ap.parse_args()

    if not args.no_build:
        env = dict(os.environ)
        if args.brkvm:
            env["BRKVM"] = os.path.abspath(args.brkvm)
        if args.guests:
            env["GUESTS"] = os.path.abspath(args.guests)
        r = subprocess.run([os.path.join(HERE, "mkinitramfs.sh")], env=env)
        if r.returncode:
            print("runner: mkinitramfs.sh failed", file=sys.stderr)
            return 2

    if args.all:
        names = args.only.split(",") if args.only else [
            s for s in list_scenarios()
            if not scenario_tags(s)["interactive"] and not scenario_tags(s)["manual"]]
        want = args.modes.split(",") if args.modes else ([args.mode] if args.mode else None)
    elif args.scenario:
        names, want = [args.scenario], [args.mode or "vhe"]
    else:
        ap.error("need --scenario NAME or --all")
    for n in names:
        if not os.path.exists(os.path.join(SCEN_DIR, n + ".sh")):
            ap.error(f"no scenario {n} in {SCEN_DIR}")
    for m in (want or []):
        if m not in MODES:
            ap.error(f"unknown mode {m} (known: {', '.join(MODES)})")
    runs = []
    for n in names:
        own = scenario_tags(n)["modes"]
        for m in own:
            if m not in MODES:
                ap.error(f"scenario {n}: unknown mode {m} in its '# modes:' line")
        if args.scenario:
            runs += [(n, m) for m in want]      # one named scenario: the mode asked for
        else:
            runs += [(n, m) for m in own if want is None or m in want]

    if args.interactive:
        return run_interactive(args, runs[0][0], runs[0][1])

    npass = nfail = nrec = nretried = 0
    for n, m in runs:
        try:
            passed, detail, stalled = run_one(args, n, m)
            if stalled and not args.no_retry:
                # A rare stall of the nested test host (about 1 run in 100, VHE: the guest
                # stops making progress while brkvm waits for it; tests/nested/README.md,
                # "Stalls") gets one more run; both results are printed, the first's log kept
                first = detail.split("\n")[0]
                log1 = log_path(args, n, m)
                if os.path.exists(log1):
                    os.replace(log1, log1[:-4] + ".stall1.log")
                print(f"STALL {n} [{m}] {first}; first run's log kept as "
                      f"{os.path.relpath(log1[:-4] + '.stall1.log', TOP)}; running it again",
                      flush=True)
                for line in stall_excerpt(log1[:-4] + ".stall1.log"):
                    print("  | " + line, flush=True)
                passed, detail, _ = run_one(args, n, m)
                nretried += passed
                if passed:
                    detail += " (on a second run, after a stall)"
        except RuntimeError as e:     # a part of its test host or its gdb could not be built
            passed, detail = False, str(e)
        # a recording (peer-*, bench-*) measures and asserts nothing: it is not a passed test
        # (but a recording that could not run is a failure)
        rec = passed and scenario_tags(n)["recording"]
        print(f"{'REC' if rec else 'PASS' if passed else 'FAIL'} {n} [{m}] {detail}", flush=True)
        nrec += rec
        npass += passed and not rec
        nfail += not passed
    if nretried:
        print(f"{nretried} of the passed runs passed only on a second run, after a stall of "
              f"the first (STALL lines above)", flush=True)
    if nrec:
        print(f"{nrec} recorded (measurements that assert nothing: not counted as tests)",
              flush=True)
    print(f"{npass} passed, {nfail} failed", flush=True)
    return 0 if nfail == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
