/* guest.h - constants and macros shared by the bare-metal arm64 test guests (included by .S).
 *
 * The machine brkvm gives a guest: RAM at 0x80000000, an 8250 UART at 0x1000000 (byte
 * registers), PSCI 0.2 through `hvc #0`.  Boot state: EL1h, MMU and caches off, DAIF masked,
 * x0 = DTB address.  With the MMU off every data access is Device-nGnRnE, so plain ldr/str are
 * coherent between vCPUs, and unaligned accesses fault: keep data naturally aligned.
 */
#ifndef GUEST_H
#define GUEST_H

#ifdef QEMU_VIRT
/* The *-virt.elf variants (lib-virt.S) for QEMU's virt machine, to run the same gdb scripts
 * against QEMU's gdbstub (tests/nested/peer/): RAM at 0x40000000, a PL011 at 0x9000000 whose
 * FR.TXFE (offset 0x18, bit 7) stands in for LSR.THRE; DR at offset 0 like THR. */
#define LOAD_ADDR       0x40080000
#define UART_BASE       0x09000000
#define UART_THR        0           /* PL011 UARTDR */
#define UART_LSR        0x18        /* PL011 UARTFR */
#define UART_LSR_THRE   7           /* UARTFR.TXFE: transmit FIFO empty */
#else
#define LOAD_ADDR       0x80080000
#define UART_BASE       0x01000000
#define UART_THR        0           /* transmit holding register (write) */
#define UART_LSR        5           /* line status register */
#define UART_LSR_THRE   5           /* bit: transmit holding register empty */
#endif

#define PSCI_CPU_OFF    0x84000002
#define PSCI_SYSTEM_OFF 0x84000008
#define PSCI_SYSTEM_RESET 0x84000009
#define PSCI_CPU_ON     0xC4000003  /* SMC64 variant: x1 = MPIDR, x2 = entry, x3 = context id */

/* mov32 Xd, imm32: load a 32-bit constant without a literal pool. */
.macro mov32 reg, imm
    movz \reg, #((\imm) & 0xffff)
    movk \reg, #(((\imm) >> 16) & 0xffff), lsl #16
.endm

/* puts_lit "text": print a string literal placed in .rodata (clobbers x0-x4, x30). */
.macro puts_lit str
    .pushsection .rodata.str, "a"
9998: .asciz "\str"
    .popsection
    adr x0, 9998b
    bl puts
.endm

/* exc_save: a handler's first act, x0-x3 (its scratch registers) pushed on the current stack;
 * exc_return: its last, x0-x3 popped and eret */
.macro exc_save
    stp x0, x1, [sp, #-32]!
    stp x2, x3, [sp, #16]
.endm

.macro exc_return
    ldp x2, x3, [sp, #16]
    ldp x0, x1, [sp], #32
    eret
.endm

/* vector_table SETTER, TABLE, SLOT, HANDLER: a 16-slot exception vector table TABLE (2 KiB
 * aligned, 0x80 per slot) whose slot SLOT (-1: none) branches to HANDLER, every other slot
 * recording its index in x19 and branching to guest_exception (lib.S: prints GUEST-EXCEPTION
 * and powers off), and a function SETTER that installs it in VBAR_EL1 (clobbers x0). */
.macro vector_table setter, table, slot, handler
    .text
    .global \setter
\setter:
    adr x0, \table
    msr vbar_el1, x0
    isb
    ret
    .balign 2048
    .global \table
\table:
    .irp i, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
    .balign 0x80
    .if \i == \slot
    b \handler
    .else
    mov x19, #\i
    b guest_exception
    .endif
    .endr
.endm

#endif
