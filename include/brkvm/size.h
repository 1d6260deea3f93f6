/* size.h - parsing of sizes and numbers given on the command line ("256M", "0x80000") */
#ifndef BRKVM_SIZE_H
#define BRKVM_SIZE_H

#include <stdint.h>

/*
 * Parse a memory size: a decimal number with an optional K/M/G/T suffix (binary units,
 * case-insensitive, optional trailing "B" or "iB").  A bare number means MiB, as in kvmtool.
 * Returns 0 and stores bytes in *out, or -EINVAL (syntax) / -ERANGE (overflow).
 */
int size_parse_mem(const char *s, uint64_t *out);

/* Parse an unsigned integer in C notation (decimal, 0x hex, 0 octal); -EINVAL / -ERANGE. */
int size_parse_u64(const char *s, uint64_t *out);

/* Format bytes as a short human string ("256M", "1G", "1536K") into buf. */
const char *size_format(uint64_t bytes, char *buf, unsigned len);

#endif
