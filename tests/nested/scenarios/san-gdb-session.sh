# san-gdb-session - gdb-session (attach to a running guest, detach with a breakpoint inserted,
# reattach, a refused third client, Ctrl-C, kill) with the ASan+UBSan+LSan brkvm
# (tests/nested/sanbrkvm.sh): runner.py runs gdb-session's script and steps with
# host.sanitize=asan-lsan; any sanitizer report fails the run.
# sanitize: asan-lsan gdb-session
# modes: vhe
. /scenarios/lib.sh
fail "san-gdb-session runs as gdb-session with host.sanitize=asan-lsan (runner.py), not by itself"
