# bench-soak - bench/soak.sh (issue 12, "Resources"): Debian's kernel under brkvm (2 vCPUs, the
# gdbloop guest: getpid() about once a second and two busy loops) for SOAK_MINUTES of uptime
# with a debugger attaching every SOAK_INTERVAL seconds (gdb/soak.py, on this machine's
# gdb-multiarch: connect, break on the getpid handler, continue to it, bt, x/4i, info threads,
# delete, detach; at the end `kill`).  Inside the test host, brkvm's open fds, threads
# and its RSS beyond guest RAM (VmRSS minus the RAM mapping's Rss) are
# sampled every 5 s from /proc; samples with no client connected (one socket: the listening
# one) are compared: the first after the first session against the last.  Passes when fds and
# threads are equal and the RSS beyond guest RAM grew less than 1 MiB.  Prints SOAK-ROW lines for bench/soak.sh.
# SOAK_MINUTES/SOAK_INTERVAL reach only the gdb script (the runner passes its environment);
# the test host's limit (timeout) below allows up to 110 minutes.
# manual
# modes: vhe
# timeout: 7000
# expect(170): GUEST-SYM __arm64_sys_getpid=(?P<getpid>[0-9a-f]{16})
# expect: GUEST-READY
# gdb(6900): soak.py
. /scenarios/lib.sh
cd /tmp
brkvm run -k $L2_IMAGE -i $L2_INITRD -c 2 -m 256M --gdb 0.0.0.0:1234 \
    -p "console=ttyS0 earlycon=uart8250,mmio,0x1000000 panic=-1 nokaslr brkvm.test=gdbloop" \
    </dev/null >/tmp/out 2>&1 &
pid=$!
tail -f /tmp/out &
tailpid=$!
t0=$(cut -d' ' -f1 /proc/uptime)
: > /tmp/samples
while [ -d /proc/$pid ]; do
    fds=$(ls /proc/$pid/fd 2>/dev/null | wc -l)
    socks=$(ls -l /proc/$pid/fd 2>/dev/null | grep -c 'socket:')
    thr=$(sed -n 's/^Threads:[[:space:]]*//p' /proc/$pid/status 2>/dev/null)
    vmrss=$(sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\).*/\1/p' /proc/$pid/status 2>/dev/null)
    # the guest RAM (the smallest mapping of at least 256 MiB) grows as the guest uses memory:
    # brkvm's own memory is VmRSS minus that mapping's Rss
    ramrss=$(awk '/^Size:/ { c = $2 >= 262144 && (best == "" || $2 < best); if (c) best = $2 }
                  /^Rss:/ && c { r = $2 } END { print r + 0 }' /proc/$pid/smaps 2>/dev/null)
    now=$(cut -d' ' -f1 /proc/uptime)
    [ -n "$vmrss" ] && echo "$now $fds $socks $thr $((vmrss - ramrss)) $ramrss" >> /tmp/samples
    sleep 5
done
wait $pid; rc=$?
sleep 1; kill $tailpid 2>/dev/null
echo "brkvm exited $rc after $(awk -v a=$t0 -v b=$(cut -d' ' -f1 /proc/uptime) 'BEGIN{printf "%.0f", b-a}') s"
# t fds sockets threads rss_kB (beyond guest RAM) ram_rss_kB; idle = no client (the listening socket only)
awk -v t0=$t0 '
    $3 > 1 { seen = 1 }
    $3 == 1 && seen && !base { base = $0; bt = $1; bf = $2; bth = $4; br = $5 }
    $3 == 1 { last = $0; lt = $1; lf = $2; lth = $4; lr = $5 }
    { n++; if ($3 > 1) busy++;
      m = int(($1 - t0) / 60); if (!(m in row)) { row[m] = $0; order[++k] = m } }
    END {
        for (i = 1; i <= k; i++) { split(row[order[i]], f, " ");
            printf "SOAK-ROW minute=%d fds=%d sockets=%d threads=%d rss_kb=%d guest_ram_kb=%d\n", order[i], f[2], f[3], f[4], f[5], f[6] }
        printf "SOAK-SUMMARY samples=%d with_client=%d base_t=%.0f base_fds=%d base_threads=%d base_rss_kb=%d last_t=%.0f last_fds=%d last_threads=%d last_rss_kb=%d\n",
            n, busy, bt - t0, bf, bth, br, lt - t0, lf, lth, lr
    }' /tmp/samples | tee /tmp/summary
S=$(grep SOAK-SUMMARY /tmp/summary)
val() { echo "$S" | sed -n "s/.* $1=\([0-9]*\).*/\1/p"; }
[ "$(val with_client)" -ge 2 ] 2>/dev/null || fail "the debugger was seen connected in $(val with_client) samples (want several sessions)"
[ "$(val base_rss_kb)" -gt 0 ] 2>/dev/null || fail "no sample without a client after the first session"
[ "$(val base_fds)" = "$(val last_fds)" ] || fail "open fds grew: $(val base_fds) -> $(val last_fds)"
[ "$(val base_threads)" = "$(val last_threads)" ] || fail "threads grew: $(val base_threads) -> $(val last_threads)"
grow=$(( $(val last_rss_kb) - $(val base_rss_kb) ))
[ $grow -lt 1024 ] || fail "RSS beyond guest RAM grew $grow kB (want < 1024) between $(val base_t) s and $(val last_t) s"
grep -q -E 'Internal error|Oops|BUG:|Unable to handle' /tmp/out && fail "guest kernel error: $(grep -m1 -E 'Internal error|Oops|BUG:|Unable to handle' /tmp/out)"
[ $rc = 0 ] || fail "brkvm exited $rc (want 0 after gdb's kill)"
ok "soak: fds $(val base_fds) -> $(val last_fds), threads $(val base_threads) -> $(val last_threads), RSS beyond guest RAM $(val base_rss_kb) -> $(val last_rss_kb) kB from $(val base_t) s to $(val last_t) s"
