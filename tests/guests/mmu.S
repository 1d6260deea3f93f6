/* mmu.S - a guest that turns its own MMU on, for debugger tests of guest-virtual addresses.
 *
 * Builds 4K-granule stage-1 tables in .bss (48-bit VAs: T0SZ = T1SZ = 16, IPS 40 bits):
 *   TTBR0: identity map, 1 GiB blocks: 0x0 (device, the UART) and 0x80000000 (normal WB)
 *   TTBR1: a higher-half alias of the first 2 MiB of RAM through 4 levels (L0-L1-L2-L3 pages):
 *          VA 0xffff000080000000 + x -> PA 0x80000000 + x (x < 2 MiB); nothing else mapped
 * then enables the MMU with caches on and calls the high alias of hi_work, which calls hi_tick
 * five times (each increments `ticks`) and adds ticks to `hi_var`, all through the high alias
 * (its PC-relative adr gives high addresses), records its own runtime address in `hi_pc`, and
 * passes hi_done.  Back at the low (identity) addresses main prints
 *   GUEST-MMU ticks=0x..5 var=0x..1005 magic=0x..1111 pc=0xffff0000800800..
 * (a debugger that writes `magic` at hi_done changes the magic value) and powers off.
 * Position independent (adr only), so it also works as a flat binary. */
#include "guest.h"

#define DESC_TABLE  0x3
#define DESC_BLOCK  0x1
#define DESC_PAGE   0x3
#define DESC_AF     (1 << 10)
#define DESC_SH_IS  (3 << 8)
#define ATTR_DEV    (0 << 2)        /* MAIR index 0: Device-nGnRnE */
#define ATTR_NORMAL (1 << 2)        /* MAIR index 1: Normal, write-back */
/* TCR: T0SZ=16 IRGN0=ORGN0=WB SH0=IS TG0=4K | T1SZ=16 IRGN1=ORGN1=WB SH1=IS TG1=4K | IPS=40 bits */
#define TCR_LO      0x3510          /* 16 | 1<<8 | 1<<10 | 3<<12 */
#define TCR_HI16    0xb510          /* bits 16-31: T1SZ=16, IRGN1, ORGN1, SH1, TG1=0b10 */
#define TCR_IPS     0x2             /* bits 32-34: 0b010 = 40 bits */

    .section .text.boot, "ax"
    .global _start
_start:
    adr x1, stack_top
    mov sp, x1
    bl install_vectors

    /* zero the tables (the loader gives zeroed RAM, but a flat binary has no .bss contents) */
    adr x0, tables
    adr x1, tables_end
1:  stp xzr, xzr, [x0], #16
    cmp x0, x1
    b.lo 1b

    /* TTBR0: identity */
    adr x0, l0_lo
    adr x1, l1_lo
    orr x2, x1, #DESC_TABLE
    str x2, [x0]
    mov x2, #(DESC_AF | ATTR_DEV | DESC_BLOCK)             /* PA 0: devices */
    str x2, [x1]
    movz x2, #0x8000, lsl #16
    mov x4, #(DESC_AF | DESC_SH_IS | ATTR_NORMAL | DESC_BLOCK)  /* PA 0x80000000: RAM */
    orr x2, x2, x4
    str x2, [x1, #16]

    /* TTBR1: 0xffff000080000000.. (L0 index 0, L1 index 2, L2 index 0) -> 512 pages of RAM */
    adr x0, l0_hi
    adr x1, l1_hi
    orr x2, x1, #DESC_TABLE
    str x2, [x0]
    adr x0, l2_hi
    orr x2, x0, #DESC_TABLE
    str x2, [x1, #16]
    adr x1, l3_hi
    orr x2, x1, #DESC_TABLE
    str x2, [x0]
    movz x2, #0x8000, lsl #16
    mov x4, #(DESC_AF | DESC_SH_IS | ATTR_NORMAL | DESC_PAGE)
    orr x2, x2, x4
    mov x3, #512
2:  str x2, [x1], #8
    add x2, x2, #4096
    subs x3, x3, #1
    b.ne 2b

    mov x0, #0xff00                 /* attr0 = 0x00 device nGnRnE, attr1 = 0xff normal WB */
    msr mair_el1, x0
    movz x0, #TCR_LO
    movk x0, #TCR_HI16, lsl #16
    movk x0, #TCR_IPS, lsl #32
    msr tcr_el1, x0
    adr x0, l0_lo
    msr ttbr0_el1, x0
    adr x0, l0_hi
    msr ttbr1_el1, x0
    dsb ish
    isb
    tlbi vmalle1
    dsb nsh
    isb
    mrs x0, sctlr_el1
    orr x0, x0, #1                  /* M */
    orr x0, x0, #(1 << 2)           /* C */
    orr x0, x0, #(1 << 12)          /* I */
    msr sctlr_el1, x0
    isb
    .global mmu_on
mmu_on:
    puts_lit "GUEST-MMU on\r\n"

    adr x0, hi_work
    movz x1, #0xffff, lsl #48
    add x0, x0, x1
    blr x0                          /* hi_work at its high alias */

    puts_lit "GUEST-MMU ticks="
    adr x0, ticks
    ldr x0, [x0]
    bl puthex
    puts_lit " var="
    adr x0, hi_var
    ldr x0, [x0]
    bl puthex
    puts_lit " magic="
    adr x0, magic
    ldr x0, [x0]
    bl puthex
    puts_lit " pc="
    adr x0, hi_pc
    ldr x0, [x0]
    bl puthex
    puts_lit "\r\n"
    b psci_system_off

/* runs at the high alias: every adr below yields a 0xffff0000... address */
    .text
    .balign 16
    .global hi_work
hi_work:
    stp x29, x30, [sp, #-16]!
    mov x29, sp
    mov x21, #5
1:  bl hi_tick
    subs x21, x21, #1
    b.ne 1b
    adr x0, ticks
    ldr x1, [x0]
    adr x2, hi_var
    ldr x3, [x2]
    add x3, x3, x1
    str x3, [x2]
    adr x0, hi_work
    adr x2, hi_pc
    str x0, [x2]
    .global hi_done
hi_done:
    nop
    ldp x29, x30, [sp], #16
    ret

    .global hi_tick
hi_tick:
    adr x0, ticks
    ldr x1, [x0]
    add x1, x1, #1
    str x1, [x0]
    ret

    .data
    .balign 8
    .global ticks, hi_var, magic, hi_pc
ticks:  .quad 0
hi_var: .quad 0x1000
magic:  .quad 0x1111
hi_pc:  .quad 0

    .bss
    .balign 4096
tables:
l0_lo:  .space 4096
l1_lo:  .space 4096
l0_hi:  .space 4096
l1_hi:  .space 4096
l2_hi:  .space 4096
l3_hi:  .space 4096
tables_end:
    .balign 16
stack:
    .space 4096
stack_top:
