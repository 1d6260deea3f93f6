/* pvpanic.S - a guest that reports a panic through the pvpanic device (--pvpanic), as Linux's
 * pvpanic-mmio driver does: read the register (the events the device supports), write
 * PVPANIC_PANICKED, then go on and power off (what happens in between is brkvm's --on-panic).
 *
 * Expected output:
 *   GUEST-PVPANIC events=0x...3
 *   GUEST-PVPANIC-AFTER            (only when brkvm let the guest go on: --on-panic none)
 */
#include "guest.h"

#define PVPANIC_BASE 0x01020000

    .section .text.boot, "ax"
    .global _start
_start:
    bl install_vectors
    puts_lit "GUEST-PVPANIC events="
    mov32 x19, PVPANIC_BASE
    ldrb w0, [x19]
    bl puthex
    puts_lit "\r\n"
    mov w0, #1                      /* PVPANIC_PANICKED */
    strb w0, [x19]
    puts_lit "GUEST-PVPANIC-AFTER\r\n"
    b psci_system_off
