/* guest_smp.h - secondary vCPUs in the C test guests: start one with PSCI CPU_ON (its number as
 * the MPIDR and as the context id), its entry code (a stack of its own, then C), and CPU_OFF */
#ifndef GUEST_SMP_H
#define GUEST_SMP_H

#include "guest_c.h"

#define SMP_PSCI_CPU_ON 0xC4000003UL  /* SMC64: x1 = MPIDR, x2 = entry, x3 = context id */
#define SMP_PSCI_CPU_OFF 0x84000002UL

/* this vCPU's number: MPIDR_EL1.Aff0 (brkvm numbers vCPUs 0, 1, ... there) */
static inline unsigned long smp_cpu_id(void)
{
    return SYSREG_READ("mpidr_el1") & 0xff;
}

/* PSCI CPU_ON for vCPU `cpu` at `entry`, which gets `cpu` in x0; the PSCI status (0: started) */
static inline unsigned long smp_cpu_on(unsigned long cpu, void (*entry)(void))
{
    register unsigned long x0 __asm__("x0") = SMP_PSCI_CPU_ON;
    register unsigned long x1 __asm__("x1") = cpu;
    register unsigned long x2 __asm__("x2") = (unsigned long)entry;
    register unsigned long x3 __asm__("x3") = cpu;

    /* SMCCC: the call may change x0-x3 */
    __asm__ volatile("hvc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)::"memory");
    return x0;
}

/* PSCI CPU_OFF: this vCPU stops for good */
static inline __attribute__((noreturn)) void smp_cpu_off(void)
{
    register unsigned long x0 __asm__("x0") = SMP_PSCI_CPU_OFF;

    __asm__ volatile("hvc #0" : "+r"(x0)::"memory");
    for (;;)
        __asm__ volatile("wfi");
}

/* SMP_SECONDARY_ENTRY(entry, stacks, bytes, main): the function `entry` for smp_cpu_on: with
 * the vCPU number n in x0 it sets sp to the top of stack n of the array `stacks` (bytes each,
 * a multiple of 16 below 65536) and calls main(n), which must not return */
#define SMP_STR_(x) #x
#define SMP_STR(x) SMP_STR_(x)
#define SMP_SECONDARY_ENTRY(entry, stacks, bytes, main)                                         \
    __asm__(".global " #entry "\n" #entry ":\n"                                                 \
            "    adr x1, " #stacks "\n"                                                         \
            "    mov x2, #" SMP_STR(bytes) "\n"                                                         \
            "    add x3, x0, #1\n"                                                              \
            "    madd x1, x2, x3, x1\n"                                                         \
            "    mov sp, x1\n"                                                                  \
            "    bl " #main "\n")

#endif
