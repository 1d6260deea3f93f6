/* gic.c - the in-kernel interrupt controller: as --irqchip says (gicv2, gicv3, gicv3 with an
 * ITS), by default a GICv3 when KVM offers one, else a GICv2 */
#define G_LOG_DOMAIN "gic"
#include <brkvm/memmap.h>
#include <brkvm/vm.h>

#include <errno.h>
#include <glib.h>
#include <linux/kvm.h>
#include <string.h>
#include <sys/ioctl.h>

static int set_attr(int fd, uint32_t group, uint64_t attr, void *addr)
{
    struct kvm_device_attr a = {.group = group, .attr = attr, .addr = (uintptr_t)addr};
    return ioctl(fd, KVM_SET_DEVICE_ATTR, &a) < 0 ? -errno : 0;
}

static int create_device(struct vm *vm, uint32_t type)
{
    struct kvm_create_device cd = {.type = type};
    return ioctl(vm->vm_fd, KVM_CREATE_DEVICE, &cd) < 0 ? -errno : (int)cd.fd;
}

static int create_v3(struct vm *vm)
{
    struct gic *g = &vm->gic;
    int fd = create_device(vm, KVM_DEV_TYPE_ARM_VGIC_V3);

    if (fd < 0)
        return fd;
    g->version = 3;
    g->fd = fd;
    g->redist_size = BRKVM_GIC_REDIST_SIZE * vm->nr_vcpus;
    g->redist_base = g->dist_base - g->redist_size;
    return 0;
}

static int setup_v3(struct vm *vm, char **msg)
{
    struct gic *g = &vm->gic;
    int r;

    if ((r = set_attr(g->fd, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V3_ADDR_TYPE_DIST,
                      &g->dist_base)) ||
        (r = set_attr(g->fd, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V3_ADDR_TYPE_REDIST,
                      &g->redist_base))) {
        *msg = g_strdup_printf("GICv3 address setup: %s", strerror(-r));
        return r;
    }
    g_info("GICv3: distributor %#llx, redistributors %#llx", (unsigned long long)g->dist_base,
           (unsigned long long)g->redist_base);
    return 0;
}

/* the ITS: its frame just below the redistributors; initialised by gic_finalize */
static int create_its(struct vm *vm, char **msg)
{
    struct gic *g = &vm->gic;
    int fd, r;

    g->its_size = BRKVM_GIC_ITS_SIZE;
    g->its_base = g->redist_base - g->its_size;
    fd = create_device(vm, KVM_DEV_TYPE_ARM_VGIC_ITS);
    if (fd < 0) {
        *msg = g_strdup_printf("--irqchip gicv3-its: KVM cannot create an ITS (%s)", strerror(-fd));
        return fd;
    }
    g->its_fd = fd;
    if ((r = set_attr(fd, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_ITS_ADDR_TYPE, &g->its_base))) {
        *msg = g_strdup_printf("ITS address setup: %s", strerror(-r));
        return r;
    }
    g_info("ITS: %#llx", (unsigned long long)g->its_base);
    return 0;
}

static int create_v2(struct vm *vm, char **msg)
{
    struct gic *g = &vm->gic;
    int fd, r;

    if (vm->nr_vcpus > 8) {
        *msg = g_strdup_printf("--cpus %u: a GICv2 handles at most 8 vCPUs%s", vm->nr_vcpus,
                               vm->cfg->irqchip == IRQCHIP_AUTO ? " and this host has no GICv3"
                                                                : "");
        return -EINVAL;
    }
    fd = create_device(vm, KVM_DEV_TYPE_ARM_VGIC_V2);
    if (fd < 0) {
        if (vm->cfg->irqchip == IRQCHIP_GICV2)
            *msg = g_strdup_printf("--irqchip gicv2: KVM cannot create a GICv2 here (%s)%s",
                                   strerror(-fd), fd == -ENODEV ? ": the host's GICv3 has no "
                                                                  "GICv2 compatibility" : "");
        else
            *msg = g_strdup_printf("cannot create an in-kernel GIC (v3 or v2): %s", strerror(-fd));
        return fd;
    }
    g->version = 2;
    g->fd = fd;
    g->cpu_size = BRKVM_GIC_CPU_SIZE;
    g->cpu_base = g->dist_base - g->cpu_size;
    if ((r = set_attr(fd, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V2_ADDR_TYPE_DIST, &g->dist_base)) ||
        (r = set_attr(fd, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V2_ADDR_TYPE_CPU, &g->cpu_base))) {
        *msg = g_strdup_printf("GICv2 address setup: %s", strerror(-r));
        return r;
    }
    g_info("GICv2: distributor %#llx, CPU interface %#llx", (unsigned long long)g->dist_base,
           (unsigned long long)g->cpu_base);
    return 0;
}

int gic_create(struct vm *vm, char **msg)
{
    enum brkvm_irqchip want = vm->cfg->irqchip;
    struct gic *g = &vm->gic;
    int r;

    g->dist_base = BRKVM_GIC_DIST_BASE;
    g->dist_size = BRKVM_GIC_DIST_SIZE;
    if (want != IRQCHIP_GICV2) {
        r = create_v3(vm);
        if (r == 0) {
            if ((r = setup_v3(vm, msg)))
                return r;
            return want == IRQCHIP_GICV3_ITS ? create_its(vm, msg) : 0;
        }
        if (want != IRQCHIP_AUTO) {
            *msg = g_strdup_printf("--irqchip %s: KVM cannot create a GICv3 here (%s)%s",
                                   want == IRQCHIP_GICV3 ? "gicv3" : "gicv3-its", strerror(-r),
                                   r == -ENODEV ? ": the host's GIC is a GICv2" : "");
            return r;
        }
        g_info("no GICv3 (%s), trying GICv2", strerror(-r));
    }
    return create_v2(vm, msg);
}

int gic_finalize(struct vm *vm, char **msg)
{
    uint32_t nr_irqs = 128; /* 32 private + 96 SPIs: plenty for the UART and virtio slots */
    int r;

    if ((r = set_attr(vm->gic.fd, KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0, &nr_irqs)) ||
        (r = set_attr(vm->gic.fd, KVM_DEV_ARM_VGIC_GRP_CTRL, KVM_DEV_ARM_VGIC_CTRL_INIT, NULL))) {
        *msg = g_strdup_printf("GICv%d initialisation: %s", vm->gic.version, strerror(-r));
        return r;
    }
    /* the ITS after its GIC; LPIs need no routing from brkvm: the ITS translates the guest's
     * own MSIs (kvm-unit-tests' INT command) and no brkvm device sends MSIs yet */
    if (vm->gic.its_fd >= 0 &&
        (r = set_attr(vm->gic.its_fd, KVM_DEV_ARM_VGIC_GRP_CTRL, KVM_DEV_ARM_VGIC_CTRL_INIT,
                      NULL))) {
        *msg = g_strdup_printf("ITS initialisation: %s", strerror(-r));
        return r;
    }
    return 0;
}
