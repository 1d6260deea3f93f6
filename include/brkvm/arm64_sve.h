/* arm64_sve.h - SVE vector lengths (pure): KVM's KVM_REG_ARM64_SVE_VLS bitmap and the length
 * a CPU runs at for a ZCR_EL1.LEN value */
#ifndef BRKVM_ARM64_SVE_H
#define BRKVM_ARM64_SVE_H

#include <stdint.h>

/* vector lengths are counted in quadwords (VQ, 128 bits); the architecture allows 1-16 */
#define ARM64_SVE_VQ_MAX 16
/* KVM_REG_ARM64_SVE_VLS: bit (vq - 1) set when vq is offered, in 8 words (VQ 1-512) */
#define ARM64_SVE_VLS_WORDS 8

/* the largest VQ in vls (capped at ARM64_SVE_VQ_MAX), 0 if none */
unsigned arm64_sve_max_vq(const uint64_t vls[ARM64_SVE_VLS_WORDS]);

/* The VQ in effect for ZCR_EL1 = zcr: LEN (bits 3:0) asks for LEN + 1 quadwords; the CPU takes
 * the largest length it offers that is not longer (at least VQ 1, which every SVE CPU has). */
unsigned arm64_sve_effective_vq(const uint64_t vls[ARM64_SVE_VLS_WORDS], uint64_t zcr);

#endif
