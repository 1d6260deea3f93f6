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

/* the va - pa offsets of the kernel's linear map candidates, with the bytes each covers */
struct find_linear {
    uint64_t start, end, lower, upper_part;
    uint64_t delta[16], bytes[16];
    unsigned n;
};

static void linear_candidate(void *opaque, const struct arm64_mapping *m)
{
    struct find_linear *f = opaque;
    uint64_t lo = m->pa > f->start ? m->pa : f->start;
    uint64_t hi = m->pa + m->size < f->end ? m->pa + m->size : f->end;
    unsigned i;

    if (m->va < f->lower || m->va >= f->upper_part || m->exec_el1 || m->user || lo >= hi)
        return;
    for (i = 0; i < f->n && f->delta[i] != m->va - m->pa; i++)
        ;
    if (i == f->n) {
        if (f->n == 16)
            return;
        f->delta[f->n++] = m->va - m->pa;
    }
    f->bytes[i] += hi - lo;
}

int arm64_find_linear_map(const struct arm64_mmu_regs *r, uint64_t ttbr, uint64_t ram_start,
                          uint64_t ram_end, arm64_read_phys_fn rd, void *opaque, uint64_t *va)
{
    unsigned va_bits = 64 - ((r->tcr >> 16) & 0x3f);
    struct find_linear f = {.start = ram_start, .end = ram_end};
    uint64_t best = 0;
    int n;

    if (va_bits < 2 || va_bits > 64 || ram_end <= ram_start)
        return -EINVAL;
    f.upper_part = ~0ULL << (va_bits - 1);
    f.lower = va_bits == 64 ? 0 : ~0ULL << va_bits;
    n = arm64_enumerate(r, true, ttbr, rd, opaque, 1u << 20, linear_candidate, &f);
    if (n < 0 && n != -E2BIG)
        return n;
    for (unsigned i = 0; i < f.n; i++)
        if (f.bytes[i] > best) {
            best = f.bytes[i];
            *va = ram_start + f.delta[i];
        }
    return best ? 0 : -ENOENT;
}
