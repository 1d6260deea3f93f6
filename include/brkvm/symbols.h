/* symbols.h - the kernel's link-time layout from --symbols (vmlinux ELF or System.map) (pure) */
#ifndef BRKVM_SYMBOLS_H
#define BRKVM_SYMBOLS_H

#include <stddef.h>
#include <stdint.h>

/*
 * The link address of `_text` in buf: an ELF's symbol table (vmlinux), or a System.map
 * ("ffff800008000000 T _text" lines).  Returns 0, or -ENOENT (no _text) / -ENOEXEC (neither
 * format) with *why set.
 */
int symbols_text_addr(const uint8_t *buf, size_t len, uint64_t *text, const char **why);

/* The link address of symbol name (e.g. "panic"), the same way.  0, -ENOENT or -ENOEXEC. */
int symbols_lookup(const uint8_t *buf, size_t len, const char *name, uint64_t *addr,
                   const char **why);

#endif
