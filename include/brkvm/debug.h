/* debug.h - guest debugging in the VMM: all-stop control of the vCPUs, software breakpoints,
 * single steps, re-injection of the guest's own debug exceptions, and the gdb_target_ops the
 * GDB stub drives (vmm/debug.c) */
#ifndef BRKVM_DEBUG_H
#define BRKVM_DEBUG_H

#include <brkvm/arm64_hwdebug.h>
#include <brkvm/arm64_mmu.h>
#include <brkvm/breakpoints.h>
#include <brkvm/gdb_target.h>

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct vm;
struct vcpu;

/* gdb_target.c's translation cache, valid only while every vCPU stays paused: the last range
 * found, [va, va + size) -> [pa, pa + size) for vCPU v, and regs_v's MMU registers (one read
 * per stop, so the block around a page is known without more ioctls); agreed[h]: a walk with
 * them gave vm_debug_translate's answer for an address of half h (1: TTBR1) */
struct debug_xlate {
    bool valid, have_regs, agreed[2];
    const struct vcpu *v, *regs_v;
    uint64_t va, pa, size;
    struct arm64_mmu_regs regs;
};

struct vm_debug {
    bool enabled;  /* --gdb given: vCPUs honour pause requests */
    bool attached; /* a debugger is connected: KVM guest debugging is on */
    pthread_mutex_t lock;
    pthread_cond_t cond;
    unsigned npaused;
    bool have_stop; /* a stop event waits for the stub */
    struct gdb_stop stop;
    int stop_efd;   /* tells the stub thread that all vCPUs stopped with an event */
    struct bp_table bps;
    uint64_t kernel_ttbr1; /* a TTBR1_EL1 seen at EL1: the kernel's tables, for KPTI */
    struct arm64_hwdebug hw; /* gdb's hardware breakpoints and watchpoints, on every vCPU */
    unsigned dev_busy;       /* device threads between debug_devices_enter and _leave */
    bool time_frozen;        /* the guest's virtual counter is held at frozen_cnt */
    uint64_t frozen_cnt;
    void *hw_agents;         /* GHashTable: VA of a gdb hardware breakpoint -> struct bp_agent */
    struct vcpu *solo;       /* stepping past a breakpoint's BRK alone, the others held */
    uint64_t passes;         /* hits not reported: every condition false */
    uint64_t silent;         /* hits not reported: their commands ran (agent dprintf) */
    /* hits made while another stop waited for gdb (vCPUs hitting at once): kept pending on
     * their vCPU, then reported at a later resume, or dropped there because the vCPU no longer
     * stood at an inserted breakpoint or watchpoint (it hits it again if it is put back) */
    uint64_t held, held_reported, held_dropped;
    void *output;            /* GString: agent dprintf text for gdb's console, not yet sent */
    uint64_t output_dropped; /* bytes of it dropped (gdb did not take it fast enough) */
    struct debug_xlate xlate;
};

/* Per-vCPU debug state (inside struct vcpu). */
struct vcpu_debug {
    bool want_pause;   /* stop at the next pause point */
    bool paused;       /* waiting in debug_pause_point */
    enum gdb_action act;
    bool step_internal;  /* stepping over a breakpoint: no stop reported */
    bool step_masked;    /* we set PSTATE.I/F for the step */
    uint64_t step_pstate; /* PSTATE before the step */
    uint32_t step_insn;   /* the instruction stepped (to fix up DAIF accesses) */
    bool step_insn_valid;
    bool hw_off;          /* gdb's hardware slots disabled for an internal step past one */
    bool hw_stopped;      /* stopped by one of gdb's hardware breakpoints/watchpoints */
    uint64_t hw_stop_pc;
    bool warned_self_step; /* told the user this vCPU's own single step is suppressed */
    /* stepping past the guest's own breakpoint/watchpoint that fired where the guest has debug
     * exceptions masked: these of its slots (bit n = slot n) are off until the step ends */
    bool past_masked;
    bool past_watch;      /* watchpoint slots (DBGWCRn), else breakpoint slots (DBGBCRn) */
    uint32_t past_slots;
    uint64_t past_ctrl[16];
    /* target-side conditions (vmm/debug_cond.c): a hit at passed_pc was evaluated and is not to
     * be reported, so the vCPU goes past it (once) without evaluating it again */
    bool passed;
    uint64_t passed_pc;
    bool solo_step;      /* stepping past a breakpoint on its own, no stop reported */
    bool solo_hw;        /* ... a hardware one (slots off for this vCPU; the others run on) */
    uint64_t solo_gpa;   /* ... the BRK's word (software) */
    enum gdb_action solo_act; /* the action to go on with after it */
    bool solo_held;      /* paused while another vCPU steps past a BRK alone */
    /* took the BRK of a breakpoint at brk_hit_pc (and has not run since): stepped past it when
     * it runs on.  One that merely stands at a breakpoint's address has not hit it yet. */
    bool brk_hit;
    uint64_t brk_hit_pc;
    /* the translation registers, read once per debug exit (vmm/debug.c mmu_regs) */
    bool mmu_cache_on, mmu_cached;
    struct arm64_mmu_regs mmu;
    /* a hit while another stop waited for gdb: reported at the next resume that runs this vCPU,
     * if it still stands there and the breakpoint/watchpoint is still inserted */
    bool pending;
    struct gdb_stop pending_stop;
    uint64_t pending_pc;
};

/* Set up before the vCPUs run; wait = --gdb-wait (vCPUs start paused). 0/-errno. */
int debug_init(struct vm *vm, bool wait);
void debug_destroy(struct vm *vm);

/* vCPU thread hooks: a pause point before each KVM_RUN (true if it paused, so the caller
 * re-checks), and the handler of KVM_EXIT_DEBUG. */
bool debug_pause_point(struct vcpu *v);
void debug_handle_exit(struct vcpu *v);
/* KVM_SET_GUEST_DEBUG on every vCPU as debugging needs it now (e.g. brkvm's own breakpoints
 * just planted); the vCPUs must not be running */
void debug_apply_all(struct vm *vm);
/* wake paused vCPUs so they see the VM is exiting */
void debug_wake_all(struct vm *vm);

/* Device threads around work that writes guest memory or raises interrupts: while gdb holds the
 * guest stopped nothing is delivered into it.  enter waits (wait = true) until the guest runs, or
 * returns false at once (wait = false) or when the VM is exiting; a true enter needs a leave.
 * The stub thread touches the stopped guest only once every device thread has left. */
bool debug_devices_enter(struct vm *vm, bool wait);
void debug_devices_leave(struct vm *vm);

/* 8 bytes of guest RAM at pa for the page-table walker (opaque: the struct vm); 0/-EFAULT */
int debug_read_phys(void *opaque, uint64_t pa, uint64_t *val);

/* guest-virtual to guest-physical as vCPU v sees it (KPTI-aware for kernel addresses) */
int vm_debug_translate(struct vcpu *v, uint64_t va, uint64_t *gpa);

/* the guest's own armed hardware breakpoints and watchpoints (vCPU 0's debug registers) */
void debug_guest_hw_armed(struct vm *vm, unsigned *bps, unsigned *wps);

/* the VA at which the kernel runs its image (the Image loaded at map.kernel_start): found in
 * the kernel's own TTBR1 tables.  0 or -ENOENT. */
int debug_kernel_text_va(struct vm *vm, uint64_t *va, uint64_t *ttbr1);

/* gdb's system register idx (GDB_SYSREGS order) of v */
int debug_read_sysreg(struct vcpu *v, unsigned idx, uint64_t *val);

/* monitor commands (vmm/monitor.c): gdb's qRcmd, all vCPUs paused */
int debug_monitor(void *t, int thread, const char *cmd, void *out);

extern const struct gdb_target_ops vm_gdb_target_ops;

#endif
