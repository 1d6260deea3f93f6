/* gic.c - the in-kernel interrupt controller: a GICv3 when KVM offers one, else a GICv2 */
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

/* Must run after the vCPUs exist (the redistributor region is sized by their number). */
int gic_create(struct vm *vm, char **msg)
{
    struct gic *g = &vm->gic;
    int fd, r;

    g->dist_base = BRKVM_GIC_DIST_BASE;
    g->dist_size = BRKVM_GIC_DIST_SIZE;
    fd = create_device(vm, KVM_DEV_TYPE_ARM_VGIC_V3);
    if (fd >= 0) {
        g->version = 3;
        g->fd = fd;
        g->redist_size = BRKVM_GIC_REDIST_SIZE * vm->nr_vcpus;
        g->redist_base = g->dist_base - g->redist_size;
        if ((r = set_attr(fd, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V3_ADDR_TYPE_DIST,
                          &g->dist_base)) ||
            (r = set_attr(fd, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V3_ADDR_TYPE_REDIST,
                          &g->redist_base))) {
            *msg = g_strdup_printf("GICv3 address setup: %s", strerror(-r));
            return r;
        }
        g_info("GICv3: distributor %#llx, redistributors %#llx",
               (unsigned long long)g->dist_base, (unsigned long long)g->redist_base);
        return 0;
    }
    g_info("no GICv3 (%s), trying GICv2", strerror(-fd));
    if (vm->nr_vcpus > 8) {
        *msg = g_strdup_printf("--cpus %u: this host has no GICv3 and a GICv2 handles at most 8 "
                               "vCPUs", vm->nr_vcpus);
        return -EINVAL;
    }
    fd = create_device(vm, KVM_DEV_TYPE_ARM_VGIC_V2);
    if (fd < 0) {
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

int gic_finalize(struct vm *vm, char **msg)
{
    uint32_t nr_irqs = 128; /* 32 private + 96 SPIs: plenty for the UART and virtio slots */
    int r;

    if ((r = set_attr(vm->gic.fd, KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0, &nr_irqs)) ||
        (r = set_attr(vm->gic.fd, KVM_DEV_ARM_VGIC_GRP_CTRL, KVM_DEV_ARM_VGIC_CTRL_INIT, NULL))) {
        *msg = g_strdup_printf("GICv%d initialisation: %s", vm->gic.version, strerror(-r));
        return r;
    }
    return 0;
}
