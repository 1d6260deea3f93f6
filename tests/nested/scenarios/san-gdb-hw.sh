# san-gdb-hw - gdb-hw (6 hardware breakpoints, the 7th refused, watch/rwatch/awatch) with the
# ASan+UBSan brkvm (tests/nested/sanbrkvm.sh): runner.py runs gdb-hw's script and steps with
# host.sanitize=asan; any sanitizer report fails the run.
# sanitize: asan gdb-hw
# modes: vhe
. /scenarios/lib.sh
fail "san-gdb-hw runs as gdb-hw with host.sanitize=asan (runner.py), not by itself"
