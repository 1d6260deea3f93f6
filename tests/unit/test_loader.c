/* test_loader.c - payload recognition (Image header, ELF, flat, refusals) and placement */
#include <brkvm/loader.h>

#include <elf.h>
#include <errno.h>
#include <glib.h>
#include <string.h>

#define RAM 0x80000000ULL
#define MB (1ULL << 20)

static void put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint8_t *make_image(size_t len, uint64_t text_offset, uint64_t image_size, uint64_t flags)
{
    uint8_t *b = g_malloc0(len);
    put64(b + 8, text_offset);
    put64(b + 16, image_size);
    put64(b + 24, flags);
    memcpy(b + 0x38, "ARM\x64", 4);
    return b;
}

static void test_image_header(void)
{
    struct payload p;
    struct load_map m;
    const char *why = NULL;
    uint8_t *b = make_image(4096, 0x80000, 0x2000000, 0xa);

    g_assert_cmpint(loader_probe(b, 4096, &p, &why), ==, 0);
    g_assert_cmpint(p.kind, ==, PAYLOAD_IMAGE);
    g_assert_cmpuint(p.text_offset, ==, 0x80000);
    g_assert_cmpuint(p.image_size, ==, 0x2000000);
    g_assert_cmpuint(p.flags, ==, 0xa);
    g_assert_cmpint(loader_plan(&p, 4096, RAM, 256 * MB, 0, 0, 0, &m, &why), ==, 0);
    g_assert_cmpuint(m.kernel_start, ==, RAM + 0x80000);
    g_assert_cmpuint(m.entry, ==, RAM + 0x80000);
    g_assert_cmpuint(m.kernel_end, ==, RAM + 0x80000 + 0x2000000); /* bss included */
    g_assert_cmpuint(m.dtb_start, ==, RAM + 256 * MB - 2 * MB);
    g_assert_cmpuint(m.initrd_start, ==, 0);
    g_free(b);

    /* text_offset 0 (modern kernels) */
    b = make_image(4096, 0, 0x100000, 0);
    g_assert_cmpint(loader_probe(b, 4096, &p, &why), ==, 0);
    g_assert_cmpint(loader_plan(&p, 4096, RAM, 64 * MB, 0, 0, 0, &m, &why), ==, 0);
    g_assert_cmpuint(m.kernel_start, ==, RAM);
    g_free(b);

    /* image_size 0: pre-3.17 kernel, fixed 0x80000 offset, size = file */
    b = make_image(8192, 0x1234000, 0, 0);
    g_assert_cmpint(loader_probe(b, 8192, &p, &why), ==, 0);
    g_assert_cmpuint(p.text_offset, ==, 0x80000);
    g_assert_cmpuint(p.image_size, ==, 8192);
    g_free(b);
}

static void test_image_refused(void)
{
    struct payload p;
    const char *why = NULL;
    uint8_t *b = make_image(4096, 0x80000, 0x100000, 1); /* big endian */

    g_assert_cmpint(loader_probe(b, 4096, &p, &why), ==, -ENOEXEC);
    g_assert_nonnull(strstr(why, "big-endian"));
    g_free(b);
    b = make_image(4096, 0x80001, 0x100000, 0); /* misaligned text_offset */
    g_assert_cmpint(loader_probe(b, 4096, &p, &why), ==, -ENOEXEC);
    g_assert_nonnull(strstr(why, "text_offset"));
    g_free(b);
}

/* a minimal AArch64 ELF: one PT_LOAD of 'code' at paddr, memsz adds bss */
static uint8_t *make_elf(size_t *len, uint16_t machine, uint64_t vaddr, uint64_t paddr,
                         uint64_t entry, uint64_t memsz)
{
    size_t code = 64;
    uint8_t *b = g_malloc0(sizeof(Elf64_Ehdr) + sizeof(Elf64_Phdr) + code);
    Elf64_Ehdr eh = {
        .e_ident = {ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3, ELFCLASS64, ELFDATA2LSB, EV_CURRENT},
        .e_type = ET_EXEC, .e_machine = machine, .e_version = EV_CURRENT, .e_entry = entry,
        .e_phoff = sizeof(Elf64_Ehdr), .e_ehsize = sizeof(Elf64_Ehdr),
        .e_phentsize = sizeof(Elf64_Phdr), .e_phnum = 1,
    };
    Elf64_Phdr ph = {
        .p_type = PT_LOAD, .p_offset = sizeof(eh) + sizeof(ph), .p_vaddr = vaddr,
        .p_paddr = paddr, .p_filesz = code, .p_memsz = memsz, .p_flags = PF_R | PF_X,
    };
    memcpy(b, &eh, sizeof(eh));
    memcpy(b + sizeof(eh), &ph, sizeof(ph));
    memset(b + sizeof(eh) + sizeof(ph), 0xab, code);
    *len = sizeof(eh) + sizeof(ph) + code;
    return b;
}

static void test_elf(void)
{
    struct payload p;
    struct load_map m;
    const char *why = NULL;
    size_t len;
    uint8_t *b = make_elf(&len, EM_AARCH64, 0xffff000000001000ULL, RAM + 0x100000,
                          0xffff000000001010ULL, 4096);
    uint8_t *ram = g_malloc0(4 * MB);

    g_assert_cmpint(loader_probe(b, len, &p, &why), ==, 0);
    g_assert_cmpint(p.kind, ==, PAYLOAD_ELF);
    g_assert_cmpuint(p.nr_segments, ==, 1);
    g_assert_cmpuint(p.entry, ==, RAM + 0x100010); /* virtual entry made physical */
    g_assert_cmpint(loader_plan(&p, len, RAM, 32 * MB, 0, 0, 0, &m, &why), ==, 0);
    g_assert_cmpuint(m.kernel_start, ==, RAM + 0x100000);
    g_assert_cmpuint(m.kernel_end, ==, RAM + 0x101000);

    memset(ram, 0x55, 4 * MB);
    loader_copy(&p, b, len, &m, ram, RAM);
    g_assert_cmpuint(ram[0x100000], ==, 0xab);
    g_assert_cmpuint(ram[0x100000 + 63], ==, 0xab);
    g_assert_cmpuint(ram[0x100000 + 64], ==, 0);   /* bss zeroed */
    g_assert_cmpuint(ram[0x100000 + 4095], ==, 0);
    g_assert_cmpuint(ram[0x100000 + 4096], ==, 0x55); /* nothing beyond memsz */
    g_free(b);

    /* segment outside RAM */
    b = make_elf(&len, EM_AARCH64, 0x40000000, 0x40000000, 0x40000000, 4096);
    g_assert_cmpint(loader_probe(b, len, &p, &why), ==, 0);
    g_assert_cmpint(loader_plan(&p, len, RAM, 32 * MB, 0, 0, 0, &m, &why), ==, -ERANGE);
    g_assert_nonnull(strstr(why, "outside guest RAM"));
    g_free(b);

    /* x86-64 ELF */
    b = make_elf(&len, EM_X86_64, RAM, RAM, RAM, 4096);
    g_assert_cmpint(loader_probe(b, len, &p, &why), ==, -ENOEXEC);
    g_assert_nonnull(strstr(why, "another machine"));
    g_free(b);

    /* truncated program headers */
    b = make_elf(&len, EM_AARCH64, RAM, RAM, RAM, 4096);
    g_assert_cmpint(loader_probe(b, sizeof(Elf64_Ehdr) + 8, &p, &why), ==, -ENOEXEC);
    g_free(b);
    g_free(ram);
}

static void test_flat_and_refusals(void)
{
    static const struct { const char *bytes; size_t len; const char *words; } bad[] = {
        {"", 0, "empty"},
        {"\x1f\x8b\x08\x00\x00\x00\x00\x00", 8, "gzip"},
        {"\xfd" "7zXZ\0\0\0", 8, "xz"},
        {"\x28\xb5\x2f\xfd\0\0\0\0", 8, "zstd"},
        {"#!/bin/sh\necho hi\n", 18, "script"},
        {"MZ\0\0zimg\0\0\0\0", 12, "zboot"},
        {"\xd0\x0d\xfe\xed\0\0\0\0", 8, "device tree"},
        {"07070100000000", 14, "cpio"},
        {"\x01\x02", 2, "too short"},
    };
    struct payload p;
    struct load_map m;
    const char *why;
    uint8_t flat[256];

    for (unsigned i = 0; i < G_N_ELEMENTS(bad); i++) {
        why = NULL;
        g_test_message("case %u", i);
        g_assert_cmpint(loader_probe((const uint8_t *)bad[i].bytes, bad[i].len, &p, &why), ==,
                        -ENOEXEC);
        g_assert_nonnull(strstr(why, bad[i].words));
    }
    /* arm32 zImage: magic at 0x24 */
    memset(flat, 0, sizeof(flat));
    memcpy(flat + 0x24, "\x18\x28\x6f\x01", 4);
    g_assert_cmpint(loader_probe(flat, sizeof(flat), &p, &why), ==, -ENOEXEC);
    g_assert_nonnull(strstr(why, "32-bit"));

    memset(flat, 0x1f, sizeof(flat)); /* anything else is a flat binary */
    g_assert_cmpint(loader_probe(flat, sizeof(flat), &p, &why), ==, 0);
    g_assert_cmpint(p.kind, ==, PAYLOAD_FLAT);
    g_assert_cmpint(loader_plan(&p, sizeof(flat), RAM, 16 * MB, 0, 0, 0, &m, &why), ==, 0);
    g_assert_cmpuint(m.entry, ==, RAM + 0x80000);
    g_assert_cmpint(loader_plan(&p, sizeof(flat), RAM, 16 * MB, 1, RAM + 0x200000, 0, &m, &why),
                    ==, 0);
    g_assert_cmpuint(m.kernel_start, ==, RAM + 0x200000);
    g_assert_cmpint(loader_plan(&p, sizeof(flat), RAM, 16 * MB, 1, 0x1000, 0, &m, &why), ==,
                    -ERANGE);
}

static void test_initrd_placement(void)
{
    struct payload p;
    struct load_map m;
    const char *why;
    uint8_t *b = make_image(4096, 0, 30 * MB, 0);

    g_assert_cmpint(loader_probe(b, 4096, &p, &why), ==, 0);
    /* fits: initrd ends where the DTB slot starts, 4K aligned, above the kernel */
    g_assert_cmpint(loader_plan(&p, 4096, RAM, 256 * MB, 0, 0, 10 * MB + 5, &m, &why), ==, 0);
    g_assert_cmpuint(m.initrd_end - m.initrd_start, ==, 10 * MB + 5);
    g_assert_cmpuint(m.initrd_start % 4096, ==, 0);
    g_assert_cmpuint(m.initrd_end, <=, m.dtb_start);
    g_assert_cmpuint(m.initrd_start, >=, m.kernel_end);
    /* does not fit beside a 30M kernel in 32M... */
    g_assert_cmpint(loader_plan(&p, 4096, RAM, 64 * MB, 0, 0, 40 * MB, &m, &why), ==, -E2BIG);
    g_assert_nonnull(strstr(why, "initrd does not fit"));
    /* ... nor does the kernel itself */
    g_assert_cmpint(loader_plan(&p, 4096, RAM, 16 * MB, 0, 0, 0, &m, &why), ==, -E2BIG);
    g_assert_nonnull(strstr(why, "kernel does not fit"));
    g_free(b);
}

static void test_va_to_gpa(void)
{
    struct payload p;
    struct load_map m;
    const char *why;
    uint64_t gpa;
    size_t len;
    /* an ELF linked in the upper half, loaded low: p_vaddr != p_paddr */
    uint8_t *b = make_elf(&len, EM_AARCH64, 0xffff000080080000ULL, RAM + 0x80000,
                          RAM + 0x80000, 0x2000);

    g_assert_cmpint(loader_probe(b, len, &p, &why), ==, 0);
    g_assert_cmpint(loader_plan(&p, len, RAM, 32 * MB, 0, 0, 0, &m, &why), ==, 0);
    g_assert_cmpint(loader_va_to_gpa(&p, &m, 0, 0, 0xffff000080081234ULL, &gpa), ==, 0);
    g_assert_cmphex(gpa, ==, RAM + 0x81234);
    g_assert_cmpint(loader_va_to_gpa(&p, &m, 0, 0, 0xffff000080082000ULL, &gpa), ==, -ENOENT);
    g_assert_cmpint(loader_va_to_gpa(&p, &m, 0, 0, 0xffff00008007fffcULL, &gpa), ==, -ENOENT);
    g_free(b);

    /* an Image: only with the link address of _text (from --symbols) */
    b = make_image(4096, 0, 0x2000000, 0);
    g_assert_cmpint(loader_probe(b, 4096, &p, &why), ==, 0);
    g_assert_cmpint(loader_plan(&p, 4096, RAM, 256 * MB, 0, 0, 0, &m, &why), ==, 0);
    g_assert_cmpint(loader_va_to_gpa(&p, &m, 0, 0, 0xffff800008000000ULL, &gpa), ==, -ENOENT);
    g_assert_cmpint(loader_va_to_gpa(&p, &m, 1, 0xffff800008000000ULL, 0xffff800008a1b2c0ULL,
                                     &gpa), ==, 0);
    g_assert_cmphex(gpa, ==, RAM + 0xa1b2c0);
    g_assert_cmpint(loader_va_to_gpa(&p, &m, 1, 0xffff800008000000ULL, 0xffff80000a000000ULL,
                                     &gpa), ==, -ENOENT); /* past image_size */
    g_free(b);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/loader/image-header", test_image_header);
    g_test_add_func("/loader/image-refused", test_image_refused);
    g_test_add_func("/loader/elf", test_elf);
    g_test_add_func("/loader/flat-and-refusals", test_flat_and_refusals);
    g_test_add_func("/loader/initrd-placement", test_initrd_placement);
    g_test_add_func("/loader/va-to-gpa", test_va_to_gpa);
    return g_test_run();
}
