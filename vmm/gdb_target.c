/* gdb_target.c - the operations brkvm's GDB stub calls (struct gdb_target_ops): registers by
 * ONE_REG (the system registers too), guest memory with gdb's breakpoints hidden, software and
 * hardware breakpoints, resuming with steps past breakpoints, interrupt, detach, kill.  They
 * run on the stub's thread while every vCPU is paused (vmm/debug.c). */
#define G_LOG_DOMAIN "debug"
#include "debug_internal.h"

#include <brkvm/arm64_exception.h>
#include <brkvm/arm64_sve.h>
#include <brkvm/bp_agent.h>

#include <errno.h>
#include <glib.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

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
    {REG_SP_EL0, true},                    /* SP_EL0: sp_el0 as Linux's scripts/gdb name it */
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

static int vcpu_reg_any(struct vcpu *v, uint64_t id, void *val, bool set)
{
    struct kvm_one_reg r = {.id = id, .addr = (uintptr_t)val};
    return ioctl(v->fd, set ? KVM_SET_ONE_REG : KVM_GET_ONE_REG, &r) < 0 ? -errno : 0;
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

static size_t t_take_output(void *t, char *buf, size_t cap)
{
    struct vm *vm = t;
    GString *out;
    size_t n = 0;

    pthread_mutex_lock(&vm->dbg.lock);
    out = vm->dbg.output;
    if (vm->dbg.output_dropped) {
        n = (size_t)snprintf(buf, cap, "[brkvm: %llu bytes of dprintf output dropped]\n",
                             (unsigned long long)vm->dbg.output_dropped);
        n = MIN(n, cap - 1);
        vm->dbg.output_dropped = 0;
    } else if (out && out->len) {
        n = MIN(out->len, cap - 1);
        memcpy(buf, out->str, n);
        buf[n] = 0;
        g_string_erase(out, 0, (gssize)n);
    }
    pthread_mutex_unlock(&vm->dbg.lock);
    return n;
}

/* The PAC field of pointers for gdb (org.gnu.gdb.aarch64.pauth): bits [54:VA size] (the top
 * byte is TBI's or, for kernel addresses, a sign extension gdb restores itself); the smaller
 * of the two halves' VA sizes from TCR_EL1, as Linux's ptrauth_user_pac_mask */
static int pauth_mask(struct vcpu *v, bool high, uint64_t *mask)
{
    uint64_t tcr;
    unsigned t0sz, t1sz, va_bits;
    int r;

    if (!v->vm->pauth)
        return -ENOENT;
    if ((r = vcpu_get_reg(v, REG_TCR_EL1, &tcr)))
        return r;
    t0sz = tcr & 0x3f;
    t1sz = (tcr >> 16) & 0x3f;
    va_bits = 64 - (t0sz > t1sz ? t0sz : t1sz);
    if (!t0sz || va_bits > 55) /* MMU not set up yet: assume 48-bit VAs */
        va_bits = 48;
    /* the kernel's mask (Linux's ptrauth_kernel_pac_mask) also covers bits 63:56 */
    *mask = (high ? ~0ULL : (1ULL << 55) - 1) & ~((1ULL << va_bits) - 1);
    return 0;
}

static unsigned t_features(void *t)
{
    return ((struct vm *)t)->pauth ? GDB_FEATURE_PAUTH : 0;
}

static unsigned vm_sve_vq(struct vm *vm)
{
    return vm->sve ? vm->sve_vq : 0;
}

static unsigned t_sve_vq(void *t)
{
    return vm_sve_vq(t);
}

#define REG_ZCR_EL1 ARM64_SYS_REG(3, 0, 1, 2, 0)

/* The SVE registers gdb numbers z0-z31 (in place of v0-v31), p0-p15, ffr and vg, through
 * KVM's SVE registers (slice 0: 2048-bit z, 256-bit p, always enough here), which replace the
 * V registers of KVM_REG_ARM_CORE when the vCPU has SVE.  gdb sees the vCPU's longest vector
 * length (KVM keeps the registers in that layout, little endian: byte 0 first); vg is the
 * length the vCPU runs at now, from ZCR_EL1.LEN (as QEMU's stub reports it).  0/-errno;
 * -ENOENT if regno is none of them.  Reads into out, or writes from in. */
static int sve_reg_access(struct vcpu *v, int regno, uint8_t *out, const uint8_t *in)
{
    bool set = in != NULL;
    unsigned vq = v->vm->sve_vq;
    uint8_t kbuf[GDB_REG_MAX_SIZE] = {0};
    uint64_t id, zcr;
    size_t n;
    int r;

    if (regno >= GDB_REG_Z0 && regno < GDB_REG_Z0 + 32) {
        id = KVM_REG_ARM64_SVE_ZREG(regno - GDB_REG_Z0, 0);
        n = 16 * vq;
    } else if (regno >= GDB_REG_SVE_P0 && regno <= GDB_REG_SVE_FFR) {
        id = regno == GDB_REG_SVE_FFR ? KVM_REG_ARM64_SVE_FFR(0)
                                      : KVM_REG_ARM64_SVE_PREG(regno - GDB_REG_SVE_P0, 0);
        n = 2 * vq;
    } else if (regno == GDB_REG_SVE_VG) {
        if (set) /* the length is the guest's to choose (ZCR_EL1) */
            return -EPERM;
        if ((r = vcpu_get_reg(v, REG_ZCR_EL1, &zcr)))
            return r;
        uint64_t vg = 2 * (uint64_t)arm64_sve_effective_vq(v->vm->sve_vls, zcr);
        memcpy(out, &vg, 8);
        return 0;
    } else {
        return -ENOENT;
    }
    _Static_assert(sizeof(kbuf) >= 2048 / 8, "a slice-0 z register is 2048 bits");
    if (set)
        memcpy(kbuf, in, n);
    if ((r = vcpu_reg_any(v, id, kbuf, set)))
        return r;
    if (!set)
        memcpy(out, kbuf, n);
    return 0;
}

static int read_core(struct vcpu *v, int regno, uint8_t *buf)
{
    uint64_t val = 0, pstate;
    int r;

    if (regno >= GDB_REG_PAUTH_DMASK) {
        r = pauth_mask(v, regno >= GDB_REG_PAUTH_DMASK_HIGH, &val);
        memcpy(buf, &val, 8);
        return r;
    }
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

int vcpu_read_gdb_reg(struct vcpu *v, int regno, uint8_t *buf)
{
    int r;

    if (!gdb_reg_size_vq(regno, vm_sve_vq(v->vm)))
        return -EINVAL;
    if (v->vm->sve && (r = sve_reg_access(v, regno, buf, NULL)) != -ENOENT)
        return r;
    return read_core(v, regno, buf);
}

static int t_read_reg(void *t, int thread, int regno, uint8_t *buf)
{
    struct vcpu *v = thread_vcpu(t, thread);

    return v ? vcpu_read_gdb_reg(v, regno, buf) : -EINVAL;
}

static int t_write_reg(void *t, int thread, int regno, const uint8_t *buf)
{
    struct vcpu *v = thread_vcpu(t, thread);
    uint64_t val = 0, pstate;
    int r;

    if (!v || !gdb_reg_size_vq(regno, vm_sve_vq(t)))
        return -EINVAL;
    if (v->vm->sve && (r = sve_reg_access(v, regno, NULL, buf)) != -ENOENT)
        return r;
    if (regno >= GDB_REG_PAUTH_DMASK)
        return -EPERM;
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

/* ---- translations kept while the guest is stopped ----
 * gdb reads in bursts while every vCPU is paused (a dump, a backtrace): the range around the
 * last address translated is kept, so a 64 MiB dump costs one translation per block (per page
 * where the guest maps pages, without ioctls: the MMU registers are read once) instead of a
 * full vm_debug_translate per 4 KiB.  Dropped before anything may run
 * (resume, attach, detach, monitor commands) and after any register or memory write (not
 * after a breakpoint's BRK word: an instruction, never a descriptor). */

static void xlate_drop(struct vm *vm)
{
    vm->dbg.xlate.valid = false;
    vm->dbg.xlate.have_regs = false;
    vm->dbg.xlate.agreed[0] = vm->dbg.xlate.agreed[1] = false;
}

/* a walk of va with v's MMU registers, read once per stop */
static int xlate_walk(struct vm *vm, struct vcpu *v, uint64_t va, struct arm64_walk *w)
{
    struct debug_xlate *x = &vm->dbg.xlate;

    if (!x->have_regs || x->regs_v != v) {
        x->regs_v = v;
        x->agreed[0] = x->agreed[1] = false;
        x->have_regs = !vcpu_read_mmu_regs(v, &x->regs);
    }
    return x->have_regs ? arm64_translate(&x->regs, va, debug_read_phys, vm, w) : -EIO;
}

/* keep [va's block or page] -> gpa: the leaf's size when the walk w found gpa for va, 1 GiB
 * of the identity map with the MMU off, else just the 4 KiB page */
static void xlate_keep(struct vm *vm, struct vcpu *v, uint64_t va, uint64_t gpa,
                       const struct arm64_walk *w)
{
    struct debug_xlate *x = &vm->dbg.xlate;
    uint64_t size = !w ? 4096 : w->level < 0 ? 1ULL << 30 : w->page_size;

    x->valid = true;
    x->v = v;
    x->size = size;
    x->va = va & ~(size - 1);
    x->pa = gpa - (va - x->va);
}

/* va's guest-physical address: vm_debug_translate (page tables, KPTI's kernel tables, the load
 * map) is the authority; once a walk with the cached registers has given its answer for an
 * address of the same half, that walk alone serves the other addresses it maps (it is the
 * first thing vm_debug_translate tries), so each new page costs no ioctl */
static int xlate_miss(struct vm *vm, struct vcpu *v, uint64_t va, uint64_t *gpa)
{
    struct debug_xlate *x = &vm->dbg.xlate;
    struct arm64_walk w;
    int half = (va >> 55) & 1;

    if (x->have_regs && x->regs_v == v && x->agreed[half] && !xlate_walk(vm, v, va, &w)) {
        *gpa = w.pa;
        xlate_keep(vm, v, va, *gpa, &w);
        return 0;
    }
    if (vm_debug_translate(v, va, gpa))
        return -EFAULT;
    if (!xlate_walk(vm, v, va, &w) && w.pa == *gpa) {
        x->agreed[half] = true;
        xlate_keep(vm, v, va, *gpa, &w);
    } else {
        xlate_keep(vm, v, va, *gpa, NULL);
    }
    return 0;
}

/* The guest-physical address of addr and how many bytes from there (at most want) are
 * contiguous in guest-physical memory and in brkvm's mapping of it. */
static int resolve(struct vm *vm, struct vcpu *v, uint64_t addr, size_t want, bool phys,
                   uint64_t *gpa, size_t *chunk)
{
    struct debug_xlate *x = &vm->dbg.xlate;
    size_t in_page = 4096 - (addr & 4095); /* per 4K: safe for every granule */

    if (phys) {
        *gpa = addr;
    } else if (x->valid && x->v == v && addr - x->va < x->size) {
        uint64_t left = x->size - (addr - x->va);
        *gpa = x->pa + (addr - x->va);
        if (left > in_page) {
            *chunk = want < left ? want : (size_t)left;
            if (vm_gpa_to_hva(vm, *gpa, *chunk)) /* else it crosses a RAM slot: by page */
                return 0;
        }
    } else if (xlate_miss(vm, v, addr, gpa)) {
        return -EFAULT;
    }
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
    /* all or nothing: a write that runs into a hole, MMIO or the end of RAM changes no byte */
    for (size_t at = 0; at < len;) {
        uint64_t gpa;
        size_t chunk;
        if (resolve(vm, v, addr + at, MIN(len - at, 4096), phys, &gpa, &chunk))
            return -EFAULT;
        at += chunk;
    }
    while (done < len) {
        uint64_t gpa;
        size_t chunk;
        uint8_t tmp[4096];
        if (resolve(vm, v, addr + done, MIN(len - done, sizeof(tmp)), phys, &gpa, &chunk))
            break;
        uint8_t *hva = vm_gpa_to_hva(vm, gpa, chunk);
        bp_shadow_write(&vm->dbg.bps, gpa, buf + done, tmp, chunk, hva);
        memcpy(hva, tmp, chunk);
        __builtin___clear_cache((char *)hva, (char *)hva + chunk);
        done += chunk;
    }
    xlate_drop(vm); /* the write may have changed page tables */
    return done ? (long)done : -EFAULT;
}

static uint32_t *bp_word(struct vm *vm, struct vcpu *v, uint64_t addr, bool phys, uint64_t *gpa)
{
    size_t chunk;

    /* addr is 4-aligned (the stub checks), so the word never crosses a page */
    if (resolve(vm, v, addr, 4, phys, gpa, &chunk))
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

static int t_set_bp_agent(void *t, int type, int thread, uint64_t addr, bool phys,
                          const struct gdb_bp_agent *a)
{
    struct vm *vm = t;
    struct vcpu *v = thread_vcpu(vm, thread);
    struct bp_agent *agent = bp_agent_new(a);
    uint64_t gpa;
    int r = 0;

    pthread_mutex_lock(&vm->dbg.lock);
    if (type == 1) { /* by the VA its slot matches */
        if (agent)
            g_hash_table_replace(vm->dbg.hw_agents, g_memdup2(&addr, sizeof(addr)), agent);
        else
            g_hash_table_remove(vm->dbg.hw_agents, &addr);
    } else if (!v || !bp_word(vm, v, addr, phys, &gpa)) {
        bp_agent_free(agent);
        r = -EFAULT;
    } else {
        r = bp_set_agent(&vm->dbg.bps, gpa, agent);
    }
    pthread_mutex_unlock(&vm->dbg.lock);
    return r;
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
    if (type == 1 && arm64_hw_bp_match(&vm->dbg.hw, addr) < 0)
        g_hash_table_remove(vm->dbg.hw_agents, &addr);
    pthread_mutex_unlock(&vm->dbg.lock);
    return r == -ENOENT ? 0 : r; /* removing twice is harmless */
}

/* gdb's or brkvm's breakpoint at gpa, if its BRK is there */
static struct sw_bp *breakpoint_at(struct vm *vm, uint64_t gpa, uint32_t **insn)
{
    struct sw_bp *bp;

    bp = bp_find(&vm->dbg.bps, gpa);
    *insn = vm_gpa_to_hva(vm, gpa, 4);
    return bp && *insn && **insn == A64_BRK0 ? bp : NULL;
}

/* Is v stopped on one of our breakpoints (so running it would hit the BRK again)? */
static struct sw_bp *at_breakpoint(struct vm *vm, struct vcpu *v, uint32_t **insn)
{
    uint64_t pc, gpa;

    if (vcpu_get_reg(v, REG_PC, &pc) || vm_debug_translate(v, pc, &gpa))
        return NULL;
    return breakpoint_at(vm, gpa, insn);
}

/* ...having taken its BRK there (a vCPU that only stands at the address has not hit it yet:
 * running it reports the hit) */
static struct sw_bp *hit_breakpoint(struct vm *vm, struct vcpu *v, uint32_t **insn)
{
    uint64_t pc;

    if (!v->dbg.brk_hit || vcpu_get_reg(v, REG_PC, &pc) || pc != v->dbg.brk_hit_pc)
        return NULL;
    return at_breakpoint(vm, v, insn);
}

/* v's pending hit (a second one while another stop waited): still where it was, and the
 * breakpoint or watchpoint still there? */
static bool pending_valid(struct vm *vm, struct vcpu *v)
{
    const struct gdb_stop *st = &v->dbg.pending_stop;
    uint32_t *insn;
    uint64_t pc, report;
    struct sw_bp *bp;

    if (vcpu_get_reg(v, REG_PC, &pc) || pc != v->dbg.pending_pc)
        return false;
    switch (st->reason) {
    case GDB_STOP_SWBREAK:
    case GDB_STOP_TRAP:
        return (bp = at_breakpoint(vm, v, &insn)) != NULL && bp->gdb;
    case GDB_STOP_HWBREAK:
        return arm64_hw_bp_match(&vm->dbg.hw, pc) >= 0;
    case GDB_STOP_WATCH:
        return arm64_hw_wp_match(&vm->dbg.hw, st->data_addr, &report) >= 0;
    default:
        return false;
    }
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

static uint32_t *insn_of(void *opaque, uint64_t gpa)
{
    return vm_gpa_to_hva(opaque, gpa, 4);
}

/* make the instruction fetches of every vCPU see a breakpoint's word */
static void flush_bp(struct sw_bp *bp, void *opaque)
{
    char *p = vm_gpa_to_hva(opaque, bp->gpa, 4);
    if (p)
        __builtin___clear_cache(p, p + 4);
}

/* KVM cannot let the guest single-step itself while gdb's breakpoints need guest debugging on
 * (it clears MDSCR_EL1.SS on entry): say so once when a vCPU is stepping itself */
static void warn_guest_self_step(struct vm *vm)
{
    if (!bp_count(&vm->dbg.bps) && !arm64_hwdebug_active(&vm->dbg.hw))
        return;
    for (unsigned i = 0; i < vm->nr_vcpus; i++) {
        struct vcpu *v = &vm->vcpus[i];
        uint64_t mdscr = 0;
        bool ss = !vcpu_get_reg(v, REG_MDSCR_EL1, &mdscr) && (mdscr & MDSCR_SS);
        if (ss && !v->dbg.warned_self_step)
            g_warning("vCPU %u is single-stepping itself (MDSCR_EL1.SS): KVM suppresses the "
                      "guest's own steps while gdb has breakpoints or watchpoints inserted", i);
        v->dbg.warned_self_step = ss;
    }
}

static int t_resume(void *t, const enum gdb_action *act)
{
    struct vm *vm = t;

    pthread_mutex_lock(&vm->dbg.lock);
    vm->dbg.have_stop = false;
    /* a hit kept pending is this resume's stop, before anything runs */
    for (unsigned i = 0; i < vm->nr_vcpus; i++) {
        struct vcpu *v = &vm->vcpus[i];
        if (act[i] == GDB_ACT_STOP || !v->dbg.pending)
            continue;
        v->dbg.pending = false;
        if (!pending_valid(vm, v)) {
            vm->dbg.held_dropped++;
            continue;
        }
        vm->dbg.held_reported++;
        vm->dbg.have_stop = true;
        vm->dbg.stop = v->dbg.pending_stop;
        notify_stub(vm);
        pthread_mutex_unlock(&vm->dbg.lock);
        return 0;
    }
    warn_guest_self_step(vm);
    unsigned n = bp_replant(&vm->dbg.bps, insn_of, vm);
    if (n) {
        g_info("the guest rewrote %u breakpointed instruction(s): planted again over the new code",
               n);
        bp_foreach(&vm->dbg.bps, flush_bp, vm);
    }
    for (unsigned i = 0; i < vm->nr_vcpus; i++) {
        struct vcpu *v = &vm->vcpus[i];
        uint32_t *insn = NULL;
        struct sw_bp *bp;
        if (act[i] == GDB_ACT_STOP)
            continue;
        v->dbg.passed = false; /* a hit not reported: stepped past here, if it is still there */
        bp = hit_breakpoint(vm, v, &insn);
        v->dbg.brk_hit = false;
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
    /* the clock restarts when the first of them leaves its pause (debug.c) */
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


static void t_detach(void *t)
{
    struct vm *vm = t;

    pthread_mutex_lock(&vm->dbg.lock);
    request_pause_all(vm); /* nobody may run into a BRK while they go */
    wait_all_paused(vm);
    bp_clear(&vm->dbg.bps, insn_of, vm);
    g_hash_table_remove_all(vm->dbg.hw_agents);
    arm64_hwdebug_init(&vm->dbg.hw, vm->dbg.hw.nr_bps, vm->dbg.hw.nr_wps);
    __builtin___clear_cache((char *)vm->ram, (char *)vm->ram + vm->ram_size);
    /* a vCPU stopped on one of brkvm's own breakpoints (a panic stop) goes on past it */
    for (unsigned i = 0; i < vm->nr_vcpus; i++) {
        vm->vcpus[i].dbg.pending = false;
        vm->vcpus[i].dbg.brk_hit = false;
        uint32_t *insn = NULL;
        struct sw_bp *bp = at_breakpoint(vm, &vm->vcpus[i], &insn);
        if (bp)
            step_over(vm, &vm->vcpus[i], bp, insn);
    }
    vm->dbg.attached = false;
    vm->dbg.have_stop = false;
    thaw_time(vm);
    for (unsigned i = 0; i < vm->nr_vcpus; i++)
        unpause(vm, &vm->vcpus[i], GDB_ACT_CONT);
    pthread_cond_broadcast(&vm->dbg.cond);
    pthread_mutex_unlock(&vm->dbg.lock);
}

static int t_offsets(void *t, uint64_t *slide)
{
    struct vm *vm = t;
    uint64_t va;

    if (!vm->has_link_text || debug_kernel_text_va(vm, &va, NULL))
        return -ENOENT;
    *slide = va - vm->link_text;
    return 0;
}

static void t_kill(void *t)
{
    vm_request_exit(t, 0, "killed from the debugger (gdb 'kill')");
}

/* the operations after which kept translations may be stale (see xlate_drop) */
static int t_attach_fresh(void *t, struct gdb_stop *where)
{
    xlate_drop(t);
    return t_attach(t, where);
}

static int t_write_reg_fresh(void *t, int thread, int regno, const uint8_t *buf)
{
    int r = t_write_reg(t, thread, regno, buf);

    xlate_drop(t);
    return r;
}

static int t_resume_fresh(void *t, const enum gdb_action *act)
{
    xlate_drop(t);
    return t_resume(t, act);
}

static void t_detach_fresh(void *t)
{
    xlate_drop(t);
    t_detach(t);
}

static int t_monitor_fresh(void *t, int thread, const char *cmd, void *out)
{
    int r = debug_monitor(t, thread, cmd, out);

    xlate_drop(t);
    return r;
}

const struct gdb_target_ops vm_gdb_target_ops = {
    .attach = t_attach_fresh,
    .take_stop = t_take_stop,
    .take_output = t_take_output,
    .nr_threads = t_nr_threads,
    .features = t_features,
    .sve_vq = t_sve_vq,
    .read_reg = t_read_reg,
    .write_reg = t_write_reg_fresh,
    .read_mem = t_read_mem,
    .write_mem = t_write_mem,
    .insert_sw_bp = t_insert_sw_bp,
    .remove_sw_bp = t_remove_sw_bp,
    .set_bp_agent = t_set_bp_agent,
    .insert_hw = t_insert_hw,
    .remove_hw = t_remove_hw,
    .resume = t_resume_fresh,
    .interrupt = t_interrupt,
    .detach = t_detach_fresh,
    .kill = t_kill,
    .monitor = t_monitor_fresh,
    .offsets = t_offsets,
};
