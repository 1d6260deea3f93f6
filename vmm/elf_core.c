/* elf_core.c - the header part of an arm64 ELF core of guest RAM (see elf_core.h) */
#include <brkvm/elf_core.h>

#include <elf.h>
#include <errno.h>
#include <string.h>

_Static_assert(sizeof(struct elf_core_regs) == 34 * 8, "user_pt_regs is 34 doublewords");
_Static_assert(sizeof(struct elf_core_prstatus) == 392, "arm64 struct elf_prstatus is 392 bytes");
_Static_assert(offsetof(struct elf_core_prstatus, pid) == 32, "pr_pid at 32");
_Static_assert(offsetof(struct elf_core_prstatus, reg) == 112, "pr_reg at 112");

#define NOTE_ALIGN(n) (((n) + 3) & ~(uint64_t)3)

static uint64_t note_size(size_t namesz, size_t descsz)
{
    return sizeof(Elf64_Nhdr) + NOTE_ALIGN(namesz) + NOTE_ALIGN(descsz);
}

static uint64_t notes_size(const struct elf_core_desc *d)
{
    uint64_t n = d->nregs * note_size(sizeof("CORE"), sizeof(struct elf_core_prstatus));

    if (d->vmcoreinfo)
        n += note_size(sizeof("VMCOREINFO"), d->vmcoreinfo_len);
    return n;
}

static unsigned phnum(const struct elf_core_desc *d)
{
    return 1 + d->nram + (d->has_kimage ? 1 : 0);
}

/* the region holding [pa, pa + len), or -1 */
static int region_of(const struct elf_core_desc *d, uint64_t pa, uint64_t len)
{
    for (unsigned i = 0; i < d->nram; i++)
        if (pa >= d->ram[i].pa && len <= d->ram[i].size && pa - d->ram[i].pa <= d->ram[i].size - len)
            return (int)i;
    return -1;
}

static bool desc_ok(const struct elf_core_desc *d)
{
    if (d->nram == 0 || d->nram > ELF_CORE_MAX_RAM || (d->nregs && !d->regs) ||
        d->nregs > 65535 || (d->vmcoreinfo && d->vmcoreinfo_len > UINT32_MAX))
        return false;
    for (unsigned i = 0; i < d->nram; i++)
        if (d->ram[i].size == 0 || d->ram[i].size % ELF_CORE_ALIGN)
            return false;
    return !d->has_kimage ||
           (d->kimage_size && region_of(d, d->kimage_pa, d->kimage_size) >= 0);
}

uint64_t elf_core_header_size(const struct elf_core_desc *d)
{
    if (!desc_ok(d))
        return 0;
    uint64_t n = sizeof(Elf64_Ehdr) + phnum(d) * sizeof(Elf64_Phdr) + notes_size(d);
    return (n + ELF_CORE_ALIGN - 1) & ~(ELF_CORE_ALIGN - 1);
}

uint64_t elf_core_ram_offset(const struct elf_core_desc *d, uint64_t pa)
{
    uint64_t off = elf_core_header_size(d);
    int r = region_of(d, pa, 1);

    if (!off || r < 0)
        return 0;
    for (int i = 0; i < r; i++)
        off += d->ram[i].size;
    return off + (pa - d->ram[r].pa);
}

uint64_t elf_core_file_size(const struct elf_core_desc *d)
{
    uint64_t off = elf_core_header_size(d);

    if (!off)
        return 0;
    for (unsigned i = 0; i < d->nram; i++)
        off += d->ram[i].size;
    return off;
}

static uint8_t *put_note(uint8_t *p, const char *name, uint32_t type, const void *desc,
                         size_t descsz)
{
    Elf64_Nhdr nh = {.n_namesz = (uint32_t)strlen(name) + 1, .n_descsz = (uint32_t)descsz,
                     .n_type = type};

    memcpy(p, &nh, sizeof(nh));
    p += sizeof(nh);
    memcpy(p, name, nh.n_namesz); /* the buffer is zeroed: padding stays 0 */
    p += NOTE_ALIGN(nh.n_namesz);
    memcpy(p, desc, descsz);
    return p + NOTE_ALIGN(descsz);
}

static void put_load(Elf64_Phdr *ph, uint64_t off, uint64_t va, uint64_t pa, uint64_t size)
{
    *ph = (Elf64_Phdr){.p_type = PT_LOAD, .p_flags = PF_R | PF_W | PF_X, .p_offset = off,
                       .p_vaddr = va, .p_paddr = pa, .p_filesz = size, .p_memsz = size,
                       .p_align = ELF_CORE_ALIGN};
}

int elf_core_build_header(const struct elf_core_desc *d, uint8_t *buf, size_t len)
{
    uint64_t hsize = elf_core_header_size(d);

    if (!hsize || len != hsize)
        return -EINVAL;
    memset(buf, 0, len);

    Elf64_Ehdr eh = {
        .e_ident = {ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3, ELFCLASS64, ELFDATA2LSB, EV_CURRENT,
                    ELFOSABI_NONE},
        .e_type = ET_CORE, .e_machine = EM_AARCH64, .e_version = EV_CURRENT,
        .e_phoff = sizeof(Elf64_Ehdr), .e_ehsize = sizeof(Elf64_Ehdr),
        .e_phentsize = sizeof(Elf64_Phdr), .e_phnum = (Elf64_Half)phnum(d)};
    memcpy(buf, &eh, sizeof(eh));

    Elf64_Phdr ph[2 + ELF_CORE_MAX_RAM];
    unsigned n = 0;
    uint64_t note_off = sizeof(Elf64_Ehdr) + phnum(d) * sizeof(Elf64_Phdr);
    ph[n++] = (Elf64_Phdr){.p_type = PT_NOTE, .p_offset = note_off, .p_filesz = notes_size(d),
                           .p_align = 4};
    /* the kernel image first, as arm64 kexec-tools lays out /proc/vmcore */
    if (d->has_kimage)
        put_load(&ph[n++], elf_core_ram_offset(d, d->kimage_pa), d->kimage_va, d->kimage_pa,
                 d->kimage_size);
    uint64_t off = hsize;
    for (unsigned i = 0; i < d->nram; i++) {
        put_load(&ph[n++], off, d->ram[i].va, d->ram[i].pa, d->ram[i].size);
        off += d->ram[i].size;
    }
    memcpy(buf + sizeof(eh), ph, n * sizeof(ph[0]));

    uint8_t *p = buf + note_off;
    for (unsigned i = 0; i < d->nregs; i++) {
        struct elf_core_prstatus st = {.pid = (int32_t)i + 1, .reg = d->regs[i]};
        p = put_note(p, "CORE", NT_PRSTATUS, &st, sizeof(st));
    }
    if (d->vmcoreinfo)
        put_note(p, "VMCOREINFO", 0, d->vmcoreinfo, d->vmcoreinfo_len);
    return 0;
}

int elf_core_parse_vmcoreinfo(const uint8_t *buf, size_t len, const uint8_t **desc,
                              size_t *desc_len)
{
    static const char name[] = "VMCOREINFO";
    Elf64_Nhdr nh;

    if (len < sizeof(nh))
        return -ENOENT;
    memcpy(&nh, buf, sizeof(nh));
    uint64_t name_end = sizeof(nh) + NOTE_ALIGN((uint64_t)nh.n_namesz);
    if (nh.n_namesz != sizeof(name) || nh.n_type != 0 || name_end > len ||
        memcmp(buf + sizeof(nh), name, sizeof(name)) || nh.n_descsz > len - name_end)
        return -ENOENT;
    *desc = buf + name_end;
    *desc_len = nh.n_descsz;
    return 0;
}
