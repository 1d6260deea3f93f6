# gdb-mmu - gdb and a guest that enables its own MMU (tests/guests/mmu.S: identity map in TTBR0,
# a higher-half alias of its image in TTBR1): a breakpoint set by physical address with the MMU
# off hits at the high alias, memory and breakpoints through the alias, an unmapped VA,
# physical-address mode, page-crossing reads.  The guest's output shows gdb's write.
# timeout: 200
# expect: gdb stub listening on
# gdb: mmu.py
. /scenarios/lib.sh
# baseline: the guest alone
run_brkvm /tmp/base run -k $GUESTS/mmu.elf -m 64M
expect_line /tmp/base 'GUEST-MMU ticks=0x0+5 var=0x0+1005 magic=0x0+1111 pc=0xffff000080080160' ||
    fail "baseline run without gdb: $(grep -m1 -E 'GUEST-(MMU t|EXC)' /tmp/base | tr -d '\r')"
[ $RC = 0 ] || fail "baseline: brkvm exited $RC (want 0)"
RUN_LIMIT=190
run_brkvm /tmp/out run -k $GUESTS/mmu.elf -m 64M --gdb 0.0.0.0:1234 --gdb-wait
expect_line /tmp/out 'GUEST-EXCEPTION' && fail "$(grep -m1 GUEST-EXCEPTION /tmp/out | tr -d '\r')"
expect_line /tmp/out 'GUEST-MMU ticks=0x0+5 var=0x0+1005 magic=0x5eed5eed12345678 pc=0xffff000080080160' ||
    fail "guest output does not show gdb's write: $(grep -m1 'GUEST-MMU t' /tmp/out | tr -d '\r')"
[ $RC = 0 ] || fail "brkvm exited $RC (want 0)"
ok "gdb followed the guest's MMU"
