/* debug.c - guest debugging: the all-stop protocol between the vCPU threads and the GDB stub's
 * thread, software breakpoints (BRK #0) keyed by guest-physical address, single steps with
 * interrupts masked, stepping over a breakpoint on resume, re-injection of the guest's own BRKs,
 * and guest-virtual memory through the page-table walker.
 *
 * All-stop: a vCPU that must stop (want_pause) completes any pending MMIO with an
 * immediate_exit KVM_RUN, marks itself paused and waits on dbg.cond.  Only while every vCPU is
 * paused does the stub thread touch registers and memory (ONE_REG ioctls are allowed from any
 * thread while the vCPU is not in KVM_RUN). */
#define G_LOG_DOMAIN "debug"
#include "arch/arm64/regs.h"

#include <brkvm/arm64_exception.h>
#include <brkvm/arm64_mmu.h>
#include <brkvm/arm64_step.h>
#include <brkvm/debug.h>
#include <brkvm/vm.h>

#include <errno.h>
#include <glib.h>
#include <linux/kvm.h>
#include <signal.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

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
#define REG_EL_PSEUDO 0 /* "el": decoded from PSTATE, not a KVM register */

/* gdb's system registers (GDB_SYSREGS order) as KVM ONE_REG ids; read-only where a write
 * would be unsafe or meaningless (identification registers, the counter, the debug state) */
static const struct {
    uint64_t id;
    bool writable;
} sysregs[] = {
    {REG_SCTLR_EL1, true},
    {REG_TCR_EL1, true},
    {REG_TTBR0_EL1, true},
    {REG_TTBR1_EL1, true},
    {ARM64_SYS_REG(3, 0, 10, 2, 0), true}, /* MAIR_EL1 */
    {REG_VBAR_EL1, true},
    {REG_ESR_EL1, true},
    {REG_FAR_EL1, true},
    {REG_ELR_EL1, true},
    {REG_SPSR_EL1, true},
    {REG_SP_EL0, true},
    {REG_SP_EL1, true},
    {ARM64_SYS_REG(3, 3, 13, 0, 2), true}, /* TPIDR_EL0 */
    {ARM64_SYS_REG(3, 3, 13, 0, 3), true}, /* TPIDRRO_EL0 */
    {ARM64_SYS_REG(3, 0, 13, 0, 4), true}, /* TPIDR_EL1 */
    {ARM64_SYS_REG(3, 0, 13, 0, 1), true}, /* CONTEXTIDR_EL1 */
    {ARM64_SYS_REG(2, 0, 0, 2, 2), false}, /* MDSCR_EL1 */
    {KVM_REG_ARM_TIMER_CNT, false},        /* CNTVCT_EL0 */
    {KVM_REG_ARM_TIMER_CTL, false},        /* CNTV_CTL_EL0 */
    {KVM_REG_ARM_TIMER_CVAL, false},       /* CNTV_CVAL_EL0 */
    {REG_MPIDR_EL1, false},
    {ARM64_SYS_REG(3, 0, 0, 0, 0), false}, /* MIDR_EL1 */
    {ARM64_SYS_REG(3, 0, 0, 4, 0), false}, /* ID_AA64PFR0_EL1 */
    {ARM64_SYS_REG(3, 0, 0, 4, 1), false}, /* ID_AA64PFR1_EL1 */
    {ARM64_SYS_REG(3, 0, 0, 5, 0), false}, /* ID_AA64DFR0_EL1 */
    {ARM64_SYS_REG(3, 0, 0, 6, 0), false}, /* ID_AA64ISAR0_EL1 */
    {ARM64_SYS_REG(3, 0, 0, 6, 1), false}, /* ID_AA64ISAR1_EL1 */
    {ARM64_SYS_REG(3, 0, 0, 7, 0), false}, /* ID_AA64MMFR0_EL1 */
    {ARM64_SYS_REG(3, 0, 0, 7, 1), false}, /* ID_AA64MMFR1_EL1 */
    {ARM64_SYS_REG(3, 0, 0, 7, 2), false}, /* ID_AA64MMFR2_EL1 */
    {REG_EL_PSEUDO, false},                /* el */
};
_Static_assert(sizeof(sysregs) / sizeof(sysregs[0]) == GDB_NUM_SYSREGS,
               "sysregs[] must follow GDB_SYSREGS");

int debug_read_sysreg(struct vcpu *v, unsigned idx, uint64_t *val)
{
    uint64_t pstate;
    int r;

    if (idx >= GDB_NUM_SYSREGS)
        return -EINVAL;
    if (sysregs[idx].id == REG_EL_PSEUDO) {
        if ((r = vcpu_get_reg(v, REG_PSTATE, &pstate)))
            return r;
        *val = (uint64_t)arm64_pstate_el(pstate);
        return 0;
    }
    /* while gdb holds the guest, its clock is frozen: show the time it stands at */
    if (sysregs[idx].id == KVM_REG_ARM_TIMER_CNT && v->vm->dbg.time_frozen) {
        *val = v->vm->dbg.frozen_cnt;
        return 0;
    }
    return vcpu_get_reg(v, sysregs[idx].id, val);
}

static int write_sysreg(struct vcpu *v, unsigned idx, uint64_t val)
{
    if (idx >= GDB_NUM_SYSREGS || !sysregs[idx].writable)
        return -EPERM;
    return vcpu_set_reg(v, sysregs[idx].id, val);
}

/* ---- the guest's clock stops while gdb holds it (as QEMU's kvm-adjvtime) ---- */

/* lock held, all vCPUs paused: remember the virtual counter */
static void freeze_time(struct vm *vm)
{
    if (vm->dbg.time_frozen || vcpu_get_reg(&vm->vcpus[0], KVM_REG_ARM_TIMER_CNT,
                                            &vm->dbg.frozen_cnt))
        return;
    vm->dbg.time_frozen = true;
}

/* lock held, before any vCPU runs again: the counter continues from where it stopped (KVM
 * applies the offset to every vCPU's virtual timer) */
static void thaw_time(struct vm *vm)
{
    if (!vm->dbg.time_frozen)
        return;
    int r = vcpu_set_reg(&vm->vcpus[0], KVM_REG_ARM_TIMER_CNT, vm->dbg.frozen_cnt);
    if (r)
        g_warning("restoring the guest's virtual counter: %s", strerror(-r));
    vm->dbg.time_frozen = false;
}

static int vcpu_reg_any(struct vcpu *v, uint64_t id, void *val, bool set)
{
    struct kvm_one_reg r = {.id = id, .addr = (uintptr_t)val};
    return ioctl(v->fd, set ? KVM_SET_ONE_REG : KVM_GET_ONE_REG, &r) < 0 ? -errno : 0;
}

/* ---- all-stop control (dbg.lock held where noted) ---- */

static void notify_stub(struct vm *vm)
{
    uint64_t one = 1;
    if (write(vm->dbg.stop_efd, &one, sizeof(one)) < 0 && errno != EAGAIN)
        g_warning("stop notification: %s", strerror(errno));
}

/* lock held: ask every running vCPU to pause */
static void request_pause_all(struct vm *vm)
{
    for (unsigned i = 0; i < vm->nr_vcpus; i++) {
        struct vcpu *v = &vm->vcpus[i];
        if (v->dbg.want_pause || v->dbg.paused)
            continue;
        v->dbg.want_pause = true;
        __atomic_store_n(&v->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
        if (v->started)
            pthread_kill(v->thread, SIG_KICK);
    }
}

/* lock held: record a stop event (the first one wins) and stop everyone */
static void stop_with_event(struct vm *vm, int thread, enum gdb_stop_reason why)
{
    if (!vm->dbg.have_stop) {
        vm->dbg.have_stop = true;
        vm->dbg.stop = (struct gdb_stop){.thread = thread, .reason = why};
    }
    request_pause_all(vm);
    if (vm->dbg.npaused == vm->nr_vcpus)
        notify_stub(vm);
}

/* lock held: wait until every vCPU is paused (or the VM ends); false on timeout/exit */
static bool wait_all_paused(struct vm *vm)
{
    struct timespec until;

    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += PAUSE_WAIT_SECONDS;
    while (vm->dbg.npaused < vm->nr_vcpus) {
        if (vm_exiting(vm))
            return false;
        if (pthread_cond_timedwait(&vm->dbg.cond, &vm->dbg.lock, &until) == ETIMEDOUT) {
            g_warning("vCPUs did not stop within %d s", PAUSE_WAIT_SECONDS);
            return false;
        }
    }
    return true;
}

/* Only while gdb has hardware breakpoints or watchpoints does KVM load ours (USE_HW); the
 * guest's own debug registers are suspended meanwhile (KVM has one set per vCPU). */
static bool hw_in_use(struct vcpu *v)
{
    return v->vm->dbg.attached && !v->dbg.hw_off && arm64_hwdebug_active(&v->vm->dbg.hw);
}

static void apply_guest_debug(struct vcpu *v)
{
    struct kvm_guest_debug gd = {0};

    if (v->vm->dbg.attached) {
        gd.control = KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_SW_BP;
        if (v->dbg.act == GDB_ACT_STEP)
            gd.control |= KVM_GUESTDBG_SINGLESTEP;
        if (hw_in_use(v)) {
            struct arm64_debug_regs r;
            arm64_hwdebug_regs(&v->vm->dbg.hw, &r);
            gd.control |= KVM_GUESTDBG_USE_HW;
            for (int i = 0; i < KVM_ARM_MAX_DBG_REGS; i++) {
                gd.arch.dbg_bcr[i] = r.bcr[i];
                gd.arch.dbg_bvr[i] = r.bvr[i];
                gd.arch.dbg_wcr[i] = r.wcr[i];
                gd.arch.dbg_wvr[i] = r.wvr[i];
            }
        }
    }
    if (ioctl(v->fd, KVM_SET_GUEST_DEBUG, &gd) < 0)
        g_warning("vCPU %u: KVM_SET_GUEST_DEBUG: %s", v->id, strerror(errno));
}

/* Before a single step: mask IRQ and FIQ so a pending interrupt is not what gets stepped into
 * (QEMU's stub steps into the timer handler); remember PSTATE to put DAIF back afterwards. */
static void step_begin(struct vcpu *v)
{
    uint64_t pstate, pc, gpa;
    struct vm *vm = v->vm;

    v->dbg.step_masked = false;
    v->dbg.step_insn_valid = false;
    if (vcpu_get_reg(v, REG_PSTATE, &pstate) || vcpu_get_reg(v, REG_PC, &pc))
        return;
    v->dbg.step_pstate = pstate;
    if ((pstate & DAIF_MASK_FOR_STEP) != DAIF_MASK_FOR_STEP &&
        !vcpu_set_reg(v, REG_PSTATE, pstate | DAIF_MASK_FOR_STEP))
        v->dbg.step_masked = true;
    /* the instruction about to run, to undo our mask's effect on DAIF reads/writes */
    if (vm_debug_translate(v, pc, &gpa) == 0) {
        uint32_t *insn = vm_gpa_to_hva(vm, gpa, 4);
        if (insn) {
            v->dbg.step_insn = *insn;
            v->dbg.step_insn_valid = true;
            struct sw_bp *bp = bp_find(&vm->dbg.bps, gpa);
            if (bp && *insn == A64_BRK0)
                v->dbg.step_insn = bp->orig;
        }
    }
}

/* After a single step: give the guest back its own I/F bits, wherever our mask ended up
 * (arm64_step_unmask decides: PSTATE, SPSR_EL1 after an exception, Xt of an MRS DAIF). */
static void step_end(struct vcpu *v)
{
    struct arm64_step_after a = {0};
    unsigned fix;
    int rt = v->dbg.step_insn_valid ? arm64_mrs_daif_rt(v->dbg.step_insn) : -1;

    if (!v->dbg.step_masked)
        return;
    v->dbg.step_masked = false;
    if (vcpu_get_reg(v, REG_PSTATE, &a.pstate) || vcpu_get_reg(v, REG_PC, &a.pc) ||
        vcpu_get_reg(v, REG_VBAR_EL1, &a.vbar_el1) || vcpu_get_reg(v, REG_SPSR_EL1, &a.spsr_el1) ||
        (rt >= 0 && vcpu_get_reg(v, REG_X(rt), &a.xt)))
        return;
    fix = arm64_step_unmask(v->dbg.step_pstate, v->dbg.step_insn, v->dbg.step_insn_valid, &a);
    if (fix & ARM64_STEP_FIX_PSTATE)
        vcpu_set_reg(v, REG_PSTATE, a.pstate);
    if (fix & ARM64_STEP_FIX_SPSR)
        vcpu_set_reg(v, REG_SPSR_EL1, a.spsr_el1);
    if (fix & ARM64_STEP_FIX_XT)
        vcpu_set_reg(v, REG_X(rt), a.xt);
}

/* The step of v is over (a step exit, or an exception we injected ended it): report it, or
 * hand v back to the stub thread waiting in step_over. */
static void step_done(struct vcpu *v)
{
    struct vm *vm = v->vm;

    pthread_mutex_lock(&vm->dbg.lock);
    if (v->dbg.step_internal)
        v->dbg.want_pause = true; /* back to the stub, which waits for this */
    else
        stop_with_event(vm, (int)v->id + 1, GDB_STOP_STEP);
    v->dbg.act = GDB_ACT_STOP;
    pthread_mutex_unlock(&vm->dbg.lock);
}

bool debug_pause_point(struct vcpu *v)
{
    struct vm *vm = v->vm;
    bool pause;

    if (!vm->dbg.enabled)
        return false;
    pthread_mutex_lock(&vm->dbg.lock);
    pause = v->dbg.want_pause;
    pthread_mutex_unlock(&vm->dbg.lock);
    if (!pause)
        return false;

    /* let KVM finish an MMIO access (and advance PC) before anyone reads registers */
    __atomic_store_n(&v->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
    ioctl(v->fd, KVM_RUN, 0);

    pthread_mutex_lock(&vm->dbg.lock);
    __atomic_store_n(&v->run->immediate_exit, 0, __ATOMIC_SEQ_CST);
    v->dbg.paused = true;
    vm->dbg.npaused++;
    if (vm->dbg.npaused == vm->nr_vcpus && vm->dbg.have_stop)
        notify_stub(vm);
    pthread_cond_broadcast(&vm->dbg.cond);
    while (v->dbg.paused && !vm_exiting(vm))
        pthread_cond_wait(&vm->dbg.cond, &vm->dbg.lock);
    pthread_mutex_unlock(&vm->dbg.lock);

    if (vm_exiting(vm))
        return true;
    if (v->dbg.act == GDB_ACT_STEP)
        step_begin(v);
    apply_guest_debug(v);
    return true;
}

void debug_wake_all(struct vm *vm)
{
    if (!vm->dbg.enabled)
        return;
    pthread_mutex_lock(&vm->dbg.lock);
    pthread_cond_broadcast(&vm->dbg.cond);
    pthread_mutex_unlock(&vm->dbg.lock);
}

/* lock held: let v run with action a */
static void unpause(struct vm *vm, struct vcpu *v, enum gdb_action a)
{
    v->dbg.act = a;
    v->dbg.want_pause = false;
    if (v->dbg.paused) {
        v->dbg.paused = false;
        vm->dbg.npaused--;
    }
}

/* ---- address translation ---- */

static int read_phys(void *opaque, uint64_t pa, uint64_t *val)
{
    uint64_t *p = vm_gpa_to_hva(opaque, pa, 8);
    if (!p)
        return -EFAULT;
    memcpy(val, p, 8);
    return 0;
}

/* the granule of TTBR1 walks, from TCR_EL1.TG1 */
static uint64_t tg1_size(uint64_t tcr)
{
    switch ((tcr >> 30) & 3) {
    case 1: return 16384;
    case 3: return 65536;
    default: return 4096;
    }
}

int vm_debug_translate(struct vcpu *v, uint64_t va, uint64_t *gpa)
{
    struct vm *vm = v->vm;
    struct arm64_mmu_regs r;
    struct arm64_walk w;
    uint64_t pstate;
    int ret;

    if (vcpu_get_reg(v, REG_SCTLR_EL1, &r.sctlr) || vcpu_get_reg(v, REG_TCR_EL1, &r.tcr) ||
        vcpu_get_reg(v, REG_TTBR0_EL1, &r.ttbr0) || vcpu_get_reg(v, REG_TTBR1_EL1, &r.ttbr1))
        return -EIO;
    ret = arm64_translate(&r, va, read_phys, vm, &w);
    if (ret == 0) {
        *gpa = w.pa;
        /* at EL1 TTBR1 holds the kernel's own tables: remember them for KPTI */
        if ((va >> 55) & 1 && (r.sctlr & 1) && !vcpu_get_reg(v, REG_PSTATE, &pstate) &&
            arm64_pstate_el(pstate) == 1)
            vm->dbg.kernel_ttbr1 = r.ttbr1;
        return 0;
    }
    if (!((va >> 55) & 1) || !(r.sctlr & 1))
        return ret;
    /* Under KPTI a vCPU at EL0 has only the trampoline in TTBR1: try the kernel's tables, as
     * seen at an EL1 stop, then as the kernel's own trampoline finds them (swapper_pg_dir
     * lies two pages after tramp_pg_dir; arch/arm64/kernel/entry.S tramp_map_kernel). */
    if (vm->dbg.kernel_ttbr1 &&
        arm64_translate_with_ttbr(&r, va, vm->dbg.kernel_ttbr1, read_phys, vm, &w) == 0) {
        *gpa = w.pa;
        return 0;
    }
    for (unsigned i = 0; i < vm->nr_vcpus; i++) {
        uint64_t other;
        if (&vm->vcpus[i] != v && !vcpu_get_reg(&vm->vcpus[i], REG_PSTATE, &pstate) &&
            arm64_pstate_el(pstate) == 1 &&
            !vcpu_get_reg(&vm->vcpus[i], REG_TTBR1_EL1, &other) &&
            arm64_translate_with_ttbr(&r, va, other, read_phys, vm, &w) == 0) {
            vm->dbg.kernel_ttbr1 = other;
            *gpa = w.pa;
            return 0;
        }
    }
    uint64_t guess = (r.ttbr1 & 0x0000fffffffffffeULL) + 2 * tg1_size(r.tcr);
    if (arm64_translate_with_ttbr(&r, va, guess, read_phys, vm, &w) == 0) {
        *gpa = w.pa;
        return 0;
    }
    return ret;
}

/* ---- the guest's own debug exceptions ---- */

static int reinject(struct vcpu *v, uint32_t esr, bool has_far, uint64_t far)
{
    struct arm64_exc_regs r = {0};
    int ret;

    if ((ret = vcpu_get_reg(v, REG_PC, &r.pc)) || (ret = vcpu_get_reg(v, REG_PSTATE, &r.pstate)) ||
        (ret = vcpu_get_reg(v, REG_VBAR_EL1, &r.vbar_el1)) ||
        (ret = vcpu_get_reg(v, REG_SCTLR_EL1, &r.sctlr_el1)) ||
        (ret = vcpu_get_reg(v, REG_ELR_EL1, &r.elr_el1)) ||
        (ret = vcpu_get_reg(v, REG_SPSR_EL1, &r.spsr_el1)) ||
        (ret = vcpu_get_reg(v, REG_ESR_EL1, &r.esr_el1)) ||
        (ret = vcpu_get_reg(v, REG_FAR_EL1, &r.far_el1)))
        return ret;
    if ((ret = arm64_inject_sync(&r, esr, has_far, far)))
        return ret;
    if ((ret = vcpu_set_reg(v, REG_ESR_EL1, r.esr_el1)) ||
        (ret = vcpu_set_reg(v, REG_ELR_EL1, r.elr_el1)) ||
        (ret = vcpu_set_reg(v, REG_SPSR_EL1, r.spsr_el1)) ||
        (has_far && (ret = vcpu_set_reg(v, REG_FAR_EL1, r.far_el1))) ||
        (ret = vcpu_set_reg(v, REG_PSTATE, r.pstate)) || (ret = vcpu_set_reg(v, REG_PC, r.pc)))
        return ret;
    return 0;
}

static void handle_brk(struct vcpu *v, uint32_t esr)
{
    struct vm *vm = v->vm;
    uint64_t pc, gpa;
    bool ours = false;

    if (!vcpu_get_reg(v, REG_PC, &pc) && vm_debug_translate(v, pc, &gpa) == 0) {
        uint32_t *insn = vm_gpa_to_hva(vm, gpa, 4);
        pthread_mutex_lock(&vm->dbg.lock);
        struct sw_bp *bp = bp_find(&vm->dbg.bps, gpa);
        if (bp && insn && *insn == A64_BRK0 && arm64_esr_brk_imm(esr) == 0) {
            ours = true;
            bp->hits++;
            stop_with_event(vm, (int)v->id + 1, pc == bp->va ? GDB_STOP_SWBREAK : GDB_STOP_TRAP);
        }
        pthread_mutex_unlock(&vm->dbg.lock);
    }
    if (ours)
        return;
    /* the guest's own BRK (BUG/WARN, kprobes, kgdb, a program under ptrace, ...) */
    if (v->dbg.act == GDB_ACT_STEP && v->dbg.step_masked) {
        /* SPSR_EL1 must record the guest's interrupt mask, not the one we set for the step */
        uint64_t pstate;
        if (!vcpu_get_reg(v, REG_PSTATE, &pstate))
            vcpu_set_reg(v, REG_PSTATE, (pstate & ~DAIF_MASK_FOR_STEP) |
                                            (v->dbg.step_pstate & DAIF_MASK_FOR_STEP));
        v->dbg.step_masked = false;
    }
    int r = reinject(v, esr, false, 0);
    if (r)
        vm_request_exit(vm, 1, "vCPU %u: cannot re-inject the guest's BRK #%#x at pc %#llx: %s",
                        v->id, arm64_esr_brk_imm(esr), (unsigned long long)pc, strerror(-r));
    else
        g_debug("vCPU %u: guest BRK #%#x at %#llx re-injected", v->id, arm64_esr_brk_imm(esr),
                (unsigned long long)pc);
    /* a step that executed the guest's BRK ends at its vector: the exception was the step */
    if (!r && v->dbg.act == GDB_ACT_STEP)
        step_done(v);
}

/* lock not held: one of gdb's hardware slots fired: stop everyone */
static void hw_stop(struct vcpu *v, struct gdb_stop st)
{
    struct vm *vm = v->vm;
    uint64_t pc = 0;

    vcpu_get_reg(v, REG_PC, &pc);
    pthread_mutex_lock(&vm->dbg.lock);
    v->dbg.hw_stopped = true;
    v->dbg.hw_stop_pc = pc;
    if (!vm->dbg.have_stop) {
        vm->dbg.have_stop = true;
        vm->dbg.stop = st;
    }
    request_pause_all(vm);
    pthread_mutex_unlock(&vm->dbg.lock);
}

/* a debug exception of the guest's own (its debug registers, its MDSCR_EL1.SS): give it back
 * as the guest would have taken it at EL1 */
static void reinject_guest_debug(struct vcpu *v, uint32_t esr, bool has_far, uint64_t far)
{
    uint64_t pstate = 0;

    vcpu_get_reg(v, REG_PSTATE, &pstate);
    esr = arm64_debug_esr_to_el1(esr, arm64_pstate_el(pstate));
    if (reinject(v, esr, has_far, far))
        vm_request_exit(v->vm, 1, "vCPU %u: cannot re-inject debug exception ESR %#x", v->id,
                        esr);
    else
        g_debug("vCPU %u: guest debug exception ESR %#x re-injected", v->id, esr);
}

void debug_handle_exit(struct vcpu *v)
{
    struct vm *vm = v->vm;
    uint32_t esr = v->run->debug.arch.hsr;
    uint64_t far = v->run->debug.arch.far, pc = 0, report;
    unsigned ec = arm64_esr_ec(esr);
    int slot;

    switch (ec) {
    case ARM64_EC_BRK64:
        handle_brk(v, esr);
        break;
    case ARM64_EC_BREAKPT_LOW:
    case ARM64_EC_BREAKPT_CUR:
        vcpu_get_reg(v, REG_PC, &pc);
        if (hw_in_use(v) && arm64_hw_bp_match(&vm->dbg.hw, pc) >= 0)
            hw_stop(v, (struct gdb_stop){.thread = (int)v->id + 1, .reason = GDB_STOP_HWBREAK});
        else
            reinject_guest_debug(v, esr, false, 0);
        break;
    case ARM64_EC_WATCHPT_LOW:
    case ARM64_EC_WATCHPT_CUR:
        if (hw_in_use(v) && (slot = arm64_hw_wp_match(&vm->dbg.hw, far, &report)) >= 0)
            hw_stop(v, (struct gdb_stop){.thread = (int)v->id + 1, .reason = GDB_STOP_WATCH,
                                         .data_addr = report,
                                         .watch_type = arm64_watch_to_z(vm->dbg.hw.wp[slot].type)});
        else
            reinject_guest_debug(v, esr, true, far);
        break;
    case ARM64_EC_SOFTSTP_LOW:
    case ARM64_EC_SOFTSTP_CUR:
        if (v->dbg.act == GDB_ACT_STEP) {
            step_end(v);
            step_done(v);
            break;
        }
        /* a step we did not ask for: the guest's own (MDSCR_EL1.SS, e.g. kgdb or ptrace) */
        reinject_guest_debug(v, esr, false, 0);
        break;
    default:
        g_warning("vCPU %u: unexpected debug exit ESR %#x (EC %#x): re-injected", v->id, esr,
                  ec);
        if (reinject(v, esr, ec == ARM64_EC_WATCHPT_LOW || ec == ARM64_EC_WATCHPT_CUR,
                     v->run->debug.arch.far))
            vm_request_exit(vm, 1, "vCPU %u: cannot re-inject debug exception ESR %#x", v->id,
                            esr);
    }
}

/* ---- gdb_target_ops ---- */

static struct vcpu *thread_vcpu(struct vm *vm, int thread)
{
    if (thread < 1 || thread > (int)vm->nr_vcpus)
        return NULL;
    return &vm->vcpus[thread - 1];
}

static int t_nr_threads(void *t)
{
    return (int)((struct vm *)t)->nr_vcpus;
}

static int t_attach(void *t, struct gdb_stop *where)
{
    struct vm *vm = t;
    bool ok;

    pthread_mutex_lock(&vm->dbg.lock);
    vm->dbg.attached = true;
    request_pause_all(vm);
    ok = wait_all_paused(vm);
    if (ok)
        freeze_time(vm);
    if (vm->dbg.have_stop) {
        *where = vm->dbg.stop; /* e.g. --gdb-wait's initial stop */
        vm->dbg.have_stop = false;
    } else {
        *where = (struct gdb_stop){.thread = 1, .reason = GDB_STOP_INTERRUPT};
    }
    pthread_mutex_unlock(&vm->dbg.lock);
    return ok ? 0 : -ETIMEDOUT;
}

static bool t_take_stop(void *t, struct gdb_stop *stop)
{
    struct vm *vm = t;
    bool got = false;

    pthread_mutex_lock(&vm->dbg.lock);
    if (vm->dbg.have_stop && vm->dbg.npaused == vm->nr_vcpus) {
        *stop = vm->dbg.stop;
        vm->dbg.have_stop = false;
        got = true;
        freeze_time(vm);
    }
    pthread_mutex_unlock(&vm->dbg.lock);
    return got;
}

static int read_core(struct vcpu *v, int regno, uint8_t *buf)
{
    uint64_t val, pstate;
    int r;

    if (regno >= GDB_REG_SYS0) {
        r = debug_read_sysreg(v, (unsigned)(regno - GDB_REG_SYS0), &val);
        memcpy(buf, &val, 8);
        return r;
    }
    if (regno >= GDB_REG_V0 && regno < GDB_REG_FPSR)
        return vcpu_reg_any(v, REG_V(regno - GDB_REG_V0), buf, false);
    if (regno == GDB_REG_FPSR || regno == GDB_REG_FPCR) {
        uint32_t v32;
        r = vcpu_reg_any(v, regno == GDB_REG_FPSR ? REG_FPSR : REG_FPCR, &v32, false);
        memcpy(buf, &v32, 4);
        return r;
    }
    if (regno == GDB_REG_SP) {
        /* the SP in use: SP_EL1 in EL1h, SP_EL0 in EL1t and EL0 */
        if ((r = vcpu_get_reg(v, REG_PSTATE, &pstate)))
            return r;
        r = vcpu_get_reg(v, (pstate & 1) ? REG_SP_EL1 : REG_SP_EL0, &val);
    } else if (regno == GDB_REG_PC) {
        r = vcpu_get_reg(v, REG_PC, &val);
    } else if (regno == GDB_REG_CPSR) {
        r = vcpu_get_reg(v, REG_PSTATE, &val);
        uint32_t v32 = (uint32_t)val;
        memcpy(buf, &v32, 4);
        return r;
    } else {
        r = vcpu_get_reg(v, REG_X(regno), &val);
    }
    memcpy(buf, &val, 8);
    return r;
}

static int t_read_reg(void *t, int thread, int regno, uint8_t *buf)
{
    struct vcpu *v = thread_vcpu(t, thread);
    if (!v || !gdb_reg_size(regno))
        return -EINVAL;
    return read_core(v, regno, buf);
}

static int t_write_reg(void *t, int thread, int regno, const uint8_t *buf)
{
    struct vcpu *v = thread_vcpu(t, thread);
    uint64_t val = 0, pstate;
    int r;

    if (!v || !gdb_reg_size(regno))
        return -EINVAL;
    if (regno >= GDB_REG_SYS0) {
        memcpy(&val, buf, 8);
        return write_sysreg(v, (unsigned)(regno - GDB_REG_SYS0), val);
    }
    if (regno >= GDB_REG_V0 && regno < GDB_REG_FPSR) {
        uint8_t q[16];
        memcpy(q, buf, 16);
        return vcpu_reg_any(v, REG_V(regno - GDB_REG_V0), q, true);
    }
    if (regno == GDB_REG_FPSR || regno == GDB_REG_FPCR) {
        uint32_t v32;
        memcpy(&v32, buf, 4);
        return vcpu_reg_any(v, regno == GDB_REG_FPSR ? REG_FPSR : REG_FPCR, &v32, true);
    }
    if (regno == GDB_REG_CPSR) {
        uint32_t v32;
        memcpy(&v32, buf, 4);
        if ((r = vcpu_get_reg(v, REG_PSTATE, &pstate)))
            return r;
        return vcpu_set_reg(v, REG_PSTATE, (pstate & ~0xffffffffULL) | v32);
    }
    memcpy(&val, buf, 8);
    if (regno == GDB_REG_SP) {
        if ((r = vcpu_get_reg(v, REG_PSTATE, &pstate)))
            return r;
        return vcpu_set_reg(v, (pstate & 1) ? REG_SP_EL1 : REG_SP_EL0, val);
    }
    if (regno == GDB_REG_PC)
        return vcpu_set_reg(v, REG_PC, val);
    return vcpu_set_reg(v, REG_X(regno), val);
}

/* The guest-physical address of addr and how many bytes from there lie in one page. */
static int resolve(struct vm *vm, struct vcpu *v, uint64_t addr, size_t want, bool phys,
                   uint64_t *gpa, size_t *chunk)
{
    size_t in_page = 4096 - (addr & 4095); /* per 4K: safe for every granule */

    if (phys)
        *gpa = addr;
    else if (vm_debug_translate(v, addr, gpa))
        return -EFAULT;
    *chunk = want < in_page ? want : in_page;
    return vm_gpa_to_hva(vm, *gpa, *chunk) ? 0 : -EFAULT;
}

static long t_read_mem(void *t, int thread, uint64_t addr, uint8_t *buf, size_t len, bool phys)
{
    struct vm *vm = t;
    struct vcpu *v = thread_vcpu(vm, thread);
    size_t done = 0;

    if (!v)
        return -EINVAL;
    while (done < len) {
        uint64_t gpa;
        size_t chunk;
        if (resolve(vm, v, addr + done, len - done, phys, &gpa, &chunk))
            break;
        memcpy(buf + done, vm_gpa_to_hva(vm, gpa, chunk), chunk);
        bp_shadow_read(&vm->dbg.bps, gpa, buf + done, chunk); /* gdb sees the originals */
        done += chunk;
    }
    return done ? (long)done : -EFAULT;
}

static long t_write_mem(void *t, int thread, uint64_t addr, const uint8_t *buf, size_t len,
                        bool phys)
{
    struct vm *vm = t;
    struct vcpu *v = thread_vcpu(vm, thread);
    size_t done = 0;

    if (!v)
        return -EINVAL;
    while (done < len) {
        uint64_t gpa;
        size_t chunk;
        uint8_t tmp[4096];
        if (resolve(vm, v, addr + done, len - done, phys, &gpa, &chunk))
            break;
        uint8_t *hva = vm_gpa_to_hva(vm, gpa, chunk);
        bp_shadow_write(&vm->dbg.bps, gpa, buf + done, tmp, chunk, hva);
        memcpy(hva, tmp, chunk);
        __builtin___clear_cache((char *)hva, (char *)hva + chunk);
        done += chunk;
    }
    return done ? (long)done : -EFAULT;
}

static uint32_t *bp_word(struct vm *vm, struct vcpu *v, uint64_t addr, bool phys, uint64_t *gpa)
{
    if (phys)
        *gpa = addr;
    else if (vm_debug_translate(v, addr, gpa))
        return NULL;
    return vm_gpa_to_hva(vm, *gpa, 4);
}

static int t_insert_sw_bp(void *t, int thread, uint64_t addr, bool phys)
{
    struct vm *vm = t;
    struct vcpu *v = thread_vcpu(vm, thread);
    uint64_t gpa;
    uint32_t *insn;
    int r;

    if (!v)
        return -EINVAL;
    insn = bp_word(vm, v, addr, phys, &gpa);
    if (!insn)
        return -EFAULT;
    r = bp_insert(&vm->dbg.bps, gpa, insn);
    if (!r) {
        bp_find(&vm->dbg.bps, gpa)->va = addr;
        __builtin___clear_cache((char *)insn, (char *)insn + 4);
    }
    return r;
}

struct va_search {
    uint64_t va;
    uint64_t gpa;
    bool found;
};

static void find_va(struct sw_bp *bp, void *opaque)
{
    struct va_search *s = opaque;
    if (!s->found && bp->va == s->va) {
        s->gpa = bp->gpa;
        s->found = true;
    }
}

static int t_remove_sw_bp(void *t, int thread, uint64_t addr, bool phys)
{
    struct vm *vm = t;
    struct vcpu *v = thread_vcpu(vm, thread);
    uint64_t gpa;
    uint32_t *insn;
    int r;

    if (!v)
        return -EINVAL;
    insn = bp_word(vm, v, addr, phys, &gpa);
    if (!insn || !bp_find(&vm->dbg.bps, gpa)) {
        /* the mapping may be gone since: find it by the address gdb used to set it */
        struct va_search s = {.va = addr};
        bp_foreach(&vm->dbg.bps, find_va, &s);
        if (!s.found)
            return insn ? 0 : -EFAULT; /* nothing there: removing twice is harmless */
        gpa = s.gpa;
        insn = vm_gpa_to_hva(vm, gpa, 4);
    }
    r = bp_remove(&vm->dbg.bps, gpa, insn);
    if (insn)
        __builtin___clear_cache((char *)insn, (char *)insn + 4);
    return r == -ENOENT ? 0 : r;
}

/* how many of the guest's own breakpoints and watchpoints are armed (DBGBCRn/DBGWCRn.E) on
 * vCPU 0: KVM keeps one set of debug registers, so they are suspended while gdb uses any */
void debug_guest_hw_armed(struct vm *vm, unsigned *bps, unsigned *wps)
{
    *bps = *wps = 0;
    for (unsigned n = 0; n < vm->dbg.hw.nr_bps; n++) {
        uint64_t bcr;
        if (!vcpu_get_reg(&vm->vcpus[0], ARM64_SYS_REG(2, 0, 0, n, 5), &bcr) && (bcr & 1))
            (*bps)++;
    }
    for (unsigned n = 0; n < vm->dbg.hw.nr_wps; n++) {
        uint64_t wcr;
        if (!vcpu_get_reg(&vm->vcpus[0], ARM64_SYS_REG(2, 0, 0, n, 7), &wcr) && (wcr & 1))
            (*wps)++;
    }
}

static int t_insert_hw(void *t, int type, uint64_t addr, uint64_t len)
{
    struct vm *vm = t;
    unsigned gbps, gwps;
    int r;

    if (!arm64_hwdebug_active(&vm->dbg.hw)) {
        debug_guest_hw_armed(vm, &gbps, &gwps);
        if (gbps || gwps)
            g_warning("the guest has %u hardware breakpoints and %u watchpoints of its own armed: "
                      "they are suspended while gdb uses hardware breakpoints or watchpoints "
                      "(KVM loads one set of debug registers)", gbps, gwps);
    }
    pthread_mutex_lock(&vm->dbg.lock);
    r = type == 1 ? arm64_hw_bp_insert(&vm->dbg.hw, addr)
                  : arm64_hw_wp_insert(&vm->dbg.hw, arm64_watch_from_z(type), addr, len);
    pthread_mutex_unlock(&vm->dbg.lock);
    return r; /* the vCPUs load the slots when they resume */
}

static int t_remove_hw(void *t, int type, uint64_t addr, uint64_t len)
{
    struct vm *vm = t;
    int r;

    pthread_mutex_lock(&vm->dbg.lock);
    r = type == 1 ? arm64_hw_bp_remove(&vm->dbg.hw, addr)
                  : arm64_hw_wp_remove(&vm->dbg.hw, arm64_watch_from_z(type), addr, len);
    pthread_mutex_unlock(&vm->dbg.lock);
    return r == -ENOENT ? 0 : r; /* removing twice is harmless */
}

/* Is v stopped on one of our breakpoints (so running it would hit the BRK again)? */
static struct sw_bp *at_breakpoint(struct vm *vm, struct vcpu *v, uint32_t **insn)
{
    uint64_t pc, gpa;
    struct sw_bp *bp;

    if (vcpu_get_reg(v, REG_PC, &pc) || vm_debug_translate(v, pc, &gpa))
        return NULL;
    bp = bp_find(&vm->dbg.bps, gpa);
    *insn = vm_gpa_to_hva(vm, gpa, 4);
    return bp && *insn && **insn == A64_BRK0 ? bp : NULL;
}

/* Step v alone over the breakpoint under its PC: the original instruction back for one step
 * with interrupts masked, then the BRK again.  Lock held; returns with v paused. */
static void step_over(struct vm *vm, struct vcpu *v, struct sw_bp *bp, uint32_t *insn)
{
    if (bp) {
        *insn = bp->orig;
        __builtin___clear_cache((char *)insn, (char *)insn + 4);
    }
    v->dbg.step_internal = true;
    v->dbg.hw_off = true; /* past a hardware breakpoint/watchpoint: its slot must not fire */
    unpause(vm, v, GDB_ACT_STEP);
    pthread_cond_broadcast(&vm->dbg.cond);
    if (!wait_all_paused(vm)) {
        request_pause_all(vm);
        wait_all_paused(vm);
    }
    v->dbg.step_internal = false;
    v->dbg.hw_off = false;
    if (bp && *insn == bp->orig) /* unless the step itself rewrote it */
        *insn = A64_BRK0;
    if (bp)
        __builtin___clear_cache((char *)insn, (char *)insn + 4);
}

/* Stopped by one of gdb's hardware slots and not moved since: running it as it is would fire
 * the same slot again (PC stays on a hardware breakpoint; a watchpoint fires before the
 * access), so it first steps past with the slots off. */
static bool at_hw_stop(struct vm *vm, struct vcpu *v)
{
    uint64_t pc;

    if (!v->dbg.hw_stopped)
        return false;
    v->dbg.hw_stopped = false;
    return arm64_hwdebug_active(&vm->dbg.hw) && !vcpu_get_reg(v, REG_PC, &pc) &&
           pc == v->dbg.hw_stop_pc;
}

static int t_resume(void *t, const enum gdb_action *act)
{
    struct vm *vm = t;

    pthread_mutex_lock(&vm->dbg.lock);
    vm->dbg.have_stop = false;
    for (unsigned i = 0; i < vm->nr_vcpus; i++) {
        struct vcpu *v = &vm->vcpus[i];
        uint32_t *insn = NULL;
        struct sw_bp *bp;
        if (act[i] == GDB_ACT_STOP)
            continue;
        bp = at_breakpoint(vm, v, &insn);
        if (!at_hw_stop(vm, v) && !bp)
            continue;
        step_over(vm, v, bp, insn);
        if (act[i] == GDB_ACT_STEP) {
            /* that step was the one gdb asked for: report it, run nobody else */
            vm->dbg.have_stop = true;
            vm->dbg.stop = (struct gdb_stop){.thread = (int)i + 1, .reason = GDB_STOP_STEP};
            notify_stub(vm);
            pthread_mutex_unlock(&vm->dbg.lock);
            return 0;
        }
    }
    thaw_time(vm);
    for (unsigned i = 0; i < vm->nr_vcpus; i++)
        if (act[i] != GDB_ACT_STOP)
            unpause(vm, &vm->vcpus[i], act[i]);
    pthread_cond_broadcast(&vm->dbg.cond);
    pthread_mutex_unlock(&vm->dbg.lock);
    return 0;
}

static void t_interrupt(void *t)
{
    struct vm *vm = t;

    pthread_mutex_lock(&vm->dbg.lock);
    stop_with_event(vm, 1, GDB_STOP_INTERRUPT);
    pthread_mutex_unlock(&vm->dbg.lock);
}

static uint32_t *insn_of(void *opaque, uint64_t gpa)
{
    return vm_gpa_to_hva(opaque, gpa, 4);
}

static void t_detach(void *t)
{
    struct vm *vm = t;

    pthread_mutex_lock(&vm->dbg.lock);
    request_pause_all(vm); /* nobody may run into a BRK while they go */
    wait_all_paused(vm);
    bp_clear(&vm->dbg.bps, insn_of, vm);
    arm64_hwdebug_init(&vm->dbg.hw, vm->dbg.hw.nr_bps, vm->dbg.hw.nr_wps);
    __builtin___clear_cache((char *)vm->ram, (char *)vm->ram + vm->ram_size);
    vm->dbg.attached = false;
    vm->dbg.have_stop = false;
    thaw_time(vm);
    for (unsigned i = 0; i < vm->nr_vcpus; i++)
        unpause(vm, &vm->vcpus[i], GDB_ACT_CONT);
    pthread_cond_broadcast(&vm->dbg.cond);
    pthread_mutex_unlock(&vm->dbg.lock);
}

static void t_kill(void *t)
{
    vm_request_exit(t, 0, "killed from the debugger (gdb 'kill')");
}

const struct gdb_target_ops vm_gdb_target_ops = {
    .attach = t_attach,
    .take_stop = t_take_stop,
    .nr_threads = t_nr_threads,
    .read_reg = t_read_reg,
    .write_reg = t_write_reg,
    .read_mem = t_read_mem,
    .write_mem = t_write_mem,
    .insert_sw_bp = t_insert_sw_bp,
    .remove_sw_bp = t_remove_sw_bp,
    .insert_hw = t_insert_hw,
    .remove_hw = t_remove_hw,
    .resume = t_resume,
    .interrupt = t_interrupt,
    .detach = t_detach,
    .kill = t_kill,
    .monitor = debug_monitor,
};

int debug_init(struct vm *vm, bool wait)
{
    struct vm_debug *d = &vm->dbg;

    int bps = ioctl(vm->vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_GUEST_DEBUG_HW_BPS);
    int wps = ioctl(vm->vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_GUEST_DEBUG_HW_WPS);

    d->enabled = true;
    arm64_hwdebug_init(&d->hw, bps > 0 ? (unsigned)bps : 0, wps > 0 ? (unsigned)wps : 0);
    g_info("guest debug: %d hardware breakpoints, %d watchpoints", bps, wps);
    pthread_mutex_init(&d->lock, NULL);
    pthread_cond_init(&d->cond, NULL);
    bp_table_init(&d->bps);
    d->stop_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (d->stop_efd < 0)
        return -errno;
    for (unsigned i = 0; i < vm->nr_vcpus; i++) {
        vm->vcpus[i].dbg.act = wait ? GDB_ACT_STOP : GDB_ACT_CONT;
        vm->vcpus[i].dbg.want_pause = wait;
    }
    if (wait) { /* like QEMU's -S: stopped before the first instruction */
        d->have_stop = true;
        d->stop = (struct gdb_stop){.thread = 1, .reason = GDB_STOP_ATTACH};
    }
    return 0;
}

void debug_destroy(struct vm *vm)
{
    if (!vm->dbg.enabled)
        return;
    bp_table_destroy(&vm->dbg.bps);
    if (vm->dbg.stop_efd >= 0)
        close(vm->dbg.stop_efd);
    vm->dbg.stop_efd = -1;
}
