/* smp.S - two-vCPU guest: vCPU 0 starts vCPU 1 with PSCI CPU_ON and waits for it.
 *
 * vCPU 1 enters at `secondary` with x0 = the context id, records MPIDR_EL1 and the context id in
 * memory, raises a flag, then turns itself off (PSCI CPU_OFF).  vCPU 0 waits up to 10 s (by the
 * generic timer) for the flag and prints one of:
 *   GUEST-SMP-OK cpu1 started mpidr=0x...
 *   GUEST-SMP-FAIL <reason>
 * then powers the VM off.  The MMU is off, so data accesses are uncached and ordered: plain str
 * and ldr are enough to talk between the vCPUs. */
#include "guest.h"

#define CONTEXT_ID  0x5eed1234
#define FLAG_UP     0xc0ffee
#define WAIT_SEC    10

    .section .text.boot, "ax"
    .global _start
_start:
    bl install_vectors
    puts_lit "GUEST-SMP cpu0 up, starting cpu1\r\n"

    mov32 x0, PSCI_CPU_ON
    mov x1, #1                      /* target MPIDR: aff0 = 1 */
    adr x2, secondary               /* entry (physical: MMU off, linked where loaded) */
    mov32 x3, CONTEXT_ID
    hvc #0
    cbz x0, wait
    mov x20, x0
    puts_lit "GUEST-SMP-FAIL CPU_ON returned "
    mov x0, x20
    bl puthex
    puts_lit "\r\n"
    b psci_system_off

wait:                               /* deadline = now + WAIT_SEC * CNTFRQ */
    mrs x20, cntfrq_el0
    cbnz x20, 1f
    mov32 x20, 62500000             /* CNTFRQ unset: assume QEMU's 62.5 MHz */
1:  mov x1, #WAIT_SEC
    mul x20, x20, x1
    isb
    mrs x1, cntvct_el0
    add x20, x20, x1
    adr x21, cpu1_flag
    mov32 x22, FLAG_UP
2:  ldr w0, [x21]
    cmp w0, w22
    b.eq started
    isb
    mrs x1, cntvct_el0
    cmp x1, x20
    b.lo 2b
    puts_lit "GUEST-SMP-FAIL cpu1 did not raise its flag within 10 s\r\n"
    b psci_system_off

started:
    adr x1, cpu1_ctx
    ldr x0, [x1]
    mov32 x1, CONTEXT_ID
    cmp x0, x1
    b.eq 3f
    mov x20, x0
    puts_lit "GUEST-SMP-FAIL cpu1 got context id "
    mov x0, x20
    bl puthex
    puts_lit "\r\n"
    b psci_system_off
3:  adr x1, cpu1_mpidr
    ldr x20, [x1]
    and x0, x20, #0xff              /* Aff0 must be 1 */
    cmp x0, #1
    b.eq 4f
    puts_lit "GUEST-SMP-FAIL cpu1 has mpidr="
    mov x0, x20
    bl puthex
    puts_lit "\r\n"
    b psci_system_off
4:  puts_lit "GUEST-SMP-OK cpu1 started mpidr="
    mov x0, x20
    bl puthex
    puts_lit "\r\n"
    b psci_system_off

/* vCPU 1 starts here: EL1, MMU off, x0 = context id. */
secondary:
    mov x20, x0
    bl install_vectors
    puts_lit "GUEST-SMP cpu1 running\r\n"
    mrs x1, mpidr_el1
    adr x2, cpu1_mpidr
    str x1, [x2]
    adr x2, cpu1_ctx
    str x20, [x2]
    dsb sy
    adr x2, cpu1_flag
    mov32 w1, FLAG_UP
    str w1, [x2]
    dsb sy
    mov32 x0, PSCI_CPU_OFF          /* does not return on success */
    hvc #0
1:  wfi
    b 1b

/* In .data (not .bss) so the flat binary carries the zeroes too. */
    .data
    .balign 8
cpu1_mpidr: .quad 0
cpu1_ctx:   .quad 0
cpu1_flag:  .word 0
