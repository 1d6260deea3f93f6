/* debug_cond.c - gdb's breakpoints with target-side conditions and commands (agent expressions,
 * gdbstub/bp_agent.c), handled on the vCPU thread that hit them: the bytecode runs there, and a
 * hit that is not to be reported goes on past the breakpoint without waking the stub thread or
 * stopping the guest's clock.
 *
 * Going past a software breakpoint means running the original instruction while the word holds
 * it instead of the BRK, so the other vCPUs are held meanwhile (running through the word then,
 * they would miss the breakpoint): this vCPU becomes vm->dbg.solo, pauses the others (marked
 * solo_held), single-steps the original with interrupts masked, puts the BRK back and lets them
 * go.  Past a hardware breakpoint nothing in memory changes: this vCPU alone steps with its
 * slots off while the others run on.  A real stop that comes meanwhile (another vCPU's
 * breakpoint, Ctrl-C) wins: the vCPU then pauses at the breakpoint with `passed` set, and goes
 * past it without a second evaluation when it runs again (or t_resume steps it past). */
#define G_LOG_DOMAIN "debug"
#include "debug_internal.h"

#include <brkvm/bp_agent.h>

#include <glib.h>
#include <string.h>

/* ---- the evaluation environment: v's registers and memory as gdb's packets see them ---- */

static int eval_read_reg(void *opaque, unsigned regno, uint64_t *val)
{
    uint8_t buf[GDB_REG_MAX_SIZE] = {0};
    int r = vcpu_read_gdb_reg(opaque, (int)regno, buf);

    if (!r)
        memcpy(val, buf, 8); /* the low 64 bits (little endian), 0-extended */
    return r;
}

static int eval_read_mem(void *opaque, uint64_t va, void *buf, unsigned len)
{
    struct vcpu *v = opaque;
    struct vm *vm = v->vm;
    uint8_t *out = buf;

    while (len) {
        unsigned chunk = MIN(len, 4096 - (unsigned)(va & 4095));
        uint64_t gpa;
        void *p;

        if (vm_debug_translate(v, va, &gpa) || !(p = vm_gpa_to_hva(vm, gpa, chunk)))
            return -EFAULT; /* not RAM (a device's MMIO is never read) */
        memcpy(out, p, chunk);
        pthread_mutex_lock(&vm->dbg.lock);
        bp_shadow_read(&vm->dbg.bps, gpa, out, chunk); /* the code as gdb sees it */
        pthread_mutex_unlock(&vm->dbg.lock);
        out += chunk;
        va += chunk;
        len -= chunk;
    }
    return 0;
}

/* an agent dprintf's text: to gdb's console (O packets) and brkvm's log */
static void eval_print(void *opaque, const char *text)
{
    struct vcpu *v = opaque;

    if (v->vm->cfg->loglevel >= LOG_LVL_INFO) /* not formatted at all otherwise */
        g_info("dprintf (vCPU %u): %.*s", v->id, (int)strcspn(text, "\n"), text);
    debug_cond_output(v->vm, text);
}

/* Evaluate agent a for v's hit at pc; counts into *hits / *passes (may be NULL) */
static enum bp_verdict evaluate(struct vcpu *v, const struct bp_agent *a, uint64_t pc,
                                uint64_t *hits, uint64_t *passes)
{
    struct vm *vm = v->vm;
    struct ax_env env = {
        .opaque = v, .read_mem = eval_read_mem, .read_reg = eval_read_reg, .print = eval_print};
    struct ax_result err;
    bool failed;
    enum bp_verdict verdict = bp_agent_eval(a, &env, &err, &failed);

    if (failed) {
        char why[128];
        ax_result_format(&err, why, sizeof(why));
        g_warning("vCPU %u: the condition of the breakpoint at %#llx failed (%s): stopping",
                  v->id, (unsigned long long)pc, why);
    }
    pthread_mutex_lock(&vm->dbg.lock);
    if (hits)
        ++*hits;
    if (passes && verdict == BP_PASS)
        ++*passes;
    vm->dbg.passes += verdict == BP_PASS;
    vm->dbg.silent += verdict == BP_SILENT;
    pthread_mutex_unlock(&vm->dbg.lock);
    return verdict;
}

#define OUTPUT_MAX (256 * 1024) /* queued dprintf text beyond which lines are dropped */

void debug_cond_output(struct vm *vm, const char *text)
{
    size_t n = strlen(text);

    pthread_mutex_lock(&vm->dbg.lock);
    if (!vm->dbg.output)
        vm->dbg.output = g_string_new(NULL);
    bool was_empty = !((GString *)vm->dbg.output)->len && !vm->dbg.output_dropped;
    if (((GString *)vm->dbg.output)->len + n > OUTPUT_MAX)
        vm->dbg.output_dropped += n;
    else
        g_string_append_len(vm->dbg.output, text, (gssize)n);
    if (was_empty) /* the stub thread takes all there is when it wakes */
        notify_stub(vm);
    pthread_mutex_unlock(&vm->dbg.lock);
}

/* ---- going past the breakpoint ---- */

/* lock held: pause every running vCPU but v for v's step past a BRK */
static void hold_others(struct vm *vm, struct vcpu *v)
{
    for (unsigned i = 0; i < vm->nr_vcpus; i++) {
        struct vcpu *o = &vm->vcpus[i];
        if (o != v && request_pause(o))
            o->dbg.solo_held = true;
    }
}

/* lock held: the held vCPUs go on as they were (release), or stay for a stop that came
 * meanwhile, for which every vCPU pauses anyway (!release) */
static void release_others(struct vm *vm, bool release)
{
    for (unsigned i = 0; i < vm->nr_vcpus; i++) {
        struct vcpu *o = &vm->vcpus[i];
        if (!o->dbg.solo_held)
            continue;
        o->dbg.solo_held = false;
        if (!release)
            continue;
        if (!o->dbg.paused) /* timed out before it paused: its KVM_RUN must not stay kicked */
            __atomic_store_n(&o->run->immediate_exit, 0, __ATOMIC_SEQ_CST);
        unpause(vm, o, o->dbg.act);
    }
    pthread_cond_broadcast(&vm->dbg.cond);
}

/* lock held: v is to go past its hit at pc; false if it must pause first (a stop, or another
 * vCPU's step past a BRK, is under way), going past it when it runs again */
static bool may_go_past(struct vcpu *v, uint64_t pc)
{
    v->dbg.passed = true;
    v->dbg.passed_pc = pc;
    return !v->dbg.want_pause;
}

/* the single step past the breakpoint, as the last thing before v's next KVM_RUN */
static void solo_step_begin(struct vcpu *v, bool hw, uint64_t gpa)
{
    v->dbg.solo_step = true;
    v->dbg.solo_hw = hw;
    v->dbg.solo_gpa = gpa;
    v->dbg.solo_act = v->dbg.act;
    v->dbg.act = GDB_ACT_STEP;
    v->dbg.hw_off = true; /* gdb's slots must not fire on the stepped instruction */
}

static void go_past_sw(struct vcpu *v, uint64_t gpa, uint64_t pc)
{
    struct vm *vm = v->vm;
    struct sw_bp *bp;
    uint32_t *insn;

    pthread_mutex_lock(&vm->dbg.lock);
    if (!may_go_past(v, pc)) {
        pthread_mutex_unlock(&vm->dbg.lock);
        return;
    }
    vm->dbg.solo = v;
    hold_others(vm, v);
    /* alone, nothing to wait for (wait_paused would also wait for device threads) */
    if ((vm->nr_vcpus > 1 && !wait_paused(vm, 1)) || v->dbg.want_pause) {
        /* a stop came meanwhile (it holds everyone), or they did not pause (let them go) */
        release_others(vm, !v->dbg.want_pause);
        vm->dbg.solo = NULL;
        pthread_mutex_unlock(&vm->dbg.lock);
        return;
    }
    bp = bp_find(&vm->dbg.bps, gpa);
    insn = vm_gpa_to_hva(vm, gpa, 4);
    if (bp && insn && *insn == A64_BRK0) {
        *insn = bp->orig;
        __builtin___clear_cache((char *)insn, (char *)insn + 4);
    }
    solo_step_begin(v, false, gpa);
    pthread_mutex_unlock(&vm->dbg.lock);
    step_begin(v);
    apply_guest_debug(v);
}

static void go_past_hw(struct vcpu *v, uint64_t pc)
{
    struct vm *vm = v->vm;

    pthread_mutex_lock(&vm->dbg.lock);
    if (!may_go_past(v, pc)) {
        /* t_resume steps it past this hardware breakpoint, as after a reported stop */
        v->dbg.hw_stopped = true;
        v->dbg.hw_stop_pc = pc;
        pthread_mutex_unlock(&vm->dbg.lock);
        return;
    }
    solo_step_begin(v, true, 0);
    pthread_mutex_unlock(&vm->dbg.lock);
    step_begin(v);
    apply_guest_debug(v);
}

void debug_cond_step_done(struct vcpu *v)
{
    struct vm *vm = v->vm;

    pthread_mutex_lock(&vm->dbg.lock);
    if (!v->dbg.solo_hw) {
        struct sw_bp *bp = bp_find(&vm->dbg.bps, v->dbg.solo_gpa);
        uint32_t *insn = vm_gpa_to_hva(vm, v->dbg.solo_gpa, 4);
        if (bp && insn && *insn != A64_BRK0) {
            bp->orig = *insn; /* the same, unless the stepped instruction rewrote its word */
            *insn = A64_BRK0;
            __builtin___clear_cache((char *)insn, (char *)insn + 4);
        }
        vm->dbg.solo = NULL;
        release_others(vm, !v->dbg.want_pause);
    }
    v->dbg.solo_step = false;
    v->dbg.hw_off = false;
    v->dbg.passed = false;
    v->dbg.act = v->dbg.solo_act;
    pthread_mutex_unlock(&vm->dbg.lock);
    apply_guest_debug(v);
}

/* ---- the hits ---- */

/* was v's hit at pc evaluated already (it paused before it could go past)? */
static bool already_passed(struct vcpu *v, uint64_t pc)
{
    return v->dbg.passed && v->dbg.passed_pc == pc;
}

bool debug_cond_sw_hit(struct vcpu *v, struct sw_bp *bp, uint64_t pc)
{
    if (!already_passed(v, pc) && evaluate(v, bp->agent, pc, &bp->hits, &bp->passes) == BP_STOP) {
        v->dbg.passed = false;
        return true;
    }
    go_past_sw(v, bp->gpa, pc);
    return false;
}

bool debug_cond_hw_hit(struct vcpu *v, const struct bp_agent *a, uint64_t pc)
{
    if (!already_passed(v, pc) && evaluate(v, a, pc, NULL, NULL) == BP_STOP) {
        v->dbg.passed = false;
        return true;
    }
    go_past_hw(v, pc);
    return false;
}
