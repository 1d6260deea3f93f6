# bench-load-smp - gdb-load-smp's stop storm at full size (bench/load-smp.sh): 834 iterations of
# the three kinds on 4 vCPUs = 10 008 stops, none lost, doubled or on a wrong thread, then 250
# iterations with target-evaluated conditions (1 452 stops, 1 548 false hits passed by brkvm).
# 141 s in the test host at 88 stops/s on a quiet machine (25-36 stops/s under other agents'
# load: 5-7 min): too long for CI, which runs gdb-load-smp with 1 008 stops.
# manual
# timeout: 620
# modes: vhe
# expect: LOAD-SMP iters1=(?P<iters1>\d+) iters2=(?P<iters2>\d+)
# expect: gdb stub listening on
# gdb(580): load_smp.py
ITERS1=834 ITERS2=250 LOAD_LIMIT=600
. /scenarios/gdb-load-smp.sh
