# san-virtio-9p - virtio-9p (Linux with two virtio-9p shares: every file operation, escape
# attempts) with the ASan+UBSan brkvm (tests/nested/sanbrkvm.sh): runner.py runs virtio-9p's
# script and steps with host.sanitize=asan; any sanitizer report fails the run.
# sanitize: asan virtio-9p
# modes: vhe
. /scenarios/lib.sh
fail "san-virtio-9p runs as virtio-9p with host.sanitize=asan (runner.py), not by itself"
