/* reset.S - print a marker line, then ask for a reset with PSCI SYSTEM_RESET.
 *
 * Expected output:
 *   GUEST-RESET-REQUEST
 * and then brkvm exits 0 saying the guest requested a reset.  If SYSTEM_RESET returns, the guest
 * prints GUEST-FAIL and powers off instead (brkvm's message then says "powered off"). */
#include "guest.h"

    .section .text.boot, "ax"
    .global _start
_start:
    bl install_vectors
    puts_lit "GUEST-RESET-REQUEST\r\n"
    mov32 x0, PSCI_SYSTEM_RESET
    hvc #0
    mov x20, x0
    puts_lit "GUEST-FAIL PSCI SYSTEM_RESET returned "
    mov x0, x20
    bl puthex
    puts_lit "\r\n"
    b psci_system_off
