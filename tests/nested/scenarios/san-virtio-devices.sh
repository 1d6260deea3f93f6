# san-virtio-devices - virtio-devices (Linux with virtio-blk read-write and read-only, virtio-rng,
# virtio-console) with the ASan+UBSan brkvm (tests/nested/sanbrkvm.sh): runner.py runs virtio-
# devices's script and steps with host.sanitize=asan; any sanitizer report fails the run.
# sanitize: asan virtio-devices
# modes: vhe
. /scenarios/lib.sh
fail "san-virtio-devices runs as virtio-devices with host.sanitize=asan (runner.py), not by itself"
