/* hello.S - the smallest useful guest: print a marker line on the UART, then PSCI SYSTEM_OFF.
 *
 * Expected output:
 *   brkvm hello guest: PASS
 *   GUEST-HELLO-OK el=0x...1 dtb=0x...
 * Works as an ELF (loaded by program headers, entry _start) and as a flat binary at LOAD_ADDR:
 * it only uses PC-relative addressing. */
#include "guest.h"

    .section .text.boot, "ax"
    .global _start
_start:
    mov x20, x0                     /* x0 = DTB address from the VMM */
    bl install_vectors
    puts_lit "brkvm hello guest: PASS\r\n"
    puts_lit "GUEST-HELLO-OK el="
    mrs x0, CurrentEL
    lsr x0, x0, #2                  /* CurrentEL[3:2] = EL; expect 1 */
    bl puthex
    puts_lit " dtb="
    mov x0, x20
    bl puthex
    puts_lit "\r\n"
    b psci_system_off
