/* boot.c - put the payload, initrd and device tree in guest RAM; set the boot vCPU's state
 * (booting.rst: x0 = DTB, x1-x3 = 0, EL1h with DAIF masked, MMU off) */
#define G_LOG_DOMAIN "boot"
#include <brkvm/fdt.h>
#include <brkvm/memmap.h>
#include <brkvm/vm.h>

#include <errno.h>
#include <glib.h>
#include <libfdt.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

static int dump_dtb(const char *path, const void *blob, size_t len, char **msg)
{
    GError *err = NULL;

    if (!g_file_set_contents(path, blob, (gssize)len, &err)) {
        *msg = g_strdup_printf("--dump-dtb: %s", err->message);
        g_error_free(err);
        return -EIO;
    }
    return 0;
}

static void release_pages(const uint8_t *p, uint64_t len)
{
    uintptr_t start = (uintptr_t)p & ~(uintptr_t)4095;

    if (len && madvise((void *)start, len + ((uintptr_t)p - start), MADV_DONTNEED))
        g_debug("releasing the payload's pages: %s", strerror(errno));
}

int boot_prepare(struct vm *vm, const uint8_t *kernel, uint64_t kernel_len,
                 const struct payload *p, const uint8_t *initrd, uint64_t initrd_len, char **msg)
{
    const struct load_map *map = &vm->map;
    uint64_t *mpidr = g_new(uint64_t, vm->nr_vcpus);
    void *dtb = vm_gpa_to_hva(vm, map->dtb_start, LOADER_DTB_MAX);
    char stdout_path[40];
    char *bootargs = vm->cfg->no_kaslr
                         ? g_strdup_printf("%s%snokaslr", vm->cfg->params ? vm->cfg->params : "",
                                           vm->cfg->params ? " " : "")
                         : g_strdup(vm->cfg->params);
    int r;

    vm->boot_kernel = kernel;
    vm->boot_kernel_len = kernel_len;
    vm->boot_payload = *p;
    vm->boot_initrd = initrd;
    vm->boot_initrd_len = initrd_len;
    loader_copy(p, kernel, kernel_len, map, vm->ram, vm->ram_base);
    if (initrd_len)
        memcpy(vm_gpa_to_hva(vm, map->initrd_start, initrd_len), initrd, initrd_len);
    /* the files are read-only mappings (main.c file_map): once copied, their pages leave
     * brkvm's RSS (the page cache keeps them for a reset, which reads them again) */
    release_pages(kernel, kernel_len);
    release_pages(initrd, initrd_len);

    for (unsigned i = 0; i < vm->nr_vcpus; i++)
        mpidr[i] = vm->vcpus[i].mpidr;
    snprintf(stdout_path, sizeof(stdout_path), "/uart@%llx",
             (unsigned long long)BRKVM_UART_BASE);
    struct fdt_machine m = {
        .ram_base = vm->ram_base,
        .ram_size = vm->ram_size,
        .ncpus = vm->nr_vcpus,
        .mpidr = mpidr,
        .gic_version = vm->gic.version,
        .gic_dist_base = vm->gic.dist_base,
        .gic_dist_size = vm->gic.dist_size,
        .gic_redist_base = vm->gic.redist_base,
        .gic_redist_size = vm->gic.redist_size,
        .gic_cpu_base = vm->gic.cpu_base,
        .gic_cpu_size = vm->gic.cpu_size,
        .gic_its_base = vm->gic.its_base,
        .gic_its_size = vm->gic.its_fd >= 0 ? vm->gic.its_size : 0,
        .pmu_ppi = vm->pmu ? BRKVM_PMU_PPI : 0,
        .bootargs = bootargs,
        .has_kaslr_seed = vm->cfg->has_kaslr_seed,
        .kaslr_seed = vm->cfg->kaslr_seed,
        .initrd_start = map->initrd_start,
        .initrd_end = map->initrd_end,
        .stdout_path = stdout_path,
        .bus = &vm->bus,
    };
    r = fdt_build(&m, dtb, LOADER_DTB_MAX);
    g_free(mpidr);
    g_free(bootargs);
    if (r) {
        *msg = g_strdup_printf("building the device tree: %s", strerror(-r));
        return r;
    }
    if (vm->cfg->dump_dtb && (r = dump_dtb(vm->cfg->dump_dtb, dtb, fdt_totalsize(dtb), msg)))
        return r;
    g_info("%s at %#llx-%#llx entry %#llx, initrd %#llx-%#llx, DTB %#llx",
           loader_kind_name(p->kind), (unsigned long long)map->kernel_start,
           (unsigned long long)map->kernel_end, (unsigned long long)map->entry,
           (unsigned long long)map->initrd_start, (unsigned long long)map->initrd_end,
           (unsigned long long)map->dtb_start);
    if ((r = vcpu_set_boot_regs(&vm->vcpus[0], map->entry, map->dtb_start))) {
        *msg = g_strdup_printf("setting the boot vCPU's registers: %s", strerror(-r));
        return r;
    }
    return 0;
}

int vm_reset(struct vm *vm, char **msg)
{
    int r;

    virtio_host_reset(vm); /* the guest finds its devices as at power-on */
    for (unsigned i = 0; i < vm->nr_vcpus; i++) {
        if ((r = vcpu_init_state(&vm->vcpus[i]))) {
            *msg = g_strdup_printf("resetting vCPU %u: %s", i, strerror(-r));
            return r;
        }
    }
    return boot_prepare(vm, vm->boot_kernel, vm->boot_kernel_len, &vm->boot_payload,
                        vm->boot_initrd, vm->boot_initrd_len, msg);
}
