/* start.S - entry of the C test guests: a stack in .bss, the reporting vector table, main(),
 * then PSCI SYSTEM_OFF.  x0 (the DTB address) is passed on to main. */
#include "guest.h"

    .section .text.boot, "ax"
    .global _start
_start:
    adr x1, stack_top
    mov sp, x1
    mov x19, x0
    bl install_vectors
    mov x0, x19
    bl main
    b psci_system_off

    .bss
    .balign 16
stack:
    .space 16384
stack_top:
