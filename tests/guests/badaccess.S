/* badaccess.S - accesses to guest-physical 0x2000000, where brkvm has neither RAM nor a device.
 *
 * 1. A plain `ldr w0, [x2]`: KVM reports a valid syndrome, exits to brkvm with KVM_EXIT_MMIO, and
 *    brkvm (which ignores unmapped MMIO) completes it with 0.  The guest prints
 *      GUEST-UNMAPPED-READ value=0x0000000000000000
 *    (w0 is preloaded with 0x5a5a5a5a, so an access that was skipped rather than completed shows).
 * 2. A plain `str w0, [x2]` (ignored likewise), then
 *      GUEST-BADACCESS-LDP pc=<address of the ldp>
 * 3. `ldp x0, x1, [x2]`: a load pair gives KVM no valid syndrome (ESR ISV = 0), so it cannot
 *    emulate the access: KVM exits with KVM_EXIT_ARM_NISV and brkvm injects a synchronous
 *    external abort into the guest, whose vector prints
 *      GUEST-BADACCESS-ABORT esr=<ESR_EL1> far=<FAR_EL1> elr=<ELR_EL1>
 *    and powers off (on a KVM without KVM_CAP_ARM_NISV_TO_USER, KVM_RUN fails with ENOSYS and
 *    brkvm ends the run, exit 1, with a line naming the pc).  GUEST-FAIL or GUEST-EXCEPTION
 *    lines are failures. */
#include "guest.h"

#define HOLE 0x2000000

    .section .text.boot, "ax"
    .global _start
_start:
    bl set_abort_vectors
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

/* the vectors: a synchronous exception from the current EL reports itself and powers off */
    vector_table set_abort_vectors, abort_vectors, 4, badaccess_abort

badaccess_abort:
    puts_lit "GUEST-BADACCESS-ABORT esr="
    mrs x0, esr_el1
    bl puthex
    puts_lit " far="
    mrs x0, far_el1
    bl puthex
    puts_lit " elr="
    mrs x0, elr_el1
    bl puthex
    puts_lit "\r\n"
    b psci_system_off
