/* sve.c - SVE vector-length maths (pure: see include/brkvm/arm64_sve.h) */
#include <brkvm/arm64_sve.h>

#include <stdbool.h>

static bool vq_offered(const uint64_t vls[ARM64_SVE_VLS_WORDS], unsigned vq)
{
    return (vls[(vq - 1) / 64] >> ((vq - 1) % 64)) & 1;
}

unsigned arm64_sve_max_vq(const uint64_t vls[ARM64_SVE_VLS_WORDS])
{
    for (unsigned vq = ARM64_SVE_VQ_MAX; vq > 0; vq--)
        if (vq_offered(vls, vq))
            return vq;
    return 0;
}

unsigned arm64_sve_effective_vq(const uint64_t vls[ARM64_SVE_VLS_WORDS], uint64_t zcr)
{
    for (unsigned vq = (unsigned)(zcr & 0xf) + 1; vq > 1; vq--)
        if (vq_offered(vls, vq))
            return vq;
    return 1;
}
