# virtio-9p - Debian's kernel in brkvm with two --9p shares: /tmp/share as "hostshare"
# (read-write) and /tmp/roshare as "roshare" (,ro).  The guest mounts both (mount -t 9p -o
# trans=virtio TAG DIR) and reads, writes (also 2.5 MB: many msize-bound requests), mkdirs,
# renames, unlinks, symlinks, chmods and truncates; the host side then shows each change.  The
# share holds an absolute and a relative symlink to /tmp/outside (a host directory with a secret
# file): the guest resolves them in its own namespace, so the secret is never read and nothing
# is written outside the share.  On the read-only share every change fails and nothing changes.
# timeout: 170
# extra-initrd: virtio
# modes: vhe
. /scenarios/lib.sh
RUN_LIMIT=140
cat $L2_INITRD /virtio/l2-modules.cpio > /tmp/initrd
rm -rf /tmp/share /tmp/roshare /tmp/outside
mkdir -p /tmp/share /tmp/roshare /tmp/outside
echo "hello from the host" > /tmp/share/hello.txt
echo "delete me" > /tmp/share/delete-me.txt
echo "read-only content" > /tmp/roshare/ro.txt
echo "HOST-SECRET-do-not-leak" > /tmp/outside/secret.txt
ln -s /tmp/outside /tmp/share/abs-link
ln -s ../outside /tmp/share/rel-link
ro_before=$(ls -lAR /tmp/roshare | md5sum)
out_before=$(ls -lAR /tmp/outside | md5sum)
run_brkvm /tmp/out run -k $L2_IMAGE -i /tmp/initrd -m 256M --loglevel info \
    --9p /tmp/share,hostshare --9p /tmp/roshare,roshare,ro -p "console=ttyS0 brkvm.test=vmods,p9"
tr -d '\r' < /tmp/out > /tmp/out.txt
grep -E '^GUEST-P9|9p' /tmp/out.txt
expect_line /tmp/out.txt '^GUEST-DONE' || fail "the guest did not finish (exit $RC)"
[ "$RC" = 0 ] || fail "brkvm exited $RC (want 0)"
grep -q HOST-SECRET /tmp/out.txt && fail "the host's secret outside the share reached the guest"
want() { expect_line /tmp/out.txt "^GUEST-P9 $1" || fail "guest: no '$1': $(grep -m1 "^GUEST-P9 ${1%% *}" /tmp/out.txt)"; }
want 'mount-rw rc=0'
want 'mount-ro rc=0'
want 'read hello from the host'
want 'ls .*hello.txt'
want 'write rc=0'
want 'bigwrite rc=0 size=2621440'
want 'mkdir rc=0'
want 'rename rc=0'
want 'unlink rc=0'
want 'symlink rc=0 target=hello.txt via=hello from the host'
want 'chmod 600'
want 'truncate size=3'
want 'escape-write rc=[1-9]'
want 'ro-read read-only content'
want 'ro-write rc=[1-9]'
want 'ro-unlink rc=[1-9]'
want 'ro-mkdir rc=[1-9]'
want 'ro-append rc=[1-9]'
want 'ro-chmod rc=[1-9]'
want 'umount rc=0'
# the host side of each change
[ "$(cat /tmp/share/new.txt)" = "written by the guest" ] || fail "host: new.txt is '$(cat /tmp/share/new.txt 2>&1)'"
[ "$(stat -c %s /tmp/share/big.bin)" = 2621440 ] || fail "host: big.bin is $(stat -c %s /tmp/share/big.bin) bytes"
guest_md5=$(sed -n 's/^GUEST-P9 bigread //p' /tmp/out.txt)
[ "$(md5sum < /tmp/share/big.bin | cut -d' ' -f1)" = "$guest_md5" ] || fail "host: big.bin differs from what the guest read back"
[ "$(cat /tmp/share/dir/g)" = inside ] || fail "host: dir/g missing after the rename"
[ -e /tmp/share/dir/f ] && fail "host: dir/f still there after the rename"
[ -e /tmp/share/delete-me.txt ] && fail "host: delete-me.txt still there"
[ "$(readlink /tmp/share/link)" = hello.txt ] || fail "host: link is '$(readlink /tmp/share/link)'"
[ "$(stat -c %a /tmp/share/new.txt)" = 600 ] || fail "host: new.txt mode $(stat -c %a /tmp/share/new.txt)"
[ "$(ls -lAR /tmp/outside | md5sum)" = "$out_before" ] || fail "host: /tmp/outside changed: $(ls /tmp/outside)"
[ -e /tmp/outside/pwned.txt ] && fail "host: the guest wrote outside the share"
[ "$(ls -lAR /tmp/roshare | md5sum)" = "$ro_before" ] || fail "host: the read-only share changed"
for e in abs rel dotdot; do
    echo "escape-$e: $(sed -n "s/^GUEST-P9 escape-$e //p" /tmp/out.txt)"
done
ok "9p: rw share read/write/mkdir/rename/unlink/symlink/chmod/truncate seen on the host, 2.5 MB round trip, ro share unchanged, no escape"
