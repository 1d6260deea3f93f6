/* arm64_kimage.h - where a loaded kernel image and the linear map run, from the guest's page
 * tables (pure) */
#ifndef BRKVM_ARM64_KIMAGE_H
#define BRKVM_ARM64_KIMAGE_H

#include <brkvm/arm64_mmu.h>

#include <stdint.h>

/*
 * The kernel's text is the largest EL1-executable mapping of the image's guest-physical pages
 * [img_start, img_end) in the upper part of the kernel half of the table at ttbr (0: the live
 * TTBR1).  The linear map of all RAM lies below that part and is not executable; the KPTI
 * trampoline maps one executable page of the image (smaller).  The image is mapped at one
 * offset, so the VA of img_start follows even though the kernel maps from _stext.
 * On success *va is that VA and *size the size of the mapping found (to compare candidate
 * tables).  Returns 0, -ENOENT (no such mapping) or the enumerator's -EINVAL.
 */
int arm64_find_image(const struct arm64_mmu_regs *r, uint64_t ttbr, uint64_t img_start,
                     uint64_t img_end, arm64_read_phys_fn rd, void *opaque, uint64_t *va,
                     uint64_t *size);

/*
 * The kernel's linear map of RAM [ram_start, ram_end): in the lower half of the kernel half of the
 * table at ttbr (0: the live TTBR1), the va - pa offset of the non-executable kernel mappings of
 * RAM that covers the most bytes (the kernel maps all of its memory at one offset, PAGE_OFFSET -
 * PHYS_OFFSET; with KASLR the linear region may be randomized too).  *va = the VA of ram_start
 * there (ram_start itself need not be mapped).  0, -ENOENT or the enumerator's -EINVAL.
 */
int arm64_find_linear_map(const struct arm64_mmu_regs *r, uint64_t ttbr, uint64_t ram_start,
                          uint64_t ram_end, arm64_read_phys_fn rd, void *opaque, uint64_t *va);

#endif
