# gdb-kill-anywhere - kill-anywhere detach safety (issue 12): gdb-multiarch SIGKILLed at 100
# random points of random sessions (gdb/kill_anywhere.py driving gdb/killany_session.py:
# break, hbreak, watch/rwatch/awatch, delete, stepi, continue, set var, x28/pc/cpsr/sp writes,
# code words rewritten with their own values, always-inserted on or off) against the killany
# guest (tests/guests/killany.c), which arms its own hardware breakpoints and watchpoints and
# MDSCR_EL1, checksums its own text and watches its clock on every loop.  Each next attach
# (a fresh gdb) must find brkvm holding none of gdb's breakpoints or slots and the guest's own
# report clean; the last one reads the code back through the stub and kills brkvm.
# Seed: BRKVM_KA_SEED=N in the runner's environment replays a run (KA-SEED in the log).
# modes: vhe
# timeout: 450
# expect: gdb stub listening on
# expect: GUEST-KA-START text_sum=(?P<text_sum>0x[0-9a-f]+)
# host(420): kill_anywhere.py
. /scenarios/lib.sh
RUN_LIMIT=430
run_brkvm /tmp/out run -k $GUESTS/killany.elf -m 64M --gdb 0.0.0.0:1234 --loglevel info
expect_line /tmp/out 'GUEST-EXCEPTION' && fail "the guest crashed: $(grep -m1 GUEST-EXCEPTION /tmp/out | tr -d '\r')"
expect_line /tmp/out 'killed from the debugger' || fail "the final gdb's kill did not end brkvm (exit $RC)"
[ "$RC" = 0 ] || fail "brkvm exited $RC (want 0)"
CLOSED=$(grep -c 'debugger connection closed' /tmp/out)
CLEAN=$(grep -c 'GUEST-KA loops=[0-9]* text=ok dbg=ok mdscr=ok bp=ok wp=ok clock=ok streak=64 ' /tmp/out)
echo "brkvm saw $CLOSED connections closed; the guest reported $CLEAN clean runs of 64 loops"
ok "brkvm survived the kills, the final gdb killed it (exit 0)"
