# bench-disk-alt - bench-disk with a second brkvm build beside the first: /alt/brkvm (extra
# initrd brkvm-alt, packed by tests/nested/brkvm-alt.sh from $BRKVM_ALT), column "alt", for
# before/after figures of a change in one boot (bench/disk.sh --alt PATH).  bench.vmms= picks
# the VMMs (bench/disk.sh: brkvm,alt,kvmtool by default).
# timeout: 1500
# modes: vhe
# manual
# recording
# extra-initrd: virtio,kut,qemu-peer,brkvm-alt
. /scenarios/bench-disk.sh
