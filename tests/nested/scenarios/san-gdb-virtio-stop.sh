# san-gdb-virtio-stop - gdb-virtio-stop (Linux with busy virtio devices, stopped and resumed by
# gdb six times) with the ASan+UBSan brkvm (tests/nested/sanbrkvm.sh): runner.py runs gdb-virtio-
# stop's script and steps with host.sanitize=asan; any sanitizer report fails the run.
# sanitize: asan gdb-virtio-stop
# modes: vhe
. /scenarios/lib.sh
fail "san-gdb-virtio-stop runs as gdb-virtio-stop with host.sanitize=asan (runner.py), not by itself"
