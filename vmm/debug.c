/* debug.c - guest debugging in the VMM: the all-stop protocol between the vCPU threads and the
 * GDB stub's thread, single steps with interrupts masked, the guest's clock held while stopped,
 * guest-virtual addresses through the page-table walker (KPTI-aware), and KVM_EXIT_DEBUG:
 * gdb's breakpoints stop everyone, the guest's own debug exceptions are re-injected.
 *
 * All-stop: a vCPU that must stop (want_pause) completes any pending MMIO with an
 * immediate_exit KVM_RUN, marks itself paused and waits on dbg.cond.  Only while every vCPU is
 * paused does the stub thread touch registers and memory (ONE_REG ioctls are allowed from any
 * thread while the vCPU is not in KVM_RUN).  The operations gdb's stub calls are in
 * gdb_target.c. */
#define G_LOG_DOMAIN "debug"
#include "debug_internal.h"

#include <brkvm/arm64_exception.h>
#include <brkvm/arm64_kimage.h>
#include <brkvm/arm64_mmu.h>
#include <brkvm/bp_agent.h>
#include <brkvm/panic.h>

#include <errno.h>
#include <glib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

/* ---- the guest's clock stops while gdb holds it (as QEMU's kvm-adjvtime) ---- */

/* lock held, all vCPUs paused: remember the virtual counter */
void freeze_time(struct vm *vm)
{
    if (vm->dbg.time_frozen || vcpu_get_reg(&vm->vcpus[0], KVM_REG_ARM_TIMER_CNT,
                                            &vm->dbg.frozen_cnt))
        return;
    vm->dbg.time_frozen = true;
}

/* lock held, before any vCPU runs again (no vCPU is in KVM_RUN while the time is frozen: the
 * first one to leave its pause thaws it): the counter continues from where it stopped (KVM
 * applies the offset to every vCPU's virtual timer) */
void thaw_time(struct vm *vm)
{
    if (!vm->dbg.time_frozen)
        return;
    int r = vcpu_set_reg(&vm->vcpus[0], KVM_REG_ARM_TIMER_CNT, vm->dbg.frozen_cnt);
    if (r)
        g_warning("restoring the guest's virtual counter: %s", strerror(-r));
    vm->dbg.time_frozen = false;
}

/* ---- all-stop control (dbg.lock held where noted) ---- */

void notify_stub(struct vm *vm)
{
    uint64_t one = 1;
    if (write(vm->dbg.stop_efd, &one, sizeof(one)) < 0 && errno != EAGAIN)
        g_warning("stop notification: %s", strerror(errno));
}

/* lock held: ask v to pause; false if it is pausing or paused already */
bool request_pause(struct vcpu *v)
{
    if (v->dbg.want_pause || v->dbg.paused)
        return false;
    v->dbg.want_pause = true;
    __atomic_store_n(&v->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
    /* started is written by the main thread (vcpu_start_all, vcpu_stop_all) without the lock:
     * atomic, and its acquire makes v->thread visible */
    if (__atomic_load_n(&v->started, __ATOMIC_ACQUIRE))
        pthread_kill(v->thread, SIG_KICK);
    return true;
}

/* lock held: ask every running vCPU to pause */
void request_pause_all(struct vm *vm)
{
    for (unsigned i = 0; i < vm->nr_vcpus; i++)
        request_pause(&vm->vcpus[i]);
}

/* lock held, every vCPU paused and a stop waiting: the guest's clock stops now and the stub
 * thread reports the stop */
static void stop_ready(struct vm *vm)
{
    freeze_time(vm);
    notify_stub(vm);
}

/* lock held: a stop is recorded: stop everyone (reported when the last one has paused) */
static void pause_all_for_stop(struct vm *vm)
{
    request_pause_all(vm);
    if (vm->dbg.npaused == vm->nr_vcpus)
        stop_ready(vm);
}

/* lock held: record a stop event (the first one wins) and stop everyone */
void stop_with_event(struct vm *vm, int thread, enum gdb_stop_reason why)
{
    if (!vm->dbg.have_stop) {
        vm->dbg.have_stop = true;
        vm->dbg.stop = (struct gdb_stop){.thread = thread, .reason = why};
    }
    pause_all_for_stop(vm);
}

/* lock held: v hit one of gdb's breakpoints or watchpoints at pc: the stop event, or, when
 * another event already waits for gdb (two vCPUs hit at once), kept pending on v and reported
 * at the next resume that lets v run, as gdbserver does: a hit is never lost */
void hit_event(struct vm *vm, struct vcpu *v, struct gdb_stop st, uint64_t pc)
{
    if (!vm->dbg.have_stop) {
        vm->dbg.have_stop = true;
        vm->dbg.stop = st;
    } else if (!v->dbg.pending) {
        vm->dbg.held++;
        v->dbg.pending = true;
        v->dbg.pending_stop = st;
        v->dbg.pending_pc = pc;
    }
    pause_all_for_stop(vm);
}

/* lock held: wait until every vCPU is paused (or the VM ends); false on timeout/exit */
bool wait_all_paused(struct vm *vm)
{
    return wait_paused(vm, 0);
}

/* lock held: wait until all but `running` vCPUs (the caller's own, for a vCPU thread) are
 * paused and no device thread is busy; false on timeout/exit */
bool wait_paused(struct vm *vm, unsigned running)
{
    struct timespec until;

    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += PAUSE_WAIT_SECONDS;
    while (vm->dbg.npaused + running < vm->nr_vcpus || vm->dbg.dev_busy) {
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

/* KVM guest debugging is on only while gdb needs it: breakpoints or watchpoints inserted, or a
 * step.  Besides costing nothing otherwise, this lets the guest debug itself: while it is on,
 * KVM clears the guest's MDSCR_EL1.SS on every entry (its own single step cannot happen) and
 * loads gdb's debug registers instead of the guest's when USE_HW is set. */
static bool debug_needed(struct vcpu *v)
{
    struct vm *vm = v->vm;

    /* brkvm's own breakpoints (--on-panic) are armed whether or not gdb is there */
    if (bp_own_count(&vm->dbg.bps))
        return true;
    return vm->dbg.attached && (v->dbg.act == GDB_ACT_STEP || bp_count(&vm->dbg.bps) ||
                                arm64_hwdebug_active(&vm->dbg.hw));
}

void apply_guest_debug(struct vcpu *v)
{
    struct kvm_guest_debug gd = {0};

    if (debug_needed(v) || v->dbg.past_masked) {
        gd.control = KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_SW_BP;
        if (v->dbg.act == GDB_ACT_STEP || v->dbg.past_masked)
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

void debug_apply_all(struct vm *vm)
{
    for (unsigned i = 0; i < vm->nr_vcpus; i++)
        apply_guest_debug(&vm->vcpus[i]);
}

/* Before a single step: mask IRQ and FIQ so a pending interrupt is not what gets stepped into
 * (QEMU's stub steps into the timer handler); remember PSTATE to put DAIF back afterwards. */
void step_begin(struct vcpu *v)
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
void step_end(struct vcpu *v)
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

/* v pauses before the step it began ran (a kick came first): the guest's interrupt mask back,
 * as the next step (if any) begins anew */
static void step_abandon(struct vcpu *v)
{
    uint64_t pstate;

    if (!v->dbg.step_masked)
        return;
    v->dbg.step_masked = false;
    if (!vcpu_get_reg(v, REG_PSTATE, &pstate))
        vcpu_set_reg(v, REG_PSTATE, (pstate & ~DAIF_MASK_FOR_STEP) |
                                        (v->dbg.step_pstate & DAIF_MASK_FOR_STEP));
}

/* The step of v is over (a step exit, or an exception we injected ended it): report it, or
 * hand v back to the stub thread waiting in step_over. */
static void step_done(struct vcpu *v)
{
    struct vm *vm = v->vm;

    if (v->dbg.solo_step) { /* past a breakpoint whose hit is not reported */
        debug_cond_step_done(v);
        return;
    }
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
    if (v->dbg.solo_step) {
        /* stepping past a breakpoint (debug_cond.c): a pause waits until the step is over */
        __atomic_store_n(&v->run->immediate_exit, 0, __ATOMIC_SEQ_CST);
        return false;
    }
    pthread_mutex_lock(&vm->dbg.lock);
    pause = v->dbg.want_pause;
    pthread_mutex_unlock(&vm->dbg.lock);
    if (!pause)
        return false;
    step_abandon(v);

    /* let KVM finish an MMIO access (and advance PC) before anyone reads registers */
    __atomic_store_n(&v->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
    ioctl(v->fd, KVM_RUN, 0);

    pthread_mutex_lock(&vm->dbg.lock);
    __atomic_store_n(&v->run->immediate_exit, 0, __ATOMIC_SEQ_CST);
    v->dbg.paused = true;
    vm->dbg.npaused++;
    if (vm->dbg.npaused == vm->nr_vcpus && vm->dbg.have_stop)
        stop_ready(vm); /* the clock stops now, not when the stub thread wakes */
    pthread_cond_broadcast(&vm->dbg.cond);
    while (v->dbg.paused && !vm_exiting(vm))
        pthread_cond_wait(&vm->dbg.cond, &vm->dbg.lock);
    pthread_mutex_unlock(&vm->dbg.lock);

    if (vm_exiting(vm))
        return true;
    if (v->dbg.act == GDB_ACT_STEP)
        step_begin(v);
    apply_guest_debug(v);
    /* the first vCPU to run again restarts the clock, as the last thing before its KVM_RUN: a
     * stepi costs the guest the step, not the hand-offs between the threads */
    pthread_mutex_lock(&vm->dbg.lock);
    thaw_time(vm);
    pthread_mutex_unlock(&vm->dbg.lock);
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

/* lock held: gdb holds (or is about to hold) the guest stopped */
static bool guest_held(struct vm *vm)
{
    for (unsigned i = 0; i < vm->nr_vcpus; i++)
        if (vm->vcpus[i].dbg.want_pause || vm->vcpus[i].dbg.paused)
            return true;
    return false;
}

bool debug_devices_enter(struct vm *vm, bool wait)
{
    if (!vm->dbg.enabled)
        return !vm_exiting(vm);
    pthread_mutex_lock(&vm->dbg.lock);
    while (guest_held(vm) && wait && !vm_exiting(vm))
        pthread_cond_wait(&vm->dbg.cond, &vm->dbg.lock);
    bool ok = !guest_held(vm) && !vm_exiting(vm);
    if (ok)
        vm->dbg.dev_busy++;
    pthread_mutex_unlock(&vm->dbg.lock);
    return ok;
}

void debug_devices_leave(struct vm *vm)
{
    if (!vm->dbg.enabled)
        return;
    pthread_mutex_lock(&vm->dbg.lock);
    vm->dbg.dev_busy--;
    pthread_cond_broadcast(&vm->dbg.cond);
    pthread_mutex_unlock(&vm->dbg.lock);
}

/* lock held: let v run with action a */
void unpause(struct vm *vm, struct vcpu *v, enum gdb_action a)
{
    v->dbg.act = a;
    v->dbg.want_pause = false;
    if (v->dbg.paused) {
        v->dbg.paused = false;
        vm->dbg.npaused--;
    }
}

/* ---- address translation ---- */

int debug_read_phys(void *opaque, uint64_t pa, uint64_t *val)
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

int vcpu_read_mmu_regs(struct vcpu *v, struct arm64_mmu_regs *r)
{
    if (vcpu_get_reg(v, REG_SCTLR_EL1, &r->sctlr) || vcpu_get_reg(v, REG_TCR_EL1, &r->tcr) ||
        vcpu_get_reg(v, REG_TTBR0_EL1, &r->ttbr0) || vcpu_get_reg(v, REG_TTBR1_EL1, &r->ttbr1))
        return -EIO;
    return 0;
}

/* v's translation registers; within one debug exit on v's own thread (mmu_cache_on) they are
 * read once: the condition, the step past a breakpoint and the hit itself translate several
 * addresses, each ONE_REG read a syscall */
static int mmu_regs(struct vcpu *v, struct arm64_mmu_regs *r)
{
    if (v->dbg.mmu_cached) {
        *r = v->dbg.mmu;
        return 0;
    }
    if (vcpu_read_mmu_regs(v, r))
        return -EIO;
    if (v->dbg.mmu_cache_on) {
        v->dbg.mmu = *r;
        v->dbg.mmu_cached = true;
    }
    return 0;
}

static int walk_translate(struct vcpu *v, uint64_t va, uint64_t *gpa)
{
    struct vm *vm = v->vm;
    struct arm64_mmu_regs r;
    struct arm64_walk w;
    uint64_t pstate;
    int ret;

    if (mmu_regs(v, &r))
        return -EIO;
    ret = arm64_translate(&r, va, debug_read_phys, vm, &w);
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
        arm64_translate_with_ttbr(&r, va, vm->dbg.kernel_ttbr1, debug_read_phys, vm, &w) == 0) {
        *gpa = w.pa;
        return 0;
    }
    for (unsigned i = 0; i < vm->nr_vcpus; i++) {
        uint64_t other;
        if (&vm->vcpus[i] != v && !vcpu_get_reg(&vm->vcpus[i], REG_PSTATE, &pstate) &&
            arm64_pstate_el(pstate) == 1 &&
            !vcpu_get_reg(&vm->vcpus[i], REG_TTBR1_EL1, &other) &&
            arm64_translate_with_ttbr(&r, va, other, debug_read_phys, vm, &w) == 0) {
            vm->dbg.kernel_ttbr1 = other;
            *gpa = w.pa;
            return 0;
        }
    }
    uint64_t guess = (r.ttbr1 & 0x0000fffffffffffeULL) + 2 * tg1_size(r.tcr);
    if (arm64_translate_with_ttbr(&r, va, guess, debug_read_phys, vm, &w) == 0) {
        *gpa = w.pa;
        return 0;
    }
    return ret;
}

/* Page tables first; when they do not map va (the MMU is still off, or not this part yet), the
 * load map: a kernel or ELF address at its link address is where brkvm loaded it.  So a
 * breakpoint on start_kernel set before the first instruction lands on the right word. */
int vm_debug_translate(struct vcpu *v, uint64_t va, uint64_t *gpa)
{
    struct vm *vm = v->vm;
    int ret = walk_translate(v, va, gpa);

    if (ret && !loader_va_to_gpa(&vm->boot_payload, &vm->map, vm->has_link_text, vm->link_text,
                                 va, gpa))
        return 0;
    return ret;
}

int debug_kernel_text_va(struct vm *vm, uint64_t *va, uint64_t *ttbr1)
{
    uint64_t best = 0, best_va = 0, best_ttbr = 0;

    /* every vCPU's TTBR1 candidates: the best (largest) match wins, so the KPTI trampoline's
     * one executable page (also in the image) loses to the kernel's text */
    for (unsigned i = 0; i < vm->nr_vcpus; i++) {
        struct vcpu *v = &vm->vcpus[i];
        struct arm64_mmu_regs r;
        uint64_t ttbrs[3];

        if (vcpu_read_mmu_regs(v, &r) || !(r.sctlr & 1))
            continue;
        /* the live TTBR1, the kernel's as seen at an EL1 stop, the one after KPTI's trampoline */
        ttbrs[0] = r.ttbr1;
        ttbrs[1] = vm->dbg.kernel_ttbr1;
        ttbrs[2] = (r.ttbr1 & 0x0000fffffffffffeULL) + 2 * tg1_size(r.tcr);
        for (int k = 0; k < 3; k++) {
            uint64_t cva, size;

            if (ttbrs[k] &&
                !arm64_find_image(&r, ttbrs[k], vm->map.kernel_start, vm->map.kernel_end,
                                  debug_read_phys, vm, &cva, &size) &&
                size > best) {
                best = size;
                best_va = cva;
                best_ttbr = ttbrs[k];
            }
        }
    }
    if (!best)
        return -ENOENT;
    *va = best_va;
    if (ttbr1)
        *ttbr1 = best_ttbr;
    return 0;
}

/* ---- the guest's own debug exceptions ---- */

static int reinject(struct vcpu *v, uint32_t esr, bool has_far, uint64_t far)
{
    struct arm64_exc_regs r = {0};
    int ret;

    /* what exception entry reads; ELR, SPSR, ESR and FAR it only writes.  SCTLR_EL1 from this
     * exit's translation registers when they were read */
    if ((ret = vcpu_get_reg(v, REG_PC, &r.pc)) || (ret = vcpu_get_reg(v, REG_PSTATE, &r.pstate)) ||
        (ret = vcpu_get_reg(v, REG_VBAR_EL1, &r.vbar_el1)))
        return ret;
    if (v->dbg.mmu_cached)
        r.sctlr_el1 = v->dbg.mmu.sctlr;
    else if ((ret = vcpu_get_reg(v, REG_SCTLR_EL1, &r.sctlr_el1)))
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

/* the stop of v at gdb's breakpoint bp: a swbreak where gdb set it, else a plain SIGTRAP */
static struct gdb_stop sw_stop(struct vcpu *v, const struct sw_bp *bp, uint64_t pc)
{
    return (struct gdb_stop){.thread = (int)v->id + 1,
                             .reason = pc == bp->va ? GDB_STOP_SWBREAK : GDB_STOP_TRAP};
}

static void handle_brk(struct vcpu *v, uint32_t esr)
{
    struct vm *vm = v->vm;
    uint64_t pc = 0, gpa;
    bool ours = false;
    unsigned own = 0;
    struct sw_bp *cond = NULL;

    /* gdb's and brkvm's breakpoints are BRK #0: any other immediate is the guest's own */
    if (arm64_esr_brk_imm(esr) == 0 && !vcpu_get_reg(v, REG_PC, &pc) &&
        vm_debug_translate(v, pc, &gpa) == 0) {
        uint32_t *insn = vm_gpa_to_hva(vm, gpa, 4);
        pthread_mutex_lock(&vm->dbg.lock);
        struct sw_bp *bp = bp_find(&vm->dbg.bps, gpa);
        if (bp && insn && *insn == A64_BRK0) {
            ours = true;
            own = bp->own; /* brkvm's own (a panic) wins over gdb's at the same word */
            v->dbg.brk_hit = true; /* to be stepped past when it runs on (t_resume) */
            v->dbg.brk_hit_pc = pc;
            if (!own && bp->agent && v->dbg.act != GDB_ACT_STEP)
                cond = bp; /* its conditions decide, outside the lock */
            else
                bp->hits++;
            if (!own && !cond)
                hit_event(vm, v, sw_stop(v, bp, pc), pc);
        }
        pthread_mutex_unlock(&vm->dbg.lock);
    }
    if (cond && debug_cond_sw_hit(v, cond, pc)) {
        pthread_mutex_lock(&vm->dbg.lock);
        hit_event(vm, v, sw_stop(v, cond, pc), pc);
        pthread_mutex_unlock(&vm->dbg.lock);
    }
    if (own)
        panic_hit_brk(v, own);
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
    if (r) {
        vcpu_get_reg(v, REG_PC, &pc);
        vm_request_exit(vm, 1, "vCPU %u: cannot re-inject the guest's BRK #%#x at pc %#llx: %s",
                        v->id, arm64_esr_brk_imm(esr), (unsigned long long)pc, strerror(-r));
    } else if (vm->cfg->loglevel >= LOG_LVL_DEBUG) { /* the guest's BRKs can be many */
        g_debug("vCPU %u: guest BRK #%#x re-injected", v->id, arm64_esr_brk_imm(esr));
    }
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
    hit_event(vm, v, st, pc);
    pthread_mutex_unlock(&vm->dbg.lock);
}

/* the conditions and commands of gdb's hardware breakpoint at pc (NULL: none).  The table
 * changes only while every vCPU is paused. */
static const struct bp_agent *hw_agent(struct vm *vm, uint64_t pc)
{
    return vm->dbg.hw_agents && g_hash_table_size(vm->dbg.hw_agents)
               ? g_hash_table_lookup(vm->dbg.hw_agents, &pc)
               : NULL;
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

/* the guest's DBGBCRn_EL1 (op2 5) / DBGWCRn_EL1 (op2 7) */
static uint64_t guest_ctrl_reg(bool watch, unsigned n)
{
    return ARM64_SYS_REG(2, 0, 0, n, watch ? 7 : 5);
}

/* Did the guest's own slot fire where the guest would not have taken the exception (EL1 with
 * PSTATE.D set or kernel debug off: kvm-unit-tests' handlers return with D set, so that the
 * instruction under the breakpoint runs once)?  KVM routes it to brkvm all the same. */
static bool guest_debug_masked(struct vcpu *v)
{
    uint64_t pstate, mdscr;

    return !vcpu_get_reg(v, REG_PSTATE, &pstate) && !vcpu_get_reg(v, REG_MDSCR_EL1, &mdscr) &&
           arm64_guest_debug_masked(pstate, mdscr);
}

/* ...then do what the CPU would: run the instruction as if no slot matched.  Its enabled
 * slots of that kind go off for one KVM single step, put back when the step exit comes
 * (debug_handle_exit); nothing is reported to gdb. */
static void step_past_masked(struct vcpu *v, bool watch)
{
    v->dbg.past_watch = watch;
    v->dbg.past_slots = 0;
    for (unsigned n = 0; n < 16; n++) {
        uint64_t ctrl;
        if (vcpu_get_reg(v, guest_ctrl_reg(watch, n), &ctrl) || !(ctrl & 1) ||
            vcpu_set_reg(v, guest_ctrl_reg(watch, n), ctrl & ~1ULL))
            continue;
        v->dbg.past_ctrl[n] = ctrl;
        v->dbg.past_slots |= 1U << n;
    }
    v->dbg.past_masked = true;
    apply_guest_debug(v);
    g_debug("vCPU %u: the guest's own %s fired with debug exceptions masked: stepping past",
            v->id, watch ? "watchpoint" : "breakpoint");
}

static void step_past_masked_end(struct vcpu *v)
{
    for (unsigned n = 0; n < 16; n++)
        if (v->dbg.past_slots & (1U << n))
            vcpu_set_reg(v, guest_ctrl_reg(v->dbg.past_watch, n), v->dbg.past_ctrl[n]);
    v->dbg.past_slots = 0;
    v->dbg.past_masked = false;
    apply_guest_debug(v);
}

static void debug_exit_dispatch(struct vcpu *v, uint32_t esr, uint64_t far, unsigned ec)
{
    struct vm *vm = v->vm;
    uint64_t pc = 0, report;
    int slot;

    switch (ec) {
    case ARM64_EC_BRK64:
        handle_brk(v, esr);
        break;
    case ARM64_EC_BREAKPT_LOW:
    case ARM64_EC_BREAKPT_CUR:
        vcpu_get_reg(v, REG_PC, &pc);
        if (hw_in_use(v) && arm64_hw_bp_match(&vm->dbg.hw, pc) >= 0) {
            const struct bp_agent *a = v->dbg.act == GDB_ACT_STEP ? NULL : hw_agent(vm, pc);
            if (!a || debug_cond_hw_hit(v, a, pc))
                hw_stop(v, (struct gdb_stop){.thread = (int)v->id + 1,
                                             .reason = GDB_STOP_HWBREAK});
        }
        else if (guest_debug_masked(v))
            step_past_masked(v, false);
        else
            reinject_guest_debug(v, esr, false, 0);
        break;
    case ARM64_EC_WATCHPT_LOW:
    case ARM64_EC_WATCHPT_CUR:
        if (hw_in_use(v) && (slot = arm64_hw_wp_match(&vm->dbg.hw, far, &report)) >= 0)
            hw_stop(v, (struct gdb_stop){.thread = (int)v->id + 1, .reason = GDB_STOP_WATCH,
                                         .data_addr = report,
                                         .watch_type = arm64_watch_to_z(vm->dbg.hw.wp[slot].type)});
        else if (guest_debug_masked(v))
            step_past_masked(v, true);
        else
            reinject_guest_debug(v, esr, true, far);
        break;
    case ARM64_EC_SOFTSTP_LOW:
    case ARM64_EC_SOFTSTP_CUR:
        if (v->dbg.past_masked) {
            step_past_masked_end(v);
            break;
        }
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

void debug_handle_exit(struct vcpu *v)
{
    uint32_t esr = v->run->debug.arch.hsr;

    v->dbg.mmu_cache_on = true; /* the guest does not run until this exit is handled */
    debug_exit_dispatch(v, esr, v->run->debug.arch.far, arm64_esr_ec(esr));
    v->dbg.mmu_cache_on = v->dbg.mmu_cached = false;
}

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
    d->hw_agents = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free,
                                         (GDestroyNotify)bp_agent_free);
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
    if (vm->dbg.hw_agents)
        g_hash_table_destroy(vm->dbg.hw_agents);
    if (vm->dbg.output)
        g_string_free(vm->dbg.output, TRUE);
    vm->dbg.output = NULL;
    vm->dbg.hw_agents = NULL;
    if (vm->dbg.stop_efd >= 0)
        close(vm->dbg.stop_efd);
    vm->dbg.stop_efd = -1;
}
