"""mmuflip.py - gdb against the mmuflip guest (tests/guests/mmuflip.c), which turns its MMU on and
off, maps and unmaps an alias of RAM and rewrites the first instruction of patch_fn every round.
Breakpoints at flip_target, patch_fn (the word the guest rewrites) and patch_fn + 4 (its ret);
at each stop gdb's answers are checked against the guest's own state: the round in x0, `hits`,
flip_target's bytes (the original, never the BRK), patch_fn's first word (the guest's latest
instruction, never a stale one), a read through the alias (the value when the alias is mapped
and the MMU on, an error otherwise).  The ret breakpoint is deleted for a few rounds and set
again, the first half runs with gdb's default (breakpoints removed at each stop), the second with
`breakpoint always-inserted on`.  The guest's patch_sum (checked by the scenario) shows that no
stale instruction was put back."""
import os
import sys

sys.path.insert(0, os.environ["BRKVM_GDBLIB"])
from brkvm_test import (check, connect, done, elf_bytes, log, pc, read_mem, reg,  # noqa
                        run, sym_addr, u32s)

import gdb  # noqa: E402

ELF = os.path.join(os.environ["BRKVM_GUESTS"], "mmuflip.elf")
ROUNDS = 24
RAM, ALIAS = 0x80000000, 0x40000000

connect(ELF)
run("set code-cache off")
run("set stack-cache off")
ft, pf = sym_addr("flip_target"), sym_addr("patch_fn")
hits_a, state_a, probe_a = sym_addr("hits"), sym_addr("state"), sym_addr("alias_probe")
ft_bytes = elf_bytes(ELF, ft, 8)


def u64(addr):
    return int.from_bytes(read_mem(addr, 8), "little")


def new_bp(addr):
    run(f"break *{addr:#x}")
    return gdb.breakpoints()[-1]


bp_ft, bp_pf = new_bp(ft), new_bp(pf)
bp_ret = new_bp(pf + 4)
round_no = 0               # the round the guest is in (flip_target stops seen so far)
ft_stops = ret_stops = pf_stops = other = 0
ret_deleted_rounds = set()
bad = []
for i in range(4 * ROUNDS):
    if round_no == ROUNDS // 2 and ft_stops == ROUNDS // 2:
        run("set breakpoint always-inserted on")
    try:
        run("continue")
    except gdb.error as e:
        log(f"continue: {e}")
        break
    if gdb.selected_inferior().pid == 0:
        log("the guest powered off")
        break
    p = pc()
    if p == ft:
        ft_stops += 1
        r = reg("x0")
        st = u64(state_a)
        if r != round_no:
            bad.append(f"flip_target stop {ft_stops}: x0={r} (want round {round_no})")
        if u64(hits_a) != round_no:
            bad.append(f"round {round_no}: hits={u64(hits_a)} (want {round_no})")
        if read_mem(ft, 8) != ft_bytes:
            bad.append(f"round {round_no}: flip_target reads {read_mem(ft, 8).hex()} "
                       f"(the ELF has {ft_bytes.hex()})")
        want_insn = 0x52800000 | ((1 + round_no % 3) << 5)
        got_insn = u32s(read_mem(pf, 4))[0]
        if got_insn != want_insn:
            bad.append(f"round {round_no}: patch_fn's first word {got_insn:#010x} "
                       f"(the guest wrote {want_insn:#010x})")
        try:
            via_alias = u64(ALIAS + (probe_a - RAM))
        except gdb.MemoryError:
            via_alias = None
        mapped = st == 3     # MMU on and the alias present
        if mapped and via_alias != 0xa11a5000 + round_no:
            bad.append(f"round {round_no}: alias read {via_alias} (want {0xa11a5000 + round_no:#x})")
        if not mapped and via_alias is not None:
            bad.append(f"round {round_no} (state {st}): alias read {via_alias:#x}, want an error")
        log(f"round {round_no}: state mmu={st & 1} alias={st >> 1 & 1}, alias read "
            f"{'error' if via_alias is None else hex(via_alias)}")
        # the ret breakpoint: gone for rounds 6-9 (deleted at 5, set again at 9)
        if round_no == 5:
            bp_ret.delete()
        if round_no == 9:
            bp_ret = new_bp(pf + 4)
        if 6 <= round_no + 1 <= 9:
            ret_deleted_rounds.add(round_no + 1)
        round_no += 1
    elif p == pf + 4:
        ret_stops += 1
        want = 1 + round_no % 3
        if reg("x0") != want:
            bad.append(f"round {round_no}: patch_fn returns {reg('x0')} (want {want})")
        if round_no in ret_deleted_rounds:
            bad.append(f"round {round_no}: stopped at a deleted breakpoint")
    elif p == pf:
        pf_stops += 1
    else:
        other += 1
        log(f"unexpected stop at {p:#x}")

for b in bad[:10]:
    log("BAD " + b)
check(ft_stops == ROUNDS, f"{ft_stops} stops at flip_target (want {ROUNDS})")
check(ret_stops == ROUNDS - 4, f"{ret_stops} stops at patch_fn's ret (want {ROUNDS - 4}: "
      f"the breakpoint was deleted for 4 rounds)")
check(pf_stops == 0, f"{pf_stops} stops at patch_fn's rewritten word (want 0: the guest's "
      f"instruction replaces the BRK before it runs)")
check(other == 0, f"{other} stops elsewhere")
check(not bad, f"{len(bad)} wrong answers in {ft_stops + ret_stops} stops")
check(gdb.selected_inferior().pid == 0, "the guest ran to its power-off")
done()
