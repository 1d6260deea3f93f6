"""exit_reset.py - the guest asks for a reset (PSCI SYSTEM_RESET) while gdb waits in continue:
brkvm ends with status 3 and gdb hears it through the 'W' packet ("exited with code 03")."""
import os
import sys

sys.path.insert(0, os.environ["BRKVM_GDBLIB"])
from brkvm_test import check, connect, cont_expect_end, done  # noqa: E402

connect(os.path.join(os.environ["BRKVM_GUESTS"], "reset.elf"))
check(cont_expect_end(3), "gdb reports the inferior exited with code 3 (the reset)")
done()
