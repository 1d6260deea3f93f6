"""panic_late.py - the guest panicked with no gdb attached (--on-panic stop, the default with
--gdb): brkvm held it, and gdb attaching now finds the panic stop, the panicking vCPU
selected.  Then detach: the guest finishes its panic."""
import os
import sys

sys.path.insert(0, os.environ["BRKVM_GDBLIB"])
from brkvm_test import connect, done, run  # noqa: E402
from panic_common import check_panic_stop, load_vmlinux  # noqa: E402

load_vmlinux()
connect()
check_panic_stop()
run("detach")
done()
