#!/usr/bin/env python3
"""lldb_kill.py - lldb-15's `process kill` against brkvm's stub: the VM ends (brkvm exits 0,
the scenario checks), but lldb reports an error: it waits for a W/X reply to 'k', which gdb's
protocol does not give (brkvm's stub, like gdbserver and QEMU, sends none).  Documents that
limitation: lldb users end a session with `process detach`."""
from lldb_test import check, done, run_lldb

blocks, packets = run_lldb(["register read pc", "process kill"])
out = dict(blocks).get("process kill", "")
check("k" in packets, "lldb sent k")
check("failed to send k packet" in out or "exited" in out,
      f"process kill: lldb's report: {out.strip()!r}")
done()
