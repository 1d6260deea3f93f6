#!/bin/bash
# peer.sh - brkvm's gdb stub next to QEMU's (Debian's qemu-system-aarch64 7.2, -enable-kvm -s),
# the same gdb scripts on the same guest code in one test-host boot per scenario pair: the
# peer-brkvm-NAME and peer-qemu-NAME scenarios (basic, hw, session, step, linux), then
# tests/nested/peer/features.py rewrites tests/nested/peer/FEATURES.md from their logs and the
# feature table is printed.  These are observations (PEER-FEATURE lines), not pass/fail tests,
# so they are tagged manual and not part of scripts/test.sh.
#   bench/peer.sh [--mode vhe|nvhe]
set -euo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
MODE=vhe
case ${1:-} in
--mode) MODE=$2 ;;
"") ;;
*) echo "usage: bench/peer.sh [--mode vhe|nvhe]" >&2; exit 2 ;;
esac
cd "$TOP"
scripts/deps.sh >/dev/null
scripts/build.sh >/dev/null
tests/nested/testkernel.sh >/dev/null   # peer-*-linux boot the test kernel
ONLY=$(cd tests/nested/scenarios && ls peer-*.sh | sed 's/\.sh$//' | paste -sd,)
tests/nested/runner.py --all --only "$ONLY" --modes "$MODE" || true
tests/nested/peer/features.py "$MODE"
sed -n '/^| feature /,/^$/p' tests/nested/peer/FEATURES.md
