# baremetal-hello - the hello guest as an ELF and as a flat binary: exit 0 and the marker line;
# --dump-dtb writes a flattened device tree: FDT magic d0 0d fe ed, header totalsize (bytes 4-7,
# big endian) = the file's size, and the UART's compatible string inside.
# timeout: 60
. /scenarios/lib.sh
for g in hello.elf hello.bin; do
    rm -f /tmp/x.dtb
    run_brkvm /tmp/out run -k $GUESTS/$g -m 64M --dump-dtb /tmp/x.dtb
    expect_line /tmp/out 'GUEST-EXCEPTION' && fail "$g: $(grep -m1 GUEST-EXCEPTION /tmp/out | tr -d '\r')"
    [ $RC = 137 ] && fail "$g: brkvm still running after ${RUN_LIMIT}s"
    expect_line /tmp/out '^GUEST-HELLO-OK el=0x0+1 ' || fail "$g: no 'GUEST-HELLO-OK el=1' line"
    [ $RC = 0 ] || fail "$g: brkvm exited $RC (want 0)"
    [ -s /tmp/x.dtb ] || fail "$g: --dump-dtb /tmp/x.dtb wrote no file"
    hdr=$(od -A n -t x1 -N 8 /tmp/x.dtb | tr -d ' \n')
    size=$(stat -c %s /tmp/x.dtb)
    magic=${hdr%????????}
    [ "$magic" = d00dfeed ] || fail "$g: dumped DTB starts with $magic, not the FDT magic d00dfeed"
    total=$((0x${hdr#????????}))
    [ "$total" = "$size" ] || fail "$g: DTB header totalsize $total != file size $size"
    grep -q ns16550a /tmp/x.dtb || fail "$g: dumped DTB has no ns16550a node"
    ok "$g (DTB: magic $magic, totalsize $total = file size)"
done
