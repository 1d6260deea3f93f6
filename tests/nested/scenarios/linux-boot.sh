# linux-boot - Debian's arm64 kernel + the test initramfs inside brkvm, 2 vCPUs, 256M: the guest
# reaches /init, sees 2 CPUs and powers off; brkvm exits 0.
# timeout: 150
. /scenarios/lib.sh
RUN_LIMIT=120
start=$(cut -d' ' -f1 /proc/uptime)
run_brkvm /tmp/out run -k $L2_IMAGE -i $L2_INITRD -c 2 -m 256M \
    -p "console=ttyS0 earlycon=uart8250,mmio,0x1000000 panic=-1 brkvm.test=cpus,mem,uname"
end=$(cut -d' ' -f1 /proc/uptime)
echo "LINUX-BOOT wall=$(awk "BEGIN {print $end - $start}")s $(grep -m1 GUEST-INIT /tmp/out | tr -d '\r')"
expect_line /tmp/out '^GUEST-INIT uptime=' || fail "guest never reached /init"
expect_line /tmp/out '^GUEST-CPUS 2' || fail "guest does not see 2 CPUs: $(grep -m1 GUEST-CPUS /tmp/out | tr -d '\r')"
expect_line /tmp/out '^GUEST-DONE' || fail "no GUEST-DONE"
[ $RC = 0 ] || fail "brkvm exited $RC after the guest's poweroff (want 0)"
ok "linux guest booted, 2 CPUs, powered off"
