/* elf_core.h - the layout of an arm64 ELF core of guest RAM, as Linux's /proc/vmcore has it:
 * ELF header, program headers, notes (NT_PRSTATUS per vCPU, VMCOREINFO), then the RAM (pure).
 *
 * The file, in order:
 *   Elf64_Ehdr (ET_CORE, EM_AARCH64, little endian)
 *   Elf64_Phdr[]: PT_NOTE, one PT_LOAD per RAM region, and one PT_LOAD for the kernel image
 *                 (its virtual range, over the same file bytes as its RAM: no second copy)
 *   notes:        "CORE" NT_PRSTATUS per vCPU (pr_pid = vCPU index + 1), "VMCOREINFO" (type 0)
 *   padding to ELF_CORE_ALIGN, then each RAM region's bytes back to back: the header part is
 *   built here, the caller writes the RAM (straight from its mapping) at elf_core_ram_offset().
 */
#ifndef BRKVM_ELF_CORE_H
#define BRKVM_ELF_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ELF_CORE_ALIGN 4096ULL
#define ELF_CORE_MAX_RAM 8

/* arm64 Linux's struct user_pt_regs, the pr_reg of NT_PRSTATUS */
struct elf_core_regs {
    uint64_t x[31];
    uint64_t sp; /* the SP in use: SP_EL1 at EL1h, SP_EL0 at EL1t/EL0 */
    uint64_t pc;
    uint64_t pstate;
};

/* arm64 Linux's struct elf_prstatus (392 bytes), little endian */
struct elf_core_prstatus {
    int32_t si_signo, si_code, si_errno; /* pr_info */
    int16_t cursig;
    uint16_t pad0;
    uint64_t sigpend, sighold;
    int32_t pid, ppid, pgrp, sid;
    uint64_t utime[2], stime[2], cutime[2], cstime[2]; /* struct timeval each */
    struct elf_core_regs reg;
    int32_t fpvalid;
    uint32_t pad1;
};

/* one RAM region: guest-physical pa, and the virtual address gdb reads it at (the kernel's linear
 * map of pa; pa itself when there is none, e.g. a bare-metal guest or the MMU still off) */
struct elf_core_ram {
    uint64_t pa, size, va;
};

struct elf_core_desc {
    struct elf_core_ram ram[ELF_CORE_MAX_RAM];
    unsigned nram;
    bool has_kimage; /* the kernel image's virtual range [kimage_va, +kimage_size) -> kimage_pa */
    uint64_t kimage_va, kimage_pa, kimage_size;
    const struct elf_core_regs *regs; /* one per vCPU, in vCPU order */
    unsigned nregs;
    const uint8_t *vmcoreinfo; /* the VMCOREINFO text (the note's descriptor) or NULL */
    size_t vmcoreinfo_len;
};

/*
 * Size of the header part (ELF header, program headers, notes, padding): the file offset of the
 * first RAM byte.  0 when d is unusable (no RAM, too many regions, a kernel image not inside
 * one region, a region size not a multiple of ELF_CORE_ALIGN).
 */
uint64_t elf_core_header_size(const struct elf_core_desc *d);

/* file offset of guest-physical pa (inside one of d's regions), or 0 */
uint64_t elf_core_ram_offset(const struct elf_core_desc *d, uint64_t pa);

/* the whole file's size: header part plus every region */
uint64_t elf_core_file_size(const struct elf_core_desc *d);

/* Build the header part into buf (len = elf_core_header_size(d)).  0 or -EINVAL. */
int elf_core_build_header(const struct elf_core_desc *d, uint8_t *buf, size_t len);

/*
 * An ELF note as Linux keeps vmcoreinfo_note in memory (Elf64_Nhdr, "VMCOREINFO\0" padded to 4,
 * the text): on success *desc and *desc_len are the text inside buf.  -ENOENT when buf[0..len) does
 * not start with such a note (or its text runs past len).
 */
int elf_core_parse_vmcoreinfo(const uint8_t *buf, size_t len, const uint8_t **desc,
                              size_t *desc_len);

#endif
