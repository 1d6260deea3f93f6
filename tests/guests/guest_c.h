/* guest_c.h - what the C test guests get from lib.S */
#ifndef GUEST_C_H
#define GUEST_C_H

void puts(const char *s);
void puthex(unsigned long v);
void psci_system_off(void) __attribute__((noreturn));

#endif
