/* hwdebug.c - hardware breakpoint and watchpoint slots and their debug register encodings
 * (Arm ARM D2.8-D2.10, DBGBCR<n>_EL1 / DBGWCR<n>_EL1):
 *
 *   DBGBCR:  | BT[23:20]=0 unlinked address match | BAS[8:5]=0xf | PMC[2:1]=0b11 EL1+EL0 | E[0] |
 *   DBGWCR:  | MASK[28:24] | BAS[12:5] byte select | LSC[4:3] 01 load, 10 store | PAC[2:1] | E[0] |
 *   DBGBVR/DBGWVR: the virtual address, bits [63:53] a sign extension of bit 52.
 */
#include <brkvm/arm64_exception.h>
#include <brkvm/arm64_hwdebug.h>

#include <errno.h>
#include <string.h>

#define BCR_E (1ULL << 0)
#define BCR_PMC_EL1_EL0 (3ULL << 1)
#define BCR_BAS_A64 (0xfULL << 5)
#define WCR_E (1ULL << 0)
#define WCR_PAC_EL1_EL0 (3ULL << 1)
#define WCR_LSC_SHIFT 3
#define WCR_BAS_SHIFT 5
#define WCR_MASK_SHIFT 24
#define WP_MAX_MASK 31

enum arm64_watch_type arm64_watch_from_z(int ztype)
{
    return ztype == 2 ? ARM64_WATCH_WRITE : ztype == 3 ? ARM64_WATCH_READ : ARM64_WATCH_ACCESS;
}

int arm64_watch_to_z(enum arm64_watch_type t)
{
    return t == ARM64_WATCH_WRITE ? 2 : t == ARM64_WATCH_READ ? 3 : 4;
}

static uint64_t sign_extend_va(uint64_t addr)
{
    return (uint64_t)((int64_t)(addr << 11) >> 11); /* from bit 52 */
}

void arm64_hwdebug_init(struct arm64_hwdebug *h, unsigned nr_bps, unsigned nr_wps)
{
    memset(h, 0, sizeof(*h));
    h->nr_bps = nr_bps > ARM64_HW_SLOTS ? ARM64_HW_SLOTS : nr_bps;
    h->nr_wps = nr_wps > ARM64_HW_SLOTS ? ARM64_HW_SLOTS : nr_wps;
}

int arm64_hw_bp_insert(struct arm64_hwdebug *h, uint64_t addr)
{
    int free_slot = -1;

    if (addr & 3)
        return -EINVAL;
    addr = sign_extend_va(addr);
    for (unsigned i = 0; i < h->nr_bps; i++) {
        if (h->bp[i].used && h->bp[i].addr == addr)
            return 0;
        if (!h->bp[i].used && free_slot < 0)
            free_slot = (int)i;
    }
    if (free_slot < 0)
        return -ENOSPC;
    h->bp[free_slot] = (struct arm64_hw_bp){.used = true, .addr = addr};
    return 0;
}

int arm64_hw_bp_remove(struct arm64_hwdebug *h, uint64_t addr)
{
    addr = sign_extend_va(addr);
    for (unsigned i = 0; i < h->nr_bps; i++) {
        if (h->bp[i].used && h->bp[i].addr == addr) {
            h->bp[i].used = false;
            return 0;
        }
    }
    return -ENOENT;
}

/* BAS or MASK encoding of [addr, addr+len); -EINVAL if one slot cannot watch exactly that */
static int wp_encode(uint64_t addr, uint64_t len, uint64_t *wvr, uint64_t *bas, uint64_t *mask)
{
    if (len == 0)
        return -EINVAL;
    if (len <= 8) {
        uint64_t off = addr & 7;
        if (off + len > 8)
            return -EINVAL; /* crosses a doubleword: two slots would be needed */
        *wvr = addr & ~7ULL;
        *bas = ((1ULL << len) - 1) << off;
        *mask = 0;
        return 0;
    }
    if (len & (len - 1) || addr & (len - 1))
        return -EINVAL; /* a mask watches an aligned power-of-two region only */
    *mask = (uint64_t)__builtin_ctzll(len);
    if (*mask > WP_MAX_MASK)
        return -EINVAL;
    *wvr = addr;
    *bas = 0xff;
    return 0;
}

int arm64_hw_wp_insert(struct arm64_hwdebug *h, enum arm64_watch_type type, uint64_t addr,
                       uint64_t len)
{
    uint64_t wvr, bas, mask;
    int free_slot = -1;

    if (type < ARM64_WATCH_READ || type > ARM64_WATCH_ACCESS ||
        wp_encode(addr, len, &wvr, &bas, &mask))
        return -EINVAL;
    addr = sign_extend_va(addr);
    for (unsigned i = 0; i < h->nr_wps; i++) {
        const struct arm64_hw_wp *w = &h->wp[i];
        if (w->used && w->addr == addr && w->len == len && w->type == type)
            return 0;
        if (!w->used && free_slot < 0)
            free_slot = (int)i;
    }
    if (free_slot < 0)
        return -ENOSPC;
    h->wp[free_slot] = (struct arm64_hw_wp){.used = true, .addr = addr, .len = len, .type = type};
    return 0;
}

int arm64_hw_wp_remove(struct arm64_hwdebug *h, enum arm64_watch_type type, uint64_t addr,
                       uint64_t len)
{
    addr = sign_extend_va(addr);
    for (unsigned i = 0; i < h->nr_wps; i++) {
        struct arm64_hw_wp *w = &h->wp[i];
        if (w->used && w->addr == addr && w->len == len && w->type == type) {
            w->used = false;
            return 0;
        }
    }
    return -ENOENT;
}

bool arm64_hwdebug_active(const struct arm64_hwdebug *h)
{
    for (unsigned i = 0; i < ARM64_HW_SLOTS; i++)
        if (h->bp[i].used || h->wp[i].used)
            return true;
    return false;
}

void arm64_hwdebug_regs(const struct arm64_hwdebug *h, struct arm64_debug_regs *out)
{
    memset(out, 0, sizeof(*out));
    for (unsigned i = 0; i < ARM64_HW_SLOTS; i++) {
        const struct arm64_hw_wp *w = &h->wp[i];
        uint64_t wvr, bas, mask;

        if (h->bp[i].used) {
            out->bcr[i] = BCR_E | BCR_PMC_EL1_EL0 | BCR_BAS_A64;
            out->bvr[i] = h->bp[i].addr;
        }
        if (w->used && !wp_encode(w->addr, w->len, &wvr, &bas, &mask)) {
            out->wcr[i] = WCR_E | WCR_PAC_EL1_EL0 | ((uint64_t)w->type << WCR_LSC_SHIFT) |
                          (bas << WCR_BAS_SHIFT) | (mask << WCR_MASK_SHIFT);
            out->wvr[i] = sign_extend_va(wvr);
        }
    }
}

int arm64_hw_bp_match(const struct arm64_hwdebug *h, uint64_t pc)
{
    pc = sign_extend_va(pc);
    for (unsigned i = 0; i < ARM64_HW_SLOTS; i++)
        if (h->bp[i].used && h->bp[i].addr == pc)
            return (int)i;
    return -1;
}

int arm64_hw_wp_match(const struct arm64_hwdebug *h, uint64_t far, uint64_t *report)
{
    far = sign_extend_va(far);
    for (unsigned i = 0; i < ARM64_HW_SLOTS; i++) {
        const struct arm64_hw_wp *w = &h->wp[i];
        uint64_t lo, hi;
        if (!w->used)
            continue;
        /* the region the hardware compares: the doubleword (BAS) or the masked block */
        lo = w->len <= 8 ? w->addr & ~7ULL : w->addr;
        hi = w->len <= 8 ? lo + 8 : w->addr + w->len;
        if (far - lo < hi - lo) {
            *report = far < w->addr ? w->addr
                      : far - w->addr >= w->len ? w->addr + w->len - 1 : far;
            return (int)i;
        }
    }
    return -1;
}

uint32_t arm64_debug_esr_to_el1(uint32_t esr, int guest_el)
{
    unsigned ec = arm64_esr_ec(esr);

    if (guest_el == 1 && (ec == ARM64_EC_BREAKPT_LOW || ec == ARM64_EC_SOFTSTP_LOW ||
                          ec == ARM64_EC_WATCHPT_LOW))
        esr = (esr & ~(0x3fU << 26)) | ((ec + 1) << 26);
    return esr;
}

bool arm64_guest_debug_masked(uint64_t pstate, uint64_t mdscr_el1)
{
    if (arm64_pstate_el(pstate) != 1)
        return false;
    return (pstate & ARM64_PSTATE_D) || !(mdscr_el1 & ARM64_MDSCR_KDE);
}
