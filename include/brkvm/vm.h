/* vm.h - the VM object: KVM handles, guest RAM, vCPUs, devices, and how the run ends */
#ifndef BRKVM_VM_H
#define BRKVM_VM_H

#include <brkvm/bus.h>
#include <brkvm/debug.h>
#include <brkvm/loader.h>
#include <brkvm/memmap.h>
#include <brkvm/options.h>
#include <brkvm/panic.h>
#include <brkvm/pvpanic.h>
#include <brkvm/uart_8250.h>

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct kvm_run;
struct virtio_slot;
struct virtio_mmio;

struct vcpu {
    struct vm *vm;
    unsigned id;
    int fd;
    struct kvm_run *run;
    pthread_t thread;
    bool started;
    uint64_t mpidr;
    struct vcpu_debug dbg;
};

struct gic {
    int version; /* 2 or 3 */
    int fd;
    uint64_t dist_base, dist_size, redist_base, redist_size, cpu_base, cpu_size;
    int its_fd; /* --irqchip gicv3-its: the ITS device, else -1 */
    uint64_t its_base, its_size;
};

struct vm {
    const struct brkvm_config *cfg;
    int kvm_fd, vm_fd;
    int ipa_bits;
    uint8_t *ram;
    uint64_t ram_base, ram_size;
    size_t run_size;
    uint32_t target; /* KVM_ARM_PREFERRED_TARGET */
    bool pauth;      /* the vCPUs have pointer authentication (address + generic) */
    bool sve;        /* the vCPUs have SVE (KVM_ARM_VCPU_SVE, finalized once per vCPU) */
    unsigned sve_vq; /* their longest vector length in quadwords (KVM's default set) */
    uint64_t sve_vls[8]; /* KVM_REG_ARM64_SVE_VLS: the lengths offered, bit vq - 1 */
    bool pmu;        /* --pmu: the vCPUs have KVM's PMUv3 */
    /* KVM_CAP_ARM_NISV_TO_USER enabled: an MMIO access KVM cannot emulate (no valid syndrome:
     * LDP/STP, SIMD, atomics, writeback) exits to brkvm, which injects an external data abort
     * into the guest (as QEMU does); without it KVM_RUN fails with ENOSYS and the run ends */
    bool nisv_inject;
    unsigned long nisv_count; /* such accesses so far (atomic): the first is logged */
    bool has_link_text; /* --symbols gave the kernel's link address of _text */
    uint64_t link_text;
    bool has_link_vmcoreinfo; /* --symbols has vmcoreinfo_note (CONFIG_CRASH_CORE): its link VA */
    uint64_t link_vmcoreinfo;
    /* what boot_prepare loaded, kept for a reset (monitor reset) */
    const uint8_t *boot_kernel, *boot_initrd;
    uint64_t boot_kernel_len, boot_initrd_len;
    struct payload boot_payload;
    unsigned nr_vcpus;
    struct vcpu *vcpus;
    struct gic gic;
    struct mmio_bus bus;
    struct uart_8250 uart;
    struct virtio_slot *virtio[BRKVM_VIRTIO_MAX]; /* the virtio-mmio slots in use */
    unsigned nvirtio;
    struct virtio_mmio *vcon;       /* --console virtio: stdin goes there */
    struct load_map map;
    struct vm_debug dbg;
    struct vm_panic panic;   /* --on-panic */
    struct pvpanic pvpanic;  /* --pvpanic */

    /* how the run ends: the first vm_request_exit wins */
    pthread_mutex_t exit_lock;
    bool exiting;
    int exit_code;
    char exit_reason[160];
    int exit_efd; /* eventfd: wakes the main loop */
};

/* vm.c */
int vm_create(struct vm *vm, const struct brkvm_config *cfg, char **msg);
void vm_destroy(struct vm *vm);
/* record why the VM ends (first caller wins) and wake the main loop; safe from any thread */
void vm_request_exit(struct vm *vm, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
bool vm_exiting(struct vm *vm);
int vm_set_irq(struct vm *vm, unsigned spi, int level);
/* host pointer for guest-physical [gpa, gpa+len) or NULL if not all in RAM */
void *vm_gpa_to_hva(struct vm *vm, uint64_t gpa, uint64_t len);

/* dump.c: an ELF core of guest RAM at path (QEMU's dump-guest-memory; layout: elf_core.h):
 * NT_PRSTATUS per vCPU, the kernel's VMCOREINFO (found with --symbols), RAM written straight from
 * its mapping (all-zero pages left as holes).  Every vCPU must be paused (not in KVM_RUN).
 * Returns 0 with *msg a one-line summary (what was written, what is missing and why), or -errno
 * with *msg the error; g_free(*msg) either way.  no_clobber (a debugger's `monitor` command: anyone
 * who reaches the stub): an existing path, or a symlink, is refused instead of overwritten. */
int vm_dump_guest_memory(struct vm *vm, const char *path, bool no_clobber, char **msg);

/* virtio_host.c: a device in the next virtio-mmio slot (free_dev(dev) when it goes, also on
 * failure); its I/O thread starts with virtio_host_start; virtio_host_stop (also from
 * vm_destroy) stops and frees them all */
struct virtio_dev_ops;
int virtio_host_add(struct vm *vm, const struct virtio_dev_ops *ops, void *dev,
                    void (*free_dev)(void *), struct virtio_mmio **out, char **msg);
int virtio_host_start(struct vm *vm, char **msg);
void virtio_host_stop(struct vm *vm);
unsigned virtio_host_console_input(struct vm *vm, const uint8_t *buf, unsigned n);
void virtio_host_reset(struct vm *vm); /* every device back to its pre-driver state */
struct _GString;
void virtio_host_info(struct vm *vm, struct _GString *out); /* monitor info virtio */

/* gic.c: gic_create after the vCPUs exist (the redistributors are sized by their number),
 * as --irqchip says (default: a GICv3, else a GICv2); gic_finalize initialises it (and the ITS) */
int gic_create(struct vm *vm, char **msg);
int gic_finalize(struct vm *vm, char **msg);

/* pmu.c: --pmu, per vCPU: the overflow PPI and KVM's PMU init (after gic_finalize, once:
 * a vCPU reset keeps it) */
int pmu_init(struct vm *vm, char **msg);

/* vcpu.c */
int vcpu_create_all(struct vm *vm, char **msg);
int vcpu_init_state(struct vcpu *v);
int vcpu_set_boot_regs(struct vcpu *vcpu, uint64_t pc, uint64_t x0);
int vcpu_start_all(struct vm *vm, char **msg);
void vcpu_stop_all(struct vm *vm);
int vcpu_get_reg(struct vcpu *vcpu, uint64_t id, uint64_t *val);
/* the vCPU whose thread calls (e.g. from an MMIO handler), NULL on other threads */
struct vcpu *vcpu_current(void);
int vcpu_set_reg(struct vcpu *vcpu, uint64_t id, uint64_t val);

/* boot.c: copy the payload and initrd as vm->map says, build the DT, set vCPU 0's entry state */
int boot_prepare(struct vm *vm, const uint8_t *kernel, uint64_t kernel_len,
                 const struct payload *p, const uint8_t *initrd, uint64_t initrd_len, char **msg);
/* power-on state again: every vCPU re-initialised, payload, initrd and DT loaded anew */
int vm_reset(struct vm *vm, char **msg);

#endif
