#!/bin/bash
# run.sh [SECONDS] - build the fuzz targets with clang (libFuzzer, ASan, UBSan) straight from the
# sources and run them one after the other, SECONDS (default 60) split between them: fuzz_stub
# (the GDB stub, seeds in tests/fuzz/corpus) and fuzz_p9 (the 9P server, seeds in
# tests/fuzz/corpus/p9).  New inputs go to build/fuzz/corpus-TARGET, crashes to
# build/fuzz/artifacts.  Prints the executions of each target and whether a crash was found;
# exits non-zero on a crash (or if a target cannot build).
# Replay a reproducer:  build/fuzz/fuzz_stub FILE   (or build/native/tests/fuzz/fuzz_stub_replay FILE;
# likewise fuzz_p9 and fuzz_p9_replay)
set -uo pipefail
TOP=$(cd "$(dirname "$0")/../.." && pwd)
cd "$TOP"
SECS=${1:-60}
OUT=build/fuzz
CC=${FUZZ_CC:-clang}
mkdir -p "$OUT/corpus-stub" "$OUT/corpus-p9" "$OUT/artifacts"

if ! command -v "$CC" >/dev/null; then
    echo "fuzz: $CC not found: install clang and libclang-rt-14-dev (scripts/deps.sh)" >&2
    exit 2
fi

# TARGET -> its sources besides tests/fuzz/TARGET.c
declare -A SRCS=(
    [stub]="gdbstub/packet.c gdbstub/stub.c gdbstub/lldb.c gdbstub/target_xml.c"
    [p9]="devices/virtio/p9_msg.c devices/virtio/p9_server.c"
)
declare -A ARGS=(
    [stub]="-max_len=16384 -dict=tests/fuzz/gdb.dict tests/fuzz/corpus"
    [p9]="-max_len=8192 tests/fuzz/corpus/p9"
)
TARGETS="stub p9"
build() { # build TARGET
    # shellcheck disable=SC2046,SC2086
    "$CC" -std=c11 -D_GNU_SOURCE -g -O1 -Wall -Wextra -Wno-unused-parameter \
        -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
        -Iinclude $(pkg-config --cflags glib-2.0) \
        "tests/fuzz/fuzz_$1.c" ${SRCS[$1]} \
        $(pkg-config --libs glib-2.0) -o "$OUT/fuzz_$1" 2>"$OUT/build-$1.log"
}
for t in $TARGETS; do
    if ! build "$t"; then
        cat "$OUT/build-$t.log" >&2
        echo "fuzz: build of fuzz_$t failed (is libclang-rt-14-dev installed? it has libFuzzer)" >&2
        exit 2
    fi
done

# old artifacts are not this run's
rm -f "$OUT"/artifacts/crash-* "$OUT"/artifacts/leak-* "$OUT"/artifacts/timeout-* \
    "$OUT"/artifacts/oom-*
n=$(echo $TARGETS | wc -w)
share=$(( SECS / n )); [ "$share" -lt 1 ] && share=1
summary=""
failed=0
for t in $TARGETS; do
    log="$OUT/fuzz-$t.log"
    # shellcheck disable=SC2086
    "$OUT/fuzz_$t" -max_total_time="$share" -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="$OUT/artifacts/$t-" -print_final_stats=1 \
        "$OUT/corpus-$t" ${ARGS[$t]} >"$log" 2>&1
    rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
    found=$(ls "$OUT"/artifacts/ 2>/dev/null | grep -E "^$t-(crash|leak|timeout|oom)-" || true)
    if [ $rc != 0 ] || [ -n "$found" ]; then
        grep -E 'ERROR|check failed|runtime error|SUMMARY' "$log" | head -20 >&2
        for f in $found; do
            echo "fuzz: reproducer $OUT/artifacts/$f:" >&2
            od -c "$OUT/artifacts/$f" | head -20 >&2
        done
        echo "fuzz: fuzz_$t CRASH after ${execs:-?} runs (${rate:-?}/s); log $log" >&2
        failed=1
    fi
    summary="$summary${summary:+; }$t ${execs:-?} executions in ${share}s (${rate:-?}/s, ${cov:-cov: ?})"
done
[ $failed = 0 ] || exit 1
echo "fuzz: $summary, no crash"
