#!/bin/bash
# run.sh [SECONDS] - build the GDB stub fuzz target with clang (libFuzzer, ASan, UBSan) straight
# from the sources and run it for SECONDS (default 60) from the seed corpus in tests/fuzz/corpus.
# New inputs go to build/fuzz/corpus, crashes to build/fuzz/artifacts.  Prints the executions
# and whether a crash was found; exits non-zero on a crash (or if it cannot build).
# Replay a reproducer:  build/fuzz/fuzz_stub FILE   (or build/native/tests/fuzz/fuzz_stub_replay FILE)
set -uo pipefail
TOP=$(cd "$(dirname "$0")/../.." && pwd)
cd "$TOP"
SECS=${1:-60}
OUT=build/fuzz
CC=${FUZZ_CC:-clang}
mkdir -p "$OUT/corpus" "$OUT/artifacts"

if ! command -v "$CC" >/dev/null; then
    echo "fuzz: $CC not found: install clang and libclang-rt-14-dev (scripts/deps.sh)" >&2
    exit 2
fi
# shellcheck disable=SC2046
if ! "$CC" -std=c11 -D_GNU_SOURCE -g -O1 -Wall -Wextra -Wno-unused-parameter \
        -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
        -Iinclude $(pkg-config --cflags glib-2.0) \
        tests/fuzz/fuzz_stub.c gdbstub/packet.c gdbstub/stub.c gdbstub/lldb.c gdbstub/target_xml.c \
        $(pkg-config --libs glib-2.0) -o "$OUT/fuzz_stub" 2>"$OUT/build.log"; then
    cat "$OUT/build.log" >&2
    echo "fuzz: build failed (is libclang-rt-14-dev installed? it has libFuzzer)" >&2
    exit 2
fi

# old artifacts are not this run's
rm -f "$OUT"/artifacts/crash-* "$OUT"/artifacts/leak-* "$OUT"/artifacts/timeout-* \
    "$OUT"/artifacts/oom-*
"$OUT/fuzz_stub" -max_total_time="$SECS" -max_len=16384 -timeout=10 -rss_limit_mb=2048 \
    -dict=tests/fuzz/gdb.dict -artifact_prefix="$OUT/artifacts/" -print_final_stats=1 \
    "$OUT/corpus" tests/fuzz/corpus >"$OUT/fuzz.log" 2>&1
rc=$?

execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$OUT/fuzz.log" | tail -1)
rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$OUT/fuzz.log" | tail -1)
cov=$(grep -o 'cov: [0-9]*' "$OUT/fuzz.log" | tail -1)
found=$(ls "$OUT"/artifacts/ 2>/dev/null | grep -E '^(crash|leak|timeout|oom)-' || true)
if [ $rc != 0 ] || [ -n "$found" ]; then
    grep -E 'ERROR|check failed|runtime error|SUMMARY' "$OUT/fuzz.log" | head -20 >&2
    for f in $found; do
        echo "fuzz: reproducer $OUT/artifacts/$f:" >&2
        od -c "$OUT/artifacts/$f" | head -20 >&2
    done
    echo "fuzz: CRASH after ${execs:-?} executions (${rate:-?}/s); log $OUT/fuzz.log" >&2
    exit 1
fi
echo "fuzz: ${execs:-?} executions in ${SECS}s (${rate:-?}/s, ${cov:-cov: ?}), no crash"
