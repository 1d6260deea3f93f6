/* arm64_mmu.h - AArch64 EL1&0 stage-1 translation table walk for the debugger (pure) */
#ifndef BRKVM_ARM64_MMU_H
#define BRKVM_ARM64_MMU_H

#include <stdbool.h>
#include <stdint.h>

/*
 * The guest's translation controls, as read with KVM_GET_ONE_REG.  Supported: SCTLR_EL1.M (MMU
 * off = identity), SCTLR_EL1.WXN, TCR_EL1.{T0SZ,T1SZ (16..48), EPD0,EPD1, TG0,TG1 (4K/16K/64K),
 * IPS, TBI0,TBI1, HPD0,HPD1}, TTBRn_EL1.BADDR (ASID and CnP ignored), and 52-bit output addresses
 * with the 64K granule (FEAT_LPA, TCR.IPS = 0b110).  Not supported (-EINVAL): TCR.DS (FEAT_LPA2),
 * T*SZ < 16 (FEAT_LVA), reserved TG0/TG1/IPS encodings.
 */
struct arm64_mmu_regs {
    uint64_t sctlr, tcr, ttbr0, ttbr1;
};

/* Read 8 bytes of guest-physical memory at pa (8-byte aligned) into *val, little endian.
 * Returns 0 or a negative errno (typically -EFAULT: no RAM there). */
typedef int (*arm64_read_phys_fn)(void *opaque, uint64_t pa, uint64_t *val);

enum arm64_fault {
    ARM64_FAULT_NONE = 0,
    ARM64_FAULT_TRANSLATION, /* invalid descriptor, VA out of T0SZ/T1SZ range, EPDn set, ... */
    ARM64_FAULT_ADDR_SIZE,   /* a table/output address (or MMU-off VA) beyond the PA size */
    ARM64_FAULT_WALK_READ,   /* the read callback failed (a synchronous external abort on walk) */
};

struct arm64_walk {
    /* on success */
    uint64_t pa;        /* guest-physical address of va */
    uint64_t page_size; /* size of the (naturally aligned) block or page holding va */
    int level;          /* level of the leaf descriptor; -1 when the MMU is off */
    uint64_t desc;      /* the leaf descriptor (0 when the MMU is off) */
    bool user;          /* accessible at EL0 (AP[1], and no APTable[0] on the way) */
    bool writable;      /* writable at EL1 (AP[2] = 0, no APTable[1] on the way) */
    bool exec_el1;      /* executable at EL1 (!PXN, !PXNTable, not EL0-writable, not WXN) */
    bool exec_el0;      /* executable at EL0 (!UXN, !UXNTable, not WXN) */
    bool af;            /* access flag; the walk does not fault on AF = 0 (debugger view) */
    /* on -EFAULT */
    enum arm64_fault fault;
    int fault_level; /* lookup level where the walk stopped (0 for range/EPD faults) */
    uint64_t fault_desc; /* the offending descriptor, if one was read (else 0) */
    /* every descriptor read on the way, success or not (for `monitor info mem`) */
    unsigned trace_levels;         /* bit L: level L was read */
    uint64_t trace_addr[4], trace_desc[4]; /* its guest-physical address and value */
};

/*
 * Translate va as a data access from EL1 would (AArch64.TranslateAddress / AArch64.S1Walk, Arm ARM
 * D8), reading descriptors through rd and never writing (no AF/dirty updates, no AF fault).
 * TTBR0 for VA[55] = 0, TTBR1 for VA[55] = 1; the bits above the VA size (above bit 55 ignored
 * when TBIn is set) must all equal VA[55].  Returns 0 and fills *out; -EFAULT on a fault (*out
 * says which and where); -EINVAL for a configuration this walker does not support.
 */
int arm64_translate(const struct arm64_mmu_regs *r, uint64_t va, arm64_read_phys_fn rd,
                    void *opaque, struct arm64_walk *out);

/*
 * The same, but walking from ttbr instead of the TTBRn that va selects (same TCR fields).  For
 * KPTI the kernel half of the address space is only mapped by another TTBR1 value than the one
 * live while EL0 runs: the caller retries a kernel VA with it.
 */
int arm64_translate_with_ttbr(const struct arm64_mmu_regs *r, uint64_t va, uint64_t ttbr,
                              arm64_read_phys_fn rd, void *opaque, struct arm64_walk *out);

/* A run of virtually and physically contiguous mappings with the same attributes. */
struct arm64_mapping {
    uint64_t va, pa, size;
    bool user, writable, exec_el1, exec_el0;
    unsigned attr_index; /* MAIR_EL1 index (AttrIndx) */
    unsigned shareability; /* SH[1:0] */
};

typedef void (*arm64_mapping_fn)(void *opaque, const struct arm64_mapping *m);

/*
 * Every valid mapping of one half of the address space (upper: TTBR1, else TTBR0; or the table
 * at ttbr if nonzero), in ascending VA order, adjacent leaves with contiguous VAs and PAs and
 * equal attributes merged into one range.  Reads at most max_reads descriptors (a bound on
 * hostile or looping tables).  Returns the number of ranges, -EINVAL (unsupported or disabled
 * configuration: MMU off, EPDn set) or -E2BIG (the bound was hit; the ranges so far were given).
 */
int arm64_enumerate(const struct arm64_mmu_regs *r, bool upper, uint64_t ttbr,
                    arm64_read_phys_fn rd, void *opaque, unsigned max_reads, arm64_mapping_fn cb,
                    void *cb_opaque);

#endif
