/* fdt.h - building the guest's device tree with libfdt (pure: writes into a buffer) */
#ifndef BRKVM_FDT_H
#define BRKVM_FDT_H

#include <brkvm/bus.h>

#include <stddef.h>
#include <stdint.h>

/* What device nodes need to know about the tree they go into. */
struct fdt_ctx {
    uint32_t gic_phandle;
    int gic_version; /* 2 or 3 */
};

/* DT interrupt specifier constants (dt-bindings/interrupt-controller/arm-gic.h) */
#define FDT_GIC_SPI 0
#define FDT_GIC_PPI 1
#define FDT_IRQ_EDGE_RISING 1
#define FDT_IRQ_LEVEL_HIGH 4

struct fdt_machine {
    uint64_t ram_base, ram_size;
    unsigned ncpus;
    const uint64_t *mpidr; /* ncpus entries, as read from each vCPU */
    int gic_version;       /* 2 or 3 */
    uint64_t gic_dist_base, gic_dist_size;
    uint64_t gic_redist_base, gic_redist_size; /* v3: all redistributors */
    uint64_t gic_cpu_base, gic_cpu_size;       /* v2 */
    uint64_t gic_its_base, gic_its_size;       /* v3: the ITS frame; size 0 = no ITS */
    unsigned pmu_ppi;      /* the PMU's overflow interrupt as a PPI number (7 = INTID 23);
                              0 = no PMU node */
    const char *bootargs;  /* may be NULL */
    uint64_t initrd_start, initrd_end; /* 0/0: none */
    const char *stdout_path;           /* e.g. "/uart@1000000", may be NULL */
    int has_kaslr_seed;                /* /chosen/kaslr-seed */
    uint64_t kaslr_seed;
    const struct mmio_bus *bus;        /* each device with a dt_node emits itself */
};

/* Build the blob into buf (size bytes).  Returns 0, or -ENOSPC / -EINVAL (libfdt error). */
int fdt_build(const struct fdt_machine *m, void *buf, size_t size);

#endif
