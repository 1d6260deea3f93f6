#!/bin/bash
# test.sh - install what is needed, build, and run every test:
#   1. unit tests (pure logic, GTest, built with ASan+UBSan) on this machine
#   2. nested scenarios: brkvm inside the test host (Debian's arm64 kernel under
#      qemu-system-aarch64 with EL2), each in its modes (VHE and nVHE; some also on a GICv2 host)
# Ends with "N passed, N failed" (unit test cases + nested scenario runs); exit 0 iff none failed.
# Options are passed to tests/nested/runner.py (e.g. --only linux-boot --modes vhe).
set -uo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"
T0=$(date +%s)

scripts/deps.sh || { echo "test: dependency installation failed"; echo "0 passed, 1 failed"; exit 1; }
scripts/build.sh || { echo "test: build failed"; echo "0 passed, 1 failed"; exit 1; }

# 1. unit tests (and the shell tests of the scripts, tests/scripts, and of scripts/brkvm-x86 from
# this machine, tests/launcher: about 90 s): count TAP results per test
# case; a crash with no "not ok" counts as one failure
upass=0; ufail=0
mkdir -p build/logs
for t in build/native/tests/unit/test_* tests/scripts/test_*.sh tests/launcher/test_*.py; do
    [ -x "$t" ] && [ -f "$t" ] || continue
    name=$(basename "$t")
    "$t" --tap >"build/logs/$name.tap" 2>&1
    rc=$?
    p=$(grep -c '^ok ' "build/logs/$name.tap")
    f=$(grep -c '^not ok ' "build/logs/$name.tap")
    if [ $rc != 0 ] && [ "$f" = 0 ]; then f=1; fi
    upass=$((upass + p)); ufail=$((ufail + f))
    if [ "$f" != 0 ]; then
        echo "FAIL unit $name (rc $rc):"; sed 's/^/    /' "build/logs/$name.tap" | tail -30
    else
        echo "PASS unit $name ($p cases)"
    fi
done
echo "unit: $upass passed, $ufail failed"

# 1b. fuzzing for a bounded time (libFuzzer): the GDB packet layer and protocol engine, and the
# virtqueue walk with the virtio devices behind it
FUZZ_SECONDS=${FUZZ_SECONDS:-120}
if tests/fuzz/run.sh "$FUZZ_SECONDS" >build/logs/fuzz.txt 2>&1; then
    upass=$((upass + 1)); echo "PASS fuzz ($(grep -E 'executions' build/logs/fuzz.txt | sed 's/^fuzz: //' | paste -sd ';'))"
else
    ufail=$((ufail + 1)); echo "FAIL fuzz:"; tail -30 build/logs/fuzz.txt | sed 's/^/    /'
fi

# 1c. the test kernel for the kernel-aware scenarios (built from Debian's linux-source-6.1 once,
# about 3.5 min, then cached by config hash under build/kernel/)
if tests/nested/testkernel.sh >build/logs/testkernel.txt 2>&1; then
    echo "test kernel: $(grep -m1 '^built' build/logs/testkernel.txt), $(tail -1 build/logs/testkernel.txt)"
else
    echo "test kernel: build failed (the gdb-linux-vmlinux/-modules/-ftrace runs will fail):"
    tail -20 build/logs/testkernel.txt | sed 's/^/    /'
fi

# 1d. scripted breakpoint tests (python/brkvmtest): the README's example and the module's own
# failure paths on a real guest (a wrong expectation, a panic), through brkvm on an arm64 KVM
# host or the brkvm-x86 launcher; each test function counts as one test
if [ -f build/kernel/current/vmlinux ] && tests/nested/mkinitramfs.sh >build/logs/brkvmtest.txt 2>&1; then
    PYTHONPATH=python python3 -B -m brkvmtest examples/test_getpid.py tests/python/guest_failures.py \
        --junit build/logs/brkvmtest.xml >>build/logs/brkvmtest.txt 2>&1
fi
bsum=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' build/logs/brkvmtest.txt | tail -1)
bpass=${bsum%% passed*}; bfail=${bsum#*, }; bfail=${bfail%% failed}
if [ -z "$bsum" ]; then bpass=0; bfail=2; fi
upass=$((upass + bpass)); ufail=$((ufail + bfail))
if [ "$bfail" = 0 ]; then
    echo "PASS brkvmtest ($(grep -E '^PASS ' build/logs/brkvmtest.txt | sed 's/^PASS //' | paste -sd ';'))"
else
    echo "FAIL brkvmtest ($bsum; log build/logs/brkvmtest.txt):"; tail -40 build/logs/brkvmtest.txt | sed 's/^/    /'
fi

# 2. nested scenarios
tests/nested/runner.py --all "$@" | tee build/logs/nested.txt
summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' build/logs/nested.txt | tail -1)
if [ -z "$summary" ]; then
    echo "test: the nested runner did not finish"; npass=0; nfail=1
else
    npass=${summary%% passed*}; nfail=${summary#*, }; nfail=${nfail%% failed}
fi
echo "nested: $npass passed, $nfail failed"
echo "test: total time $(( $(date +%s) - T0 ))s"
echo "$((upass + npass)) passed, $((ufail + nfail)) failed"
[ $((ufail + nfail)) = 0 ]
