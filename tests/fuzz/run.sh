#!/bin/bash
# run.sh [SECONDS] - build the fuzz targets with clang (libFuzzer, ASan, UBSan) straight from the
# sources and run each for its weighted share of SECONDS (default 60; the weights are in the table below) from its seed corpus:
#   fuzz_stub   GDB packets into the stub over a fake target      (tests/fuzz/corpus)
#   fuzz_virtq  a hostile guest's virtqueues against the devices  (tests/fuzz/corpus-virtq)
#   fuzz_p9     9P2000.L messages into the 9p server, with escape checks (tests/fuzz/corpus/p9)
#   fuzz_agent_expr  agent-expression bytecode and "X<len>,<hex>" conditions (tests/fuzz/corpus-ax)
#   fuzz_ptwalk the stage-1 walker over fuzzed tables and TCR/SCTLR/TTBRs (tests/fuzz/corpus-ptwalk)
#   fuzz_loader Image/ELF/flat payloads placed in a guarded fake RAM    (tests/fuzz/corpus-loader)
# New inputs go to build/fuzz/corpus-NAME, crashes to build/fuzz/artifacts.  Prints one line per
# target with its executions; exits non-zero on a crash (or if a target cannot build).
# Replay a reproducer:  build/fuzz/NAME FILE   (or build/native/tests/fuzz/NAME_replay FILE)
set -uo pipefail
TOP=$(cd "$(dirname "$0")/../.." && pwd)
cd "$TOP"
SECS=${1:-60}
OUT=build/fuzz
CC=${FUZZ_CC:-clang}
mkdir -p "$OUT/artifacts"
# scripts/deps.sh unpacked the native libfdt-dev there (only a foreign one is installed)
[ -f build/libfdt-native/.done ] && export PKG_CONFIG_PATH=$TOP/build/libfdt-native/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}

if ! command -v "$CC" >/dev/null; then
    echo "fuzz: $CC not found: install clang and libclang-rt-14-dev (scripts/deps.sh)" >&2
    exit 2
fi

# name | weight (its share of SECONDS) | sources | seed corpus | extra libFuzzer flags
# (fuzz_loader reaches its coverage within a minute: weight 1; the deep state machines get 3)
TARGETS=(
    "fuzz_stub|3|tests/fuzz/fuzz_stub.c gdbstub/packet.c gdbstub/stub.c gdbstub/stub_query.c gdbstub/stub_data.c gdbstub/stub_run.c gdbstub/lldb.c gdbstub/target_xml.c gdbstub/agent_expr.c gdbstub/agent_printf.c|tests/fuzz/corpus|-max_len=16384 -dict=tests/fuzz/gdb.dict"
    "fuzz_p9|2|tests/fuzz/fuzz_p9.c devices/virtio/p9_msg.c devices/virtio/p9_server.c|tests/fuzz/corpus/p9|-max_len=8192"
    "fuzz_virtq|3|tests/fuzz/fuzz_virtq.c devices/virtio/virtqueue.c devices/virtio/mmio.c devices/virtio/blk.c devices/virtio/rng.c devices/virtio/console.c devices/virtio/9p.c devices/virtio/p9_msg.c devices/virtio/p9_server.c|tests/fuzz/corpus-virtq|-max_len=70000"
    "fuzz_agent_expr|2|tests/fuzz/fuzz_agent_expr.c gdbstub/agent_expr.c gdbstub/agent_printf.c gdbstub/packet.c|tests/fuzz/corpus-ax|-max_len=4096"
    "fuzz_ptwalk|3|tests/fuzz/fuzz_ptwalk.c vmm/arch/arm64/mmu.c vmm/arch/arm64/kimage.c|tests/fuzz/corpus-ptwalk|-max_len=16448"
    "fuzz_loader|1|tests/fuzz/fuzz_loader.c vmm/loader.c|tests/fuzz/corpus-loader|-max_len=16384"
)
weights=0
for t in "${TARGETS[@]}"; do
    IFS='|' read -r _ w _ <<<"$t"
    weights=$((weights + w))
done
status=0
for t in "${TARGETS[@]}"; do
    IFS='|' read -r name weight srcs seeds flags <<<"$t"
    share=$(( SECS * weight / weights ))
    [ "$share" -ge 1 ] || share=1
    # shellcheck disable=SC2046,SC2086
    if ! "$CC" -std=c11 -D_GNU_SOURCE -g -O1 -Wall -Wextra -Wno-unused-parameter \
            -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
            -Iinclude $(pkg-config --cflags glib-2.0) $srcs \
            $(pkg-config --libs glib-2.0) $(pkg-config --libs libfdt 2>/dev/null || echo -lfdt) -lpthread -o "$OUT/$name" 2>"$OUT/$name.build.log"; then
        cat "$OUT/$name.build.log" >&2
        echo "fuzz: $name: build failed (is libclang-rt-14-dev installed? it has libFuzzer)" >&2
        exit 2
    fi
    mkdir -p "$OUT/corpus-$name"
    # old artifacts are not this run's
    rm -f "$OUT"/artifacts/"$name"-*
    # shellcheck disable=SC2086
    "$OUT/$name" -max_total_time="$share" -timeout=10 -rss_limit_mb=2048 $flags \
        -artifact_prefix="$OUT/artifacts/$name-" -print_final_stats=1 \
        "$OUT/corpus-$name" "$seeds" >"$OUT/$name.log" 2>&1
    rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$OUT/$name.log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$OUT/$name.log" | tail -1)
    cov=$(grep -o 'cov: [0-9]*' "$OUT/$name.log" | tail -1)
    found=$(ls "$OUT"/artifacts/ 2>/dev/null | grep -E "^$name-(crash|leak|timeout|oom)-" || true)
    if [ $rc != 0 ] || [ -n "$found" ]; then
        grep -E 'ERROR|check failed|runtime error|SUMMARY' "$OUT/$name.log" | head -20 >&2
        for f in $found; do
            echo "fuzz: reproducer $OUT/artifacts/$f:" >&2
            od -c "$OUT/artifacts/$f" | head -20 >&2
        done
        echo "fuzz: $name: CRASH after ${execs:-?} executions (${rate:-?}/s); log $OUT/$name.log" >&2
        status=1
        continue
    fi
    echo "fuzz: $name: ${execs:-?} executions in ${share}s (${rate:-?}/s, ${cov:-cov: ?}), no crash"
done
exit $status
