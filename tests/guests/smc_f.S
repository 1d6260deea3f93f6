/* smc_f.S - the function the smc guest rewrites: returns 1 until patched */
    .text
    .global smc_f
    .type smc_f, %function
smc_f:
    mov x0, #1          /* 0xd2800020: the guest patches this word */
    ret
    .size smc_f, . - smc_f
