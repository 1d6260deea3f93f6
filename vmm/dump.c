/* dump.c - an ELF core of the paused guest (monitor dump-guest-memory, the panic action): the
 * vCPUs' registers, the kernel's VMCOREINFO, and RAM written straight from its mapping */
#define G_LOG_DOMAIN "dump"
#include "debug_internal.h"

#include <brkvm/arm64_kimage.h>
#include <brkvm/elf_core.h>
#include <brkvm/vm.h>

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <string.h>
#include <unistd.h>

#define ZERO_CHUNK 0x10000ULL   /* all-zero chunks of RAM this size stay holes in the file */
#define WRITE_MAX (8ULL << 20)  /* one pwrite at most */
#define VMCOREINFO_MAX 0x2000ULL /* Linux: a page of text plus the note's headers */

static int dump_read_regs(struct vcpu *v, struct elf_core_regs *r)
{
    int ret = 0;

    for (unsigned i = 0; i < 31 && !ret; i++)
        ret = vcpu_get_reg(v, REG_X(i), &r->x[i]);
    if (!ret)
        ret = vcpu_get_reg(v, REG_PC, &r->pc);
    if (!ret)
        ret = vcpu_get_reg(v, REG_PSTATE, &r->pstate);
    /* the SP in use, as gdb's $sp: SP_EL1 at EL1h, SP_EL0 at EL1t and EL0 */
    if (!ret)
        ret = vcpu_get_reg(v, (r->pstate & 1) ? REG_SP_EL1 : REG_SP_EL0, &r->sp);
    return ret;
}

/* translation registers of the first vCPU with its MMU on */
static int dump_mmu_regs(struct vm *vm, struct arm64_mmu_regs *r)
{
    for (unsigned i = 0; i < vm->nr_vcpus; i++) {
        struct vcpu *v = &vm->vcpus[i];
        if (!vcpu_read_mmu_regs(v, r) && (r->sctlr & 1))
            return 0;
    }
    return -ENOENT;
}

/*
 * Linux's vmcoreinfo_note: a pointer (in the image's .bss, link address from --symbols) to the
 * note the kernel filled at boot.  On success *text and *len point into guest RAM.  Otherwise *why
 * says what is missing.
 */
static int dump_find_vmcoreinfo(struct vm *vm, const struct elf_core_desc *d,
                                const uint8_t **text, size_t *len, const char **why)
{
    uint64_t ptr, pa, avail;

    if (!vm->has_link_text) {
        *why = "brkvm was started without --symbols (the kernel's vmlinux or System.map)";
        return -ENOENT;
    }
    if (!vm->has_link_vmcoreinfo) {
        *why = "--symbols has no vmcoreinfo_note (a kernel without CONFIG_CRASH_CORE)";
        return -ENOENT;
    }
    if (!d->has_kimage || vm->link_vmcoreinfo - vm->link_text > d->kimage_size - 8) {
        *why = "the kernel has not mapped its image yet";
        return -ENOENT;
    }
    if (debug_read_phys(vm, d->kimage_pa + (vm->link_vmcoreinfo - vm->link_text), &ptr) || !ptr) {
        *why = "the kernel has not set vmcoreinfo_note up yet";
        return -ENOENT;
    }
    /* a linear-map address (alloc_pages_exact) */
    if (d->ram[0].va != d->ram[0].pa && ptr - d->ram[0].va < d->ram[0].size)
        pa = d->ram[0].pa + (ptr - d->ram[0].va);
    else if (vm_debug_translate(&vm->vcpus[0], ptr, &pa)) {
        *why = "vmcoreinfo_note points to an address that does not translate";
        return -ENOENT;
    }
    if (pa < vm->ram_base || pa >= vm->ram_base + vm->ram_size) {
        *why = "vmcoreinfo_note points outside RAM";
        return -ENOENT;
    }
    avail = vm->ram_base + vm->ram_size - pa;
    if (avail > VMCOREINFO_MAX)
        avail = VMCOREINFO_MAX;
    if (elf_core_parse_vmcoreinfo(vm_gpa_to_hva(vm, pa, avail), avail, text, len)) {
        *why = "vmcoreinfo_note does not hold a VMCOREINFO note";
        return -ENOENT;
    }
    return 0;
}

static int pwrite_all(int fd, const uint8_t *p, uint64_t n, uint64_t off)
{
    while (n) {
        ssize_t w = pwrite(fd, p, n > WRITE_MAX ? WRITE_MAX : n, (off_t)off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return w < 0 ? -errno : -EIO;
        p += w;
        n -= (uint64_t)w;
        off += (uint64_t)w;
    }
    return 0;
}

static bool chunk_is_zero(const uint8_t *p, uint64_t n)
{
    const uint64_t *w = (const uint64_t *)p;

    for (uint64_t i = 0; i < n / 8; i++)
        if (w[i])
            return false;
    return true;
}

/* RAM [p, p + n) at file offset off, non-zero chunks only; *written += what was written */
static int dump_write_ram(int fd, const uint8_t *p, uint64_t n, uint64_t off, uint64_t *written)
{
    uint64_t run = 0, run_len = 0;
    int r;

    for (uint64_t i = 0; i < n; i += ZERO_CHUNK) {
        uint64_t len = n - i < ZERO_CHUNK ? n - i : ZERO_CHUNK;
        if (!chunk_is_zero(p + i, len)) {
            if (!run_len)
                run = i;
            run_len += len;
            if (run_len < WRITE_MAX)
                continue;
        }
        if (run_len) {
            if ((r = pwrite_all(fd, p + run, run_len, off + run)))
                return r;
            *written += run_len;
            run_len = 0;
        }
    }
    if (run_len && (r = pwrite_all(fd, p + run, run_len, off + run)))
        return r;
    *written += run_len;
    return 0;
}

int vm_dump_guest_memory(struct vm *vm, const char *path, bool no_clobber, char **msg)
{
    gint64 t0 = g_get_monotonic_time();
    struct elf_core_desc d = {
        .ram = {{.pa = vm->ram_base, .size = vm->ram_size, .va = vm->ram_base}},
        .nram = 1,
        .nregs = vm->nr_vcpus,
    };
    struct elf_core_regs *regs = g_new0(struct elf_core_regs, vm->nr_vcpus);
    struct arm64_mmu_regs mmu;
    const char *why = NULL;
    uint64_t ttbr1 = 0, linear = 0, written = 0;
    uint8_t *hdr = NULL;
    int fd = -1, r;

    d.regs = regs;
    for (unsigned i = 0; i < vm->nr_vcpus; i++) {
        r = dump_read_regs(&vm->vcpus[i], &regs[i]);
        if (r) {
            *msg = g_strdup_printf("cannot read vCPU %u's registers: %s", i, g_strerror(-r));
            goto out;
        }
    }
    /* the kernel image's virtual range and the linear map, from the kernel's own tables */
    if (!debug_kernel_text_va(vm, &d.kimage_va, &ttbr1)) {
        d.has_kimage = true;
        d.kimage_pa = vm->map.kernel_start;
        d.kimage_size = vm->map.kernel_end - vm->map.kernel_start;
    }
    if (!dump_mmu_regs(vm, &mmu) &&
        !arm64_find_linear_map(&mmu, ttbr1, vm->ram_base, vm->ram_base + vm->ram_size,
                               debug_read_phys, vm, &linear))
        d.ram[0].va = linear;
    if (dump_find_vmcoreinfo(vm, &d, &d.vmcoreinfo, &d.vmcoreinfo_len, &why))
        d.vmcoreinfo = NULL;

    uint64_t hsize = elf_core_header_size(&d);
    if (!hsize) {
        *msg = g_strdup("the guest's memory layout cannot be described in an ELF core");
        r = -EINVAL;
        goto out;
    }
    hdr = g_malloc(hsize);
    elf_core_build_header(&d, hdr, hsize);
    fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC |
                        (no_clobber ? O_EXCL | O_NOFOLLOW : O_TRUNC), 0600);
    if (fd < 0) {
        r = -errno;
        *msg = g_strdup_printf("%s: %s%s", path, g_strerror(errno),
                               no_clobber && errno == EEXIST
                                   ? " (a debugger's command never overwrites a file: remove it "
                                     "or choose another name)"
                                   : "");
        goto out;
    }
    r = pwrite_all(fd, hdr, hsize, 0);
    if (!r)
        r = dump_write_ram(fd, vm->ram, vm->ram_size, elf_core_ram_offset(&d, vm->ram_base),
                           &written);
    if (!r && ftruncate(fd, (off_t)elf_core_file_size(&d)))
        r = -errno;
    if (!r && close(fd))
        r = -errno;
    fd = -1;
    if (r) {
        *msg = g_strdup_printf("writing %s: %s", path, g_strerror(-r));
        goto out;
    }

    GString *s = g_string_new(NULL);
    g_string_append_printf(s, "%s: ELF core of %u vCPU%s, %llu MiB RAM at %#llx", path,
                           vm->nr_vcpus, vm->nr_vcpus == 1 ? "" : "s",
                           (unsigned long long)(vm->ram_size >> 20),
                           (unsigned long long)vm->ram_base);
    if (linear)
        g_string_append_printf(s, " (linear map %#llx)", (unsigned long long)linear);
    if (d.has_kimage)
        g_string_append_printf(s, ", kernel image at %#llx", (unsigned long long)d.kimage_va);
    if (d.has_kimage && vm->has_link_text)
        g_string_append_printf(s, " (KASLR slide %#llx: gdb-multiarch -ex 'symbol-file vmlinux -o "
                                  "%#llx' -ex 'core-file %s')",
                               (unsigned long long)(d.kimage_va - vm->link_text),
                               (unsigned long long)(d.kimage_va - vm->link_text), path);
    if (d.vmcoreinfo)
        g_string_append_printf(s, ", VMCOREINFO %zu bytes", d.vmcoreinfo_len);
    else
        g_string_append_printf(s, "; no VMCOREINFO: %s", why);
    g_string_append_printf(s, "; %llu MiB written (zero pages left as holes) in %lld ms",
                           (unsigned long long)((written + hsize + (1 << 19)) >> 20),
                           (long long)((g_get_monotonic_time() - t0) / 1000));
    *msg = g_string_free(s, false);
    g_info("%s", *msg);
out:
    if (fd >= 0)
        close(fd);
    g_free(hdr);
    g_free(regs);
    return r;
}
