# tsan-gdb-brkstep - gdb-brkstep (both vCPUs take their own BRKs, trapped and re-injected by
# brkvm, while gdb steps one and then the other, then 100 continues) with the ThreadSanitizer
# brkvm (tests/nested/tsanbrkvm.sh): the all-stop protocol with a vCPU re-injecting while the
# other's step ends; runner.py runs gdb-brkstep's script and steps with host.sanitize=tsan.
# sanitize: tsan gdb-brkstep
# modes: vhe
. /scenarios/lib.sh
fail "tsan-gdb-brkstep runs as gdb-brkstep with host.sanitize=tsan (runner.py), not by itself"
