/* loader.h - recognising and placing guest payloads: arm64 Image, ELF, flat binary (pure) */
#ifndef BRKVM_LOADER_H
#define BRKVM_LOADER_H

#include <stddef.h>
#include <stdint.h>

enum payload_kind { PAYLOAD_IMAGE, PAYLOAD_ELF, PAYLOAD_FLAT };

#define LOADER_MAX_SEGMENTS 16
#define LOADER_FLAT_OFFSET 0x80000ULL /* flat binaries: RAM start + 512K, like an Image */
#define LOADER_DTB_MAX (2ULL << 20)   /* booting.rst: the DTB must not exceed 2 MiB */

/* arm64 Linux Image header (Documentation/arch/arm64/booting.rst), little endian */
struct arm64_image_header {
    uint32_t code0, code1;
    uint64_t text_offset;
    uint64_t image_size;
    uint64_t flags;
    uint64_t res2, res3, res4;
    uint32_t magic; /* "ARM\x64" */
    uint32_t res5;
};
#define ARM64_IMAGE_MAGIC 0x644d5241U

struct load_segment {
    uint64_t gpa;          /* where it goes in guest-physical memory */
    uint64_t va;           /* the virtual address it is linked at (ELF p_vaddr) */
    uint64_t file_offset;  /* where its bytes are in the file */
    uint64_t file_size;    /* bytes copied from the file */
    uint64_t mem_size;     /* bytes occupied (rest zeroed) */
};

/* What a payload file is and how it wants to be placed. */
struct payload {
    enum payload_kind kind;
    uint64_t text_offset;   /* Image: offset from a 2 MiB aligned base */
    uint64_t image_size;    /* Image: bytes the kernel occupies, bss included */
    uint64_t flags;         /* Image header flags */
    uint64_t entry;         /* ELF: e_entry (a physical address, MMU off) */
    unsigned nr_segments;   /* ELF */
    struct load_segment seg[LOADER_MAX_SEGMENTS];
};

/* Where everything ended up in guest-physical memory. */
struct load_map {
    uint64_t kernel_start, kernel_end; /* end includes bss (image_size) */
    uint64_t entry;
    uint64_t initrd_start, initrd_end; /* 0/0 when there is none */
    uint64_t dtb_start;                /* room for LOADER_DTB_MAX bytes */
};

/* Human name of a kind: "arm64 Image", "ELF", "flat binary". */
const char *loader_kind_name(enum payload_kind kind);

/*
 * Identify the payload in buf[0..len).  Returns 0, or -ENOEXEC with *why naming the problem
 * (empty file, compressed image, ELF for another machine, arm32 zImage, script, ...).
 */
int loader_probe(const uint8_t *buf, size_t len, struct payload *p, const char **why);

/*
 * Decide the guest-physical layout: kernel (Image: 2 MiB aligned RAM base + text_offset; ELF:
 * program headers; flat: load_addr), DTB (top of RAM, 2 MiB slot), initrd (just below the DTB).
 * has_load_addr/load_addr apply to flat binaries.  Returns 0 or -E2BIG/-ERANGE with *why.
 */
int loader_plan(const struct payload *p, uint64_t file_len, uint64_t ram_base, uint64_t ram_size,
                int has_load_addr, uint64_t load_addr, uint64_t initrd_size,
                struct load_map *map, const char **why);

/*
 * The guest-physical address the payload's link-time virtual address va was loaded at, from the
 * load map alone (no page tables: for breakpoints set before the guest's MMU is on).  ELF: the
 * PT_LOAD segment holding p_vaddr; Image: the kernel's link address of _text (link_text, from
 * --symbols; has_link_text 0: unknown) maps to where the Image was loaded.  0 or -ENOENT.
 */
int loader_va_to_gpa(const struct payload *p, const struct load_map *map, int has_link_text,
                     uint64_t link_text, uint64_t va, uint64_t *gpa);

/* Copy the payload's bytes into guest RAM (ram = host view of ram_base) as planned. */
void loader_copy(const struct payload *p, const uint8_t *file, uint64_t file_len,
                 const struct load_map *map, uint8_t *ram, uint64_t ram_base);

#endif
