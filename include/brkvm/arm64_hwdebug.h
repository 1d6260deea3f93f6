/* arm64_hwdebug.h - hardware breakpoints and watchpoints: the table of slots gdb fills and the
 * DBGBCR/DBGBVR/DBGWCR/DBGWVR values KVM loads for them (pure) */
#ifndef BRKVM_ARM64_HWDEBUG_H
#define BRKVM_ARM64_HWDEBUG_H

#include <stdbool.h>
#include <stdint.h>

#define ARM64_HW_SLOTS 16 /* the architecture's maximum of each kind */

/* the values are DBGWCR.LSC's: 0b01 loads, 0b10 stores, 0b11 both */
enum arm64_watch_type { ARM64_WATCH_READ = 1, ARM64_WATCH_WRITE = 2, ARM64_WATCH_ACCESS = 3 };

/* gdb's Z2 (write) / Z3 (read) / Z4 (access) and back */
enum arm64_watch_type arm64_watch_from_z(int ztype);
int arm64_watch_to_z(enum arm64_watch_type t);

struct arm64_hw_bp {
    bool used;
    uint64_t addr;
};

struct arm64_hw_wp {
    bool used;
    uint64_t addr, len; /* as gdb asked */
    enum arm64_watch_type type;
};

struct arm64_hwdebug {
    unsigned nr_bps, nr_wps; /* how many the CPU has (KVM_CAP_GUEST_DEBUG_HW_BPS/WPS) */
    struct arm64_hw_bp bp[ARM64_HW_SLOTS];
    struct arm64_hw_wp wp[ARM64_HW_SLOTS];
};

/* the register values KVM's struct kvm_guest_debug_arch takes */
struct arm64_debug_regs {
    uint64_t bcr[ARM64_HW_SLOTS], bvr[ARM64_HW_SLOTS];
    uint64_t wcr[ARM64_HW_SLOTS], wvr[ARM64_HW_SLOTS];
};

void arm64_hwdebug_init(struct arm64_hwdebug *h, unsigned nr_bps, unsigned nr_wps);

/* 0, -ENOSPC (all slots taken), -EINVAL (misaligned); inserting an existing one is a no-op */
int arm64_hw_bp_insert(struct arm64_hwdebug *h, uint64_t addr);
int arm64_hw_bp_remove(struct arm64_hwdebug *h, uint64_t addr); /* 0 or -ENOENT */
/* len 1..8 within one aligned doubleword (byte-address select), or a power of two >= 8
 * aligned to itself (address mask, up to 2 GiB).  0, -ENOSPC, -EINVAL (not expressible). */
int arm64_hw_wp_insert(struct arm64_hwdebug *h, enum arm64_watch_type type, uint64_t addr,
                       uint64_t len);
int arm64_hw_wp_remove(struct arm64_hwdebug *h, enum arm64_watch_type type, uint64_t addr,
                       uint64_t len);
bool arm64_hwdebug_active(const struct arm64_hwdebug *h); /* any slot in use */

/* The debug registers for every used slot (unused: zero, disabled). */
void arm64_hwdebug_regs(const struct arm64_hwdebug *h, struct arm64_debug_regs *out);

/* Which breakpoint slot matches pc (-1 if none). */
int arm64_hw_bp_match(const struct arm64_hwdebug *h, uint64_t pc);
/* Which watchpoint covers the data address far of a watchpoint exception (-1 if none).  The
 * hardware reports an address within the access, which may start below the watched bytes:
 * a slot matches when far lies in its aligned region.  *report gets the address to tell gdb
 * (far moved into the watched range, which gdb checks). */
int arm64_hw_wp_match(const struct arm64_hwdebug *h, uint64_t far, uint64_t *report);

/* A guest debug exception KVM reported (taken to EL2, so "from a lower EL") re-targeted to
 * EL1 as the guest would have seen it: the EC says "same EL" when the guest was at EL1. */
uint32_t arm64_debug_esr_to_el1(uint32_t esr, int guest_el);

/* Would the guest itself have taken a breakpoint/watchpoint exception of its own debug
 * registers here?  Not at EL1 with PSTATE.D set or MDSCR_EL1.KDE clear ("kernel debug" off):
 * there the CPU runs the instruction as if no slot matched.  KVM routes the guest's debug
 * exceptions to EL2 while userspace debugs (MDCR_EL2.TDE), where D and KDE mask nothing, so
 * they reach brkvm even then.  (From EL0 they are not masked by D.) */
bool arm64_guest_debug_masked(uint64_t pstate, uint64_t mdscr_el1);
#define ARM64_MDSCR_KDE (1ULL << 13)

#endif
