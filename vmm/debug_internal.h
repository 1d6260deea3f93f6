/* debug_internal.h - what vmm/debug.c (all-stop, exits) and vmm/gdb_target.c (the operations
 * gdb's stub calls) share.  Internal to the VMM. */
#ifndef BRKVM_DEBUG_INTERNAL_H
#define BRKVM_DEBUG_INTERNAL_H

#include "arch/arm64/regs.h"

#include <brkvm/arm64_step.h>
#include <brkvm/debug.h>
#include <brkvm/vm.h>

#include <linux/kvm.h>
#include <signal.h>

#define SIG_KICK SIGUSR1
#define PAUSE_WAIT_SECONDS 10

#define REG_SP_EL0 ARM64_CORE_REG(regs.sp)
#define REG_SP_EL1 ARM64_CORE_REG(sp_el1)
#define REG_ELR_EL1 ARM64_CORE_REG(elr_el1)
#define REG_SPSR_EL1 ARM64_CORE_REG(spsr[KVM_SPSR_EL1])
#define REG_V(n)                                                                                   \
    (KVM_REG_ARM64 | KVM_REG_SIZE_U128 | KVM_REG_ARM_CORE |                                        \
     (offsetof(struct kvm_regs, fp_regs.vregs[n]) / 4))
#define REG_FPSR                                                                                   \
    (KVM_REG_ARM64 | KVM_REG_SIZE_U32 | KVM_REG_ARM_CORE | (offsetof(struct kvm_regs, fp_regs.fpsr) / 4))
#define REG_FPCR                                                                                   \
    (KVM_REG_ARM64 | KVM_REG_SIZE_U32 | KVM_REG_ARM_CORE | (offsetof(struct kvm_regs, fp_regs.fpcr) / 4))
#define REG_SCTLR_EL1 ARM64_SYS_REG(3, 0, 1, 0, 0)
#define REG_TTBR0_EL1 ARM64_SYS_REG(3, 0, 2, 0, 0)
#define REG_TTBR1_EL1 ARM64_SYS_REG(3, 0, 2, 0, 1)
#define REG_TCR_EL1 ARM64_SYS_REG(3, 0, 2, 0, 2)
#define REG_ESR_EL1 ARM64_SYS_REG(3, 0, 5, 2, 0)
#define REG_FAR_EL1 ARM64_SYS_REG(3, 0, 6, 0, 0)
#define REG_VBAR_EL1 ARM64_SYS_REG(3, 0, 12, 0, 0)

#define DAIF_MASK_FOR_STEP ARM64_STEP_MASK
#define REG_MDSCR_EL1 ARM64_SYS_REG(2, 0, 0, 2, 2)
#define MDSCR_SS (1ULL << 0)


/* dbg.lock held unless noted */
void notify_stub(struct vm *vm);           /* wake the stub thread: a stop is ready */
bool request_pause(struct vcpu *v);        /* v to its pause point; false: it is already */
void request_pause_all(struct vm *vm);     /* every running vCPU to its pause point */
bool wait_all_paused(struct vm *vm);       /* false on timeout or VM exit */
bool wait_paused(struct vm *vm, unsigned running); /* all but `running` vCPUs */
void unpause(struct vm *vm, struct vcpu *v, enum gdb_action a);
void stop_with_event(struct vm *vm, int thread, enum gdb_stop_reason why); /* first wins */
/* v hit gdb's breakpoint/watchpoint at pc: the stop, or pending on v if one waits already */
void hit_event(struct vm *vm, struct vcpu *v, struct gdb_stop st, uint64_t pc);
void freeze_time(struct vm *vm);           /* all paused: hold the guest's virtual counter */
void thaw_time(struct vm *vm);             /* before anything runs again */

/* lock not held, on v's own thread or with v paused */
void apply_guest_debug(struct vcpu *v);    /* KVM_SET_GUEST_DEBUG as v needs it now */
void step_begin(struct vcpu *v);           /* before a single step: IRQs masked */
void step_end(struct vcpu *v);             /* after it: the guest's own mask back */
/* v's SCTLR_EL1, TCR_EL1, TTBR0_EL1 and TTBR1_EL1 (4 ONE_REG reads); 0/-EIO */
int vcpu_read_mmu_regs(struct vcpu *v, struct arm64_mmu_regs *r);
/* gdb's register regno of v (gdb_reg_size_vq bytes into buf) */
int vcpu_read_gdb_reg(struct vcpu *v, int regno, uint8_t *buf);

/* vmm/debug_cond.c, on the vCPU thread, lock not held: v hit gdb's software breakpoint bp (at
 * pc, with conditions or commands) or its hardware breakpoint at pc with agent a.  true: report
 * the hit; false: v goes on past it. */
struct bp_agent;
bool debug_cond_sw_hit(struct vcpu *v, struct sw_bp *bp, uint64_t pc);
bool debug_cond_hw_hit(struct vcpu *v, const struct bp_agent *a, uint64_t pc);
/* text for gdb's console from a vCPU thread (agent dprintf): queued (bounded) for the stub
 * thread, which is woken to send it; lock not held */
void debug_cond_output(struct vm *vm, const char *text);
/* the single step past it ended (a step exit, or an exception of the guest's own) */
void debug_cond_step_done(struct vcpu *v);

#endif
