# san-gdb-step-timer - gdb-step-timer (1000 stepi with the guest's timer interrupt always pending)
# with the ASan+UBSan brkvm (tests/nested/sanbrkvm.sh): runner.py runs gdb-step-timer's script and
# steps with host.sanitize=asan; any sanitizer report fails the run.
# sanitize: asan gdb-step-timer
# modes: vhe
. /scenarios/lib.sh
fail "san-gdb-step-timer runs as gdb-step-timer with host.sanitize=asan (runner.py), not by itself"
