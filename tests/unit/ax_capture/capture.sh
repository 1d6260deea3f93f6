#!/bin/bash
# capture.sh [OUTDIR] - what gdb-multiarch sends for target-side conditions and agent dprintf:
# builds target.c (aarch64-linux-gnu-gcc -static -g -O0), starts stub.py (a fake remote stub)
# and runs capture.gdb against it.  Prints the Z packets, each case after a "# CASE" line, then
# gdb's own output (its `maint agent` disassembly); exits 1 if the packets differ from
# expected.txt (gdb-multiarch 13.1's).  No VM: a regression tool for the bytecodes
# test_agent_expr.c's "gdb" tests hold (their addresses come from this target.c's layout).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${1:-$(mktemp -d)}
mkdir -p "$OUT"
aarch64-linux-gnu-gcc -static -g -O0 -o "$OUT/target" "$HERE/target.c"
main=$(aarch64-linux-gnu-nm "$OUT/target" | awk '$3 == "main" { print $1 }')
rm -f "$OUT/port"
python3 "$HERE/stub.py" "$OUT/target" "$main" "$OUT/z.log" >"$OUT/port" &
stub=$!
for _ in $(seq 50); do [ -s "$OUT/port" ] && break; sleep 0.1; done
port=$(cat "$OUT/port")
timeout 120 gdb-multiarch -nx -batch -ex 'set architecture aarch64' -ex 'set pagination off' \
    -ex "target remote 127.0.0.1:$port" -x "$HERE/capture.gdb" "$OUT/target" >"$OUT/gdb.log" 2>&1 || true
wait "$stub" || true
cat "$OUT/z.log"
echo "---- gdb"
cat "$OUT/gdb.log"
echo "---- against expected.txt"
diff -u "$HERE/expected.txt" "$OUT/z.log" && echo "capture: same packets as expected.txt"
