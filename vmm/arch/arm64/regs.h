/* regs.h - arm64 register ids for KVM_GET/SET_ONE_REG */
#ifndef BRKVM_ARM64_REGS_H
#define BRKVM_ARM64_REGS_H

#include <linux/kvm.h>
#include <stddef.h>

#define ARM64_CORE_REG(x)                                                                          \
    (KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE | (offsetof(struct kvm_regs, x) / 4))

#define REG_PC ARM64_CORE_REG(regs.pc)
#define REG_PSTATE ARM64_CORE_REG(regs.pstate)
#define REG_X(n) ARM64_CORE_REG(regs.regs[n])

#define REG_MPIDR_EL1 ARM64_SYS_REG(3, 0, 0, 0, 5)
#define REG_SCTLR_EL1_ID ARM64_SYS_REG(3, 0, 1, 0, 0)
#define REG_TTBR0_EL1_ID ARM64_SYS_REG(3, 0, 2, 0, 0)
#define REG_TTBR1_EL1_ID ARM64_SYS_REG(3, 0, 2, 0, 1)
#define REG_TCR_EL1_ID ARM64_SYS_REG(3, 0, 2, 0, 2)

/* PSTATE at reset: EL1h, D, A, I and F masked */
#define PSTATE_EL1H_DAIF (PSR_MODE_EL1h | PSR_D_BIT | PSR_A_BIT | PSR_I_BIT | PSR_F_BIT)

#endif
