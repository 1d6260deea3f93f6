/* symbols.c - link addresses of the kernel's symbols (_text, panic, ...) from a vmlinux or a
 * System.map */
#include <brkvm/symbols.h>

#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int from_elf(const uint8_t *b, size_t len, const char *name, uint64_t *addr,
                    const char **why)
{
    Elf64_Ehdr eh;
    size_t nlen = strlen(name);

    if (len < sizeof(eh)) {
        *why = "a truncated ELF file";
        return -ENOEXEC;
    }
    memcpy(&eh, b, sizeof(eh));
    if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_shentsize != sizeof(Elf64_Shdr) ||
        eh.e_shoff > len || (uint64_t)eh.e_shnum * sizeof(Elf64_Shdr) > len - eh.e_shoff) {
        *why = "an ELF file without readable section headers";
        return -ENOEXEC;
    }
    for (unsigned i = 0; i < eh.e_shnum; i++) {
        Elf64_Shdr sh, strsh;
        memcpy(&sh, b + eh.e_shoff + i * sizeof(sh), sizeof(sh));
        if (sh.sh_type != SHT_SYMTAB || sh.sh_link >= eh.e_shnum ||
            sh.sh_entsize != sizeof(Elf64_Sym) || sh.sh_offset > len ||
            sh.sh_size > len - sh.sh_offset)
            continue;
        memcpy(&strsh, b + eh.e_shoff + sh.sh_link * sizeof(strsh), sizeof(strsh));
        if (strsh.sh_offset > len || strsh.sh_size > len - strsh.sh_offset)
            continue;
        for (uint64_t off = 0; off + sizeof(Elf64_Sym) <= sh.sh_size; off += sizeof(Elf64_Sym)) {
            Elf64_Sym sym;
            memcpy(&sym, b + sh.sh_offset + off, sizeof(sym));
            if (sym.st_name < strsh.sh_size && nlen + 1 <= strsh.sh_size - sym.st_name &&
                !memcmp(b + strsh.sh_offset + sym.st_name, name, nlen + 1)) {
                *addr = sym.st_value;
                return 0;
            }
        }
    }
    *why = strcmp(name, "_text") ? "no such symbol in the ELF file's symbol table"
                                 : "no _text in the ELF file's symbol table (a vmlinux with "
                                   "symbols is needed)";
    return -ENOENT;
}

static int from_system_map(const uint8_t *b, size_t len, const char *name, uint64_t *addr,
                           const char **why)
{
    size_t i = 0;

    while (i < len) {
        size_t e = i;
        while (e < len && b[e] != '\n')
            e++;
        /* ADDRESS TYPE NAME */
        char line[256];
        size_t n = e - i < sizeof(line) - 1 ? e - i : sizeof(line) - 1;
        memcpy(line, b + i, n);
        line[n] = 0;
        char *end;
        unsigned long long val = strtoull(line, &end, 16);
        if (end != line && end[0] == ' ' && end[1] && end[2] == ' ' && !strcmp(end + 3, name)) {
            *addr = val;
            return 0;
        }
        i = e + 1;
    }
    *why = strcmp(name, "_text") ? "no such symbol in the System.map"
                                 : "no \"ADDRESS T _text\" line: not a System.map of a kernel";
    return -ENOENT;
}

int symbols_lookup(const uint8_t *buf, size_t len, const char *name, uint64_t *addr,
                   const char **why)
{
    if (len >= 4 && !memcmp(buf, ELFMAG, SELFMAG))
        return from_elf(buf, len, name, addr, why);
    if (len >= 17 && strchr("0123456789abcdefABCDEF", buf[0]))
        return from_system_map(buf, len, name, addr, why);
    *why = "neither an ELF file (vmlinux) nor a System.map";
    return -ENOEXEC;
}

int symbols_text_addr(const uint8_t *buf, size_t len, uint64_t *text, const char **why)
{
    return symbols_lookup(buf, len, "_text", text, why);
}
