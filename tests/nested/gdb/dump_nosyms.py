"""dump_nosyms.py - gdb-linux-dump's last step: without --symbols (a bare-metal guest stopped at
its first instruction, MMU off) dump-guest-memory still writes a core, without VMCOREINFO and
without a kernel image segment, and says so."""
import os
import sys

sys.path.insert(0, os.environ["BRKVM_GDBLIB"])
from brkvm_test import check, connect, done, monitor_quit, run  # noqa: E402


connect()
out = run("monitor dump-guest-memory /tmp/y.core")
check(out.startswith("/tmp/y.core: ELF core of 1 vCPU, 16 MiB RAM at 0x80000000;"),
      "a core of the one vCPU and 16 MiB, no linear map or kernel image (MMU off)")
check("no VMCOREINFO: brkvm was started without --symbols" in out, "the answer says why no VMCOREINFO")
monitor_quit()
done()
