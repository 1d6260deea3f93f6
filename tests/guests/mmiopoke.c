/* mmiopoke.c - a hostile guest that pokes every MMIO range of brkvm's memory map, the holes
 * between them and addresses past the end of RAM and of the IPA space, with every access width,
 * seeded random values, unaligned accesses and the accesses that give KVM no valid syndrome
 * (load/store pairs, SIMD/FP registers, writeback, LSE atomics).  Its own vector table
 * (mmiopoke_ops.S) counts each data abort and skips the instruction, so the guest survives them.
 *
 * Each access has an expected outcome, checked by the guest itself:
 *   ok      completes without an abort (an ISV access: brkvm's bus or KVM's vGIC emulates it;
 *           a read of a hole gives 0)
 *   ext     a synchronous external abort (DFSC 0x10) at that address: brkvm injects it for an
 *           MMIO access KVM cannot emulate (KVM_EXIT_ARM_NISV)
 *   align   an alignment fault (DFSC 0x21): the MMU is off, so all is Device memory
 *   fault   any abort (beyond the VM's IPA space or the CPU's physical address range)
 *   any     either, reported (LDXR/LDAR: whether the CPU gives a syndrome is the CPU's choice)
 *   unaligned  an alignment fault, an external abort or a completion (see poke_unaligned)
 * Only ESR_EL1's low 32 bits are checked: the test host's KVM (Linux 6.1, inject_abt64) builds the
 * ESR it injects from a sign-extended int, so bits 63:32 are set (counted as esr-hi).
 * A load that aborted must leave its register unchanged (the instruction was skipped).
 * Prints POKE-CAT lines per category, POKE-BAD for each unexpected outcome (the first 16),
 * then POKE-TOTAL cases=N faults=N bad=N seed=S and powers off. */
#include "guest_c.h"

unsigned long poke_r8(unsigned long a, unsigned long s);
unsigned long poke_r16(unsigned long a, unsigned long s);
unsigned long poke_r32(unsigned long a, unsigned long s);
unsigned long poke_r64(unsigned long a, unsigned long s);
void poke_w8(unsigned long a, unsigned long v);
void poke_w16(unsigned long a, unsigned long v);
void poke_w32(unsigned long a, unsigned long v);
void poke_w64(unsigned long a, unsigned long v);
unsigned long poke_ldp(unsigned long a, unsigned long s, unsigned long *second);
void poke_stp(unsigned long a, unsigned long v);
unsigned long poke_ldpw(unsigned long a, unsigned long s);
unsigned long poke_ldq(unsigned long a, unsigned long s);
void poke_stq(unsigned long a, unsigned long v);
unsigned long poke_ldd(unsigned long a, unsigned long s);
unsigned long poke_ldr_post(unsigned long a, unsigned long s);
void poke_str_pre(unsigned long a, unsigned long v);
unsigned long poke_ldadd(unsigned long a, unsigned long s);
unsigned long poke_ldxr(unsigned long a, unsigned long s);
unsigned long poke_ldar(unsigned long a, unsigned long s);
void set_poke_vectors(void);
extern volatile unsigned long poke_nfaults, poke_last_esr, poke_last_far, poke_last_elr;

#define UART 0x01000000UL
#define VIRTIO 0x03000000UL
#define VIRTIO_SLOT 0x200UL
#define VIRTIO_SLOTS 16
#define GICD 0x3fff0000UL
#define GICR (GICD - 0x20000UL) /* one vCPU: its RD + SGI frames */
#define RAM 0x80000000UL
#define RAM_SIZE (64UL << 20) /* the scenario runs with -m 64M */
#define SEED 0x2545f4914f6cdd1dUL
#define SENTINEL 0x5a5a5a5a5a5a5a5aUL

enum op { R8, R16, R32, R64, W8, W16, W32, W64, LDP, STP, LDPW, LDQ, STQ, LDD, LDRPOST, STRPRE,
          LDADD, LDXR, LDAR, NOPS };
static const char *const op_names[NOPS] = {
    "r8", "r16", "r32", "r64", "w8", "w16", "w32", "w64", "ldp", "stp", "ldp-w", "ldr-q",
    "str-q", "ldr-d", "ldr-post", "str-pre", "ldadd", "ldxr", "ldar"};
/* the ops without a valid syndrome, and the ones whose syndrome the CPU may or may not give */
static const enum op nisv_ops[] = {LDP, STP, LDPW, LDQ, STQ, LDD, LDRPOST, STRPRE, LDADD};
#define N_NISV (sizeof(nisv_ops) / sizeof(nisv_ops[0]))

enum exp { EXP_OK, EXP_EXT, EXP_ALIGN, EXP_FAULT, EXP_ANY, EXP_UNALIGNED };
static const char *const exp_names[] = {"ok", "ext", "align", "fault", "any", "unaligned"};

struct cat {
    const char *name;
    unsigned long cases, faults, bad;
};

static unsigned long rng_state = SEED;
static unsigned long total_cases, total_faults, total_bad;
static unsigned long esr_hi; /* aborts whose ESR_EL1 had bits 63:32 set (KVM 6.1's injection) */
static int have_lse;
static unsigned long value_or; /* ORed into the random value written */
static volatile unsigned long ram_buf[8] __attribute__((aligned(64)));

static unsigned long rnd(void)
{
    unsigned long x = rng_state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    rng_state = x;
    return x * 0x2545f4914f6cdd1dUL;
}

static int is_load(enum op o)
{
    return o <= R64 || o == LDP || o == LDPW || o == LDQ || o == LDD || o == LDRPOST ||
           o == LDADD || o == LDXR || o == LDAR;
}

/* one access; returns the loaded value (SENTINEL-based for a skipped load) */
static unsigned long do_op(enum op o, unsigned long a, unsigned long v, unsigned long *second)
{
    *second = SENTINEL;
    switch (o) {
    case R8: return poke_r8(a, SENTINEL);
    case R16: return poke_r16(a, SENTINEL);
    case R32: return poke_r32(a, SENTINEL);
    case R64: return poke_r64(a, SENTINEL);
    case W8: poke_w8(a, v); return 0;
    case W16: poke_w16(a, v); return 0;
    case W32: poke_w32(a, v); return 0;
    case W64: poke_w64(a, v); return 0;
    case LDP: return poke_ldp(a, SENTINEL, second);
    case STP: poke_stp(a, v); return 0;
    case LDPW: return poke_ldpw(a, SENTINEL);
    case LDQ: return poke_ldq(a, SENTINEL);
    case STQ: poke_stq(a, v); return 0;
    case LDD: return poke_ldd(a, SENTINEL);
    case LDRPOST: return poke_ldr_post(a, SENTINEL);
    case STRPRE: poke_str_pre(a, v); return 0;
    case LDADD: return poke_ldadd(a, SENTINEL);
    case LDXR: return poke_ldxr(a, SENTINEL);
    case LDAR: return poke_ldar(a, SENTINEL);
    default: return 0;
    }
}

static void report_bad(struct cat *c, enum op o, enum exp e, unsigned long a, int faulted,
                       unsigned long val, const char *why)
{
    c->bad++;
    total_bad++;
    if (total_bad > 16)
        return;
    puts("POKE-BAD cat=");
    puts(c->name);
    puts(" op=");
    puts(op_names[o]);
    puts(" addr=");
    puthex(a);
    puts(" want=");
    puts(exp_names[e]);
    puts(faulted ? " got=abort esr=" : " got=done value=");
    puthex(faulted ? poke_last_esr : val);
    if (faulted) {
        puts(" far=");
        puthex(poke_last_far);
    }
    puts(" (");
    puts(why);
    puts(")\r\n");
}

/* one case: access, compare with the expectation; want_zero: a completed load must read 0 */
static void poke(struct cat *c, enum op o, unsigned long a, enum exp e, int want_zero)
{
    unsigned long before = poke_nfaults, second, val, dfsc;
    int faulted;

    if (o == LDADD && !have_lse)
        return;
    val = do_op(o, a, rnd() | value_or, &second);
    faulted = poke_nfaults != before;
    dfsc = poke_last_esr & 0x3f;
    c->cases++;
    total_cases++;
    if (faulted) {
        c->faults++;
        total_faults++;
        if (poke_last_esr >> 32)
            esr_hi++;
    }
    if (faulted && poke_nfaults != before + 1)
        report_bad(c, o, e, a, faulted, val, "more than one abort for one access");
    else if (e == EXP_OK && faulted)
        report_bad(c, o, e, a, faulted, val, "aborted");
    else if ((e == EXP_EXT || e == EXP_ALIGN || e == EXP_FAULT) && !faulted)
        report_bad(c, o, e, a, faulted, val, "completed");
    else if (faulted && (e == EXP_EXT || e == EXP_ANY) && dfsc != 0x10)
        report_bad(c, o, e, a, faulted, val, "not an external abort");
    else if (faulted && e == EXP_ALIGN && dfsc != 0x21)
        report_bad(c, o, e, a, faulted, val, "not an alignment fault");
    else if (faulted && e == EXP_UNALIGNED && dfsc != 0x21 && dfsc != 0x10)
        report_bad(c, o, e, a, faulted, val, "neither an alignment fault nor an external abort");
    else if (faulted && e != EXP_FAULT && e != EXP_UNALIGNED && poke_last_far != a)
        report_bad(c, o, e, a, faulted, val, "FAR is not the address");
    else if (faulted && is_load(o) && (val != SENTINEL || second != SENTINEL))
        report_bad(c, o, e, a, faulted, val, "a skipped load changed its register");
    else if (!faulted && want_zero && is_load(o) && val != 0)
        report_bad(c, o, e, a, faulted, val, "a hole read non-zero");
}

static void cat_print(const struct cat *c)
{
    puts("POKE-CAT ");
    puts(c->name);
    puts(" cases=");
    putdec(c->cases);
    puts(" faults=");
    putdec(c->faults);
    puts(" bad=");
    putdec(c->bad);
    puts("\r\n");
}

/* every width at every aligned offset of [base, base + size) in steps of `step` */
static void poke_widths(struct cat *c, unsigned long base, unsigned long size, unsigned long step,
                        int writes, int want_zero)
{
    static const enum op rd[4] = {R8, R16, R32, R64}, wr[4] = {W8, W16, W32, W64};

    for (unsigned long off = 0; off < size; off += step)
        for (unsigned w = 0; w < 4; w++) {
            unsigned long n = 1UL << w;
            if (off % n || off + n > size)
                continue;
            poke(c, rd[w], base + off, EXP_OK, want_zero);
            if (writes)
                poke(c, wr[w], base + off, EXP_OK, 0);
        }
}

/* the accesses without a syndrome at a (16-byte aligned): an external abort each; LDXR and
 * LDAR: either */
static void poke_nisv(struct cat *c, unsigned long a, enum exp e, int hole)
{
    for (unsigned i = 0; i < N_NISV; i++)
        poke(c, nisv_ops[i], a, e, 0);
    poke(c, LDXR, a, e == EXP_EXT ? EXP_ANY : e, hole);
    poke(c, LDAR, a, e == EXP_EXT ? EXP_ANY : e, hole);
}

/* unaligned accesses: the MMU is off, so this is Device memory and an Armv8 CPU raises an
 * alignment fault in the guest itself; the test host's emulated CPU (QEMU TCG) does not check
 * and the access reaches KVM, with a syndrome (brkvm gets an odd address or an access that
 * runs past a register or a device's end) or without (an injected abort).  All are accepted;
 * what is tested is brkvm's handling of what reaches it.  hole: a completed load reads 0. */
static void poke_unaligned(struct cat *c, unsigned long a, int hole)
{
    poke(c, R16, a + 1, EXP_UNALIGNED, hole);
    poke(c, R32, a + 2, EXP_UNALIGNED, hole);
    poke(c, R64, a + 4, EXP_UNALIGNED, hole);
    poke(c, R64, a + 7, EXP_UNALIGNED, hole);
    poke(c, W32, a + 1, EXP_UNALIGNED, 0);
    poke(c, W64, a + 3, EXP_UNALIGNED, 0);
    poke(c, LDP, a + 4, EXP_UNALIGNED, 0);
    poke(c, LDQ, a + 8, EXP_UNALIGNED, 0);
}

static void check_value(struct cat *c, const char *what, unsigned long got, unsigned long want)
{
    c->cases++;
    total_cases++;
    if (got == want)
        return;
    c->bad++;
    total_bad++;
    puts("POKE-BAD cat=");
    puts(c->name);
    puts(" ");
    puts(what);
    puts(" got=");
    puthex(got);
    puts(" want=");
    puthex(want);
    puts("\r\n");
}

static void uart_restore(void)
{
    poke_w8(UART + 3, 0x00); /* LCR: DLAB off */
    poke_w8(UART + 1, 0x00); /* IER */
    poke_w8(UART + 2, 0x06); /* FCR: clear the FIFOs */
    poke_w8(UART + 4, 0x08); /* MCR: OUT2, loopback off */
}

/* the DTB (x0 at entry) contains s, e.g. in /chosen/bootargs (brkvm -p "poke=nisv") */
static int dtb_has(unsigned long dtb, const char *s)
{
    const volatile unsigned char *p = (const volatile unsigned char *)dtb;
    unsigned long size;

    if (dtb < RAM || dtb >= RAM + RAM_SIZE)
        return 0;
    size = (unsigned long)p[4] << 24 | (unsigned long)p[5] << 16 | (unsigned long)p[6] << 8 | p[7];
    if (size > 0x10000)
        size = 0x10000;
    for (unsigned long i = 0; i < size; i++) {
        unsigned long j = 0;
        while (s[j] && i + j < size && p[i + j] == (unsigned char)s[j])
            j++;
        if (!s[j])
            return 1;
    }
    return 0;
}

int main(unsigned long dtb)
{
    struct cat ram = {.name = "ram-control"}, uart = {.name = "uart"},
               virtio = {.name = "virtio"}, gic = {.name = "gic"}, holes = {.name = "holes"},
               beyond = {.name = "beyond-ipa"}, nisv = {.name = "no-syndrome"},
               unal = {.name = "unaligned"}, after = {.name = "after"},
               straddle = {.name = "ram-edge-pairs"};
    static const unsigned long hole_addrs[] = {
        0x0, 0x1000, 0x00ff0000, UART + 0x10, 0x01020000 /* pvpanic's, not enabled */,
        0x02000000, VIRTIO + VIRTIO_SLOTS * VIRTIO_SLOT, 0x10000000, GICR - 0x20000,
        0x40000000, RAM - 0x40, RAM + RAM_SIZE, RAM + RAM_SIZE + 0x1000, 0xfffff000UL,
        0x100000000UL, (1UL << 40) - 0x1000};
    static const unsigned long beyond_addrs[] = {1UL << 40, (1UL << 44) + 0x10, (1UL << 47),
                                                 1UL << 48, 1UL << 52};
    unsigned long slots = 0, second, v;
    int only_nisv; /* -p poke=nisv: only the accesses without a syndrome (for --debug-mmio) */

    set_poke_vectors();
    SYSREG_WRITE("cpacr_el1", 3UL << 20); /* FP/SIMD at EL1 */
    __asm__ volatile("isb");
    have_lse = ((SYSREG_READ("id_aa64isar0_el1") >> 20) & 0xf) >= 2;
    only_nisv = dtb_has(dtb, "poke=nisv");
    puts("GUEST-POKE start seed=");
    puthex(SEED);
    puts(have_lse ? " lse=1" : " lse=0");
    puts(only_nisv ? " only=no-syndrome\r\n" : "\r\n");

    /* 1. the primitives themselves, on RAM: every one completes with the right value */
    for (unsigned i = 0; i < 8; i++)
        ram_buf[i] = 0x1111111111111111UL * (i + 1);
    v = poke_ldp((unsigned long)&ram_buf[0], SENTINEL, &second);
    check_value(&ram, "ldp[0]", v, 0x1111111111111111UL);
    check_value(&ram, "ldp[1]", second, 0x2222222222222222UL);
    check_value(&ram, "ldr-q", poke_ldq((unsigned long)&ram_buf[2], SENTINEL),
                0x3333333333333333UL);
    check_value(&ram, "ldr-d", poke_ldd((unsigned long)&ram_buf[3], SENTINEL),
                0x4444444444444444UL);
    check_value(&ram, "ldr-post", poke_ldr_post((unsigned long)&ram_buf[4], SENTINEL),
                0x5555555555555555UL);
    poke_stp((unsigned long)&ram_buf[6], 0x77);
    check_value(&ram, "stp", ram_buf[6] + ram_buf[7], 0xee);
    poke_str_pre((unsigned long)&ram_buf[5], 0x66);
    check_value(&ram, "str-pre", ram_buf[5], 0x66);
    poke_stq((unsigned long)&ram_buf[0], 0x99);
    check_value(&ram, "str-q", ram_buf[0] + ram_buf[1], 0x132);
    if (have_lse)
        check_value(&ram, "ldadd", poke_ldadd((unsigned long)&ram_buf[5], 1) + ram_buf[5],
                    0x66 + 0x67);
    check_value(&ram, "faults", poke_nfaults, 0);
    cat_print(&ram);

    for (unsigned s = 0; s < VIRTIO_SLOTS; s++)
        if (poke_r32(VIRTIO + s * VIRTIO_SLOT, 0) == 0x74726976)
            slots = s + 1;
    if (!only_nisv) {
        /* 2. the UART: every register, every width, random values (MCR always in loopback so the
         * random bytes written to THR stay in the UART instead of reaching brkvm's stdout) */
        poke_w8(UART + 4, 0x18);
        for (unsigned round = 0; round < 4; round++)
            for (unsigned long off = 0; off < 8; off++)
                for (unsigned w = 0; w < 4; w++) {
                    unsigned long n = 1UL << w;
                    if (off % n || off + n > 8)
                        continue;
                    poke(&uart, (enum op)(R8 + w), UART + off, EXP_OK, 0);
                    value_or = off == 4 ? 0x10 : 0; /* MCR keeps loopback */
                    poke(&uart, (enum op)(W8 + w), UART + off, EXP_OK, 0);
                    value_or = 0;
                }
        uart_restore();
        cat_print(&uart);

        /* 3. the 16 virtio-mmio slots: every register as 32 bits (random writes: status, queue
         * layout, notifications with random values), other widths, the config space */
        for (unsigned round = 0; round < 2; round++)
            for (unsigned s = 0; s < VIRTIO_SLOTS; s++) {
                unsigned long base = VIRTIO + s * VIRTIO_SLOT;
                int empty = s >= slots;
                for (unsigned long off = 0; off < 0x100; off += 4) {
                    poke(&virtio, R32, base + off, EXP_OK, empty);
                    poke(&virtio, W32, base + off, EXP_OK, 0);
                }
                poke_widths(&virtio, base + 0x100, 0x40, 1, round, empty);
                poke_widths(&virtio, base, 0x80, 2, 0, empty);
                poke_w32(base + 0x70, 0); /* reset the device again */
            }
        cat_print(&virtio);

        /* 4. the in-kernel GIC (KVM's vGIC): distributor and redistributor, reads everywhere,
         * random writes at a sample of offsets */
        poke_widths(&gic, GICD, 0x10000, 0x40, 0, 0);
        poke_widths(&gic, GICR, 0x20000, 0x80, 0, 0);
        for (unsigned long off = 0; off < 0x10000; off += 0x100)
            poke(&gic, W32, GICD + off + (rnd() & 0xfc), EXP_OK, 0);
        for (unsigned long off = 0; off < 0x20000; off += 0x200)
            poke(&gic, W32, GICR + off + (rnd() & 0xfc), EXP_OK, 0);
        cat_print(&gic);

        /* 5. holes: nothing there, reads give 0, writes are ignored */
        for (unsigned i = 0; i < sizeof(hole_addrs) / sizeof(hole_addrs[0]); i++)
            poke_widths(&holes, hole_addrs[i], 0x20, 1, 1, 1);
        cat_print(&holes);

        /* 6. beyond the VM's 40-bit IPA space and the CPU's physical range: an abort, whichever */
        for (unsigned i = 0; i < sizeof(beyond_addrs) / sizeof(beyond_addrs[0]); i++) {
            static const enum op ops[] = {R8, R32, R64, W8, W64};
            for (unsigned j = 0; j < sizeof(ops) / sizeof(ops[0]); j++)
                poke(&beyond, ops[j], beyond_addrs[i], EXP_FAULT, 0);
            poke_nisv(&beyond, beyond_addrs[i], EXP_FAULT, 0);
        }
        cat_print(&beyond);

    }
    /* 7. accesses without a syndrome at each kind of MMIO: brkvm's devices, the vGIC, holes */
    {
        const unsigned long dev[] = {UART, VIRTIO, VIRTIO + 0x100, VIRTIO + 0x70, GICD, GICR,
                                     GICR + 0x10000};
        const unsigned long hole[] = {VIRTIO + (VIRTIO_SLOTS - 1) * VIRTIO_SLOT, 0x0, 0x02000000,
                                      0x40000000, RAM - 0x10, RAM + RAM_SIZE, 0xfffffff0UL,
                                      (1UL << 40) - 0x10};
        for (unsigned round = 0; round < 3; round++) {
            for (unsigned i = 0; i < sizeof(dev) / sizeof(dev[0]); i++)
                poke_nisv(&nisv, dev[i], EXP_EXT, 0);
            for (unsigned i = 0; i < sizeof(hole) / sizeof(hole[0]); i++)
                poke_nisv(&nisv, hole[i], EXP_EXT, 1);
        }
    }
    cat_print(&nisv);

    /* 7b. pairs across the start and the end of RAM: half in RAM, half in a hole */
    poke(&straddle, LDP, RAM - 8, EXP_FAULT, 0);
    poke(&straddle, STP, RAM - 8, EXP_FAULT, 0);
    poke(&straddle, LDP, RAM + RAM_SIZE - 8, EXP_FAULT, 0);
    poke(&straddle, STP, RAM + RAM_SIZE - 8, EXP_FAULT, 0);
    poke(&straddle, LDPW, RAM + RAM_SIZE - 4, EXP_FAULT, 0);
    cat_print(&straddle);

    if (!only_nisv) {
        /* 8. unaligned, also across the end of a register, of a device (the UART's 8 bytes, a
         * virtio slot into the next), of the vGIC's frames, and from a hole into RAM */
        poke_unaligned(&unal, UART, 0);
        poke_unaligned(&unal, VIRTIO, 0);
        poke_unaligned(&unal, VIRTIO + 0x100, 0);
        poke_unaligned(&unal, GICD, 0);
        poke_unaligned(&unal, GICR + 0xfff8, 0);
        poke_unaligned(&unal, 0x02000000, 1);
        poke_unaligned(&unal, RAM + RAM_SIZE, 1);
        poke_unaligned(&unal, RAM - 8, 0);
        poke(&unal, R64, UART + 4, EXP_UNALIGNED, 1);   /* past the UART's end: a hole */
        poke(&unal, R32, UART + 6, EXP_UNALIGNED, 1);
        poke(&unal, W64, UART + 4, EXP_UNALIGNED, 0);
        for (unsigned s = 0; s < 3; s++) {
            poke(&unal, R64, VIRTIO + s * VIRTIO_SLOT + 0x1fc, EXP_UNALIGNED, 1); /* two slots */
            poke(&unal, W64, VIRTIO + s * VIRTIO_SLOT + 0x1fc, EXP_UNALIGNED, 0);
        }
        poke(&unal, R64, GICD - 4, EXP_UNALIGNED, 0);    /* redistributor into distributor */
        poke(&unal, R64, GICR - 4, EXP_UNALIGNED, 0);    /* a hole into the redistributor */
        cat_print(&unal);

    }
    /* 9. afterwards: the devices still answer as they should */
    poke_w8(UART + 7, 0xa5);
    check_value(&after, "uart-scr", poke_r8(UART + 7, 0), 0xa5);
    check_value(&after, "uart-lsr-thre", poke_r8(UART + 5, 0) & 0x60, 0x60);
    check_value(&after, "uart-lcr", poke_r8(UART + 3, 0), 0);
    for (unsigned s = 0; s < VIRTIO_SLOTS; s++) {
        unsigned long base = VIRTIO + s * VIRTIO_SLOT;
        check_value(&after, "virtio-magic", poke_r32(base, 0), s < slots ? 0x74726976 : 0);
        check_value(&after, "virtio-version", poke_r32(base + 4, 0), s < slots ? 2 : 0);
        check_value(&after, "virtio-status", poke_r32(base + 0x70, 1), 0);
    }
    check_value(&after, "ram-intact", ram_buf[2], 0x3333333333333333UL);
    cat_print(&after);

    puts("POKE-TOTAL cases=");
    putdec(total_cases);
    puts(" faults=");
    putdec(total_faults);
    puts(" bad=");
    putdec(total_bad);
    puts(" esr-hi=");
    putdec(esr_hi);
    puts(" virtio-slots=");
    putdec(slots);
    puts(" seed=");
    puthex(SEED);
    puts("\r\n");
    return 0;
}
