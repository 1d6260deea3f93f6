#!/usr/bin/env python3
"""runner.py - boot the nested test host (Debian's arm64 kernel under qemu-system-aarch64 with
EL2, so KVM works inside) once per scenario and collect SCENARIO-RESULT lines.

  runner.py --scenario kvmcheck --mode vhe       one boot
  runner.py --all [--only a,b] [--modes vhe]     every scenario in both modes, one boot at a time
  runner.py --scenario shell --interactive       the console is yours (QEMU: Ctrl-A x quits)

Scenario files (tests/nested/scenarios/NAME.sh) may carry header tags:
  # timeout: SECONDS   limit for the scenario inside the test host (default 120)
  # interactive        needs a user at the console: skipped by --all
Logs: build/nested/logs/NAME-MODE.log (console lines with host-side timestamps).
Exit code 0 iff no scenario failed.
"""
import argparse
import os
import re
import signal
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.normpath(os.path.join(HERE, "..", ".."))
OUT = os.path.join(TOP, "build", "nested")
SCEN_DIR = os.path.join(HERE, "scenarios")
CPUS = {"vhe": "max,pauth-impdef=on", "nvhe": "cortex-a72"}
KVM_MODE_LINE = {"vhe": "VHE mode initialized", "nvhe": "Hyp mode initialized"}
DEFAULT_SCENARIO_TIMEOUT = 120
BOOT_MARGIN = 60            # seconds for the test host's boot and power-off around the scenario
TAIL = 30


def scenario_tags(name):
    tags = {"timeout": DEFAULT_SCENARIO_TIMEOUT, "interactive": False}
    path = os.path.join(SCEN_DIR, name + ".sh")
    with open(path) as f:
        for line in f:
            if not line.startswith("#"):
                break
            m = re.match(r"#\s*timeout:\s*(\d+)", line)
            if m:
                tags["timeout"] = int(m.group(1))
            if re.match(r"#\s*interactive\b", line):
                tags["interactive"] = True
    return tags


def list_scenarios():
    return sorted(f[:-3] for f in os.listdir(SCEN_DIR)
                  if f.endswith(".sh") and f != "lib.sh")


def qemu_cmd(args, scenario, mode, limit):
    append = f"console=ttyAMA0 panic=-1 scenario={scenario} scenario.timeout={limit}"
    cmd = ["qemu-system-aarch64",
           "-M", "virt,virtualization=on,gic-version=3", "-cpu", CPUS[mode],
           "-smp", "2", "-m", "1024", "-nographic", "-no-reboot",
           "-kernel", os.path.join(OUT, "vmlinuz"),
           "-initrd", os.path.join(OUT, "host-initramfs.cpio")]
    if args.gdb_port:
        append += " host.net=1"
        cmd += ["-netdev", f"user,id=n0,hostfwd=tcp:127.0.0.1:{args.gdb_port}-:1234",
                "-device", "virtio-net-device,netdev=n0"]
    if args.append:
        append += " " + args.append
    return cmd + ["-append", append]


def run_interactive(args, scenario, mode):
    cmd = qemu_cmd(args, scenario, mode, 0)
    print("runner: QEMU console follows; Ctrl-A x quits QEMU", flush=True)
    return subprocess.call(cmd)


def run_one(args, scenario, mode):
    """Boot once; return (passed, detail) after writing the console to the log file."""
    tags = scenario_tags(scenario)
    limit = tags["timeout"]
    timeout = args.timeout or max(180, limit + BOOT_MARGIN)
    os.makedirs(os.path.join(OUT, "logs"), exist_ok=True)
    logpath = os.path.join(OUT, "logs", f"{scenario}-{mode}.log")
    cmd = qemu_cmd(args, scenario, mode, limit)
    t0 = time.monotonic()
    ev = {}
    lines = []
    with open(logpath, "w") as log:
        log.write("QEMU: " + " ".join(f"'{c}'" if " " in c else c for c in cmd) + "\n")
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, start_new_session=True)

        def reader():
            for raw in p.stdout:
                line = raw.decode(errors="replace").rstrip("\r\n")
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
                m = re.search(r"SCENARIO-RESULT (\S+) (PASS|FAIL)(.*)", line)
                if m and "result" not in ev:
                    ev["result"] = (m.group(2), m.group(3).strip(), el)
        th = threading.Thread(target=reader, daemon=True)
        th.start()
        try:
            p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            ev["timeout"] = True
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
        th.join(timeout=5)
        total = time.monotonic() - t0
        log.write(f"RUNNER: qemu rc={p.returncode} total={total:.1f}s"
                  + (" KILLED after timeout" if ev.get("timeout") else "") + "\n")

    timing = f"{total:.1f}s, host init at {ev['init']:.1f}s" if "init" in ev else f"{total:.1f}s"
    if "result" in ev:
        verdict, reason, _ = ev["result"]
        passed = verdict == "PASS"
        detail = reason
    elif ev.get("timeout"):
        passed, detail = False, f"no SCENARIO-RESULT, QEMU killed after {timeout}s"
    else:
        passed, detail = False, f"no SCENARIO-RESULT, QEMU exited with {p.returncode}"
    kvm = ev.get("kvm", "")
    if passed and KVM_MODE_LINE[mode] not in kvm and scenario != "shell":
        passed, detail = False, f"KVM not in {mode} mode: {kvm or 'no HOST-KVM line'}"
    if not passed:
        detail += f"\n--- last {TAIL} lines of {logpath}:\n" + "\n".join(
            "    " + l for l in lines[-TAIL:])
    return passed, f"({timing}; log {os.path.relpath(logpath, TOP)})" + (
        f" {detail}" if detail else "")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scenario", help="scenario to run (tests/nested/scenarios/NAME.sh)")
    ap.add_argument("--all", action="store_true", help="run every non-interactive scenario")
    ap.add_argument("--only", help="comma-separated scenarios for --all")
    ap.add_argument("--mode", choices=["vhe", "nvhe"], help="KVM mode of the test host (default: vhe; both with --all)")
    ap.add_argument("--modes", help="comma-separated modes for --all (default vhe,nvhe)")
    ap.add_argument("--timeout", type=int, default=0,
                    help="QEMU wall-clock limit per boot in s (default max(180, scenario timeout + 60))")
    ap.add_argument("--gdb-port", type=int, default=0,
                    help="forward 127.0.0.1:PORT to the test host's port 1234 (virtio-net, eth0 10.0.2.15)")
    ap.add_argument("--append", default="", help="extra test-host kernel command line")
    ap.add_argument("--interactive", action="store_true", help="give the console to the user")
    ap.add_argument("--brkvm", help="brkvm binary for the initramfs (default build/cross/brkvm)")
    ap.add_argument("--guests", help="test-guest directory (default build/cross/tests/guests)")
    ap.add_argument("--no-build", action="store_true", help="do not rebuild the initramfs images")
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
            s for s in list_scenarios() if not scenario_tags(s)["interactive"]]
        modes = args.modes.split(",") if args.modes else ([args.mode] if args.mode else ["vhe", "nvhe"])
    elif args.scenario:
        names, modes = [args.scenario], [args.mode or "vhe"]
    else:
        ap.error("need --scenario NAME or --all")
    for n in names:
        if not os.path.exists(os.path.join(SCEN_DIR, n + ".sh")):
            ap.error(f"no scenario {n} in {SCEN_DIR}")
    for m in modes:
        if m not in CPUS:
            ap.error(f"unknown mode {m}")

    if args.interactive:
        return run_interactive(args, names[0], modes[0])

    npass = nfail = 0
    for n in names:
        for m in modes:
            passed, detail = run_one(args, n, m)
            print(f"{'PASS' if passed else 'FAIL'} {n} [{m}] {detail}", flush=True)
            npass += passed
            nfail += not passed
    print(f"{npass} passed, {nfail} failed", flush=True)
    return 0 if nfail == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
