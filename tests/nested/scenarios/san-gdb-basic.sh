# san-gdb-basic - gdb-basic (software breakpoints, register and memory writes, stepi, finish) with
# the ASan+UBSan brkvm (tests/nested/sanbrkvm.sh): runner.py runs gdb-basic's script and steps
# with host.sanitize=asan; any sanitizer report fails the run.
# sanitize: asan gdb-basic
# modes: vhe
. /scenarios/lib.sh
fail "san-gdb-basic runs as gdb-basic with host.sanitize=asan (runner.py), not by itself"
