/* test_elf_core.c - the arm64 ELF core layout: build a core of a small fake guest, parse it back
 * field by field, find VMCOREINFO in a Linux-style note, and let readelf and gdb open it */
#include <brkvm/elf_core.h>

#include <elf.h>
#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#define RAM_PA 0x80000000ULL
#define RAM_SIZE 0x10000ULL
#define LINEAR_VA 0xffffff8000000000ULL
#define KIMG_VA 0xffffffc008000000ULL
#define KIMG_PA (RAM_PA + 0x2000)
#define KIMG_SIZE 0x3000ULL

static const char info[] = "OSRELEASE=6.1.0\nPAGESIZE=4096\nKERNELOFFSET=0\n"; /* 43 bytes */
static uint8_t ram[RAM_SIZE];
static struct elf_core_regs regs[3];

static struct elf_core_desc desc(void)
{
    struct elf_core_desc d = {
        .ram = {{.pa = RAM_PA, .size = RAM_SIZE, .va = LINEAR_VA}},
        .nram = 1,
        .has_kimage = true, .kimage_va = KIMG_VA, .kimage_pa = KIMG_PA, .kimage_size = KIMG_SIZE,
        .regs = regs, .nregs = 3,
        .vmcoreinfo = (const uint8_t *)info, .vmcoreinfo_len = strlen(info),
    };
    for (unsigned c = 0; c < 3; c++) {
        for (unsigned i = 0; i < 31; i++)
            regs[c].x[i] = (c + 1) * 0x1000 + i;
        regs[c].sp = 0xffffffc00a000000ULL + c * 0x4000;
        regs[c].pc = KIMG_VA + 0x100 + c * 4;
        regs[c].pstate = 0x3c5; /* EL1h, DAIF */
    }
    for (unsigned i = 0; i < RAM_SIZE; i++)
        ram[i] = (uint8_t)(i * 7 + (i >> 8));
    return d;
}

/* the whole core file in memory: header part + RAM */
static uint8_t *build(const struct elf_core_desc *d, uint64_t *size)
{
    uint64_t h = elf_core_header_size(d);

    g_assert_cmpuint(h, >, 0);
    *size = elf_core_file_size(d);
    g_assert_cmpuint(*size, ==, h + RAM_SIZE);
    uint8_t *f = g_malloc0(*size);
    g_assert_cmpint(elf_core_build_header(d, f, h), ==, 0);
    g_assert_cmpuint(elf_core_ram_offset(d, RAM_PA), ==, h);
    memcpy(f + elf_core_ram_offset(d, RAM_PA), ram, RAM_SIZE);
    return f;
}

/* read [va, va+len) through the PT_LOADs, as gdb would (by p_vaddr) or drgn (by p_paddr) */
static const uint8_t *core_read(const uint8_t *f, uint64_t addr, uint64_t len, bool phys)
{
    const Elf64_Ehdr *eh = (const void *)f;
    for (unsigned i = 0; i < eh->e_phnum; i++) {
        const Elf64_Phdr *ph = (const void *)(f + eh->e_phoff + i * sizeof(*ph));
        uint64_t base = phys ? ph->p_paddr : ph->p_vaddr;
        if (ph->p_type == PT_LOAD && addr >= base && addr + len <= base + ph->p_filesz)
            return f + ph->p_offset + (addr - base);
    }
    return NULL;
}

static void test_layout(void)
{
    struct elf_core_desc d = desc();
    uint64_t size;
    uint8_t *f = build(&d, &size);
    Elf64_Ehdr eh;
    Elf64_Phdr ph[3];

    memcpy(&eh, f, sizeof(eh));
    g_assert_cmpmem(eh.e_ident, SELFMAG, ELFMAG, SELFMAG);
    g_assert_cmpint(eh.e_ident[EI_CLASS], ==, ELFCLASS64);
    g_assert_cmpint(eh.e_ident[EI_DATA], ==, ELFDATA2LSB);
    g_assert_cmpint(eh.e_ident[EI_VERSION], ==, EV_CURRENT);
    g_assert_cmpint(eh.e_type, ==, ET_CORE);
    g_assert_cmpint(eh.e_machine, ==, EM_AARCH64);
    g_assert_cmpint(eh.e_version, ==, EV_CURRENT);
    g_assert_cmpuint(eh.e_entry, ==, 0);
    g_assert_cmpuint(eh.e_phoff, ==, sizeof(Elf64_Ehdr));
    g_assert_cmpuint(eh.e_shoff, ==, 0);
    g_assert_cmpuint(eh.e_shnum, ==, 0);
    g_assert_cmpint(eh.e_ehsize, ==, sizeof(Elf64_Ehdr));
    g_assert_cmpint(eh.e_phentsize, ==, sizeof(Elf64_Phdr));
    g_assert_cmpint(eh.e_phnum, ==, 3); /* note, kernel image, RAM */
    memcpy(ph, f + eh.e_phoff, sizeof(ph));

    /* PT_NOTE: 3 x NT_PRSTATUS, then VMCOREINFO */
    g_assert_cmpint(ph[0].p_type, ==, PT_NOTE);
    g_assert_cmpuint(ph[0].p_offset, ==, sizeof(eh) + sizeof(ph));
    uint64_t off = ph[0].p_offset, end = off + ph[0].p_filesz;
    for (unsigned c = 0; c < 3; c++) {
        Elf64_Nhdr nh;
        struct elf_core_prstatus st;
        memcpy(&nh, f + off, sizeof(nh));
        g_assert_cmpuint(nh.n_namesz, ==, 5);
        g_assert_cmpuint(nh.n_descsz, ==, 392);
        g_assert_cmpuint(nh.n_type, ==, NT_PRSTATUS);
        g_assert_cmpmem(f + off + 12, 5, "CORE", 5);
        memcpy(&st, f + off + 12 + 8, sizeof(st));
        g_assert_cmpint(st.pid, ==, (int)c + 1);
        g_assert_cmpint(st.ppid, ==, 0);
        g_assert_cmpint(st.si_signo, ==, 0);
        g_assert_cmpint(st.fpvalid, ==, 0);
        /* pr_reg at offset 112 of the descriptor, as gdb's elf64-aarch64 reader takes it */
        uint64_t reg[34];
        memcpy(reg, f + off + 20 + 112, sizeof(reg));
        for (unsigned i = 0; i < 31; i++)
            g_assert_cmphex(reg[i], ==, (c + 1) * 0x1000 + i);
        g_assert_cmphex(reg[31], ==, 0xffffffc00a000000ULL + c * 0x4000);
        g_assert_cmphex(reg[32], ==, KIMG_VA + 0x100 + c * 4);
        g_assert_cmphex(reg[33], ==, 0x3c5);
        off += 12 + 8 + 392;
    }
    Elf64_Nhdr nh;
    memcpy(&nh, f + off, sizeof(nh));
    g_assert_cmpuint(nh.n_namesz, ==, 11);
    g_assert_cmpuint(nh.n_descsz, ==, strlen(info));
    g_assert_cmpuint(nh.n_type, ==, 0);
    g_assert_cmpmem(f + off + 12, 11, "VMCOREINFO", 11);
    g_assert_cmpmem(f + off + 12 + 12, strlen(info), info, strlen(info));
    off += 12 + 12 + ((strlen(info) + 3) & ~3UL);
    g_assert_cmpuint(off, ==, end);

    /* the kernel image: its virtual range over the RAM's file bytes (no copy) */
    g_assert_cmpint(ph[1].p_type, ==, PT_LOAD);
    g_assert_cmphex(ph[1].p_vaddr, ==, KIMG_VA);
    g_assert_cmphex(ph[1].p_paddr, ==, KIMG_PA);
    g_assert_cmpuint(ph[1].p_filesz, ==, KIMG_SIZE);
    g_assert_cmpuint(ph[1].p_memsz, ==, KIMG_SIZE);
    g_assert_cmpuint(ph[1].p_offset, ==, ph[2].p_offset + (KIMG_PA - RAM_PA));
    /* RAM: guest-physical and linear-map addresses, page-aligned data */
    g_assert_cmpint(ph[2].p_type, ==, PT_LOAD);
    g_assert_cmphex(ph[2].p_paddr, ==, RAM_PA);
    g_assert_cmphex(ph[2].p_vaddr, ==, LINEAR_VA);
    g_assert_cmpuint(ph[2].p_filesz, ==, RAM_SIZE);
    g_assert_cmpuint(ph[2].p_memsz, ==, RAM_SIZE);
    g_assert_cmpuint(ph[2].p_offset % ELF_CORE_ALIGN, ==, 0);
    g_assert_cmpuint(ph[2].p_offset + RAM_SIZE, ==, size);
    for (int i = 1; i < 3; i++) {
        g_assert_cmpint(ph[i].p_flags, ==, PF_R | PF_W | PF_X);
        g_assert_cmpuint(ph[i].p_align, ==, ELF_CORE_ALIGN);
        g_assert_cmpuint(ph[i].p_vaddr % ELF_CORE_ALIGN, ==, ph[i].p_offset % ELF_CORE_ALIGN);
    }
    /* the same byte by physical address, linear VA and image VA */
    const uint8_t *a = core_read(f, KIMG_PA + 0x123, 16, true);
    const uint8_t *b = core_read(f, LINEAR_VA + (KIMG_PA - RAM_PA) + 0x123, 16, false);
    const uint8_t *c = core_read(f, KIMG_VA + 0x123, 16, false);
    g_assert_nonnull(a);
    g_assert_true(a == b && b == c);
    g_assert_cmpmem(a, 16, ram + (KIMG_PA - RAM_PA) + 0x123, 16);
    g_assert_null(core_read(f, KIMG_VA + KIMG_SIZE, 1, false));
    g_free(f);
}

static void test_variants(void)
{
    struct elf_core_desc d = desc();
    uint64_t size;

    /* no VMCOREINFO, no kernel image, no vCPUs: a note segment of 0 bytes and one PT_LOAD */
    d.vmcoreinfo = NULL;
    d.has_kimage = false;
    d.nregs = 0;
    uint8_t *f = build(&d, &size);
    Elf64_Ehdr eh;
    Elf64_Phdr ph[2];
    memcpy(&eh, f, sizeof(eh));
    g_assert_cmpint(eh.e_phnum, ==, 2);
    memcpy(ph, f + eh.e_phoff, sizeof(ph));
    g_assert_cmpint(ph[0].p_type, ==, PT_NOTE);
    g_assert_cmpuint(ph[0].p_filesz, ==, 0);
    g_assert_cmpint(ph[1].p_type, ==, PT_LOAD);
    g_assert_cmphex(ph[1].p_paddr, ==, RAM_PA);
    g_free(f);

    /* two regions: back to back in the file */
    d = desc();
    d.ram[1] = (struct elf_core_ram){.pa = 0x100000000ULL, .size = 0x2000, .va = 0x100000000ULL};
    d.nram = 2;
    uint64_t h = elf_core_header_size(&d);
    g_assert_cmpuint(elf_core_ram_offset(&d, 0x100000000ULL + 5), ==, h + RAM_SIZE + 5);
    g_assert_cmpuint(elf_core_file_size(&d), ==, h + RAM_SIZE + 0x2000);
    g_assert_cmpuint(elf_core_ram_offset(&d, 0x100002000ULL), ==, 0);
    g_assert_cmpuint(elf_core_ram_offset(&d, RAM_PA - 1), ==, 0);

    /* unusable descriptions */
    d = desc();
    d.kimage_pa = RAM_PA + RAM_SIZE - 0x1000; /* the image runs past RAM */
    g_assert_cmpuint(elf_core_header_size(&d), ==, 0);
    g_assert_cmpint(elf_core_build_header(&d, ram, 4096), ==, -EINVAL);
    d = desc();
    d.ram[0].size = 0x1234;
    g_assert_cmpuint(elf_core_header_size(&d), ==, 0);
    d = desc();
    d.nram = 0;
    g_assert_cmpuint(elf_core_file_size(&d), ==, 0);
    d = desc();
    uint8_t small[64];
    g_assert_cmpint(elf_core_build_header(&d, small, sizeof(small)), ==, -EINVAL);
}

static void test_vmcoreinfo(void)
{
    /* as Linux's append_elf_note lays out vmcoreinfo_note, with the final empty note after it */
    uint8_t note[256] = {0};
    Elf64_Nhdr nh = {.n_namesz = 11, .n_descsz = (uint32_t)strlen(info), .n_type = 0};
    const uint8_t *text;
    size_t len;

    memcpy(note, &nh, sizeof(nh));
    memcpy(note + 12, "VMCOREINFO", 11);
    memcpy(note + 24, info, strlen(info));
    g_assert_cmpint(elf_core_parse_vmcoreinfo(note, sizeof(note), &text, &len), ==, 0);
    g_assert_true(text == note + 24);
    g_assert_cmpuint(len, ==, strlen(info));
    /* the text must fit */
    g_assert_cmpint(elf_core_parse_vmcoreinfo(note, 24 + strlen(info) - 1, &text, &len), ==, -ENOENT);
    g_assert_cmpint(elf_core_parse_vmcoreinfo(note, 8, &text, &len), ==, -ENOENT);
    /* another name, another type, an empty (not yet filled) note */
    note[12] = 'X';
    g_assert_cmpint(elf_core_parse_vmcoreinfo(note, sizeof(note), &text, &len), ==, -ENOENT);
    note[12] = 'V';
    nh.n_type = 1;
    memcpy(note, &nh, sizeof(nh));
    g_assert_cmpint(elf_core_parse_vmcoreinfo(note, sizeof(note), &text, &len), ==, -ENOENT);
    memset(note, 0, sizeof(note));
    g_assert_cmpint(elf_core_parse_vmcoreinfo(note, sizeof(note), &text, &len), ==, -ENOENT);
    nh = (Elf64_Nhdr){.n_namesz = 11, .n_descsz = 0xffffffff};
    memcpy(note, &nh, sizeof(nh));
    memcpy(note + 12, "VMCOREINFO", 11);
    g_assert_cmpint(elf_core_parse_vmcoreinfo(note, sizeof(note), &text, &len), ==, -ENOENT);
}

static char *run(const char *cmd)
{
    char *out = NULL, *err = NULL;
    int status = -1;

    g_assert_true(g_spawn_command_line_sync(cmd, &out, &err, &status, NULL));
    g_assert_cmpint(status, ==, 0);
    g_free(err);
    return out;
}

/* real readers open the synthetic core: readelf lists the notes, gdb a thread per vCPU with its
 * registers and the memory through the kernel image's virtual range */
static void test_tools(void)
{
    char *readelf = g_find_program_in_path("readelf");
    char *gdb = g_find_program_in_path("gdb-multiarch");
    if (!readelf || !gdb) {
        g_test_skip("readelf or gdb-multiarch not installed");
        g_free(readelf);
        g_free(gdb);
        return;
    }
    struct elf_core_desc d = desc();
    uint64_t size;
    uint8_t *f = build(&d, &size);
    char *dir = g_dir_make_tmp("elfcoreXXXXXX", NULL);
    char *path = g_build_filename(dir, "x.core", NULL);
    g_assert_true(g_file_set_contents(path, (const char *)f, (gssize)size, NULL));

    char *cmd = g_strdup_printf("%s -W -n -l %s", readelf, path);
    char *out = run(cmd);
    g_assert_nonnull(strstr(out, "CORE (Core file)"));
    g_assert_nonnull(strstr(out, "NT_PRSTATUS"));
    g_assert_nonnull(strstr(out, "VMCOREINFO"));
    g_assert_nonnull(strstr(out, "0xffffffc008000000 0x0000000080002000"));
    g_assert_nonnull(strstr(out, "0xffffff8000000000 0x0000000080000000"));
    g_free(cmd);
    g_free(out);

    cmd = g_strdup_printf("%s -nx -q -batch -ex 'core-file %s' -ex 'info threads' "
                          "-ex 'thread 2' -ex 'p/x $x5' -ex 'p/x $pc' -ex 'p/x $sp' "
                          "-ex 'x/2xb 0x%llx'", gdb, path, (unsigned long long)KIMG_VA + 0x10);
    out = run(cmd);
    g_test_message("gdb: %s", out);
    g_assert_nonnull(strstr(out, "LWP 1"));
    g_assert_nonnull(strstr(out, "LWP 2"));
    g_assert_nonnull(strstr(out, "LWP 3"));
    g_assert_nonnull(strstr(out, "= 0x2005"));               /* thread 2 is vCPU 1: x5 */
    g_assert_nonnull(strstr(out, "= 0xffffffc008000104"));   /* its pc */
    g_assert_nonnull(strstr(out, "= 0xffffffc00a004000"));   /* its sp */
    char *bytes = g_strdup_printf("0x%02x\t0x%02x", ram[0x2010], ram[0x2011]);
    g_assert_nonnull(strstr(out, bytes));
    g_free(bytes);
    g_free(cmd);
    g_free(out);

    g_unlink(path);
    g_rmdir(dir);
    g_free(path);
    g_free(dir);
    g_free(f);
    g_free(readelf);
    g_free(gdb);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/elf-core/layout", test_layout);
    g_test_add_func("/elf-core/variants", test_variants);
    g_test_add_func("/elf-core/vmcoreinfo", test_vmcoreinfo);
    g_test_add_func("/elf-core/tools", test_tools);
    return g_test_run();
}
