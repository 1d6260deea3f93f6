/* test_fdt.c - build the guest DT, parse the blob back with libfdt and check every node */
#include <brkvm/fdt.h>
#include <brkvm/uart_8250.h>

#include <errno.h>
#include <glib.h>
#include <libfdt.h>
#include <string.h>

static uint8_t blob[64 * 1024];

static uint64_t prop_u64(const void *fdt, int node, const char *name, int idx)
{
    int len;
    const fdt64_t *p = fdt_getprop(fdt, node, name, &len);
    g_assert_nonnull(p);
    g_assert_cmpint(len, >=, (idx + 1) * 8);
    return fdt64_to_cpu(p[idx]);
}

static uint32_t prop_u32(const void *fdt, int node, const char *name, int idx)
{
    int len;
    const fdt32_t *p = fdt_getprop(fdt, node, name, &len);
    g_assert_nonnull(p);
    g_assert_cmpint(len, >=, (idx + 1) * 4);
    return fdt32_to_cpu(p[idx]);
}

static const char *prop_str(const void *fdt, int node, const char *name)
{
    const char *s = fdt_getprop(fdt, node, name, NULL);
    g_assert_nonnull(s);
    return s;
}

static struct mmio_bus bus;
static struct uart_8250 uart;
static const uint64_t mpidr[] = {0x80000000, 0x80000001};

static struct fdt_machine machine(int gic)
{
    struct fdt_machine m = {
        .ram_base = 0x80000000, .ram_size = 256ULL << 20, .ncpus = 2, .mpidr = mpidr,
        .gic_version = gic, .gic_dist_base = 0x3fff0000, .gic_dist_size = 0x10000,
        .gic_redist_base = 0x3ffb0000, .gic_redist_size = 0x40000,
        .gic_cpu_base = 0x3ffd0000, .gic_cpu_size = 0x20000,
        .bootargs = "console=ttyS0 earlycon", .initrd_start = 0x8f000000,
        .initrd_end = 0x8f800123, .stdout_path = "/uart@1000000", .bus = &bus,
    };
    return m;
}

static void setup_bus(void)
{
    memset(&bus, 0, sizeof(bus));
    uart_8250_init(&uart, 5, NULL, NULL, NULL);
    g_assert_cmpint(bus_register(&bus, 0x1000000, 8, &uart_8250_ops, &uart), ==, 0);
}

static void test_v3_tree(void)
{
    struct fdt_machine m;
    int node, n;

    setup_bus();
    m = machine(3);
    g_assert_cmpint(fdt_build(&m, blob, sizeof(blob)), ==, 0);
    g_assert_cmpint(fdt_check_header(blob), ==, 0);
    g_assert_cmpint(fdt_totalsize(blob), <=, sizeof(blob));

    /* root */
    g_assert_cmpstr(prop_str(blob, 0, "compatible"), ==, "linux,dummy-virt");
    g_assert_cmpuint(prop_u32(blob, 0, "#address-cells", 0), ==, 2);
    g_assert_cmpuint(prop_u32(blob, 0, "#size-cells", 0), ==, 2);
    uint32_t gic_phandle = prop_u32(blob, 0, "interrupt-parent", 0);

    /* memory */
    node = fdt_path_offset(blob, "/memory@80000000");
    g_assert_cmpint(node, >=, 0);
    g_assert_cmpstr(prop_str(blob, node, "device_type"), ==, "memory");
    g_assert_cmpuint(prop_u64(blob, node, "reg", 0), ==, 0x80000000);
    g_assert_cmpuint(prop_u64(blob, node, "reg", 1), ==, 256ULL << 20);

    /* cpus: affinity bits of the MPIDR only (bit 31 is RES1, not an affinity) */
    node = fdt_path_offset(blob, "/cpus/cpu@0");
    g_assert_cmpint(node, >=, 0);
    g_assert_cmpstr(prop_str(blob, node, "device_type"), ==, "cpu");
    g_assert_cmpstr(prop_str(blob, node, "enable-method"), ==, "psci");
    g_assert_cmpuint(prop_u64(blob, node, "reg", 0), ==, 0);
    node = fdt_path_offset(blob, "/cpus/cpu@1");
    g_assert_cmpint(node, >=, 0);
    g_assert_cmpuint(prop_u64(blob, node, "reg", 0), ==, 1);
    g_assert_cmpint(fdt_path_offset(blob, "/cpus/cpu@2"), <, 0);

    /* psci 0.2 over hvc */
    node = fdt_path_offset(blob, "/psci");
    g_assert_cmpint(node, >=, 0);
    g_assert_cmpint(fdt_node_check_compatible(blob, node, "arm,psci-0.2"), ==, 0);
    g_assert_cmpstr(prop_str(blob, node, "method"), ==, "hvc");

    /* timer: 4 PPIs, level high, no CPU mask with a GICv3 */
    node = fdt_path_offset(blob, "/timer");
    g_assert_cmpint(node, >=, 0);
    g_assert_cmpint(fdt_node_check_compatible(blob, node, "arm,armv8-timer"), ==, 0);
    const uint32_t ppis[] = {13, 14, 11, 10};
    for (int i = 0; i < 4; i++) {
        g_assert_cmpuint(prop_u32(blob, node, "interrupts", i * 3), ==, FDT_GIC_PPI);
        g_assert_cmpuint(prop_u32(blob, node, "interrupts", i * 3 + 1), ==, ppis[i]);
        g_assert_cmpuint(prop_u32(blob, node, "interrupts", i * 3 + 2), ==, FDT_IRQ_LEVEL_HIGH);
    }

    /* GICv3: distributor + redistributor regions, the phandle the root points at */
    node = fdt_node_offset_by_phandle(blob, gic_phandle);
    g_assert_cmpint(node, >=, 0);
    g_assert_cmpint(fdt_node_check_compatible(blob, node, "arm,gic-v3"), ==, 0);
    g_assert_nonnull(fdt_getprop(blob, node, "interrupt-controller", NULL));
    g_assert_cmpuint(prop_u32(blob, node, "#interrupt-cells", 0), ==, 3);
    g_assert_cmpuint(prop_u64(blob, node, "reg", 0), ==, 0x3fff0000);
    g_assert_cmpuint(prop_u64(blob, node, "reg", 1), ==, 0x10000);
    g_assert_cmpuint(prop_u64(blob, node, "reg", 2), ==, 0x3ffb0000);
    g_assert_cmpuint(prop_u64(blob, node, "reg", 3), ==, 0x40000);

    /* the UART node, emitted by the device itself */
    node = fdt_path_offset(blob, "/uart@1000000");
    g_assert_cmpint(node, >=, 0);
    g_assert_cmpint(fdt_node_check_compatible(blob, node, "ns16550a"), ==, 0);
    g_assert_cmpuint(prop_u64(blob, node, "reg", 0), ==, 0x1000000);
    g_assert_cmpuint(prop_u64(blob, node, "reg", 1), ==, 8);
    g_assert_cmpuint(prop_u32(blob, node, "interrupts", 0), ==, FDT_GIC_SPI);
    g_assert_cmpuint(prop_u32(blob, node, "interrupts", 1), ==, 5);
    g_assert_cmpuint(prop_u32(blob, node, "interrupts", 2), ==, FDT_IRQ_LEVEL_HIGH);
    g_assert_cmpuint(prop_u32(blob, node, "clock-frequency", 0), ==, 1843200);

    /* chosen */
    node = fdt_path_offset(blob, "/chosen");
    g_assert_cmpint(node, >=, 0);
    g_assert_cmpstr(prop_str(blob, node, "bootargs"), ==, "console=ttyS0 earlycon");
    g_assert_cmpstr(prop_str(blob, node, "stdout-path"), ==, "/uart@1000000");
    g_assert_cmpuint(prop_u64(blob, node, "linux,initrd-start", 0), ==, 0x8f000000);
    g_assert_cmpuint(prop_u64(blob, node, "linux,initrd-end", 0), ==, 0x8f800123);
    g_assert_null(fdt_getprop(blob, node, "kaslr-seed", NULL));

    /* nothing else at the top level */
    n = 0;
    fdt_for_each_subnode(node, blob, 0) n++;
    g_assert_cmpint(n, ==, 7);
}

static void test_v2_tree_and_no_initrd(void)
{
    struct fdt_machine m;
    int node;

    setup_bus();
    m = machine(2);
    m.initrd_start = m.initrd_end = 0;
    m.bootargs = NULL;
    g_assert_cmpint(fdt_build(&m, blob, sizeof(blob)), ==, 0);
    node = fdt_path_offset(blob, "/intc@3fff0000");
    g_assert_cmpint(node, >=, 0);
    g_assert_cmpint(fdt_node_check_compatible(blob, node, "arm,cortex-a15-gic"), ==, 0);
    g_assert_cmpuint(prop_u64(blob, node, "reg", 2), ==, 0x3ffd0000);
    /* GICv2 PPIs carry a CPU mask: two CPUs -> 0x3 << 8 */
    node = fdt_path_offset(blob, "/timer");
    g_assert_cmpuint(prop_u32(blob, node, "interrupts", 2), ==, (0x3 << 8) | FDT_IRQ_LEVEL_HIGH);
    node = fdt_path_offset(blob, "/chosen");
    g_assert_null(fdt_getprop(blob, node, "linux,initrd-start", NULL));
    g_assert_cmpstr(prop_str(blob, node, "bootargs"), ==, "");
}

static void test_kaslr_seed(void)
{
    struct fdt_machine m;
    int node;

    setup_bus();
    m = machine(3);
    m.has_kaslr_seed = 1;
    m.kaslr_seed = 0x1234567890abcdefULL;
    g_assert_cmpint(fdt_build(&m, blob, sizeof(blob)), ==, 0);
    node = fdt_path_offset(blob, "/chosen");
    g_assert_cmphex(prop_u64(blob, node, "kaslr-seed", 0), ==, 0x1234567890abcdefULL);
}

/* --pmu: a /pmu node, PMUv3, its PPI level high (GICv3: no CPU mask); absent by default */
static void test_pmu(void)
{
    struct fdt_machine m;
    int node;

    setup_bus();
    m = machine(3);
    g_assert_cmpint(fdt_build(&m, blob, sizeof(blob)), ==, 0);
    g_assert_cmpint(fdt_path_offset(blob, "/pmu"), <, 0);
    m.pmu_ppi = 7;
    g_assert_cmpint(fdt_build(&m, blob, sizeof(blob)), ==, 0);
    node = fdt_path_offset(blob, "/pmu");
    g_assert_cmpint(node, >=, 0);
    g_assert_cmpint(fdt_node_check_compatible(blob, node, "arm,armv8-pmuv3"), ==, 0);
    g_assert_cmpuint(prop_u32(blob, node, "interrupts", 0), ==, FDT_GIC_PPI);
    g_assert_cmpuint(prop_u32(blob, node, "interrupts", 1), ==, 7);
    g_assert_cmpuint(prop_u32(blob, node, "interrupts", 2), ==, FDT_IRQ_LEVEL_HIGH);
    g_assert_null(fdt_getprop(blob, node, "interrupt-parent", NULL)); /* the root's: the GIC */

    /* GICv2: the PPI goes to both CPUs */
    m = machine(2);
    m.pmu_ppi = 7;
    g_assert_cmpint(fdt_build(&m, blob, sizeof(blob)), ==, 0);
    node = fdt_path_offset(blob, "/pmu");
    g_assert_cmpint(node, >=, 0);
    g_assert_cmpuint(prop_u32(blob, node, "interrupts", 2), ==, (0x3 << 8) | FDT_IRQ_LEVEL_HIGH);

    m.pmu_ppi = 16; /* not a PPI */
    g_assert_cmpint(fdt_build(&m, blob, sizeof(blob)), ==, -EINVAL);
}

/* --irqchip gicv3-its: the ITS as an msi-controller child of the GICv3 node */
static void test_its(void)
{
    struct fdt_machine m;
    int gic, node, len;

    setup_bus();
    m = machine(3);
    g_assert_cmpint(fdt_build(&m, blob, sizeof(blob)), ==, 0);
    gic = fdt_path_offset(blob, "/intc@3fff0000");
    g_assert_cmpint(fdt_first_subnode(blob, gic), <, 0);
    g_assert_null(fdt_getprop(blob, gic, "ranges", NULL));

    m.gic_its_base = 0x3ff90000;
    m.gic_its_size = 0x20000;
    g_assert_cmpint(fdt_build(&m, blob, sizeof(blob)), ==, 0);
    gic = fdt_path_offset(blob, "/intc@3fff0000");
    g_assert_cmpint(gic, >=, 0);
    g_assert_nonnull(fdt_getprop(blob, gic, "ranges", &len)); /* children map 1:1 */
    g_assert_cmpint(len, ==, 0);
    node = fdt_path_offset(blob, "/intc@3fff0000/msi-controller@3ff90000");
    g_assert_cmpint(node, >=, 0);
    g_assert_cmpint(fdt_parent_offset(blob, node), ==, gic);
    g_assert_cmpint(fdt_node_check_compatible(blob, node, "arm,gic-v3-its"), ==, 0);
    g_assert_nonnull(fdt_getprop(blob, node, "msi-controller", &len));
    g_assert_cmpint(len, ==, 0);
    g_assert_cmpuint(prop_u32(blob, node, "#msi-cells", 0), ==, 1);
    g_assert_cmpuint(prop_u64(blob, node, "reg", 0), ==, 0x3ff90000);
    g_assert_cmpuint(prop_u64(blob, node, "reg", 1), ==, 0x20000);
    /* the one found by compatible, as the guests look for it */
    g_assert_cmpint(fdt_node_offset_by_compatible(blob, -1, "arm,gic-v3-its"), ==, node);

    m = machine(2); /* a GICv2 has no ITS */
    m.gic_its_base = 0x3ff90000;
    m.gic_its_size = 0x20000;
    g_assert_cmpint(fdt_build(&m, blob, sizeof(blob)), ==, -EINVAL);
}

static void test_errors(void)
{
    struct fdt_machine m;

    setup_bus();
    m = machine(3);
    g_assert_cmpint(fdt_build(&m, blob, 256), ==, -ENOSPC);
    m.gic_version = 4;
    g_assert_cmpint(fdt_build(&m, blob, sizeof(blob)), ==, -EINVAL);
    m = machine(2);
    m.ncpus = 9; /* a GICv2 has 8 CPU interfaces */
    g_assert_cmpint(fdt_build(&m, blob, sizeof(blob)), ==, -EINVAL);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/fdt/v3-tree", test_v3_tree);
    g_test_add_func("/fdt/v2-tree-no-initrd", test_v2_tree_and_no_initrd);
    g_test_add_func("/fdt/kaslr-seed", test_kaslr_seed);
    g_test_add_func("/fdt/pmu", test_pmu);
    g_test_add_func("/fdt/its", test_its);
    g_test_add_func("/fdt/errors", test_errors);
    return g_test_run();
}
