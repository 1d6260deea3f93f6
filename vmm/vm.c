/* vm.c - the VM: /dev/kvm, capabilities, guest RAM, interrupt lines, and the end of the run */
#define G_LOG_DOMAIN "vm"
#include <brkvm/memmap.h>
#include <brkvm/size.h>
#include <brkvm/vm.h>

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <linux/kvm.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#define KVM_DEFAULT_IPA_BITS 40

static int check_cap(struct vm *vm, long cap)
{
    int r = ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, cap);
    return r < 0 ? 0 : r;
}

/* Guest RAM: anonymous, starting on a 2 MiB boundary and marked for transparent huge pages, so
 * that the host backs it with 2 MiB pages where it can and KVM maps those as stage-2 blocks: one
 * fault per 2 MiB the guest touches instead of 512 (a Linux boot to /init took ~18 000 exits
 * with 4 KiB pages).  MADV_MERGEABLE lets KSM share identical pages where the host runs it.
 * NULL with errno on failure. */
static void *ram_map(size_t size)
{
    const size_t align = 2u << 20;
    uint8_t *p = mmap(NULL, size + align, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    uint8_t *start = (uint8_t *)(((uintptr_t)p + align - 1) & ~(uintptr_t)(align - 1));
    if (start > p)
        munmap(p, (size_t)(start - p));
    munmap(start + size, (size_t)(p + align - start));
    madvise(start, size, MADV_HUGEPAGE); /* advice: a host without THP ignores it */
    madvise(start, size, MADV_MERGEABLE);
    return start;
}

int vm_create(struct vm *vm, const struct brkvm_config *cfg, char **msg)
{
    static const struct { long cap; const char *name; } required[] = {
        {KVM_CAP_ONE_REG, "KVM_CAP_ONE_REG"},
        {KVM_CAP_ARM_PSCI_0_2, "KVM_CAP_ARM_PSCI_0_2"},
        {KVM_CAP_IRQCHIP, "KVM_CAP_IRQCHIP"},
        {KVM_CAP_DEVICE_CTRL, "KVM_CAP_DEVICE_CTRL"},
    };
    unsigned long type = 0;
    uint64_t ram_end;
    int r, max_vcpus;

    memset(vm, 0, sizeof(*vm));
    vm->cfg = cfg;
    vm->kvm_fd = vm->vm_fd = vm->exit_efd = -1;
    vm->gic.fd = vm->gic.its_fd = -1;
    pthread_mutex_init(&vm->exit_lock, NULL);

    vm->exit_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (vm->exit_efd < 0) {
        *msg = g_strdup_printf("eventfd: %s", strerror(errno));
        return -errno;
    }
    vm->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (vm->kvm_fd < 0) {
        r = -errno;
        *msg = g_strdup_printf("cannot open /dev/kvm: %s (brkvm needs KVM on an arm64 host)",
                               strerror(errno));
        return r;
    }
    r = ioctl(vm->kvm_fd, KVM_GET_API_VERSION, 0);
    if (r != KVM_API_VERSION) {
        *msg = g_strdup_printf("KVM API version %d, brkvm needs %d", r, KVM_API_VERSION);
        return -EINVAL;
    }
    for (unsigned i = 0; i < G_N_ELEMENTS(required); i++) {
        if (!check_cap(vm, required[i].cap)) {
            *msg = g_strdup_printf("this KVM lacks %s", required[i].name);
            return -EOPNOTSUPP;
        }
    }
    max_vcpus = check_cap(vm, KVM_CAP_MAX_VCPUS);
    if (!max_vcpus)
        max_vcpus = check_cap(vm, KVM_CAP_NR_VCPUS);
    if ((r = options_check_host(cfg, 0, (unsigned)max_vcpus, msg)))
        return -EINVAL;

    /* the IPA space must cover the end of RAM */
    vm->ram_base = BRKVM_RAM_BASE;
    vm->ram_size = cfg->mem_size;
    ram_end = vm->ram_base + vm->ram_size;
    vm->ipa_bits = KVM_DEFAULT_IPA_BITS;
    if (ram_end > (1ULL << KVM_DEFAULT_IPA_BITS)) {
        int max_ipa = check_cap(vm, KVM_CAP_ARM_VM_IPA_SIZE);
        int bits = 64 - __builtin_clzll(ram_end - 1);
        if (max_ipa < bits) {
            char b[32];
            *msg = g_strdup_printf("--mem %s: too large for this host, whose KVM guests can "
                                   "address %d bits of physical memory",
                                   size_format(cfg->mem_size, b, sizeof(b)),
                                   max_ipa ? max_ipa : KVM_DEFAULT_IPA_BITS);
            return -E2BIG;
        }
        vm->ipa_bits = bits;
        type = KVM_VM_TYPE_ARM_IPA_SIZE(bits);
    }
    do
        vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, type);
    while (vm->vm_fd < 0 && errno == EINTR);
    if (vm->vm_fd < 0) {
        r = -errno;
        *msg = g_strdup_printf("KVM_CREATE_VM: %s", strerror(errno));
        return r;
    }

    /* MMIO accesses without a valid syndrome: to brkvm, which injects an abort (vcpu.c) */
    if (check_cap(vm, KVM_CAP_ARM_NISV_TO_USER) && check_cap(vm, KVM_CAP_ARM_INJECT_EXT_DABT)) {
        struct kvm_enable_cap nisv = {.cap = KVM_CAP_ARM_NISV_TO_USER};
        vm->nisv_inject = ioctl(vm->vm_fd, KVM_ENABLE_CAP, &nisv) == 0;
    }
    if (!vm->nisv_inject)
        g_info("KVM cannot report MMIO accesses without a syndrome: such an access ends the run");

    vm->ram = ram_map(vm->ram_size);
    if (!vm->ram) {
        char b[32];
        r = -errno;
        *msg = g_strdup_printf("--mem %s: cannot allocate guest RAM: %s",
                               size_format(vm->ram_size, b, sizeof(b)), strerror(errno));
        return r;
    }
    struct kvm_userspace_memory_region region = {
        .slot = 0,
        .guest_phys_addr = vm->ram_base,
        .memory_size = vm->ram_size,
        .userspace_addr = (uintptr_t)vm->ram,
    };
    if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &region) < 0) {
        r = -errno;
        *msg = g_strdup_printf("KVM_SET_USER_MEMORY_REGION: %s", strerror(errno));
        return r;
    }
    r = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (r <= 0) {
        *msg = g_strdup_printf("KVM_GET_VCPU_MMAP_SIZE: %s", strerror(errno));
        return -EINVAL;
    }
    vm->run_size = (size_t)r;
    g_info("VM created: %u vCPUs, RAM %#llx-%#llx, IPA %d bits, max vCPUs %d", cfg->cpus,
           (unsigned long long)vm->ram_base, (unsigned long long)ram_end - 1, vm->ipa_bits,
           max_vcpus);
    return 0;
}

void vm_destroy(struct vm *vm)
{
    virtio_host_stop(vm);
    if (vm->vcpus) {
        for (unsigned i = 0; i < vm->nr_vcpus; i++) {
            if (vm->vcpus[i].run)
                munmap(vm->vcpus[i].run, vm->run_size);
            if (vm->vcpus[i].fd >= 0)
                close(vm->vcpus[i].fd);
        }
        g_free(vm->vcpus);
        vm->vcpus = NULL;
    }
    if (vm->gic.its_fd >= 0)
        close(vm->gic.its_fd);
    if (vm->gic.fd >= 0)
        close(vm->gic.fd);
    if (vm->ram)
        munmap(vm->ram, vm->ram_size);
    if (vm->vm_fd >= 0)
        close(vm->vm_fd);
    if (vm->kvm_fd >= 0)
        close(vm->kvm_fd);
    if (vm->exit_efd >= 0)
        close(vm->exit_efd);
    vm->ram = NULL;
    vm->vm_fd = vm->kvm_fd = vm->exit_efd = vm->gic.fd = vm->gic.its_fd = -1;
}

void vm_request_exit(struct vm *vm, int code, const char *fmt, ...)
{
    va_list ap;
    uint64_t one = 1;

    pthread_mutex_lock(&vm->exit_lock);
    if (!vm->exiting) {
        vm->exiting = true;
        vm->exit_code = code;
        va_start(ap, fmt);
        vsnprintf(vm->exit_reason, sizeof(vm->exit_reason), fmt, ap);
        va_end(ap);
    }
    pthread_mutex_unlock(&vm->exit_lock);
    if (write(vm->exit_efd, &one, sizeof(one)) < 0 && errno != EAGAIN)
        g_warning("eventfd write: %s", strerror(errno));
}

bool vm_exiting(struct vm *vm)
{
    bool e;

    pthread_mutex_lock(&vm->exit_lock);
    e = vm->exiting;
    pthread_mutex_unlock(&vm->exit_lock);
    return e;
}

int vm_set_irq(struct vm *vm, unsigned spi, int level)
{
    struct kvm_irq_level irq = {
        .irq = (KVM_ARM_IRQ_TYPE_SPI << KVM_ARM_IRQ_TYPE_SHIFT) | (spi + 32),
        .level = level,
    };

    return ioctl(vm->vm_fd, KVM_IRQ_LINE, &irq) < 0 ? -errno : 0;
}

void *vm_gpa_to_hva(struct vm *vm, uint64_t gpa, uint64_t len)
{
    if (gpa < vm->ram_base || gpa - vm->ram_base > vm->ram_size ||
        len > vm->ram_size - (gpa - vm->ram_base))
        return NULL;
    return vm->ram + (gpa - vm->ram_base);
}
