/* pmu.c - --pmu: KVM's PMUv3 for every vCPU.  The vCPUs were created with the PMU_V3 feature
 * (vcpu_init_state); here each gets its overflow interrupt (a PPI, the same on all) and KVM
 * initialises its PMU, which needs the in-kernel GIC initialised first.  A vCPU reset
 * (KVM_ARM_VCPU_INIT again) keeps both, so this runs once. */
#define G_LOG_DOMAIN "pmu"
#include <brkvm/memmap.h>
#include <brkvm/vm.h>

#include <errno.h>
#include <glib.h>
#include <linux/kvm.h>
#include <string.h>
#include <sys/ioctl.h>

static int vcpu_pmu_attr(struct vcpu *v, uint64_t attr, void *addr)
{
    struct kvm_device_attr a = {.group = KVM_ARM_VCPU_PMU_V3_CTRL, .attr = attr,
                                .addr = (uintptr_t)addr};

    if (ioctl(v->fd, KVM_HAS_DEVICE_ATTR, &a) < 0)
        return -errno;
    return ioctl(v->fd, KVM_SET_DEVICE_ATTR, &a) < 0 ? -errno : 0;
}

int pmu_init(struct vm *vm, char **msg)
{
    int irq = 16 + BRKVM_PMU_PPI; /* KVM takes the INTID */
    int r;

    if (!vm->pmu)
        return 0;
    for (unsigned i = 0; i < vm->nr_vcpus; i++) {
        struct vcpu *v = &vm->vcpus[i];

        if ((r = vcpu_pmu_attr(v, KVM_ARM_VCPU_PMU_V3_IRQ, &irq))) {
            *msg = g_strdup_printf("--pmu: vCPU %u's PMU interrupt (INTID %d): %s", i, irq,
                                   strerror(-r));
            return r;
        }
        if ((r = vcpu_pmu_attr(v, KVM_ARM_VCPU_PMU_V3_INIT, NULL))) {
            *msg = g_strdup_printf("--pmu: vCPU %u's PMU initialisation: %s", i, strerror(-r));
            return r;
        }
    }
    g_info("PMUv3 on %u vCPUs, overflow interrupt PPI %d (INTID %d)", vm->nr_vcpus,
           BRKVM_PMU_PPI, irq);
    return 0;
}
