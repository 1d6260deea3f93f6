# tsan-gdb-linux - gdb-linux (Linux with 2 vCPUs, gdb attached while it runs, a breakpoint hit
# from userspace, both threads, detach: the stub thread and two vCPU threads in the all-stop
# protocol) with the ThreadSanitizer brkvm (tests/nested/tsanbrkvm.sh): runner.py runs gdb-linux's
# script and steps with host.sanitize=tsan; any race report fails the run.
# sanitize: tsan gdb-linux
# modes: vhe
. /scenarios/lib.sh
fail "tsan-gdb-linux runs as gdb-linux with host.sanitize=tsan (runner.py), not by itself"
