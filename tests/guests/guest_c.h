/* guest_c.h - what the C test guests get from lib.S */
#ifndef GUEST_C_H
#define GUEST_C_H

void puts(const char *s);
void puthex(unsigned long v);
void psci_system_off(void) __attribute__((noreturn));

#define SYSREG_READ(name) ({ unsigned long _v; __asm__ volatile("mrs %0, " name : "=r"(_v)); _v; })
#define SYSREG_WRITE(name, v) __asm__ volatile("msr " name ", %0" ::"r"((unsigned long)(v)))

/* putdec: v in decimal on the UART */
static inline void putdec(unsigned long v)
{
    char buf[24], out[24];
    int n = 0;

    do {
        buf[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (int i = 0; i < n; i++)
        out[i] = buf[n - 1 - i];
    out[n] = 0;
    puts(out);
}

#endif
