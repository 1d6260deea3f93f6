/* fdt.c - the guest's device tree: memory, cpus, psci, timer, GIC (and its ITS), PMU, chosen,
 * and whatever nodes the devices on the bus emit for themselves. */
#include <brkvm/fdt.h>

#include <errno.h>
#include <libfdt.h>
#include <stdio.h>

#define GIC_PHANDLE 1

/* bail out of the builder on the first libfdt error */
#define TRY(call)                                                                                  \
    do {                                                                                           \
        int r_ = (call);                                                                           \
        if (r_ < 0)                                                                                \
            return r_;                                                                             \
    } while (0)

static int prop_reg2(void *fdt, uint64_t a, uint64_t as, uint64_t b, uint64_t bs, int pairs)
{
    fdt64_t reg[4] = {cpu_to_fdt64(a), cpu_to_fdt64(as), cpu_to_fdt64(b), cpu_to_fdt64(bs)};
    return fdt_property(fdt, "reg", reg, pairs * 2 * sizeof(reg[0]));
}

static int add_cpus(void *fdt, const struct fdt_machine *m)
{
    char name[32];

    TRY(fdt_begin_node(fdt, "cpus"));
    TRY(fdt_property_cell(fdt, "#address-cells", 2));
    TRY(fdt_property_cell(fdt, "#size-cells", 0));
    for (unsigned i = 0; i < m->ncpus; i++) {
        uint64_t id = m->mpidr[i] & 0xff00ffffffULL; /* affinity fields only */
        snprintf(name, sizeof(name), "cpu@%llx", (unsigned long long)id);
        TRY(fdt_begin_node(fdt, name));
        TRY(fdt_property_string(fdt, "device_type", "cpu"));
        TRY(fdt_property_string(fdt, "compatible", "arm,arm-v8"));
        TRY(fdt_property_string(fdt, "enable-method", "psci"));
        TRY(fdt_property_u64(fdt, "reg", id));
        TRY(fdt_end_node(fdt));
    }
    return fdt_end_node(fdt);
}

static int add_psci(void *fdt)
{
    static const char compat[] = "arm,psci-0.2\0arm,psci";

    TRY(fdt_begin_node(fdt, "psci"));
    TRY(fdt_property(fdt, "compatible", compat, sizeof(compat)));
    TRY(fdt_property_string(fdt, "method", "hvc"));
    return fdt_end_node(fdt);
}

/* the PPI flags word: level high, and on a GICv2 the mask of CPUs the PPI is wired to */
static uint32_t ppi_flags(const struct fdt_machine *m)
{
    uint32_t flags = FDT_IRQ_LEVEL_HIGH;

    if (m->gic_version == 2)
        flags |= ((1U << m->ncpus) - 1) << 8;
    return flags;
}

static int add_timer(void *fdt, const struct fdt_machine *m)
{
    /* secure phys, non-secure phys, virtual, hypervisor PPIs; v2 wants a CPU mask */
    static const uint32_t ppi[] = {13, 14, 11, 10};
    uint32_t flags = ppi_flags(m);
    fdt32_t irqs[12];

    for (int i = 0; i < 4; i++) {
        irqs[i * 3] = cpu_to_fdt32(FDT_GIC_PPI);
        irqs[i * 3 + 1] = cpu_to_fdt32(ppi[i]);
        irqs[i * 3 + 2] = cpu_to_fdt32(flags);
    }
    TRY(fdt_begin_node(fdt, "timer"));
    TRY(fdt_property_string(fdt, "compatible", "arm,armv8-timer"));
    TRY(fdt_property(fdt, "interrupts", irqs, sizeof(irqs)));
    TRY(fdt_property(fdt, "always-on", NULL, 0));
    return fdt_end_node(fdt);
}

/* the PMUv3 of every vCPU (KVM's), its overflow interrupt a PPI */
static int add_pmu(void *fdt, const struct fdt_machine *m)
{
    fdt32_t irq[3] = {cpu_to_fdt32(FDT_GIC_PPI), cpu_to_fdt32(m->pmu_ppi),
                      cpu_to_fdt32(ppi_flags(m))};

    TRY(fdt_begin_node(fdt, "pmu"));
    TRY(fdt_property_string(fdt, "compatible", "arm,armv8-pmuv3"));
    TRY(fdt_property(fdt, "interrupts", irq, sizeof(irq)));
    return fdt_end_node(fdt);
}

/* the GICv3's ITS, a child of the GIC node (which then needs an empty ranges) */
static int add_its(void *fdt, const struct fdt_machine *m)
{
    char name[48];

    snprintf(name, sizeof(name), "msi-controller@%llx", (unsigned long long)m->gic_its_base);
    TRY(fdt_begin_node(fdt, name));
    TRY(fdt_property_string(fdt, "compatible", "arm,gic-v3-its"));
    TRY(fdt_property(fdt, "msi-controller", NULL, 0));
    TRY(fdt_property_cell(fdt, "#msi-cells", 1));
    TRY(prop_reg2(fdt, m->gic_its_base, m->gic_its_size, 0, 0, 1));
    return fdt_end_node(fdt);
}

static int add_gic(void *fdt, const struct fdt_machine *m)
{
    char name[40];

    snprintf(name, sizeof(name), "intc@%llx", (unsigned long long)m->gic_dist_base);
    TRY(fdt_begin_node(fdt, name));
    if (m->gic_version == 3) {
        TRY(fdt_property_string(fdt, "compatible", "arm,gic-v3"));
        TRY(prop_reg2(fdt, m->gic_dist_base, m->gic_dist_size, m->gic_redist_base,
                      m->gic_redist_size, 2));
    } else {
        TRY(fdt_property_string(fdt, "compatible", "arm,cortex-a15-gic"));
        TRY(prop_reg2(fdt, m->gic_dist_base, m->gic_dist_size, m->gic_cpu_base, m->gic_cpu_size,
                      2));
    }
    TRY(fdt_property_cell(fdt, "#interrupt-cells", 3));
    TRY(fdt_property(fdt, "interrupt-controller", NULL, 0));
    TRY(fdt_property_cell(fdt, "#address-cells", 2));
    TRY(fdt_property_cell(fdt, "#size-cells", 2));
    TRY(fdt_property_cell(fdt, "phandle", GIC_PHANDLE));
    if (m->gic_its_size) {
        TRY(fdt_property(fdt, "ranges", NULL, 0));
        TRY(add_its(fdt, m));
    }
    return fdt_end_node(fdt);
}

static int add_chosen(void *fdt, const struct fdt_machine *m)
{
    TRY(fdt_begin_node(fdt, "chosen"));
    TRY(fdt_property_string(fdt, "bootargs", m->bootargs ? m->bootargs : ""));
    if (m->stdout_path)
        TRY(fdt_property_string(fdt, "stdout-path", m->stdout_path));
    if (m->has_kaslr_seed)
        TRY(fdt_property_u64(fdt, "kaslr-seed", m->kaslr_seed));
    if (m->initrd_end > m->initrd_start) {
        TRY(fdt_property_u64(fdt, "linux,initrd-start", m->initrd_start));
        TRY(fdt_property_u64(fdt, "linux,initrd-end", m->initrd_end));
    }
    return fdt_end_node(fdt);
}

static int build(const struct fdt_machine *m, void *buf, size_t size)
{
    const struct fdt_ctx ctx = {.gic_phandle = GIC_PHANDLE, .gic_version = m->gic_version};
    char name[40];

    TRY(fdt_create(buf, (int)size));
    TRY(fdt_finish_reservemap(buf));
    TRY(fdt_begin_node(buf, ""));
    TRY(fdt_property_string(buf, "compatible", "linux,dummy-virt"));
    TRY(fdt_property_string(buf, "model", "brkvm"));
    TRY(fdt_property_cell(buf, "#address-cells", 2));
    TRY(fdt_property_cell(buf, "#size-cells", 2));
    TRY(fdt_property_cell(buf, "interrupt-parent", GIC_PHANDLE));

    TRY(add_chosen(buf, m));
    snprintf(name, sizeof(name), "memory@%llx", (unsigned long long)m->ram_base);
    TRY(fdt_begin_node(buf, name));
    TRY(fdt_property_string(buf, "device_type", "memory"));
    TRY(prop_reg2(buf, m->ram_base, m->ram_size, 0, 0, 1));
    TRY(fdt_end_node(buf));
    TRY(add_cpus(buf, m));
    TRY(add_psci(buf));
    TRY(add_timer(buf, m));
    TRY(add_gic(buf, m));
    if (m->pmu_ppi)
        TRY(add_pmu(buf, m));
    for (unsigned i = 0; m->bus && i < m->bus->n; i++) {
        const struct bus_region *r = &m->bus->r[i];
        if (r->ops->dt_node)
            TRY(r->ops->dt_node(buf, r->dev, r->base, r->size, &ctx));
    }
    TRY(fdt_end_node(buf));
    TRY(fdt_finish(buf));
    return 0;
}

int fdt_build(const struct fdt_machine *m, void *buf, size_t size)
{
    int r;

    if (!m->ncpus || !m->mpidr || (m->gic_version != 2 && m->gic_version != 3) ||
        (m->gic_version == 2 && m->ncpus > 8) || (m->gic_its_size && m->gic_version != 3) ||
        m->pmu_ppi > 15)
        return -EINVAL;
    r = build(m, buf, size);
    if (r == -FDT_ERR_NOSPACE)
        return -ENOSPC;
    return r < 0 ? -EINVAL : 0;
}
