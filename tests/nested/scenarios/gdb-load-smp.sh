# gdb-load-smp - a stop storm on 4 vCPUs (issue 12, Load): the loadsmp guest's vCPUs all hit a
# software breakpoint, a hardware breakpoint and a watchpoint at once, ITERS1 times each; gdb
# (gdb/load_smp.py) counts every stop per (thread, kind) and compares with the guest's own
# counts: none lost, none doubled, each on its vCPU's thread; then ITERS2 more with
# target-evaluated conditions on the breakpoints: stops == the true hits, the false ones passed
# by brkvm.  bench-load-smp (bench/load-smp.sh) sources this file with 10 000 stops.
# timeout: 280
# modes: vhe
# expect: LOAD-SMP iters1=(?P<iters1>\d+) iters2=(?P<iters2>\d+)
# expect: gdb stub listening on
# gdb: load_smp.py
. /scenarios/lib.sh
ITERS1=${ITERS1:-84} ITERS2=${ITERS2:-50} LOAD_LIMIT=${LOAD_LIMIT:-260}
run_brkvm /tmp/base run -k $GUESTS/loadsmp.elf -m 64M -c 4
expect_line /tmp/base 'GUEST-LOADSMP cpus=4 sw=400 hw=400 wp=400' ||
    fail "the guest alone: $(grep -m1 GUEST- /tmp/base | tr -d '\r')"
# gdb/load_smp.py reads these (the expect groups) and writes them into the guest's iters[]
echo "LOAD-SMP iters1=$ITERS1 iters2=$ITERS2"
TOTAL=$((4 * (ITERS1 + ITERS2)))
RUN_LIMIT=$LOAD_LIMIT
run_brkvm /tmp/out run -k $GUESTS/loadsmp.elf -m 64M -c 4 --gdb 0.0.0.0:1234 --gdb-wait
expect_line /tmp/out "GUEST-LOADSMP cpus=4 sw=$TOTAL hw=$TOTAL wp=$TOTAL" ||
    fail "the guest did not finish its iterations: $(grep -m1 GUEST- /tmp/out | tr -d '\r')"
[ $RC = 0 ] || fail "brkvm exited $RC (want 0)"
ok "4 vCPUs: $((12 * ITERS1)) stops, then $((8 * ITERS2)) breakpoint hits with target conditions"
