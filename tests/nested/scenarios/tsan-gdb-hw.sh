# tsan-gdb-hw - gdb-hw (6 hardware breakpoints, the 7th refused, watch/rwatch/awatch, and the exit
# packet after the guest ends) with the ThreadSanitizer brkvm (tests/nested/tsanbrkvm.sh):
# runner.py runs gdb-hw's script and steps with host.sanitize=tsan; any race report fails the run.
# sanitize: tsan gdb-hw
# modes: vhe
. /scenarios/lib.sh
fail "tsan-gdb-hw runs as gdb-hw with host.sanitize=tsan (runner.py), not by itself"
