#!/bin/bash
# stub.sh - issue 11's bench: brkvm next to Debian's QEMU (-enable-kvm -s inside the test host)
# with the same host gdb-multiarch client on the same guests, in ONE test-host boot (scenario
# bench-stub, gdb/stub_bench.py): VMM sessions alternate, the table gives the medians of each
# VMM's windows [min-max] and the ratio brkvm/QEMU.  Rows (method: the scenario's and the gdb
# script's headers):
#   1  `break work if counter == -1` hits/s (evaluated by gdb; and with `set breakpoint
#      condition-evaluation target`: n/a with gdb's warning while the stub cannot)
#   2  `dprintf work,"%d\n",counter` hits/s, dprintf-style gdb and agent (agent: n/a + reason)
#   3  plain breakpoint hit + continue, hits/s
#   4  stop latency (guest at the breakpoint -> gdb printed the stop), ms: through a
#      timestamping relay between gdb and the stub (gdb/stub_proxy.py), per hit-and-continue
#      cycle a = resume packet out -> stop reply in, rtt = the next request's round trip,
#      b = stop reply in -> gdb's `continue` returned; latency = a - rtt/2 + b (an upper bound:
#      it keeps the guest's few instructions from resume to the breakpoint)
#   5  `dump binary memory` MB/s
#   6  the guest's own `brk` (its vector skips it) per second: gdb attached with a breakpoint
#      elsewhere (brk/s over a window gdb times, counter read before/after), and no debugger
#   7  `stepi 200` steps/s; with the guest's timer interrupt pending, steps that land in its
#      IRQ vector (of 100)
#   8  VMM start -> the guest's first UART byte (firstbyte guest), and -> Linux's /init
#   9  the VMM's RSS beyond guest RAM at Linux's /init (VmRSS - the RAM mapping's Rss), 1 and 4
#      vCPUs (and the guest RAM touched, for reference)
#   and gdb packets per event, KVM exits per event as exits/uexits: exits = kvm:kvm_exit events
#   (every guest exit), uexits = kvm:kvm_userspace_exit (every KVM_RUN return to the VMM),
#   counted by tracefs hist triggers in the test host (rows 1, 3, 7: over 20 untimed events)
#   bench/stub.sh [--log FILE]     (--log: the table of an earlier run's log, no run)
# Environment: STUB_BENCH_WINDOW (seconds per timed window, default 3), STUB_BENCH_DUMP_MB (16),
# STUB_BENCH_STEPS (200), STUB_BENCH_STEPTIMER_N (100).  ~8 min with the defaults.
# A measurement, not a test: exits non-zero only when brkvm gave no figure.
set -euo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$TOP/bench/lib.sh"
bench_log_or_run stub bench-stub "$@"
[ "$BENCH_RC" = 0 ] || echo "stub: the test-host run failed (see $LOG)" >&2
grep -o -E '(STUB-BENCH|KVM-EXITS s=).*' "$LOG" | tr -d '\r' | python3 -c '
import statistics, sys
v, why, ev, xv, kx = {}, {}, [], {}, {}
for line in sys.stdin:
    f = line.split()
    if f[0] == "STUB-BENCH" and len(f) >= 4:
        if f[3] == "n/a":
            why.setdefault((f[1], f[2]), " ".join(f[4:]) or "no figure")
        else:
            try:
                v.setdefault((f[1], f[2]), []).append(float(f[3]))
            except ValueError:
                pass
    elif f[0] == "STUB-BENCH-EV" and len(f) == 7:
        ev.append(f[1:])
    elif f[0] == "STUB-BENCH-XV" and len(f) == 6:
        dx, du, n = int(f[3]), int(f[4]), int(f[5])
        if n > 0:
            xv.setdefault((f[1], f[2]), []).append((dx / n, du / n))
    elif f[0] == "KVM-EXITS" and len(f) == 5:
        kx[(f[1][2:], f[2])] = (int(f[3]), int(f[4]))
for s, vmm, row, m1, m2, n in ev:
    a, b = kx.get((s, m1)), kx.get((s, m2))
    if a and b and int(n) > 0:
        xv.setdefault((vmm, row), []).append(((b[0] - a[0]) / int(n), (b[1] - a[1]) / int(n)))
rows = (("cond", "1 break if never true, gdb evaluates (hits/s)"),
        ("cond-target", "1 the same, condition-evaluation target"),
        ("dprintf-gdb", "2 dprintf, dprintf-style gdb (hits/s)"),
        ("dprintf-agent", "2 dprintf, dprintf-style agent (hits/s)"),
        ("hit", "3 breakpoint hit + continue (hits/s)"),
        ("stop", "4 stop latency, a - rtt/2 + b (ms, less=better)"),
        ("stop-a", "4   a: resume out -> stop reply in (ms)"),
        ("stop-rtt", "4   rtt: a request round trip (ms)"),
        ("stop-b", "4   b: stop reply in -> stop printed (ms)"),
        ("dump", "5 dump binary memory (MB/s)"),
        ("brk-gdb", "6 guest brk, gdb attached (brk/s)"),
        ("brk-nodbg", "6 guest brk, no debugger (brk/s)"),
        ("stepi", "7 stepi 200 (steps/s)"),
        ("steptimer-invec", "7 stepi, timer IRQ pending: in vector of 100"),
        ("steptimer-rate", "7 stepi, timer IRQ pending (steps/s)"),
        ("first-insn", "8 start -> guest first UART byte (ms)"),
        ("init-c1", "8 start -> Linux /init, 1 vCPU (s)"),
        ("init-c4", "8 start -> Linux /init, 4 vCPUs (s)"),
        ("mem-c1", "9 RSS beyond guest RAM, 1 vCPU (MiB)"),
        ("mem-c4", "9 RSS beyond guest RAM, 4 vCPUs (MiB)"),
        ("ram-c1", "9   guest RAM resident at /init, 1 vCPU (MiB)"),
        ("ram-c4", "9   guest RAM resident at /init, 4 vCPUs (MiB)"),
        ("cond-pkts", "  packets gdb sent per hit, row 1"),
        ("hit-pkts", "  packets gdb sent per hit, row 3"),
        ("stepi-pkts", "  packets gdb sent per stepi"))
xrows = (("cond", "row 1, per hit"), ("hit", "row 3, per hit"), ("stepi", "row 7, per step"),
         ("brk-gdb", "row 6 gdb attached, per brk"), ("brk-nodbg", "row 6 no debugger, per brk"),
         ("first-insn", "row 8, whole firstbyte run"), ("init-c1", "row 8, to /init, 1 vCPU"),
         ("init-c4", "row 8, to /init, 4 vCPUs"))
def fmt(x):
    return f"{x:.0f}" if abs(x) >= 1000 else f"{x:.3g}"
def cell(xs):
    if not xs:
        return "n/a", None
    m = statistics.median(xs)
    return f"{fmt(m)} [{fmt(min(xs))}-{fmt(max(xs))}] n={len(xs)}", m
W = 52
print("| %-*s | %-28s | %-28s | brkvm/QEMU |" % (W, "row", "brkvm", "QEMU"))
print("|%s|%s|%s|------------|" % ("-" * (W + 2), "-" * 30, "-" * 30))
ok, notes = False, []
for key, title in rows:
    b, bm = cell(v.get(("brkvm", key), []))
    q, qm = cell(v.get(("qemu", key), []))
    for vmm, c in (("brkvm", bm), ("qemu", qm)):
        if c is None and (vmm, key) in why:
            notes.append(f"{vmm} {key}: " + why[(vmm, key)])
    ok = ok or (bm is not None and not key.endswith("-pkts"))
    r = f"{bm / qm:.2f}" if bm and qm else "-"
    print(f"| {title:<{W}} | {b:<28} | {q:<28} | {r:>10} |")
for key, title in xrows:
    cells, meds = [], []
    for vmm in ("brkvm", "qemu"):
        xs = xv.get((vmm, key), [])
        if xs:
            e, u = statistics.median(x[0] for x in xs), statistics.median(x[1] for x in xs)
            cells.append(f"{fmt(e)} / {fmt(u)} n={len(xs)}")
            meds.append(e)
        else:
            cells.append("n/a")
    r = f"{meds[0] / meds[1]:.2f}" if len(meds) == 2 and meds[1] else "-"
    t = "  exits/uexits, " + title
    print(f"| {t:<{W}} | {cells[0]:<28} | {cells[1]:<28} | {r:>10} |")
keys = {k for k, _ in rows}
notes += [f"{vmm} {key}: {w}" for (vmm, key), w in sorted(why.items()) if key not in keys]
print()
for n in notes:
    print("n/a:", n)
sys.exit(0 if ok else 1)
' || { echo "stub: brkvm gave no figure (see $LOG)" >&2; exit 1; }
