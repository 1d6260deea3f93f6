/* test_symbols.c - _text's link address from a System.map and from an ELF symbol table */
#include <brkvm/symbols.h>

#include <elf.h>
#include <errno.h>
#include <glib.h>
#include <string.h>

static void test_system_map(void)
{
    const char *map = "0000000000000000 A _kernel_flags_le\n"
                      "ffff800008000000 T _text\n"
                      "ffff800008010000 T _stext\n";
    const char *why = NULL;
    uint64_t t = 0;

    g_assert_cmpint(symbols_text_addr((const uint8_t *)map, strlen(map), &t, &why), ==, 0);
    g_assert_cmphex(t, ==, 0xffff800008000000ULL);
    /* any other symbol by its whole name (a crash dump looks up vmcoreinfo_note) */
    g_assert_cmpint(symbols_lookup((const uint8_t *)map, strlen(map), "_stext", &t, &why), ==, 0);
    g_assert_cmphex(t, ==, 0xffff800008010000ULL);
    g_assert_cmpint(symbols_lookup((const uint8_t *)map, strlen(map), "_tex", &t, &why), ==, -ENOENT);
    g_assert_cmpint(symbols_lookup((const uint8_t *)map, strlen(map), "vmcoreinfo_note", &t, &why),
                    ==, -ENOENT);
    /* Debian's stub System.map has no symbols */
    const char *stub = "ffffffffffffffff B The real System.map is in the linux-image-6.1.0-56-arm64-dbg package\n";
    g_assert_cmpint(symbols_text_addr((const uint8_t *)stub, strlen(stub), &t, &why), ==, -ENOENT);
    g_assert_nonnull(why);
    g_assert_cmpint(symbols_text_addr((const uint8_t *)"hello", 5, &t, &why), ==, -ENOEXEC);
    /* any symbol by name (--on-panic's panic and die), whole names only */
    const char *full = "ffff800008000000 T _text\n"
                       "ffff800008234400 T die_kernel_fault\n"
                       "ffff800008234bb4 T panic\n"
                       "ffff80000823444c T die\n";
    g_assert_cmpint(symbols_lookup((const uint8_t *)full, strlen(full), "panic", &t, &why), ==, 0);
    g_assert_cmphex(t, ==, 0xffff800008234bb4ULL);
    g_assert_cmpint(symbols_lookup((const uint8_t *)full, strlen(full), "die", &t, &why), ==, 0);
    g_assert_cmphex(t, ==, 0xffff80000823444cULL);
    g_assert_cmpint(symbols_lookup((const uint8_t *)full, strlen(full), "pani", &t, &why), ==,
                    -ENOENT);
}

static void test_elf(void)
{
    /* an ELF with one section header table entry pair: .symtab (2 symbols) and .strtab */
    static const char strtab[] = "\0_stext\0_text\0";
    uint8_t buf[1024] = {0};
    Elf64_Ehdr eh = {.e_ident = {ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3, ELFCLASS64, ELFDATA2LSB, 1},
                     .e_type = ET_EXEC, .e_machine = EM_AARCH64, .e_version = 1,
                     .e_shoff = 512, .e_shentsize = sizeof(Elf64_Shdr), .e_shnum = 3};
    Elf64_Sym syms[3] = {{0}, {.st_name = 1, .st_value = 0xffff800008010000ULL},
                         {.st_name = 8, .st_value = 0xffff800008000000ULL}};
    Elf64_Shdr sh[3] = {{0},
                        {.sh_type = SHT_SYMTAB, .sh_offset = 128, .sh_size = sizeof(syms),
                         .sh_link = 2, .sh_entsize = sizeof(Elf64_Sym)},
                        {.sh_type = SHT_STRTAB, .sh_offset = 400, .sh_size = sizeof(strtab)}};
    const char *why;
    uint64_t t = 0;

    memcpy(buf, &eh, sizeof(eh));
    memcpy(buf + 128, syms, sizeof(syms));
    memcpy(buf + 400, strtab, sizeof(strtab));
    memcpy(buf + 512, sh, sizeof(sh));
    g_assert_cmpint(symbols_text_addr(buf, sizeof(buf), &t, &why), ==, 0);
    g_assert_cmphex(t, ==, 0xffff800008000000ULL);
    g_assert_cmpint(symbols_lookup(buf, sizeof(buf), "_stext", &t, &why), ==, 0);
    g_assert_cmphex(t, ==, 0xffff800008010000ULL);
    g_assert_cmpint(symbols_lookup(buf, sizeof(buf), "_st", &t, &why), ==, -ENOENT);
    g_assert_cmpint(symbols_lookup(buf, sizeof(buf), "_s", &t, &why), ==, -ENOENT);
    /* a stripped ELF: no symbol table */
    sh[1].sh_type = SHT_PROGBITS;
    memcpy(buf + 512, sh, sizeof(sh));
    g_assert_cmpint(symbols_text_addr(buf, sizeof(buf), &t, &why), ==, -ENOENT);
    /* truncated section headers */
    g_assert_cmpint(symbols_text_addr(buf, 600, &t, &why), ==, -ENOEXEC);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/symbols/system-map", test_system_map);
    g_test_add_func("/symbols/elf", test_elf);
    return g_test_run();
}
