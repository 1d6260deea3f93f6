/* gdb_target.h - the narrow interface the GDB stub uses to reach the machine it debugs.
 * The stub never includes <linux/kvm.h>: the VMM implements these operations (vmm/debug.c),
 * the unit tests implement them over plain memory and a register file. */
#ifndef BRKVM_GDB_TARGET_H
#define BRKVM_GDB_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* gdb's AArch64 register numbers (features org.gnu.gdb.aarch64.core and .fpu) */
enum {
    GDB_REG_X0 = 0,
    GDB_REG_X29 = 29,
    GDB_REG_SP = 31,
    GDB_REG_PC = 32,
    GDB_REG_CPSR = 33, /* 32 bits */
    GDB_REG_V0 = 34,   /* v0-v31: 128 bits each */
    GDB_REG_FPSR = 66, /* 32 bits */
    GDB_REG_FPCR = 67, /* 32 bits */
    GDB_NUM_REGS = 68, /* the registers of a 'g' packet */
    GDB_REG_SYS0 = 68, /* system registers: read and written one at a time with p/P */
};

/* The system-register feature (org.brkvm.aarch64.sysregs), in gdb's numbering from
 * GDB_REG_SYS0, all 64 bits.  "el" is the current exception level decoded from PSTATE;
 * "SP_EL0" is sp_el0 under the name Linux's gdb scripts read ($lx_current on arm64). */
#define GDB_SYSREGS(X)                                                                             \
    X(sctlr_el1) X(tcr_el1) X(ttbr0_el1) X(ttbr1_el1) X(mair_el1) X(vbar_el1) X(esr_el1)           \
    X(far_el1) X(elr_el1) X(spsr_el1) X(sp_el0) X(sp_el1) X(tpidr_el0) X(tpidrro_el0)             \
    X(tpidr_el1) X(contextidr_el1) X(mdscr_el1) X(cntvct_el0) X(cntv_ctl_el0) X(cntv_cval_el0)    \
    X(mpidr_el1) X(midr_el1) X(id_aa64pfr0_el1) X(id_aa64pfr1_el1) X(id_aa64dfr0_el1)             \
    X(id_aa64isar0_el1) X(id_aa64isar1_el1) X(id_aa64mmfr0_el1) X(id_aa64mmfr1_el1)               \
    X(id_aa64mmfr2_el1) X(el) X(SP_EL0)

#define GDB_SYSREG_ONE(n) +1
enum { GDB_NUM_SYSREGS = 0 GDB_SYSREGS(GDB_SYSREG_ONE) };
#undef GDB_SYSREG_ONE
/* gdb's pointer-authentication feature (org.gnu.gdb.aarch64.pauth): the PAC bits of data and
 * code pointers, which gdb strips (backtraces through PAC-signed return addresses) */
#define GDB_REG_PAUTH_DMASK (GDB_REG_SYS0 + GDB_NUM_SYSREGS)
#define GDB_REG_PAUTH_CMASK (GDB_REG_PAUTH_DMASK + 1)
#define GDB_REG_PAUTH_DMASK_HIGH (GDB_REG_PAUTH_DMASK + 2) /* kernel (upper-half) masks */
#define GDB_REG_PAUTH_CMASK_HIGH (GDB_REG_PAUTH_DMASK + 3)
#define GDB_NUM_ALL_REGS (GDB_REG_PAUTH_CMASK_HIGH + 1)

/* gdb's SVE feature (org.gnu.gdb.aarch64.sve), offered instead of .fpu when the vCPUs have SVE
 * (gdb_target_ops.sve_vq not 0): z0-z31 take v0-v31's numbers (GDB_REG_V0 on), 16 * VQ bytes
 * each at the vCPUs' vector length of VQ quadwords; fpsr and fpcr keep theirs; the predicates
 * p0-p15 and ffr (2 * VQ bytes) and vg (the vector length in 64-bit granules) come after
 * every other register, so the numbers above stay the same with and without SVE. */
#define GDB_REG_Z0 GDB_REG_V0
#define GDB_REG_SVE_P0 GDB_NUM_ALL_REGS
#define GDB_REG_SVE_FFR (GDB_REG_SVE_P0 + 16)
#define GDB_REG_SVE_VG (GDB_REG_SVE_FFR + 1)
#define GDB_NUM_ALL_SVE_REGS (GDB_REG_SVE_VG + 1)
#define GDB_SVE_VQ_MAX 16    /* the architecture's longest vector: 2048 bits */
#define GDB_REG_MAX_SIZE 256 /* bytes of the largest register: z at GDB_SVE_VQ_MAX */

/* optional target description features (gdb_target_ops.features) */
#define GDB_FEATURE_PAUTH (1U << 0)

/* size in bytes of a register in gdb's numbering for vCPUs with SVE vectors of sve_vq
 * quadwords (0: no SVE, the fpu feature's v registers), 0 if there is no such register */
static inline unsigned gdb_reg_size_vq(int regno, unsigned sve_vq)
{
    if (sve_vq > GDB_SVE_VQ_MAX)
        return 0;
    if (regno >= GDB_REG_SVE_P0 && regno < GDB_NUM_ALL_SVE_REGS && sve_vq)
        return regno == GDB_REG_SVE_VG ? 8 : 2 * sve_vq;
    if (regno >= GDB_REG_SYS0 && regno < GDB_NUM_ALL_REGS)
        return 8;
    if (regno < 0 || regno >= GDB_NUM_REGS)
        return 0;
    if (regno == GDB_REG_CPSR || regno == GDB_REG_FPSR || regno == GDB_REG_FPCR)
        return 4;
    if (regno >= GDB_REG_V0 && regno < GDB_REG_FPSR)
        return sve_vq ? 16 * sve_vq : 16;
    return 8;
}

/* size in bytes of a register without SVE */
static inline unsigned gdb_reg_size(int regno)
{
    return gdb_reg_size_vq(regno, 0);
}

enum gdb_stop_reason {
    GDB_STOP_SWBREAK,   /* a software breakpoint of gdb's, at the address gdb set it */
    GDB_STOP_TRAP,      /* one of gdb's breakpoints hit through another virtual address (an
                           alias of the same guest-physical word, e.g. set before the MMU was
                           on): a plain SIGTRAP, since gdb ignores a swbreak it did not set */
    GDB_STOP_STEP,      /* a single step finished */
    GDB_STOP_HWBREAK,   /* a hardware breakpoint (Z1) */
    GDB_STOP_WATCH,     /* a watchpoint (Z2/Z3/Z4): data_addr, watch_type */
    GDB_STOP_INTERRUPT, /* gdb asked (Ctrl-C), or the stub stopped the guest on attach */
    GDB_STOP_ATTACH,    /* stopped when gdb attached / before the first instruction */
    GDB_STOP_SIGNAL,    /* the machine stopped itself (e.g. the guest kernel panicked):
                           signal, and msg for gdb's console */
};

struct gdb_stop {
    int thread; /* 1-based: vCPU index + 1 */
    enum gdb_stop_reason reason;
    uint64_t data_addr; /* GDB_STOP_WATCH: the address accessed */
    int watch_type;     /* GDB_STOP_WATCH: 2 write, 3 read, 4 access (as in Z2/Z3/Z4) */
    int signal;         /* GDB_STOP_SIGNAL: gdb's signal number (6 SIGABRT, 11 SIGSEGV) */
    char msg[128];      /* GDB_STOP_SIGNAL: a line gdb prints before the stop (an 'O' packet
                           while gdb waits for the stop; "" for none) */
};

enum gdb_action { GDB_ACT_STOP, GDB_ACT_CONT, GDB_ACT_STEP };

/* A breakpoint's target-side conditions and commands (gdb's ConditionalBreakpoints+ and
 * BreakpointCommands+): agent-expression bytecode as gdb sent it in the Z packet
 * (gdbstub/agent_expr.h).  With conditions, a hit counts only when one of them is true (or
 * cannot be evaluated); with commands, a hit runs them (gdb's agent dprintf) and is not reported. */
#define GDB_BP_CODES_MAX 32 /* conditions, and commands, per breakpoint */
struct gdb_bp_code {
    const uint8_t *code;
    size_t len;
};
struct gdb_bp_agent {
    unsigned ncond;
    struct gdb_bp_code cond[GDB_BP_CODES_MAX];
    unsigned ncmds;
    struct gdb_bp_code cmds[GDB_BP_CODES_MAX];
    bool persist; /* gdb's cmds:1: the commands outlive the connection */
};

struct gdb_target_ops {
    /* a debugger connects: stop every thread, turn guest debugging on, say where it stands */
    int (*attach)(void *t, struct gdb_stop *where);
    /* after the stop notification fired: take the pending stop, false if there is none */
    bool (*take_stop)(void *t, struct gdb_stop *stop);
    /* after the stop notification fired, before take_stop: console text the target produced
     * while running (agent dprintf), at most cap - 1 bytes NUL-terminated into buf; its length,
     * 0 for none (call again while it fills buf).  NULL: none */
    size_t (*take_output)(void *t, char *buf, size_t cap);
    int (*nr_threads)(void *t);
    /* GDB_FEATURE_* the target has (NULL: none) */
    unsigned (*features)(void *t);
    /* the SVE vector length of the vCPUs' registers in quadwords (1-16), 0 without SVE (NULL:
     * none); it sizes the registers (gdb_reg_size_vq) and the target description */
    unsigned (*sve_vq)(void *t);
    /* regno in gdb's numbering; buf holds gdb_reg_size_vq(regno, sve_vq) bytes, little endian
     * (z registers byte 0 first, predicates bit 0 first).  0/-errno */
    int (*read_reg)(void *t, int thread, int regno, uint8_t *buf);
    int (*write_reg)(void *t, int thread, int regno, const uint8_t *buf);
    /* guest-virtual (as seen by thread) or, with phys, guest-physical addresses.  Returns the
     * number of bytes done from the start (short on a fault part-way), or -EFAULT if none. */
    long (*read_mem)(void *t, int thread, uint64_t addr, uint8_t *buf, size_t len, bool phys);
    long (*write_mem)(void *t, int thread, uint64_t addr, const uint8_t *buf, size_t len,
                      bool phys);
    /* software breakpoints (BRK #0): 0, -EFAULT (address does not translate), -EINVAL */
    int (*insert_sw_bp)(void *t, int thread, uint64_t addr, bool phys);
    int (*remove_sw_bp)(void *t, int thread, uint64_t addr, bool phys);
    /* after a successful insert of a software (type 0) or hardware (type 1) breakpoint at addr:
     * its conditions and commands, replacing any earlier ones (a has none: none).  0/-errno.
     * NULL: the target cannot evaluate them (the stub does not offer ConditionalBreakpoints+) */
    int (*set_bp_agent)(void *t, int type, int thread, uint64_t addr, bool phys,
                        const struct gdb_bp_agent *a);
    /* hardware breakpoints (type 1) and watchpoints (2 write, 3 read, 4 access) on virtual
     * addresses, the same on every vCPU: 0, -ENOSPC (no free slot), -EINVAL (not expressible).
     * NULL: not supported. */
    int (*insert_hw)(void *t, int type, uint64_t addr, uint64_t len);
    int (*remove_hw)(void *t, int type, uint64_t addr, uint64_t len);
    /* run: actions[i] for thread i + 1.  The target reports the next stop asynchronously. */
    int (*resume)(void *t, const enum gdb_action *actions);
    /* ask every thread to stop (Ctrl-C); the stop is reported asynchronously */
    void (*interrupt)(void *t);
    /* gdb is gone: remove every breakpoint, let the guest run without debugging */
    void (*detach)(void *t);
    /* end the VM (gdb's 'k') */
    void (*kill)(void *t);
    /* the offset of the running kernel from its link addresses (KASLR slide), for qOffsets:
     * 0 or -ENOENT (unknown: no symbols, or the kernel's tables are not up yet); NULL: none */
    int (*offsets)(void *t, uint64_t *slide);
    /* monitor command (qRcmd) with gdb's current thread: append text output to *out (a
     * GString *); 0, or -ENOENT for an unknown command */
    int (*monitor)(void *t, int thread, const char *cmd, void *out);
};

#endif
