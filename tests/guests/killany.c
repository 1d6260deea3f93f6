/* killany.c - the guest of scenario gdb-kill-anywhere: it debugs itself and checks, loop after
 * loop, that a debugger killed at any moment left nothing of its own behind.
 *
 * At start: OS lock cleared, MDSCR_EL1 = MDE | KDE | TDCC, PSTATE.D clear, and its own debug
 * registers: breakpoint slot 1 on own_bp_fn and watchpoint slot 1 on stores to own_wp_var (both
 * hit once per loop, counted by killany_vectors.S), breakpoint slot 3 and watchpoint slot 3
 * armed on code and data nothing touches, breakpoint slot 4 and watchpoint slot 2 holding
 * disarmed patterns.  It checksums its own text (_start .. __text_end, FNV-1a over words) once
 * (ka_status.text_sum, printed as GUEST-KA-START; the scenario compares it with the ELF file).
 *
 * Each loop then checks (flags of a bad loop):
 *   TEXT   the text checksums to text_sum (no BRK or other word left in it)
 *   DBGREG every slot above reads back as set
 *   MDSCR  MDSCR_EL1's SS, TDCC, KDE, HDE, MDE bits are as set (SS clear)
 *   OWNBP  its own breakpoint fired exactly once, OWNWP its own watchpoint exactly once
 *   CLOCK  CNTVCT_EL0 advanced during the loop and never went back since the last one
 * and runs ka_work() (code and data for a debugger's breakpoints and watchpoints).
 * A loop during which the guest was held (a debugger stopped it: brkvm then holds the virtual
 * counter, so CNTPCT_EL0 - CNTVCT_EL0 changes; the guest brackets that offset between two reads
 * and sees two brackets that do not overlap) is not judged: it resets the streak of good loops.
 * ka_status (read by the scenario's gdb at each attach): loops, streak (good loops in a row,
 * unheld), held, bad loops, the last bad flags, and `ever`: DBGREG/MDSCR/CLOCK failures of any
 * loop, held or not, which no debugger may cause.  Lines:
 *   GUEST-KA loops=N text=ok dbg=ok mdscr=ok bp=ok wp=ok clock=ok streak=S held=H
 * when a streak reaches KA_REPORT loops, and every KA_PERIOD loops ("BAD" for what the loop
 * found wrong).  (Printing is slow: each byte is a UART exit; a report at every bad loop kept
 * the guest printing while the next debugger came.)
 * Compiled with -ffixed-x28: x28 is the debugger's to write. */
#include "guest_c.h"

#define KA_REPORT 64   /* a clean run of this many loops is reported */
#define KA_PERIOD 4096 /* and every this many loops, what the last one found */
#define F_TEXT 1UL
#define F_DBGREG 2UL
#define F_MDSCR 4UL
#define F_OWNBP 8UL
#define F_OWNWP 16UL
#define F_CLOCK 32UL
#define F_EVER (F_DBGREG | F_MDSCR | F_CLOCK)

#define MDSCR_SS (1UL << 0)
#define MDSCR_TDCC (1UL << 12)
#define MDSCR_KDE (1UL << 13)
#define MDSCR_HDE (1UL << 14)
#define MDSCR_MDE (1UL << 15)
#define MDSCR_MASK (MDSCR_SS | MDSCR_TDCC | MDSCR_KDE | MDSCR_HDE | MDSCR_MDE)
#define MDSCR_WANT (MDSCR_TDCC | MDSCR_KDE | MDSCR_MDE)
#define BCR_ON 0x1e7UL  /* E, PMC = EL1 and EL0, BAS = 0b1111 */
#define BCR_OFF 0x1e6UL /* the same, disarmed */
#define WCR_STORE_8 0x1ff7UL /* E, PAC = EL1 and EL0, LSC = store, BAS = 0xff */
#define WCR_ANY_8 0x1fffUL   /* E, loads and stores */
#define WCR_OFF 0x1ff6UL
#define BVR_PATTERN 0x80abc000UL
#define WVR_PATTERN 0x80def000UL

extern char _start[], __text_end[];
extern volatile unsigned long own_bp_hits, own_wp_hits;
void set_killany_vectors(void);
void own_bp_fn(void);
void own_wp_store(volatile unsigned long *p, unsigned long v);
void ka_work(unsigned long i);
void ka_never(void);
void ka_never2(void);
int main(void);

struct ka_status {
    unsigned long magic; /* 0x4b414b414b414b41 */
    unsigned long loops, streak, held, bad_loops, last_bad, ever, ever_flags;
    unsigned long text_sum, cnt, freq;
    unsigned long run_loops, run_bad, last_bad_loop; /* since the last hold; its loop number */
};
volatile struct ka_status ka_status = {.magic = 0x4b414b414b414b41UL};
volatile unsigned long own_wp_var __attribute__((aligned(8)));
volatile unsigned long ka_untouched __attribute__((aligned(8)));
volatile unsigned long ka_watched, ka_calls;
volatile unsigned long ka_scratch[8]; /* the debugger's to write */

/* a debugger's breakpoint targets: one called every loop, two never */
__attribute__((noinline)) void ka_work(unsigned long i)
{
    ka_calls = ka_calls + 1;
    ka_watched = i;
}

__attribute__((noinline)) void ka_never(void)
{
    ka_untouched = 1;
}

__attribute__((noinline)) void ka_never2(void)
{
    ka_untouched = 2;
}

static unsigned long text_checksum(void)
{
    unsigned long h = 0xcbf29ce484222325UL;

    for (const volatile unsigned int *p = (const unsigned int *)_start;
         p < (const unsigned int *)__text_end; p++)
        h = (h ^ *p) * 0x100000001b3UL;
    return h;
}

static void arm_debug(void)
{
    SYSREG_WRITE("dbgbvr1_el1", (unsigned long)own_bp_fn);
    SYSREG_WRITE("dbgbcr1_el1", BCR_ON);
    SYSREG_WRITE("dbgbvr3_el1", (unsigned long)ka_never2);
    SYSREG_WRITE("dbgbcr3_el1", BCR_ON);
    SYSREG_WRITE("dbgbvr4_el1", BVR_PATTERN);
    SYSREG_WRITE("dbgbcr4_el1", BCR_OFF);
    SYSREG_WRITE("dbgwvr1_el1", (unsigned long)&own_wp_var);
    SYSREG_WRITE("dbgwcr1_el1", WCR_STORE_8);
    SYSREG_WRITE("dbgwvr2_el1", WVR_PATTERN);
    SYSREG_WRITE("dbgwcr2_el1", WCR_OFF);
    SYSREG_WRITE("dbgwvr3_el1", (unsigned long)&ka_untouched);
    SYSREG_WRITE("dbgwcr3_el1", WCR_ANY_8);
    __asm__ volatile("msr oslar_el1, xzr\n\tisb");
    SYSREG_WRITE("mdscr_el1", (SYSREG_READ("mdscr_el1") & ~MDSCR_MASK) | MDSCR_WANT);
    __asm__ volatile("isb\n\tmsr daifclr, #8\n\tisb" ::: "memory"); /* PSTATE.D = 0 */
}

static int debug_regs_ok(void)
{
    return SYSREG_READ("dbgbvr1_el1") == (unsigned long)own_bp_fn &&
           SYSREG_READ("dbgbcr1_el1") == BCR_ON &&
           SYSREG_READ("dbgbvr3_el1") == (unsigned long)ka_never2 &&
           SYSREG_READ("dbgbcr3_el1") == BCR_ON &&
           SYSREG_READ("dbgbvr4_el1") == BVR_PATTERN && SYSREG_READ("dbgbcr4_el1") == BCR_OFF &&
           SYSREG_READ("dbgwvr1_el1") == (unsigned long)&own_wp_var &&
           SYSREG_READ("dbgwcr1_el1") == WCR_STORE_8 &&
           SYSREG_READ("dbgwvr2_el1") == WVR_PATTERN && SYSREG_READ("dbgwcr2_el1") == WCR_OFF &&
           SYSREG_READ("dbgwvr3_el1") == (unsigned long)&ka_untouched &&
           SYSREG_READ("dbgwcr3_el1") == WCR_ANY_8;
}

/* [lo, hi] brackets CNTPCT - CNTVCT, which changes only while brkvm holds the guest */
struct bracket {
    unsigned long lo, hi;
};

static struct bracket offset_bracket(void)
{
    unsigned long v1, p, v2;

    __asm__ volatile("isb\n\tmrs %0, cntvct_el0\n\tisb\n\tmrs %1, cntpct_el0\n\tisb\n\t"
                     "mrs %2, cntvct_el0"
                     : "=r"(v1), "=r"(p), "=r"(v2));
    return (struct bracket){.lo = p - v2, .hi = p - v1};
}

static int overlap(struct bracket a, struct bracket b)
{
    return a.lo <= b.hi && b.lo <= a.hi;
}

static void report(unsigned long flags)
{
    puts("GUEST-KA loops=");
    putdec(ka_status.loops);
    puts(flags & F_TEXT ? " text=BAD" : " text=ok");
    puts(flags & F_DBGREG ? " dbg=BAD" : " dbg=ok");
    puts(flags & F_MDSCR ? " mdscr=BAD" : " mdscr=ok");
    puts(flags & F_OWNBP ? " bp=BAD" : " bp=ok");
    puts(flags & F_OWNWP ? " wp=BAD" : " wp=ok");
    puts(flags & F_CLOCK ? " clock=BAD" : " clock=ok");
    puts(" streak=");
    putdec(ka_status.streak);
    puts(" held=");
    putdec(ka_status.held);
    puts("\r\n");
}

int main(void)
{
    struct bracket prev;
    unsigned long prev_cnt, loop = 0;

    set_killany_vectors();
    arm_debug();
    ka_status.freq = SYSREG_READ("cntfrq_el0");
    ka_status.text_sum = text_checksum();
    puts("GUEST-KA-START text_sum=");
    puthex(ka_status.text_sum);
    puts(" text=");
    puthex((unsigned long)_start);
    puts("..");
    puthex((unsigned long)__text_end);
    puts("\r\n");
    prev = offset_bracket();
    prev_cnt = SYSREG_READ("cntvct_el0");
    for (;;) {
        struct bracket b0 = offset_bracket(), b1;
        unsigned long c0, c1, bp0, wp0, flags = 0;

        __asm__ volatile("isb\n\tmrs %0, cntvct_el0" : "=r"(c0));
        if (text_checksum() != ka_status.text_sum)
            flags |= F_TEXT;
        if (!debug_regs_ok())
            flags |= F_DBGREG;
        if ((SYSREG_READ("mdscr_el1") & MDSCR_MASK) != MDSCR_WANT)
            flags |= F_MDSCR;
        bp0 = own_bp_hits;
        own_bp_fn();
        if (own_bp_hits - bp0 != 1)
            flags |= F_OWNBP;
        wp0 = own_wp_hits;
        own_wp_store(&own_wp_var, loop);
        if (own_wp_hits - wp0 != 1)
            flags |= F_OWNWP;
        ka_work(loop);
        __asm__ volatile("isb\n\tmrs %0, cntvct_el0" : "=r"(c1));
        if (c1 <= c0 || c0 < prev_cnt)
            flags |= F_CLOCK;
        b1 = offset_bracket();

        loop++;
        ka_status.loops = loop;
        ka_status.cnt = c1;
        if (flags & F_EVER) {
            ka_status.ever++;
            ka_status.ever_flags |= flags & F_EVER;
        }
        if (!overlap(prev, b0) || !overlap(b0, b1)) {
            ka_status.held++; /* a debugger stopped the guest: this loop is not judged */
            ka_status.streak = 0;
            ka_status.run_loops = 0;
            ka_status.run_bad = 0;
        } else if (flags) {
            ka_status.run_loops++;
            ka_status.run_bad++;
            ka_status.last_bad_loop = loop;
            ka_status.bad_loops++;
            ka_status.last_bad = flags;
            ka_status.streak = 0;
        } else {
            ka_status.run_loops++;
            ka_status.streak++;
            if (ka_status.streak == KA_REPORT)
                report(0);
        }
        if ((loop & (KA_PERIOD - 1)) == 0)
            report(flags);
        prev = b1;
        prev_cnt = c1;
    }
}
