/* sve_f.S - the register work of sve.c, where the compiler cannot touch the vector registers
 * between setting them and gdb's stops (sve_short_stop, sve_stop, fp_stop: plain symbols for
 * `break *SYMBOL`).  Built with -march=armv8-a+sve. */

    .text
    /* x5 = the guest's CNTD (its vector length in 64-bit granules) at the stop */
    .global sve_short, sve_short_stop
    .type sve_short, %function
sve_short:
    cntd x5
sve_short_stop:
    nop
    ret

    /* x0 = struct probe *: z0.b[i] = i, p0 = ptrue .h vl3 (bits 0, 2, 4), ffr all true,
     * z1 = 0, x5 = CNTD; stop; then record z1.d[0], z1.d[last], whether z0 is intact, CNTD */
    .global sve_probe, sve_stop
    .type sve_probe, %function
sve_probe:
    index z0.b, #0, #1
    ptrue p0.h, vl3
    setffr
    dup z1.b, #0
    cntd x5
sve_stop:
    nop
    ptrue p1.d
    fmov x1, d1
    lastb x2, p1, z1.d
    index z2.b, #0, #1
    eor z2.d, z2.d, z0.d
    ptrue p2.b
    umaxv b3, p2, z2.b
    fmov w3, s3
    cntd x4
    stp x1, x2, [x0]
    stp x3, x4, [x0, #16]
    ret

    /* x0 = struct probe *: v0 = bytes 0-15, v1 = 0; stop; then record v1's two halves */
    .global fp_probe, fp_stop
    .type fp_probe, %function
fp_probe:
    adr x1, fp_pattern
    ldr q0, [x1]
    movi v1.2d, #0
fp_stop:
    nop
    fmov x1, d1
    mov x2, v1.d[1]
    stp x1, x2, [x0]
    ret

    .balign 16
fp_pattern:
    .quad 0x0706050403020100, 0x0f0e0d0c0b0a0908
