# gdb-hbreak-unmapped - a hardware breakpoint on a guest-virtual address that does not translate
# when it is set: the mmu guest at _start (MMU off), `hbreak *<high alias of hi_tick>` hits at
# its 5 calls once the guest has enabled its MMU, while a software breakpoint there is refused
# (Z0 error, gdb cannot insert `break *ADDR`).  The guest prints what it prints alone.
# timeout: 200
# expect: gdb stub listening on
# gdb: hbreak_unmapped.py
. /scenarios/lib.sh
WANT='GUEST-MMU ticks=0x0+5 var=0x0+1005 magic=0x0+1111 pc=0xffff000080080160'
run_brkvm /tmp/base run -k $GUESTS/mmu.elf -m 64M
expect_line /tmp/base "$WANT" ||
    fail "baseline run without gdb: $(grep -m1 -E 'GUEST-(MMU t|EXC)' /tmp/base | tr -d '\r')"
[ $RC = 0 ] || fail "baseline: brkvm exited $RC (want 0)"
BASE=$(grep -m1 'GUEST-MMU t' /tmp/base | tr -d '\r')
RUN_LIMIT=190
run_brkvm /tmp/out run -k $GUESTS/mmu.elf -m 64M --gdb 0.0.0.0:1234 --gdb-wait --loglevel debug
expect_line /tmp/out 'GUEST-EXCEPTION' && fail "$(grep -m1 GUEST-EXCEPTION /tmp/out | tr -d '\r')"
GOT=$(grep -m1 'GUEST-MMU t' /tmp/out | tr -d '\r')
[ "$GOT" = "$BASE" ] || fail "under gdb the guest printed '$GOT', alone '$BASE'"
[ $RC = 0 ] || fail "brkvm exited $RC (want 0)"
ok "hbreak on a not yet mapped VA hit after the guest's MMU came on"
