/* monitor.c - brkvm's monitor commands (gdb's `monitor ...`): the machine as the VMM sees it.
 * They run on the stub's thread while every vCPU is paused. */
#define G_LOG_DOMAIN "monitor"
#include "arch/arm64/regs.h"

#include <brkvm/arm64_exception.h>
#include <brkvm/arm64_mmu.h>
#include <brkvm/bp_agent.h>
#include <brkvm/debug.h>
#include <brkvm/vm.h>

#include <errno.h>
#include <glib.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

static const char *help_text =
    "  info vcpus       each vCPU: thread, power state, pc, exception level, PSTATE\n"
    "  info sysregs     system registers of the current thread's vCPU\n"
    "  info mem [VA]    page-table walk of VA on the current vCPU, level by level (without\n"
    "                   VA: every mapping, as info pt)\n"
    "  info breakpoints gdb's software breakpoints (GPA, original instruction, hits)\n"
    "                   and hardware breakpoint/watchpoint slots\n"
    "  info pt [ttbr0|ttbr1|kernel|TABLE]  the stage-1 mappings of the current vCPU (default:\n"
    "                   both halves; kernel: the kernel's own tables, also at EL0 under KPTI;\n"
    "                   TABLE: walk that table as TTBR1) as ranges with permissions\n"
    "  info virtio      each virtio device: address, interrupt, driver status, requests\n"
    "                   served and interrupts raised (nothing moves while gdb holds the guest)\n"
    "  info panic       --on-panic: the action, how panics are detected, the last one seen\n"
    "  kaslr            where the kernel image runs, its KASLR slide (with --symbols) and the\n"
    "                   gdb command that applies it\n"
    "  dump-guest-memory FILE  write an ELF core of the guest to FILE (brkvm's filesystem):\n"
    "                   a thread per vCPU, RAM at its physical and linear-map addresses, the\n"
    "                   kernel image at its (KASLR) addresses, VMCOREINFO with --symbols; for\n"
    "                   gdb-multiarch vmlinux FILE, drgn -c FILE, crash\n"
    "  reset            reset the machine (vCPUs, payload, initrd, device tree); the guest\n"
    "                   stays stopped at its first instruction\n"
    "  info version     brkvm's version (Linux's gdb scripts probe it: thread N is vCPU N-1)\n"
    "  quit             end brkvm\n";

static const char *sysreg_names[] = {
#define SYSREG_NAME(n) #n,
    GDB_SYSREGS(SYSREG_NAME)
#undef SYSREG_NAME
};

static const char *mode_name(uint64_t pstate)
{
    static const char *names[] = {"EL0t", "?", "?", "?", "EL1t", "EL1h", "?", "?",
                                  "EL2t", "EL2h", "?", "?", "EL3t", "EL3h", "?", "?"};
    if (pstate & ARM64_PSTATE_nRW)
        return "AArch32";
    return names[pstate & 0xf];
}

static void info_vcpus(struct vm *vm, GString *out)
{
    for (unsigned i = 0; i < vm->nr_vcpus; i++) {
        struct vcpu *v = &vm->vcpus[i];
        struct kvm_mp_state mp = {0};
        uint64_t pc = 0, pstate = 0;

        ioctl(v->fd, KVM_GET_MP_STATE, &mp);
        vcpu_get_reg(v, REG_PC, &pc);
        vcpu_get_reg(v, REG_PSTATE, &pstate);
        g_string_append_printf(out, "vCPU %u (thread %u): %s, pc 0x%016llx, %s (EL%d), pstate %#010llx "
                                    "[%c%c%c%c]\n",
                               i, i + 1, mp.mp_state == KVM_MP_STATE_STOPPED ? "powered off" : "on",
                               (unsigned long long)pc, mode_name(pstate), arm64_pstate_el(pstate),
                               (unsigned long long)pstate, pstate & ARM64_PSTATE_D ? 'D' : '-',
                               pstate & ARM64_PSTATE_A ? 'A' : '-',
                               pstate & ARM64_PSTATE_I ? 'I' : '-',
                               pstate & ARM64_PSTATE_F ? 'F' : '-');
    }
}

static void info_sysregs(struct vcpu *v, GString *out)
{
    g_string_append_printf(out, "vCPU %u:\n", v->id);
    for (unsigned i = 0; i < GDB_NUM_SYSREGS; i++) {
        uint64_t val;
        if (debug_read_sysreg(v, i, &val))
            g_string_append_printf(out, "  %-16s (unreadable)\n", sysreg_names[i]);
        else
            g_string_append_printf(out, "  %-16s 0x%016llx\n", sysreg_names[i],
                                   (unsigned long long)val);
    }
}

static void info_mem(struct vcpu *v, const char *arg, GString *out)
{
    struct arm64_mmu_regs r;
    struct arm64_walk w;
    uint64_t va, gpa;
    char *end;
    int ret;

    va = strtoull(arg, &end, 0);
    if (!*arg || *end) {
        g_string_append_printf(out, "info mem: '%s' is not an address (e.g. 0xffff800008000000)\n",
                               arg);
        return;
    }
    if (vcpu_get_reg(v, REG_SCTLR_EL1_ID, &r.sctlr) || vcpu_get_reg(v, REG_TCR_EL1_ID, &r.tcr) ||
        vcpu_get_reg(v, REG_TTBR0_EL1_ID, &r.ttbr0) || vcpu_get_reg(v, REG_TTBR1_EL1_ID, &r.ttbr1)) {
        g_string_append(out, "info mem: cannot read the translation registers\n");
        return;
    }
    g_string_append_printf(out, "VA %#llx on vCPU %u: SCTLR_EL1 %#llx TCR_EL1 %#llx TTBR%d_EL1 %#llx\n",
                           (unsigned long long)va, v->id, (unsigned long long)r.sctlr,
                           (unsigned long long)r.tcr, (int)((va >> 55) & 1),
                           (unsigned long long)((va >> 55) & 1 ? r.ttbr1 : r.ttbr0));
    ret = arm64_translate(&r, va, debug_read_phys, v->vm, &w);
    for (int l = 0; l < 4; l++)
        if (w.trace_levels & (1U << l))
            g_string_append_printf(out, "  level %d: descriptor at GPA %#llx = 0x%016llx\n", l,
                                   (unsigned long long)w.trace_addr[l],
                                   (unsigned long long)w.trace_desc[l]);
    if (ret == 0) {
        if (w.level < 0)
            g_string_append_printf(out, "  MMU off: GPA %#llx\n", (unsigned long long)w.pa);
        else
            g_string_append_printf(out, "  -> GPA %#llx (%s of %llu KiB at level %d) %s%s%s%s%s\n",
                                   (unsigned long long)w.pa, w.level == 3 ? "page" : "block",
                                   (unsigned long long)(w.page_size >> 10), w.level,
                                   w.writable ? "rw" : "ro", w.user ? " user" : " kernel-only",
                                   w.exec_el1 ? " x-el1" : "", w.exec_el0 ? " x-el0" : "",
                                   w.af ? "" : " (AF clear)");
        return;
    }
    if (ret == -EFAULT && (va >> 55) & 1 && vm_debug_translate(v, va, &gpa) == 0) {
        g_string_append_printf(out, "  not mapped by this vCPU's TTBR1 (KPTI at EL0?); through "
                                    "the kernel's own tables: GPA %#llx\n",
                               (unsigned long long)gpa);
        return;
    }
    g_string_append_printf(out, "  no translation: %s at level %d\n",
                           ret == -EINVAL ? "unsupported configuration"
                           : w.fault == ARM64_FAULT_ADDR_SIZE ? "address size fault"
                           : w.fault == ARM64_FAULT_WALK_READ ? "table outside RAM"
                                                               : "translation fault",
                           w.fault_level);
}

/* the target-side conditions and commands of a breakpoint, ending its line */
static void print_agent(GString *out, const struct bp_agent *a, uint64_t passes)
{
    if (a && a->ncond)
        g_string_append_printf(out, "  (%llu with conditions false)  conditions %u (bytecode",
                               (unsigned long long)passes, a->ncond);
    for (unsigned i = 0; a && i < a->ncond; i++)
        g_string_append_printf(out, " %zu", a->code[i].len);
    if (a && a->ncond)
        g_string_append(out, " bytes)");
    if (a && a->ncmds)
        g_string_append_printf(out, "  commands %u%s", a->ncmds, a->persist ? " (persistent)" : "");
    g_string_append_c(out, '\n');
}

static void print_bp(struct sw_bp *bp, void *opaque)
{
    if (!bp->gdb) /* brkvm's own only: listed apart */
        return;
    g_string_append_printf(opaque, "  sw  GPA %#llx  VA %#llx  original %08x  hits %llu",
                           (unsigned long long)bp->gpa, (unsigned long long)bp->va, bp->orig,
                           (unsigned long long)bp->hits);
    print_agent(opaque, bp->agent, bp->passes);
}

static void info_breakpoints(struct vm *vm, GString *out)
{
    const struct arm64_hwdebug *h = &vm->dbg.hw;
    static const char *wtype[] = {"?", "read", "write", "access"};

    g_string_append_printf(out, "software breakpoints (BRK #0): %u\n", bp_count(&vm->dbg.bps));
    bp_foreach(&vm->dbg.bps, print_bp, out);
    if (vm->dbg.passes || vm->dbg.silent)
        g_string_append_printf(out, "not reported: %llu hits with conditions false, %llu hits "
                                    "whose commands ran\n",
                               (unsigned long long)vm->dbg.passes,
                               (unsigned long long)vm->dbg.silent);
    if (vm->dbg.held)
        g_string_append_printf(out, "hits while another stop waited: %llu, reported later %llu, "
                                    "dropped %llu (the vCPU had moved or the breakpoint gone)\n",
                               (unsigned long long)vm->dbg.held,
                               (unsigned long long)vm->dbg.held_reported,
                               (unsigned long long)vm->dbg.held_dropped);
    if (bp_own_count(&vm->dbg.bps))
        g_string_append_printf(out, "brkvm's own (--on-panic, not gdb's): %u\n",
                               bp_own_count(&vm->dbg.bps));
    g_string_append_printf(out, "hardware breakpoints: %u slots\n", h->nr_bps);
    for (unsigned i = 0; i < h->nr_bps; i++)
        if (h->bp[i].used)
            g_string_append_printf(out, "  hw  slot %u  VA %#llx\n", i,
                                   (unsigned long long)h->bp[i].addr);
    g_string_append_printf(out, "watchpoints: %u slots\n", h->nr_wps);
    for (unsigned i = 0; i < h->nr_wps; i++)
        if (h->wp[i].used)
            g_string_append_printf(out, "  wp  slot %u  VA %#llx  len %llu  %s\n", i,
                                   (unsigned long long)h->wp[i].addr,
                                   (unsigned long long)h->wp[i].len, wtype[h->wp[i].type & 3]);
    unsigned gbps, gwps;
    debug_guest_hw_armed(vm, &gbps, &gwps);
    g_string_append_printf(out, "the guest's own: %u hardware breakpoints, %u watchpoints armed%s\n",
                           gbps, gwps,
                           (gbps || gwps) && arm64_hwdebug_active(h)
                               ? " (SUSPENDED while gdb uses hardware slots: KVM loads one set of "
                                 "debug registers)"
                               : "");
}

static void print_range(void *opaque, const struct arm64_mapping *m)
{
    g_string_append_printf(opaque, "  0x%016llx-0x%016llx -> 0x%010llx %8lluK %s %s%s%s attr%u sh%u\n",
                           (unsigned long long)m->va, (unsigned long long)(m->va + m->size - 1),
                           (unsigned long long)m->pa, (unsigned long long)(m->size >> 10),
                           m->writable ? "rw" : "ro", m->user ? "user" : "kern",
                           m->exec_el1 ? " x-el1" : "", m->exec_el0 ? " x-el0" : "",
                           m->attr_index, m->shareability);
}

static void info_pt(struct vcpu *v, const char *arg, GString *out)
{
    struct arm64_mmu_regs r;
    uint64_t table = 0;
    bool halves[2] = {true, true};
    char *end;

    if (!strcmp(arg, "ttbr0")) {
        halves[1] = false;
    } else if (!strcmp(arg, "kernel")) { /* the kernel's own tables, even at EL0 under KPTI */
        uint64_t va;
        if (debug_kernel_text_va(v->vm, &va, &table)) {
            g_string_append(out, "info pt kernel: the kernel's tables were not found\n");
            return;
        }
        halves[0] = false;
    } else if (!strcmp(arg, "ttbr1")) {
        halves[0] = false;
    } else if (*arg) {
        table = strtoull(arg, &end, 0);
        if (*end || !table) {
            g_string_append(out, "info pt: ttbr0, ttbr1 or a table's guest-physical address\n");
            return;
        }
        halves[0] = false;
    }
    if (vcpu_get_reg(v, REG_SCTLR_EL1_ID, &r.sctlr) || vcpu_get_reg(v, REG_TCR_EL1_ID, &r.tcr) ||
        vcpu_get_reg(v, REG_TTBR0_EL1_ID, &r.ttbr0) || vcpu_get_reg(v, REG_TTBR1_EL1_ID, &r.ttbr1)) {
        g_string_append(out, "info pt: cannot read the translation registers\n");
        return;
    }
    for (int upper = 0; upper < 2; upper++) {
        if (!halves[upper])
            continue;
        g_string_append_printf(out, "%s (vCPU %u):\n", table ? "table" : upper ? "TTBR1" : "TTBR0",
                               v->id);
        int n = arm64_enumerate(&r, upper, table, debug_read_phys, v->vm, 1u << 20, print_range, out);
        if (n == -EINVAL)
            g_string_append(out, "  MMU off or this half's walks disabled\n");
        else if (n == -E2BIG)
            g_string_append(out, "  ... (stopped after 1M descriptors)\n");
        else if (n == 0)
            g_string_append(out, "  no mappings\n");
    }
}

static void info_kaslr(struct vm *vm, GString *out)
{
    uint64_t va, slide;

    g_string_append_printf(out, "kernel image loaded at GPA 0x%llx\n",
                           (unsigned long long)vm->map.kernel_start);
    if (debug_kernel_text_va(vm, &va, NULL)) {
        g_string_append(out, "not mapped by the kernel yet (stop it later in its boot)\n");
        return;
    }
    g_string_append_printf(out, "running at VA 0x%llx\n", (unsigned long long)va);
    if (!vm->has_link_text) {
        g_string_append(out, "link address unknown: start brkvm with --symbols vmlinux (or a "
                             "System.map) for the slide\n");
        return;
    }
    slide = va - vm->link_text;
    g_string_append_printf(out, "linked at 0x%llx: KASLR slide 0x%llx\n"
                                "gdb: symbol-file vmlinux -o 0x%llx\n",
                           (unsigned long long)vm->link_text, (unsigned long long)slide,
                           (unsigned long long)slide);
}

/* after a reset the payload is loaded anew, over gdb's BRKs: plant them again */
static void replant(struct sw_bp *bp, void *opaque)
{
    uint32_t *insn = vm_gpa_to_hva(opaque, bp->gpa, 4);

    if (insn && *insn != A64_BRK0) {
        bp->orig = *insn;
        *insn = A64_BRK0;
        __builtin___clear_cache((char *)insn, (char *)insn + 4);
    }
}

int debug_monitor(void *t, int thread, const char *cmd, void *out_)
{
    struct vm *vm = t;
    GString *out = out_;
    struct vcpu *v = &vm->vcpus[thread >= 1 && thread <= (int)vm->nr_vcpus ? thread - 1 : 0];
    char *msg = NULL;

    if (!strcmp(cmd, "help")) {
        g_string_append(out, help_text);
    } else if (!strcmp(cmd, "info vcpus")) {
        info_vcpus(vm, out);
    } else if (!strcmp(cmd, "info sysregs")) {
        info_sysregs(v, out);
    } else if (!strncmp(cmd, "info mem ", 9)) {
        info_mem(v, cmd + 9, out);
    } else if (!strcmp(cmd, "info mem")) { /* as QEMU's: every mapping of the current vCPU */
        info_pt(v, "", out);
    } else if (!strcmp(cmd, "info pt") || !strncmp(cmd, "info pt ", 8)) {
        info_pt(v, cmd[7] ? cmd + 8 : "", out);
    } else if (!strcmp(cmd, "info virtio")) {
        virtio_host_info(vm, out);
    } else if (!strcmp(cmd, "kaslr")) {
        info_kaslr(vm, out);
    } else if (!strcmp(cmd, "info panic")) {
        panic_info(vm, out);
    } else if (!strcmp(cmd, "info breakpoints")) {
        info_breakpoints(vm, out);
    } else if (!strncmp(cmd, "dump-guest-memory", 17) && (!cmd[17] || cmd[17] == ' ')) {
        const char *file = cmd + 17 + strspn(cmd + 17, " ");
        if (!*file || *file == '-') /* QEMU's -p, -z, ... and a begin/length are not offered */
            g_string_append(out, "usage: monitor dump-guest-memory FILE (an ELF core of all "
                                 "guest RAM; no options)\n");
        else if (vm_dump_guest_memory(vm, file, true, &msg))
            g_string_append_printf(out, "dump-guest-memory failed: %s\n", msg);
        else
            g_string_append_printf(out, "%s\n", msg);
        g_free(msg);
    } else if (!strcmp(cmd, "reset")) {
        if (vm_reset(vm, &msg)) {
            g_string_append_printf(out, "reset failed: %s\n", msg);
            g_free(msg);
        } else {
            bp_foreach(&vm->dbg.bps, replant, vm);
            g_string_append(out, "machine reset: every vCPU at its power-on state, the guest "
                                 "loaded again (gdb: run 'flushregs')\n");
        }
    } else if (!strcmp(cmd, "info version")) {
        /* Linux's scripts/gdb take a stub that answers this as QEMU's, whose thread N is
         * CPU N-1: so is brkvm's (thread N = vCPU N-1) */
        g_string_append(out, "brkvm " BRKVM_VERSION " (KVM arm64; gdb thread N = vCPU N-1)\n");
    } else if (!strcmp(cmd, "quit")) {
        g_string_append(out, "brkvm quits\n");
        vm_request_exit(vm, 0, "quit from the gdb monitor");
    } else {
        return -ENOENT;
    }
    return 0;
}
