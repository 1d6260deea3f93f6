# gdb-mmuflip - gdb and a guest that turns its MMU on and off, maps and unmaps an alias of RAM and
# rewrites a breakpointed instruction every round (tests/guests/mmuflip.c, gdb/mmuflip.py):
# breakpoints set, deleted and set again across the switches, every stop's answers (registers,
# variables, the original bytes under a breakpoint, the guest's rewritten word, reads through the
# alias) checked against the guest's state; the guest's sum over its rewritten function must be
# the same as without gdb (no stale instruction put back by a breakpoint's removal).
# modes: vhe
# timeout: 200
# expect: gdb stub listening on
# gdb: mmuflip.py
. /scenarios/lib.sh
run_brkvm /tmp/base run -k $GUESTS/mmuflip.elf -m 64M
expect_line /tmp/base 'GUEST-EXCEPTION' && fail "baseline: $(grep -m1 GUEST-EXCEPTION /tmp/base | tr -d '\r')"
expect_line /tmp/base '^GUEST-MMUFLIP rounds=24 hits=24 patch_sum=48' ||
    fail "baseline run without gdb: $(grep -m1 -E 'GUEST-MMUFLIP r' /tmp/base | tr -d '\r')"
[ $RC = 0 ] || fail "baseline: brkvm exited $RC (want 0)"
RUN_LIMIT=190
run_brkvm /tmp/out run -k $GUESTS/mmuflip.elf -m 64M --gdb 0.0.0.0:1234 --gdb-wait
expect_line /tmp/out 'GUEST-EXCEPTION' && fail "$(grep -m1 GUEST-EXCEPTION /tmp/out | tr -d '\r')"
expect_line /tmp/out '^GUEST-MMUFLIP rounds=24 hits=24 patch_sum=48' ||
    fail "under gdb: $(grep -m1 'GUEST-MMUFLIP r' /tmp/out | tr -d '\r') (want rounds=24 hits=24 patch_sum=48)"
[ $RC = 0 ] || fail "brkvm exited $RC (want 0)"
ok "the guest's rounds, hits and rewritten code are the same under gdb"
