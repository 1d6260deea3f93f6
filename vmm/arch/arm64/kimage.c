/* kimage.c - find where the guest runs its kernel image (KASLR slide detection) */
#include <brkvm/arm64_kimage.h>

#include <errno.h>
#include <stdbool.h>

struct find_image {
    uint64_t start, end, upper_part; /* the image's GPAs; where the kernel half's top starts */
    uint64_t va, best;
    bool found;
};

static void candidate(void *opaque, const struct arm64_mapping *m)
{
    struct find_image *f = opaque;

    if (m->va >= f->upper_part && m->exec_el1 && m->pa >= f->start && m->pa < f->end &&
        m->size > f->best) {
        f->va = m->va - (m->pa - f->start);
        f->best = m->size;
        f->found = true;
    }
}

int arm64_find_image(const struct arm64_mmu_regs *r, uint64_t ttbr, uint64_t img_start,
                     uint64_t img_end, arm64_read_phys_fn rd, void *opaque, uint64_t *va,
                     uint64_t *size)
{
    unsigned va_bits = 64 - ((r->tcr >> 16) & 0x3f);
    struct find_image f = {.start = img_start, .end = img_end, .upper_part = ~0ULL << (va_bits - 1)};
    int n;

    if (va_bits < 2 || va_bits > 64 || img_end <= img_start)
        return -EINVAL;
    /* a bound on hostile or looping tables, as for monitor info pt */
    n = arm64_enumerate(r, true, ttbr, rd, opaque, 1u << 20, candidate, &f);
    if (n < 0 && n != -E2BIG)
        return n;
    if (!f.found)
        return -ENOENT;
    *va = f.va;
    *size = f.best;
    return 0;
}
