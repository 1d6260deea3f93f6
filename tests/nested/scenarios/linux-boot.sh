# linux-boot - Debian's arm64 kernel + the test initramfs inside brkvm, 2 vCPUs, 256M: the guest
# reaches /init, sees 2 CPUs and powers off; brkvm exits 0.  brkvm (--loglevel info) created the
# GIC the host offers (GICv3, or GICv2 in mode gicv2) and the guest kernel drives that one.  The
# guest's /proc/cmdline is exactly brkvm's -p string (DT chosen/bootargs arrive intact), and its
# /proc/tty/driver/serial shows the 16550A at mmio:0x01000000 with an interrupt.
# timeout: 150
# modes: vhe,nvhe,gicv2
. /scenarios/lib.sh
RUN_LIMIT=120
start=$(cut -d' ' -f1 /proc/uptime)
# brkvm.marker: punctuation and a long-ish value, to see the bootargs arrive byte for byte
BOOTARGS="console=ttyS0 earlycon=uart8250,mmio,0x1000000 panic=-1 brkvm.test=cpus,mem,uname,gic,cmdline,uart brkvm.marker=a=b,c:d/e.f-g_h+0123456789abcdefghijklmnopqrstuvwxyz"
run_brkvm /tmp/out run -k $L2_IMAGE -i $L2_INITRD -c 2 -m 256M --loglevel info -p "$BOOTARGS"
end=$(cut -d' ' -f1 /proc/uptime)
echo "LINUX-BOOT wall=$(awk "BEGIN {print $end - $start}")s $(grep -m1 GUEST-INIT /tmp/out | tr -d '\r')"
expect_line /tmp/out '^GUEST-INIT uptime=' || fail "guest never reached /init"
expect_line /tmp/out '^GUEST-CPUS 2' || fail "guest does not see 2 CPUs: $(grep -m1 GUEST-CPUS /tmp/out | tr -d '\r')"
expect_line /tmp/out '^GUEST-DONE' || fail "no GUEST-DONE"
[ $RC = 0 ] || fail "brkvm exited $RC after the guest's poweroff (want 0)"
expect_brkvm_gic /tmp/out
cmdline=$(sed -n 's/^GUEST-CMDLINE //p' /tmp/out | tr -d '\r')
[ "$cmdline" = "$BOOTARGS" ] ||
    fail "guest /proc/cmdline differs from -p: got '$cmdline' want '$BOOTARGS'"
uart=$(sed -n 's/^GUEST-UART //p' /tmp/out | tr -d '\r')
echo "$uart" | grep -q 'uart:16550A ' || fail "guest's ttyS0 is not a 16550A: '$uart'"
echo "$uart" | grep -q 'mmio:0x01000000 ' || fail "guest's ttyS0 is not at mmio:0x01000000: '$uart'"
echo "$uart" | grep -q -E ' irq:[1-9][0-9]* ' || fail "guest's ttyS0 has no irq: '$uart'"
guestgic=$(sed -n 's/^GUEST-GIC \([^ ]*\).*/\1/p' /tmp/out | tr -d '\r')
case "$(host_gic):$guestgic" in
v3:GICv3|v2:GIC-0|v2:GICv2) ;;
*) fail "guest's irqchip is '$guestgic' in its /proc/interrupts, host GIC $(host_gic)" ;;
esac
ok "linux guest booted, 2 CPUs, powered off, guest irqchip $guestgic, bootargs intact, $(echo "$uart" | cut -d' ' -f2-4)"
