/* vcpu.c - vCPU creation and one thread per vCPU running the KVM_RUN loop */
#define G_LOG_DOMAIN "vcpu"
#include "arch/arm64/regs.h"

#include <brkvm/arm64_sve.h>
#include <brkvm/vm.h>

#include <errno.h>
#include <glib.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#define SIG_KICK SIGUSR1

int vcpu_get_reg(struct vcpu *vcpu, uint64_t id, uint64_t *val)
{
    struct kvm_one_reg r = {.id = id, .addr = (uintptr_t)val};
    return ioctl(vcpu->fd, KVM_GET_ONE_REG, &r) < 0 ? -errno : 0;
}

int vcpu_set_reg(struct vcpu *vcpu, uint64_t id, uint64_t val)
{
    struct kvm_one_reg r = {.id = id, .addr = (uintptr_t)&val};
    return ioctl(vcpu->fd, KVM_SET_ONE_REG, &r) < 0 ? -errno : 0;
}

/* KVM_ARM_VCPU_INIT: at creation, and again to reset the vCPU to its power-on state (vm_reset).
 * With SVE the features must be the same each time; KVM keeps the vector lengths finalized at
 * creation (a second KVM_ARM_VCPU_FINALIZE is EPERM) and zeroes the SVE registers. */
int vcpu_init_state(struct vcpu *v)
{
    struct kvm_vcpu_init init = {.target = v->vm->target};

    /* in-kernel PSCI 0.2; secondaries wait powered off for the guest's CPU_ON */
    init.features[0] = 1U << KVM_ARM_VCPU_PSCI_0_2;
    if (v->id > 0)
        init.features[0] |= 1U << KVM_ARM_VCPU_POWER_OFF;
    if (v->vm->pauth)
        init.features[0] |= 1U << KVM_ARM_VCPU_PTRAUTH_ADDRESS | 1U << KVM_ARM_VCPU_PTRAUTH_GENERIC;
    if (v->vm->sve)
        init.features[0] |= 1U << KVM_ARM_VCPU_SVE;
    if (v->vm->pmu) /* the same features on a reset: KVM refuses a change */
        init.features[0] |= 1U << KVM_ARM_VCPU_PMU_V3;
    return ioctl(v->fd, KVM_ARM_VCPU_INIT, &init) < 0 ? -errno : 0;
}

/* After the first KVM_ARM_VCPU_INIT with SVE: KVM's default vector lengths (the first vCPU
 * reads them for the VM), then KVM_ARM_VCPU_FINALIZE, which must come before any access to the
 * SVE registers and is allowed once per vCPU: only at creation, never on a reset. */
static int vcpu_finalize_sve(struct vcpu *v, char **msg)
{
    struct vm *vm = v->vm;
    struct kvm_one_reg vls = {.id = KVM_REG_ARM64_SVE_VLS, .addr = (uintptr_t)vm->sve_vls};
    int feature = KVM_ARM_VCPU_SVE;

    if (v->id == 0) {
        if (ioctl(v->fd, KVM_GET_ONE_REG, &vls) < 0) {
            int e = errno;
            *msg = g_strdup_printf("reading KVM's SVE vector lengths (KVM_REG_ARM64_SVE_VLS): %s",
                                   strerror(e));
            return -e;
        }
        vm->sve_vq = arm64_sve_max_vq(vm->sve_vls);
        if (!vm->sve_vq) {
            *msg = g_strdup("KVM offers SVE without a vector length up to 2048 bits");
            return -EINVAL;
        }
        g_info("SVE: on, max vector length %u bits (%u bytes, vg %u)", 128 * vm->sve_vq,
               16 * vm->sve_vq, 2 * vm->sve_vq);
    }
    if (ioctl(v->fd, KVM_ARM_VCPU_FINALIZE, &feature) < 0) {
        int e = errno;
        *msg = g_strdup_printf("KVM_ARM_VCPU_FINALIZE(SVE) on vCPU %u: %s", v->id, strerror(e));
        return -e;
    }
    return 0;
}

int vcpu_create_all(struct vm *vm, char **msg)
{
    struct kvm_vcpu_init preferred;
    int r;

    if (ioctl(vm->vm_fd, KVM_ARM_PREFERRED_TARGET, &preferred) < 0) {
        r = -errno;
        *msg = g_strdup_printf("KVM_ARM_PREFERRED_TARGET: %s", strerror(errno));
        return r;
    }
    vm->target = preferred.target;
    /* pointer authentication when the host has both kinds (KVM wants them together) */
    vm->pauth = !vm->cfg->no_pauth &&
                ioctl(vm->vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_ARM_PTRAUTH_ADDRESS) > 0 &&
                ioctl(vm->vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_ARM_PTRAUTH_GENERIC) > 0;
    g_info("pointer authentication: %s", vm->pauth ? "on" : vm->cfg->no_pauth ? "off (--no-pauth)"
                                                                             : "not offered by KVM");
    vm->sve = !vm->cfg->no_sve && ioctl(vm->vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_ARM_SVE) > 0;
    if (!vm->sve)
        g_info("SVE: %s", vm->cfg->no_sve ? "off (--no-sve)" : "not offered by KVM");
    if (vm->cfg->pmu && ioctl(vm->vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_ARM_PMU_V3) <= 0) {
        *msg = g_strdup("--pmu: this host's KVM offers no PMUv3 for guests (no KVM_CAP_ARM_PMU_V3: "
                        "the host CPU or its kernel has no PMU); run without --pmu");
        return -ENODEV;
    }
    vm->pmu = vm->cfg->pmu;
    vm->nr_vcpus = vm->cfg->cpus;
    vm->vcpus = g_new0(struct vcpu, vm->nr_vcpus);
    for (unsigned i = 0; i < vm->nr_vcpus; i++)
        vm->vcpus[i].fd = -1;
    for (unsigned i = 0; i < vm->nr_vcpus; i++) {
        struct vcpu *v = &vm->vcpus[i];

        v->vm = vm;
        v->id = i;
        v->fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, i);
        if (v->fd < 0) {
            r = -errno;
            *msg = g_strdup_printf("KVM_CREATE_VCPU %u: %s", i, strerror(errno));
            return r;
        }
        v->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
        if (v->run == MAP_FAILED) {
            r = -errno;
            v->run = NULL;
            *msg = g_strdup_printf("mmap of vCPU %u's kvm_run: %s", i, strerror(errno));
            return r;
        }
        if ((r = vcpu_init_state(v))) {
            *msg = g_strdup_printf("KVM_ARM_VCPU_INIT %u: %s", i, strerror(-r));
            return r;
        }
        if (vm->sve && (r = vcpu_finalize_sve(v, msg)))
            return r;
        if ((r = vcpu_get_reg(v, REG_MPIDR_EL1, &v->mpidr))) {
            *msg = g_strdup_printf("reading vCPU %u's MPIDR_EL1: %s", i, strerror(-r));
            return r;
        }
    }
    return 0;
}

int vcpu_set_boot_regs(struct vcpu *vcpu, uint64_t pc, uint64_t x0)
{
    int r;

    if ((r = vcpu_set_reg(vcpu, REG_PSTATE, PSTATE_EL1H_DAIF)) ||
        (r = vcpu_set_reg(vcpu, REG_PC, pc)) || (r = vcpu_set_reg(vcpu, REG_X(0), x0)))
        return r;
    for (int i = 1; i < 4; i++) /* booting.rst: x1-x3 are reserved, zero */
        if ((r = vcpu_set_reg(vcpu, REG_X(i), 0)))
            return r;
    return 0;
}

static uint64_t vcpu_pc(struct vcpu *v)
{
    uint64_t pc = 0;
    vcpu_get_reg(v, REG_PC, &pc);
    return pc;
}

static void handle_mmio(struct vcpu *v)
{
    struct kvm_run *run = v->run;
    uint64_t addr = run->mmio.phys_addr;
    unsigned len = run->mmio.len;

    if (bus_access(&v->vm->bus, addr, run->mmio.data, len, run->mmio.is_write) &&
        v->vm->cfg->debug_mmio) {
        uint64_t val = 0;
        memcpy(&val, run->mmio.data, len > 8 ? 8 : len);
        g_warning("vCPU %u: unmapped MMIO %s %#llx (%u bytes%s%#llx) at pc %#llx", v->id,
                  run->mmio.is_write ? "write" : "read", (unsigned long long)addr, len,
                  run->mmio.is_write ? ", value " : ", returning ",
                  (unsigned long long)val, (unsigned long long)vcpu_pc(v));
    }
}

/* KVM_EXIT_ARM_NISV: an access to MMIO (a device or a hole) that KVM cannot decode, since the
 * CPU gave no valid syndrome (load/store pair, SIMD/FP register, atomic, exclusive pair,
 * writeback addressing).  brkvm cannot emulate it either (it would have to decode and execute
 * the instruction): the guest gets a synchronous external abort at that instruction, as from
 * hardware that rejects the access (QEMU does the same); a Linux guest reports it with a
 * backtrace.  Logged once (each with --debug-mmio); false when even that is impossible. */
static bool handle_nisv(struct vcpu *v)
{
    struct kvm_run *run = v->run;
    struct kvm_vcpu_events ev = {0};
    unsigned long n = __atomic_fetch_add(&v->vm->nisv_count, 1, __ATOMIC_RELAXED);
    uint64_t addr = run->arm_nisv.fault_ipa;

    if (n == 0 || v->vm->cfg->debug_mmio)
        g_warning("vCPU %u: MMIO access to %#llx at pc %#llx that KVM cannot emulate (no valid "
                  "syndrome: a load/store pair, SIMD, atomic or writeback access); an external "
                  "data abort is injected into the guest%s", v->id, (unsigned long long)addr,
                  (unsigned long long)vcpu_pc(v),
                  v->vm->cfg->debug_mmio ? "" : " (logged once; --debug-mmio logs each)");
    ev.exception.ext_dabt_pending = 1;
    if (ioctl(v->fd, KVM_SET_VCPU_EVENTS, &ev) < 0) {
        vm_request_exit(v->vm, 1, "vCPU %u accessed MMIO at %#llx with an instruction KVM "
                        "cannot emulate, at pc %#llx, and the abort could not be injected: %s",
                        v->id, (unsigned long long)addr, (unsigned long long)vcpu_pc(v),
                        strerror(errno));
        return false;
    }
    return true;
}

static void handle_system_event(struct vcpu *v)
{
    struct vm *vm = v->vm;

    switch (v->run->system_event.type) {
    case KVM_SYSTEM_EVENT_SHUTDOWN:
        vm_request_exit(vm, 0, "guest powered off (PSCI SYSTEM_OFF from vCPU %u)", v->id);
        break;
    case KVM_SYSTEM_EVENT_RESET:
        /* a distinct status, so scripts tell a reboot from a power-off (kvmtool exits too) */
        vm_request_exit(vm, 3, "guest requested a reset (PSCI SYSTEM_RESET from vCPU %u; exit "
                        "status 3)", v->id);
        break;
    case KVM_SYSTEM_EVENT_CRASH:
        vm_request_exit(vm, 1, "guest crashed (system event CRASH from vCPU %u)", v->id);
        break;
    default:
        vm_request_exit(vm, 1, "unknown system event %u from vCPU %u",
                        v->run->system_event.type, v->id);
    }
}

/* One KVM_RUN result; returns false when this vCPU must stop. */
static bool handle_exit(struct vcpu *v)
{
    struct kvm_run *run = v->run;
    struct vm *vm = v->vm;

    switch (run->exit_reason) {
    case KVM_EXIT_MMIO:
        handle_mmio(v);
        return true;
    case KVM_EXIT_DEBUG:
        debug_handle_exit(v);
        return true;
    case KVM_EXIT_ARM_NISV:
        return handle_nisv(v);
    case KVM_EXIT_SYSTEM_EVENT:
        handle_system_event(v);
        return false;
    case KVM_EXIT_FAIL_ENTRY:
        vm_request_exit(vm, 1, "vCPU %u failed to enter the guest (hardware reason %#llx)", v->id,
                        (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
        return false;
    case KVM_EXIT_INTERNAL_ERROR:
        vm_request_exit(vm, 1, "KVM internal error %u on vCPU %u at pc %#llx",
                        run->internal.suberror, v->id, (unsigned long long)vcpu_pc(v));
        return false;
    default:
        vm_request_exit(vm, 1, "unhandled KVM exit reason %u on vCPU %u at pc %#llx",
                        run->exit_reason, v->id, (unsigned long long)vcpu_pc(v));
        return false;
    }
}

static __thread struct vcpu *this_vcpu;

struct vcpu *vcpu_current(void)
{
    return this_vcpu;
}

static void *vcpu_thread(void *arg)
{
    struct vcpu *v = arg;
    sigset_t set;
    char name[16];

    this_vcpu = v;
    snprintf(name, sizeof(name), "vcpu%u", v->id);
    pthread_setname_np(pthread_self(), name);
    sigemptyset(&set);
    sigaddset(&set, SIG_KICK);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);

    while (!vm_exiting(v->vm)) {
        if (debug_pause_point(v))
            continue;
        if (ioctl(v->fd, KVM_RUN, 0) < 0) {
            int e = errno;
            if (e == EINTR || e == EAGAIN)
                continue;
            if (e == ENOSYS)
                vm_request_exit(v->vm, 1, "vCPU %u accessed MMIO (a device or unmapped memory) "
                                "with an instruction KVM cannot emulate (no valid syndrome, e.g. "
                                "a load/store pair), at pc %#llx",
                                v->id, (unsigned long long)vcpu_pc(v));
            else
                vm_request_exit(v->vm, 1, "KVM_RUN on vCPU %u failed: %s (pc %#llx)", v->id,
                                strerror(e), (unsigned long long)vcpu_pc(v));
            break;
        }
        if (!handle_exit(v))
            break;
    }
    return NULL;
}

static void kick_handler(int sig)
{
    (void)sig; /* only there to make KVM_RUN return EINTR */
}

int vcpu_start_all(struct vm *vm, char **msg)
{
    struct sigaction sa = {.sa_handler = kick_handler};
    sigset_t set, old;
    int r;

    sigaction(SIG_KICK, &sa, NULL);
    /* threads start with SIG_KICK blocked and unblock it themselves */
    sigemptyset(&set);
    sigaddset(&set, SIG_KICK);
    pthread_sigmask(SIG_BLOCK, &set, &old);
    for (unsigned i = 0; i < vm->nr_vcpus; i++) {
        r = pthread_create(&vm->vcpus[i].thread, NULL, vcpu_thread, &vm->vcpus[i]);
        if (r) {
            *msg = g_strdup_printf("starting vCPU %u's thread: %s", i, strerror(r));
            pthread_sigmask(SIG_SETMASK, &old, NULL);
            return -r;
        }
        /* release: a gdb stub thread that sees started also sees thread (request_pause) */
        __atomic_store_n(&vm->vcpus[i].started, true, __ATOMIC_RELEASE);
    }
    return 0;
}

/* Make every vCPU leave KVM_RUN for good and wait for its thread. */
void vcpu_stop_all(struct vm *vm)
{
    for (unsigned i = 0; i < vm->nr_vcpus; i++) {
        struct vcpu *v = &vm->vcpus[i];
        if (!v->started)
            continue;
        /* immediate_exit covers a kick that lands before the thread enters KVM_RUN */
        __atomic_store_n(&v->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
        pthread_kill(v->thread, SIG_KICK);
    }
    debug_wake_all(vm); /* paused vCPUs wait on the debugger's condition */
    for (unsigned i = 0; i < vm->nr_vcpus; i++) {
        if (vm->vcpus[i].started)
            pthread_join(vm->vcpus[i].thread, NULL);
        __atomic_store_n(&vm->vcpus[i].started, false, __ATOMIC_RELEASE);
    }
}
