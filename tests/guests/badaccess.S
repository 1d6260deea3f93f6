/* badaccess.S - accesses to guest-physical 0x2000000, where brkvm has neither RAM nor a device.
 *
 * 1. A plain `ldr w0, [x2]`: KVM reports a valid syndrome, exits to brkvm with KVM_EXIT_MMIO, and
 *    brkvm (which ignores unmapped MMIO) completes it with 0.  The guest prints
 *      GUEST-UNMAPPED-READ value=0x0000000000000000
 *    (w0 is preloaded with 0x5a5a5a5a, so an access that was skipped rather than completed shows).
 * 2. A plain `str w0, [x2]` (ignored likewise), then
 *      GUEST-BADACCESS-LDP pc=<address of the ldp>
 * 3. `ldp x0, x1, [x2]`: a load pair gives KVM no valid syndrome (ESR ISV = 0), so it cannot
 *    emulate the access and KVM_RUN fails with ENOSYS: brkvm must stop with exit code 1 and a
 *    reason.  Anything printed after that line (GUEST-FAIL, GUEST-EXCEPTION) is a failure. */
#include "guest.h"

#define HOLE 0x2000000

    .section .text.boot, "ax"
    .global _start
_start:
    bl install_vectors
    puts_lit "GUEST-BADACCESS start\r\n"
    mov32 x2, HOLE
    mov32 x0, 0x5a5a5a5a
    ldr w0, [x2]
    mov x20, x0
    puts_lit "GUEST-UNMAPPED-READ value="
    mov x0, x20
    bl puthex
    puts_lit "\r\n"
    mov32 x2, HOLE
    mov32 x0, 0x12345678
    str w0, [x2]
    puts_lit "GUEST-BADACCESS-LDP pc="
    adr x0, badaccess_ldp
    bl puthex
    puts_lit "\r\n"
    mov32 x2, HOLE
    .global badaccess_ldp
badaccess_ldp:
    ldp x0, x1, [x2]
    puts_lit "GUEST-FAIL ldp from an unmapped address returned\r\n"
    b psci_system_off
