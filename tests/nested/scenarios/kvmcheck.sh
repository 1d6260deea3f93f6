# kvmcheck - the test host itself: KVM initialized, /dev/kvm usable, brkvm present.
. /scenarios/lib.sh
dmesg | grep -E 'kvm \[[0-9]+\]' | sed 's/^/  /'
[ -c /dev/kvm ] || fail "/dev/kvm missing"
dmesg | grep -q -E 'kvm \[[0-9]+\]: .*mode initialized successfully' || fail "no KVM init line in dmesg"
[ -x /bin/brkvm ] && ok "brkvm present" || echo "note: /bin/brkvm not in this initramfs"
ok "/dev/kvm present, KVM initialized"
