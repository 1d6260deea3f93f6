/* lib.S - helpers for the bare-metal test guests: UART output, PSCI power-off and an exception
 * vector table that reports any unexpected exception on the UART and powers the VM off.
 * Position independent (only adr / PC-relative branches), leaf routines, no stack use. */
#include "guest.h"

    .text

/* putc: w0 = byte.  Polls LSR.THRE a bounded number of times, then writes THR anyway, so a VMM
 * whose LSR is wrong still shows the output instead of hanging.  Clobbers x1-x3. */
    .global putc
putc:
    mov x1, #UART_BASE
    mov w2, #0x10000
1:  ldrb w3, [x1, #UART_LSR]
    tbnz w3, #UART_LSR_THRE, 2f
    subs w2, w2, #1
    b.ne 1b
2:  strb w0, [x1, #UART_THR]
    ret

/* puts: x0 = NUL-terminated string.  Clobbers x0-x4. */
    .global puts
puts:
    mov x4, x0
    mov x1, #UART_BASE
1:  ldrb w0, [x4], #1
    cbz w0, 3f
    mov w2, #0x10000
2:  ldrb w3, [x1, #UART_LSR]
    tbnz w3, #UART_LSR_THRE, 4f
    subs w2, w2, #1
    b.ne 2b
4:  strb w0, [x1, #UART_THR]
    b 1b
3:  ret

/* puthex: x0 = value, printed as 0x followed by 16 hex digits.  Writes THR without polling
 * (brkvm's UART transmits instantly; puts already polled before).  Clobbers x0-x5. */
    .global puthex
puthex:
    mov x5, x0
    mov x1, #UART_BASE
    mov w0, #'0'
    strb w0, [x1, #UART_THR]
    mov w0, #'x'
    strb w0, [x1, #UART_THR]
    mov x4, #60                     /* shift of the next nibble */
1:  lsr x0, x5, x4
    and x0, x0, #0xf
    cmp x0, #10
    add x2, x0, #'0'
    add x3, x0, #('a' - 10)
    csel x0, x2, x3, lo
    strb w0, [x1, #UART_THR]
    subs x4, x4, #4
    b.ge 1b
    ret

/* psci_system_off: never returns.  If SYSTEM_OFF fails, say so and park the vCPU. */
    .global psci_system_off
psci_system_off:
    mov32 x0, PSCI_SYSTEM_OFF
    hvc #0
    puts_lit "GUEST-FAIL PSCI SYSTEM_OFF returned\r\n"
1:  wfi
    b 1b

/* install_vectors: VBAR_EL1 = vectors, a table whose every slot reports the exception */
    vector_table install_vectors, vectors, -1, guest_exception

/* guest_exception: the report of an exception a guest does not handle (x19: the vector slot):
 * GUEST-EXCEPTION vec=<i> esr=<ESR_EL1> elr=<ELR_EL1> far=<FAR_EL1>, then power off. */
    .global guest_exception
guest_exception:
    puts_lit "GUEST-EXCEPTION vec="
    mov x0, x19
    bl puthex
    puts_lit " esr="
    mrs x0, esr_el1
    bl puthex
    puts_lit " elr="
    mrs x0, elr_el1
    bl puthex
    puts_lit " far="
    mrs x0, far_el1
    bl puthex
    puts_lit "\r\n"
    b psci_system_off
