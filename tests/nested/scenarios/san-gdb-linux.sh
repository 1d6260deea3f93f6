# san-gdb-linux - gdb-linux (Linux with 2 vCPUs, gdb attached while it runs, a breakpoint hit from
# userspace, both threads, detach) with the ASan+UBSan+LSan brkvm (tests/nested/sanbrkvm.sh):
# runner.py runs gdb-linux's script and steps with host.sanitize=asan-lsan; any sanitizer report
# fails the run.
# sanitize: asan-lsan gdb-linux
# modes: vhe
. /scenarios/lib.sh
fail "san-gdb-linux runs as gdb-linux with host.sanitize=asan-lsan (runner.py), not by itself"
