/* panic.c - acting on a guest kernel panic (--on-panic): brkvm's own breakpoints on panic()
 * (and die() with --on-oops), hits of them and pvpanic events, and the action: hold every vCPU
 * for gdb with the panicking one as the stop thread, exit with status 4, or write a crash dump.
 *
 * The breakpoints live in gdb's table (vm->dbg.bps) as brkvm's own (struct sw_bp.own): they are
 * hidden from gdb's memory reads, planted again after the guest rewrites them or a reset, stay
 * when gdb removes its own breakpoint at the same word or detaches, and keep KVM's software
 * breakpoints on while no gdb is attached (vmm/debug.c debug_needed); the guest's own BRKs are
 * re-injected as ever. */
#define G_LOG_DOMAIN "panic"
#include "debug_internal.h"

#include <brkvm/panic.h>

#include <errno.h>
#include <glib.h>
#include <stdio.h>
#include <string.h>

#define ENTRY_WORDS 8 /* how far into a function brkvm looks for its word */
#define GDB_SIGABRT 6
#define GDB_SIGSEGV 11

static int plant(struct vm *vm, const char *name, uint64_t fn, unsigned tag, char **msg)
{
    uint64_t gpa;
    uint32_t *words;
    unsigned i;
    int r;

    if (loader_va_to_gpa(&vm->boot_payload, &vm->map, vm->has_link_text, vm->link_text, fn,
                         &gpa) ||
        !(words = vm_gpa_to_hva(vm, gpa, 4 * ENTRY_WORDS))) {
        *msg = g_strdup_printf("--on-panic: %s() at %#llx is not inside the loaded kernel (do "
                               "--symbols and --kernel belong together?)", name,
                               (unsigned long long)fn);
        return -ENOENT;
    }
    i = panic_bp_index(words, ENTRY_WORDS);
    if (i == ENTRY_WORDS) {
        *msg = g_strdup_printf("--on-panic: %s() at %#llx: no instruction to break on in its "
                               "first %d", name, (unsigned long long)fn, ENTRY_WORDS);
        return -ENOENT;
    }
    pthread_mutex_lock(&vm->dbg.lock);
    r = bp_insert_own(&vm->dbg.bps, gpa + 4 * i, &words[i], tag);
    pthread_mutex_unlock(&vm->dbg.lock);
    __builtin___clear_cache((char *)&words[i], (char *)&words[i + 1]);
    if (r) {
        *msg = g_strdup_printf("--on-panic: breakpoint on %s(): %s", name, strerror(-r));
        return r;
    }
    g_info("panic detection: %s() + %u at GPA %#llx", name, 4 * i,
           (unsigned long long)(gpa + 4 * i));
    return 0;
}

int panic_arm(struct vm *vm, uint64_t panic_fn, uint64_t die_fn, char **msg)
{
    int r;

    if ((r = plant(vm, "panic", panic_fn, PANIC_BP_PANIC, msg)) ||
        (die_fn && (r = plant(vm, "die", die_fn, PANIC_BP_OOPS, msg))))
        return r;
    debug_apply_all(vm);
    return 0;
}

/* the NUL-terminated string at guest-virtual va as v sees it, cleaned for one line */
static void read_guest_str(struct vcpu *v, uint64_t va, char *out, size_t cap)
{
    uint8_t buf[128];
    size_t n = 0;

    while (n < sizeof(buf)) {
        uint64_t gpa;
        size_t in_page = 4096 - ((va + n) & 4095), chunk = sizeof(buf) - n;
        const uint8_t *p;
        if (chunk > in_page)
            chunk = in_page;
        if (vm_debug_translate(v, va + n, &gpa) || !(p = vm_gpa_to_hva(v->vm, gpa, chunk)))
            break;
        memcpy(buf + n, p, chunk);
        n += chunk;
        if (memchr(p, 0, chunk))
            break;
    }
    panic_msg_clean(out, cap, buf, n);
}

/* stop: every vCPU held; an attached gdb gets the stop (its message first), else the stop waits
 * for the next gdb to attach.  The panic stop wins over any other stop not yet taken. */
static void act_stop(struct vm *vm, struct vcpu *v, bool oops, const char *what)
{
    struct gdb_stop st = {.thread = (int)v->id + 1, .reason = GDB_STOP_SIGNAL,
                          .signal = oops ? GDB_SIGSEGV : GDB_SIGABRT};
    bool attached;

    snprintf(st.msg, sizeof(st.msg), "brkvm: guest %s on vCPU %u: %s", oops ? "oops" : "panic",
             v->id, what);
    pthread_mutex_lock(&vm->dbg.lock);
    attached = vm->dbg.attached;
    if (!vm->dbg.have_stop || vm->dbg.stop.reason != GDB_STOP_SIGNAL) {
        vm->dbg.have_stop = true;
        vm->dbg.stop = st;
    }
    stop_with_event(vm, st.thread, GDB_STOP_SIGNAL);
    pthread_mutex_unlock(&vm->dbg.lock);
    if (attached)
        fprintf(stderr, "%s; stopped for gdb\n", st.msg);
    else
        fprintf(stderr, "brkvm: guest %s on vCPU %u; waiting for gdb on %s (%s)\n",
                oops ? "oops" : "panic", v->id, vm->panic.gdb_where, what);
}

/* dump: every other vCPU paused, the dump written from this one, then the end */
static void act_dump(struct vm *vm, struct vcpu *v, const char *kind, const char *what)
{
    char *err = NULL;
    bool first, ok;
    int r = -EBUSY;

    pthread_mutex_lock(&vm->dbg.lock);
    first = !vm->panic.dumping;
    vm->panic.dumping = true;
    request_pause_all(vm); /* this vCPU too: it pauses when it returns, if it ever does */
    ok = first && wait_paused(vm, 1); /* all but this vCPU */
    pthread_mutex_unlock(&vm->dbg.lock);
    if (!first)
        return;
    if (ok)
        r = vm_dump_guest_memory(vm, vm->panic.dump_path, false, &err);
    if (r)
        vm_request_exit(vm, BRKVM_EXIT_PANIC, "guest %s on vCPU %u: %s; no crash dump written to "
                        "%s: %s (exit status 4)", kind, v->id, what, vm->panic.dump_path,
                        err ? err : "the other vCPUs did not stop");
    else
        vm_request_exit(vm, BRKVM_EXIT_PANIC, "guest %s on vCPU %u: %s; crash dump written to "
                        "%s (exit status 4)", kind, v->id, what, vm->panic.dump_path);
    g_free(err);
}

static void act(struct vm *vm, struct vcpu *v, bool oops, const char *what)
{
    const char *kind = oops ? "oops" : "panic";

    pthread_mutex_lock(&vm->dbg.lock);
    vm->panic.reported = true;
    vm->panic.vcpu = v->id;
    vm->panic.oops = oops;
    snprintf(vm->panic.msg, sizeof(vm->panic.msg), "%s", what);
    pthread_mutex_unlock(&vm->dbg.lock);
    switch (vm->panic.act) {
    case PANIC_ACT_STOP:
        act_stop(vm, v, oops, what);
        break;
    case PANIC_ACT_EXIT:
        vm_request_exit(vm, BRKVM_EXIT_PANIC, "guest %s on vCPU %u: %s (--on-panic exit: exit "
                        "status 4)", kind, v->id, what);
        break;
    case PANIC_ACT_DUMP:
        act_dump(vm, v, kind, what);
        break;
    default:
        g_message("guest %s on vCPU %u: %s (--on-panic none: the guest goes on)", kind, v->id,
                  what);
    }
}

void panic_hit_brk(struct vcpu *v, unsigned tags)
{
    uint64_t x0 = 0;
    char what[96];
    bool oops = !(tags & PANIC_BP_PANIC);

    /* at the first instructions of panic(fmt, ...) and die(str, regs, err), x0 is the string */
    if (vcpu_get_reg(v, REG_X(0), &x0))
        x0 = 0;
    read_guest_str(v, x0, what, sizeof(what));
    if (!what[0])
        snprintf(what, sizeof(what), "%s", oops ? "(oops)" : "(no message)");
    act(v->vm, v, oops, what);
}

void panic_pvpanic_event(struct vm *vm, struct vcpu *v, uint8_t events)
{
    if (!(events & 1)) { /* only "a crash kernel is loaded": it takes over, nothing to do */
        g_info("pvpanic: the guest reports events %#x (crash kernel loaded)", events);
        return;
    }
    if (!v) {
        g_warning("pvpanic: guest panic reported from no vCPU thread");
        return;
    }
    act(vm, v, false, events & 2 ? "reported by pvpanic (crash kernel loaded)"
                                  : "reported by pvpanic");
}

void panic_info(struct vm *vm, GString *out)
{
    static const char *acts[] = {"auto", "none", "stop", "exit", "dump"};

    g_string_append_printf(out, "on panic: %s%s%s; detection: %s%s%s\n", acts[vm->panic.act],
                           vm->panic.act == PANIC_ACT_DUMP ? " to " : "",
                           vm->panic.act == PANIC_ACT_DUMP ? vm->panic.dump_path : "",
                           bp_own_count(&vm->dbg.bps) ? "breakpoint on panic()" : "",
                           bp_own_count(&vm->dbg.bps) > 1 ? " and die()" : "",
                           vm->cfg->pvpanic ? (bp_own_count(&vm->dbg.bps) ? ", pvpanic"
                                                                          : "pvpanic")
                                            : (bp_own_count(&vm->dbg.bps) ? "" : "none"));
    if (vm->panic.reported)
        g_string_append_printf(out, "last %s: vCPU %u (gdb thread %u): %s\n",
                               vm->panic.oops ? "oops" : "panic", vm->panic.vcpu,
                               vm->panic.vcpu + 1, vm->panic.msg);
    else
        g_string_append(out, "no panic seen\n");
}
