/* fuzz_loader.c - libFuzzer target: the payload loader (vmm/loader.c: loader_probe, loader_plan,
 * loader_copy, loader_va_to_gpa) over random files, as main.c and boot.c use it, into a fake
 * guest RAM.  Besides the sanitizers it checks:
 *   - nothing is written outside the planned kernel range: all of the fake RAM and the guard
 *     areas around it are poisoned for ASan except [kernel_start, kernel_end), and canaries
 *     right before and after that range must survive loader_copy;
 *   - a refused file or plan gives -ENOEXEC (probe) or -E2BIG/-ERANGE (plan) with a reason, and
 *     is never copied; the same file gives the same answer twice;
 *   - an accepted file is what its kind promises (Image: text_offset 4K-aligned below 2 MiB,
 *     image_size covering the file; ELF: 1..LOADER_MAX_SEGMENTS segments inside the file, file
 *     size <= memory size; flat: at least one instruction);
 *   - a plan lies in RAM: kernel (every ELF segment in it), entry inside the kernel, initrd after
 *     the kernel and below the DTB, the DTB slot at the top of RAM;
 *   - the copy is the file (Image, flat) or each segment's bytes then zeros (ELF, for segments
 *     no later one overlaps);
 *   - loader_va_to_gpa answers 0 only with an address inside the loaded kernel (an ELF segment).
 *
 * Input: 40 bytes of header then the file.  Header byte 0: RAM size = 2 MiB + b0 * 32 KiB;
 * byte 1 (bits 0-1): RAM base 0x80000000 (brkvm's), 0x40000000, 0x40010000 (not 2 MiB aligned),
 * 0; byte 2: bit 0 --load-addr given, bit 1 an initrd, bit 2 --symbols gave _text's link address,
 * bit 3 load address raw (else RAM base + low 24 bits), bit 4 initrd size raw (else its low 24
 * bits); bytes 8-15 load address, 16-23 initrd size, 24-31 link address of _text, 32-39 a VA
 * for loader_va_to_gpa (little endian).
 *
 * Built by tests/fuzz/run.sh (clang -fsanitize=fuzzer) and, for the corpus replay test, with
 * tests/fuzz/replay.c by meson. */
#include <brkvm/loader.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FUZZ_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define FUZZ_ASAN 1
#endif
#ifdef FUZZ_ASAN
#include <sanitizer/asan_interface.h>
#define NO_ASAN __attribute__((no_sanitize_address))
#else
#define ASAN_POISON_MEMORY_REGION(a, n) ((void)(a), (void)(n))
#define ASAN_UNPOISON_MEMORY_REGION(a, n) ((void)(a), (void)(n))
#define NO_ASAN
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#include "fuzz_check.h"

#define HDR 40
#define MIB (1ULL << 20)
#define KIB (1ULL << 10)
#define GUARD (64 * KIB)
#define RAM_MAX (2 * MIB + 255 * 32 * KIB)
#define CANARY 16
#define CANARY_BYTE 0xa5

static uint8_t *arena; /* GUARD | RAM_MAX | GUARD */
static int debug = -1;  /* FUZZ_LOADER_DEBUG set: say what was decided */

static uint64_t get_le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

/* The canaries lie in poisoned memory: write and read them behind ASan's back. */
static NO_ASAN void canary_put(uint8_t *p)
{
    volatile uint8_t *v = p;
    for (unsigned i = 0; i < CANARY; i++)
        v[i] = CANARY_BYTE;
}

static NO_ASAN int canary_ok(const uint8_t *p)
{
    const volatile uint8_t *v = p;
    for (unsigned i = 0; i < CANARY; i++)
        if (v[i] != CANARY_BYTE)
            return 0;
    return 1;
}

static int all_zero(const uint8_t *p, uint64_t n)
{
    for (uint64_t i = 0; i < n; i++)
        if (p[i])
            return 0;
    return 1;
}

static void check_accepted(const struct payload *p, size_t len)
{
    switch (p->kind) {
    case PAYLOAD_IMAGE:
        CHECK(p->text_offset < 2 * MIB && (p->text_offset & 4095) == 0);
        CHECK(p->image_size >= len && !(p->flags & 1));
        break;
    case PAYLOAD_ELF:
        CHECK(p->nr_segments >= 1 && p->nr_segments <= LOADER_MAX_SEGMENTS);
        for (unsigned i = 0; i < p->nr_segments; i++) {
            const struct load_segment *s = &p->seg[i];
            CHECK(s->file_size <= s->mem_size && s->mem_size > 0);
            CHECK(s->file_offset <= len && s->file_size <= len - s->file_offset);
            CHECK(s->gpa + s->mem_size >= s->gpa);
        }
        break;
    case PAYLOAD_FLAT:
        CHECK(len >= 4);
        break;
    default:
        CHECK(!"unknown payload kind");
    }
}

/* The plan for an accepted payload, against the RAM it was given. */
static void check_plan(const struct payload *p, uint64_t file_len, uint64_t ram_base,
                       uint64_t ram_size, uint64_t initrd_size, const struct load_map *m)
{
    uint64_t ram_end = ram_base + ram_size;

    CHECK(m->dtb_start == ram_end - LOADER_DTB_MAX && m->dtb_start >= ram_base);
    CHECK((m->dtb_start & 7) == 0); /* booting.rst: the DTB 8-byte aligned (RAM is 32K-aligned) */
    CHECK(m->kernel_start >= ram_base && m->kernel_start <= m->kernel_end &&
          m->kernel_end <= m->dtb_start);
    CHECK(m->entry >= m->kernel_start && m->entry < m->kernel_end);
    switch (p->kind) {
    case PAYLOAD_IMAGE:
        CHECK(m->kernel_end - m->kernel_start == p->image_size);
        CHECK(((m->kernel_start - p->text_offset) & (2 * MIB - 1)) == 0);
        break;
    case PAYLOAD_FLAT:
        CHECK(m->kernel_end - m->kernel_start == file_len);
        break;
    case PAYLOAD_ELF:
        for (unsigned i = 0; i < p->nr_segments; i++)
            CHECK(p->seg[i].gpa >= m->kernel_start &&
                  p->seg[i].gpa + p->seg[i].mem_size <= m->kernel_end);
        break;
    }
    if (initrd_size) {
        CHECK(m->initrd_end - m->initrd_start == initrd_size);
        CHECK(m->initrd_start >= m->kernel_end && m->initrd_end <= m->dtb_start);
        CHECK((m->initrd_start & 4095) == 0);
    } else {
        CHECK(m->initrd_start == 0 && m->initrd_end == 0);
    }
}

/* What loader_copy left in RAM (the kernel range, the only part readable). */
static void check_copy(const struct payload *p, const uint8_t *file, uint64_t file_len,
                       const struct load_map *m, const uint8_t *ram, uint64_t ram_base)
{
    if (p->kind != PAYLOAD_ELF) {
        CHECK(!memcmp(ram + (m->kernel_start - ram_base), file, file_len));
        return;
    }
    for (unsigned i = 0; i < p->nr_segments; i++) {
        const struct load_segment *s = &p->seg[i];
        const uint8_t *dst = ram + (s->gpa - ram_base);
        int overlapped = 0;
        for (unsigned j = i + 1; j < p->nr_segments; j++)
            if (p->seg[j].gpa < s->gpa + s->mem_size && s->gpa < p->seg[j].gpa + p->seg[j].mem_size)
                overlapped = 1;
        if (overlapped)
            continue;
        CHECK(!memcmp(dst, file + s->file_offset, s->file_size));
        CHECK(all_zero(dst + s->file_size, s->mem_size - s->file_size));
    }
}

static void check_va_to_gpa(const struct payload *p, const struct load_map *m, int has_link,
                            uint64_t link, uint64_t va)
{
    uint64_t gpa = 0;
    int r = loader_va_to_gpa(p, m, has_link, link, va, &gpa);

    CHECK(r == 0 || r == -ENOENT);
    if (r)
        return;
    CHECK(p->kind != PAYLOAD_FLAT);
    CHECK(gpa >= m->kernel_start && gpa < m->kernel_end);
    if (p->kind == PAYLOAD_ELF) {
        int in = 0;
        for (unsigned i = 0; i < p->nr_segments; i++)
            in |= gpa - p->seg[i].gpa < p->seg[i].mem_size;
        CHECK(in);
    } else {
        CHECK(has_link && gpa - m->kernel_start == va - link);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint64_t bases[4] = {0x80000000ULL, 0x40000000ULL, 0x40010000ULL, 0};
    struct payload p, p2;
    struct load_map m;
    const char *why = NULL, *why2 = NULL;
    uint64_t ram_size, ram_base, load_addr, initrd_size, link, va;
    const uint8_t *file;
    uint8_t *ram, *kstart, *kend;
    size_t len;
    int has_load, has_link, r, r2;

    if (!arena) {
        arena = malloc(GUARD + RAM_MAX + GUARD);
        CHECK(arena);
    }
    if (size < HDR)
        return 0;
    ram_size = 2 * MIB + data[0] * 32 * KIB;
    ram_base = bases[data[1] & 3];
    has_load = data[2] & 1;
    has_link = (data[2] >> 2) & 1;
    load_addr = get_le64(data + 8);
    if (!(data[2] & 8))
        load_addr = ram_base + (load_addr & 0xffffff);
    initrd_size = 0;
    if (data[2] & 2)
        initrd_size = data[2] & 16 ? get_le64(data + 16) : get_le64(data + 16) & 0xffffff;
    link = get_le64(data + 24);
    va = get_le64(data + 32);
    file = data + HDR;
    len = size - HDR;

    if (debug < 0)
        debug = getenv("FUZZ_LOADER_DEBUG") != NULL;
    r = loader_probe(file, len, &p, &why);
    if (debug)
        fprintf(stderr, "fuzz_loader: probe %d: %s\n", r, r ? why : loader_kind_name(p.kind));
    CHECK(r == 0 || r == -ENOEXEC);
    r2 = loader_probe(file, len, &p2, &why2);
    CHECK(r2 == r);
    if (r) {
        CHECK(why && *why && why2 == why);
        return 0;
    }
    CHECK(p2.kind == p.kind && p2.nr_segments == p.nr_segments && p2.entry == p.entry &&
          p2.image_size == p.image_size && p2.text_offset == p.text_offset);
    check_accepted(&p, len);
    /* main.c refuses --load-addr for anything but a flat binary before planning */
    if (p.kind != PAYLOAD_FLAT)
        has_load = 0;

    why = NULL;
    r = loader_plan(&p, len, ram_base, ram_size, has_load, load_addr, initrd_size, &m, &why);
    if (debug)
        fprintf(stderr, "fuzz_loader: plan %d: %s kernel %#llx-%#llx entry %#llx initrd %#llx\n",
                r, r ? why : "ok", (unsigned long long)m.kernel_start,
                (unsigned long long)m.kernel_end, (unsigned long long)m.entry,
                (unsigned long long)m.initrd_start);
    CHECK(r == 0 || r == -E2BIG || r == -ERANGE);
    if (r) {
        CHECK(why && *why);
        return 0; /* refused: main.c stops before anything is copied */
    }
    check_plan(&p, len, ram_base, ram_size, initrd_size, &m);

    /* RAM at arena + GUARD: everything poisoned but the kernel range, canaries around it */
    ram = arena + GUARD;
    kstart = ram + (m.kernel_start - ram_base);
    kend = ram + (m.kernel_end - ram_base);
    ASAN_POISON_MEMORY_REGION(arena, GUARD + RAM_MAX + GUARD);
    ASAN_UNPOISON_MEMORY_REGION(kstart, (size_t)(kend - kstart));
    canary_put(kstart - CANARY);
    canary_put(kend);
    loader_copy(&p, file, len, &m, ram, ram_base);
    CHECK(canary_ok(kstart - CANARY) && canary_ok(kend));
    check_copy(&p, file, len, &m, ram, ram_base);
    ASAN_UNPOISON_MEMORY_REGION(arena, GUARD + RAM_MAX + GUARD);

    check_va_to_gpa(&p, &m, has_link, link, va);
    /* and an address the payload surely has, when it has one */
    if (p.kind == PAYLOAD_ELF)
        check_va_to_gpa(&p, &m, has_link, link, p.seg[va % p.nr_segments].va + va % 4096);
    else if (has_link)
        check_va_to_gpa(&p, &m, has_link, link, link + va % (m.kernel_end - m.kernel_start + 1));
    return 0;
}
