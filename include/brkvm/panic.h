/* panic.h - what brkvm does when the guest kernel panics (--on-panic, --on-oops, --pvpanic):
 * the option and the pure pieces of detection (vmm/onpanic.c), and the VMM's hooks
 * (vmm/panic.c).
 *
 * Detection needs no driver in the guest: with --symbols, brkvm plants a breakpoint of its own
 * (BRK #0, invisible to gdb: struct sw_bp.own) in the kernel's panic() (and die(), every arm64
 * oops, with --on-oops), at the function's first instruction past ftrace's patchable entry.  A
 * kernel with Linux's pvpanic-mmio driver also reports through the pvpanic device (--pvpanic). */
#ifndef BRKVM_PANIC_H
#define BRKVM_PANIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum panic_action {
    PANIC_ACT_AUTO, /* not given: stop with --gdb, else exit when there is detection, else none */
    PANIC_ACT_NONE, /* let the guest go on (its panic= setting: reboot or spin) */
    PANIC_ACT_STOP, /* every vCPU stopped, gdb told (or awaited) with the panicking vCPU */
    PANIC_ACT_EXIT, /* brkvm ends with BRKVM_EXIT_PANIC */
    PANIC_ACT_DUMP, /* a crash dump (monitor dump-guest-memory) to a file, then exit */
};

#define BRKVM_EXIT_PANIC 4 /* exit status: the guest kernel panicked (--on-panic exit, dump) */

/* tags of brkvm's own breakpoints (struct sw_bp.own) */
#define PANIC_BP_PANIC 1U /* panic() */
#define PANIC_BP_OOPS 2U  /* die(): an oops */

/* --on-panic ARG: stop, exit, none or dump:FILE (*dump_path g_malloc'd).  0 or -EINVAL with
 * *why (a static string). */
int panic_action_parse(const char *arg, enum panic_action *act, char **dump_path,
                       const char **why);

/* the action in force: given, or the default (stop with a gdb stub, else exit when panics can
 * be detected, else none) */
enum panic_action panic_action_resolve(enum panic_action given, bool gdb, bool detection);

/* Where brkvm's breakpoint goes in a kernel function whose first n instruction words are insns:
 * the index of the first one that nothing rewrites and every call executes, past the patchable
 * entry (-fpatchable-function-entry NOPs, which ftrace turns into `mov x9, x30` and `bl
 * ftrace_caller`) and a BTI landing pad.  n if there is none among the n. */
unsigned panic_bp_index(const uint32_t *insns, unsigned n);

/* The panic message for one line: the first line of the n bytes at src (up to a NUL),
 * non-printable bytes as '?', at most cap - 1 characters, NUL-terminated.  Returns its length. */
size_t panic_msg_clean(char *dst, size_t cap, const uint8_t *src, size_t n);

/* ---- the VMM (vmm/panic.c) ---- */
struct vm;
struct vcpu;

struct vm_panic {
    enum panic_action act;
    const char *dump_path;   /* PANIC_ACT_DUMP */
    char gdb_where[300];     /* the stub's address, for "waiting for gdb on ADDR" */
    bool dumping;            /* PANIC_ACT_DUMP: one vCPU writes the dump */
    bool reported;           /* a panic was seen (monitor info panic): */
    bool oops;               /* ...an oops */
    unsigned vcpu;           /* ...on this vCPU */
    char msg[128];           /* ...with this message */
};

/* Plant brkvm's breakpoints at the link addresses panic_fn and (non-zero) die_fn of the
 * loaded kernel and turn KVM's software breakpoints on for every vCPU (debug_init first).
 * 0 or -errno with *msg. */
int panic_arm(struct vm *vm, uint64_t panic_fn, uint64_t die_fn, char **msg);

/* A BRK of brkvm's own (tags: PANIC_BP_*) hit on v: act as --on-panic says. */
void panic_hit_brk(struct vcpu *v, unsigned tags);

/* The pvpanic device's events (bit 0 panicked, bit 1 crash kernel loaded), from the vCPU that
 * wrote them (NULL if not known). */
void panic_pvpanic_event(struct vm *vm, struct vcpu *v, uint8_t events);

/* monitor info panic */
struct _GString;
void panic_info(struct vm *vm, struct _GString *out);

/* --on-panic dump:FILE writes the core with vm_dump_guest_memory (brkvm/vm.h, vmm/dump.c) */

#endif
