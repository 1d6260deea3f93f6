/* firstbyte.S - bench/stub.sh's start-up guest (row 8): its very first instructions write one
 * byte ('!') to the UART, so the time from the VMM's start to that byte on the VMM's stdout is
 * the VMM's start-up up to the guest's first instruction (plus one UART exit).  Then it prints
 *   GUEST-FIRSTBYTE
 * and powers off.  firstbyte-virt.S builds it for QEMU's virt machine (PL011). */
#include "guest.h"

    .section .text.boot, "ax"
    .global _start
_start:
    mov x1, #UART_BASE
    mov w0, #'!'
    strb w0, [x1, #UART_THR]
    bl install_vectors
    puts_lit "\r\nGUEST-FIRSTBYTE\r\n"
    b psci_system_off
