/* loader.c - recognising and placing guest payloads: arm64 Image, ELF, flat binary (pure) */
#include <brkvm/loader.h>

#include <elf.h>
#include <errno.h>
#include <string.h>

#define SZ_2M (2ULL << 20)
#define SZ_4K 4096ULL
#define ALIGN_DOWN(x, a) ((x) & ~((uint64_t)(a)-1))

const char *loader_kind_name(enum payload_kind kind)
{
    switch (kind) {
    case PAYLOAD_IMAGE: return "arm64 Image";
    case PAYLOAD_ELF: return "ELF";
    case PAYLOAD_FLAT: return "flat binary";
    }
    return "?";
}

static uint32_t get_le32(const uint8_t *p)
{
    return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get_le64(const uint8_t *p)
{
    return get_le32(p) | (uint64_t)get_le32(p + 4) << 32;
}

/* Formats we recognise only to refuse them with a useful message. */
static const char *probe_unsupported(const uint8_t *b, size_t len)
{
    static const struct {
        size_t off, n;
        const char *magic;
        const char *why;
    } known[] = {
        {0, 2, "\x1f\x8b", "gzip-compressed: decompress it first (e.g. zcat Image.gz > Image)"},
        {0, 6, "\xfd" "7zXZ\0", "xz-compressed: decompress it first"},
        {0, 4, "\x28\xb5\x2f\xfd", "zstd-compressed: decompress it first"},
        {0, 3, "BZh", "bzip2-compressed: decompress it first"},
        {0, 4, "\x04\x22\x4d\x18", "lz4-compressed: decompress it first"},
        {4, 4, "zimg", "an EFI zboot compressed kernel: use the uncompressed Image"},
        {0, 4, "\x27\x05\x19\x56", "a U-Boot uImage: use the plain Image inside it"},
        {0x24, 4, "\x18\x28\x6f\x01", "a 32-bit arm zImage: brkvm boots arm64 guests only"},
        {0, 2, "#!", "a script, not a kernel"},
        {0, 4, "\xd0\x0d\xfe\xed", "a device tree blob, not a kernel"},
        {0, 6, "070701", "a cpio archive (an initrd?), not a kernel: pass it with --initrd"},
    };
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
        if (len >= known[i].off + known[i].n &&
            !memcmp(b + known[i].off, known[i].magic, known[i].n))
            return known[i].why;
    return NULL;
}

static int probe_elf(const uint8_t *b, size_t len, struct payload *p, const char **why)
{
    const Elf64_Ehdr *eh = (const void *)b;
    Elf64_Ehdr h;

    if (len < sizeof(h)) {
        *why = "a truncated ELF file";
        return -ENOEXEC;
    }
    memcpy(&h, eh, sizeof(h));
    if (h.e_ident[EI_CLASS] != ELFCLASS64 || h.e_ident[EI_DATA] != ELFDATA2LSB ||
        h.e_machine != EM_AARCH64) {
        *why = "an ELF file for another machine: brkvm needs a 64-bit little-endian AArch64 ELF";
        return -ENOEXEC;
    }
    if (h.e_type != ET_EXEC) {
        *why = "an ELF file that is not an executable (ET_EXEC)";
        return -ENOEXEC;
    }
    if (h.e_phentsize != sizeof(Elf64_Phdr) || h.e_phnum == 0 || h.e_phoff > len ||
        (uint64_t)h.e_phnum * sizeof(Elf64_Phdr) > len - h.e_phoff) {
        *why = "an ELF file with missing or truncated program headers";
        return -ENOEXEC;
    }
    p->kind = PAYLOAD_ELF;
    p->entry = h.e_entry;
    p->nr_segments = 0;
    for (unsigned i = 0; i < h.e_phnum; i++) {
        Elf64_Phdr ph;
        memcpy(&ph, b + h.e_phoff + i * sizeof(ph), sizeof(ph));
        if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
            continue;
        if (ph.p_filesz > ph.p_memsz || ph.p_offset > len || ph.p_filesz > len - ph.p_offset ||
            ph.p_paddr + ph.p_memsz < ph.p_paddr) {
            *why = "an ELF file with a PT_LOAD segment outside the file";
            return -ENOEXEC;
        }
        if (p->nr_segments == LOADER_MAX_SEGMENTS) {
            *why = "an ELF file with too many PT_LOAD segments";
            return -ENOEXEC;
        }
        /* MMU off at entry: a virtual entry point inside a segment becomes physical */
        if (h.e_entry >= ph.p_vaddr && h.e_entry - ph.p_vaddr < ph.p_memsz)
            p->entry = h.e_entry - ph.p_vaddr + ph.p_paddr;
        p->seg[p->nr_segments++] = (struct load_segment){
            .gpa = ph.p_paddr, .va = ph.p_vaddr, .file_offset = ph.p_offset,
            .file_size = ph.p_filesz, .mem_size = ph.p_memsz,
        };
    }
    if (!p->nr_segments) {
        *why = "an ELF file with nothing to load (no PT_LOAD segment)";
        return -ENOEXEC;
    }
    return 0;
}

int loader_probe(const uint8_t *buf, size_t len, struct payload *p, const char **why)
{
    const char *bad;

    memset(p, 0, sizeof(*p));
    if (len == 0) {
        *why = "an empty file";
        return -ENOEXEC;
    }
    if (len >= sizeof(struct arm64_image_header) && get_le32(buf + 0x38) == ARM64_IMAGE_MAGIC) {
        p->kind = PAYLOAD_IMAGE;
        p->text_offset = get_le64(buf + 8);
        p->image_size = get_le64(buf + 16);
        p->flags = get_le64(buf + 24);
        if (p->image_size == 0) { /* kernels before 3.17: fixed offset, size unknown */
            p->text_offset = 0x80000;
            p->image_size = len;
        }
        if (p->flags & 1) {
            *why = "a big-endian arm64 Image: brkvm boots little-endian guests only";
            return -ENOEXEC;
        }
        if (p->text_offset >= SZ_2M || (p->text_offset & (SZ_4K - 1))) {
            *why = "an arm64 Image with an invalid text_offset in its header";
            return -ENOEXEC;
        }
        if (p->image_size < len)
            p->image_size = len;
        return 0;
    }
    if (len >= 4 && !memcmp(buf, ELFMAG, SELFMAG))
        return probe_elf(buf, len, p, why);
    bad = probe_unsupported(buf, len);
    if (bad) {
        *why = bad;
        return -ENOEXEC;
    }
    if (len < 4) {
        *why = "too short to hold even one instruction";
        return -ENOEXEC;
    }
    p->kind = PAYLOAD_FLAT;
    return 0;
}

int loader_plan(const struct payload *p, uint64_t file_len, uint64_t ram_base, uint64_t ram_size,
                int has_load_addr, uint64_t load_addr, uint64_t initrd_size,
                struct load_map *map, const char **why)
{
    uint64_t ram_end = ram_base + ram_size;

    memset(map, 0, sizeof(*map));
    if (ram_size < LOADER_DTB_MAX + SZ_2M) {
        *why = "not enough RAM for the kernel and its device tree";
        return -E2BIG;
    }
    map->dtb_start = ram_end - LOADER_DTB_MAX;

    switch (p->kind) {
    case PAYLOAD_IMAGE:
        map->kernel_start = ALIGN_DOWN(ram_base + SZ_2M - 1, SZ_2M) + p->text_offset;
        map->kernel_end = map->kernel_start + p->image_size;
        map->entry = map->kernel_start;
        break;
    case PAYLOAD_FLAT:
        map->kernel_start = has_load_addr ? load_addr : ram_base + LOADER_FLAT_OFFSET;
        map->kernel_end = map->kernel_start + file_len;
        map->entry = map->kernel_start;
        if (map->kernel_start < ram_base || map->kernel_start >= ram_end) {
            *why = "--load-addr is outside guest RAM";
            return -ERANGE;
        }
        break;
    case PAYLOAD_ELF:
        map->kernel_start = UINT64_MAX;
        for (unsigned i = 0; i < p->nr_segments; i++) {
            const struct load_segment *s = &p->seg[i];
            if (s->gpa < ram_base || s->gpa + s->mem_size > map->dtb_start) {
                *why = "an ELF segment lies outside guest RAM (check its p_paddr and --mem)";
                return -ERANGE;
            }
            if (s->gpa < map->kernel_start)
                map->kernel_start = s->gpa;
            if (s->gpa + s->mem_size > map->kernel_end)
                map->kernel_end = s->gpa + s->mem_size;
        }
        map->entry = p->entry;
        if (map->entry < map->kernel_start || map->entry >= map->kernel_end) {
            *why = "the ELF entry point is not inside any loaded segment";
            return -ERANGE;
        }
        break;
    }
    if (map->kernel_end > map->dtb_start || map->kernel_end < map->kernel_start) {
        *why = "the kernel does not fit in guest RAM: raise --mem";
        return -E2BIG;
    }
    if (initrd_size) {
        if (initrd_size > map->dtb_start - map->kernel_end) {
            *why = "the initrd does not fit in guest RAM after the kernel: raise --mem";
            return -E2BIG;
        }
        map->initrd_start = ALIGN_DOWN(map->dtb_start - initrd_size, SZ_4K);
        if (map->initrd_start < map->kernel_end) {
            *why = "the initrd does not fit in guest RAM after the kernel: raise --mem";
            return -E2BIG;
        }
        map->initrd_end = map->initrd_start + initrd_size;
    }
    return 0;
}

void loader_copy(const struct payload *p, const uint8_t *file, uint64_t file_len,
                 const struct load_map *map, uint8_t *ram, uint64_t ram_base)
{
    if (p->kind != PAYLOAD_ELF) {
        memcpy(ram + (map->kernel_start - ram_base), file, file_len);
        return;
    }
    for (unsigned i = 0; i < p->nr_segments; i++) {
        const struct load_segment *s = &p->seg[i];
        uint8_t *dst = ram + (s->gpa - ram_base);
        memcpy(dst, file + s->file_offset, s->file_size);
        memset(dst + s->file_size, 0, s->mem_size - s->file_size);
    }
}

int loader_va_to_gpa(const struct payload *p, const struct load_map *map, int has_link_text,
                     uint64_t link_text, uint64_t va, uint64_t *gpa)
{
    switch (p->kind) {
    case PAYLOAD_ELF:
        for (unsigned i = 0; i < p->nr_segments; i++) {
            const struct load_segment *s = &p->seg[i];
            if (va - s->va < s->mem_size) {
                *gpa = s->gpa + (va - s->va);
                return 0;
            }
        }
        return -ENOENT;
    case PAYLOAD_IMAGE:
        if (has_link_text && va - link_text < map->kernel_end - map->kernel_start) {
            *gpa = map->kernel_start + (va - link_text);
            return 0;
        }
        return -ENOENT;
    case PAYLOAD_FLAT:
        break;
    }
    return -ENOENT;
}
