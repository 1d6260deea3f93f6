/* selfdebug.c - a guest that debugs itself with the architecture's self-hosted debug: OS lock
 * cleared (OSLAR_EL1), MDSCR_EL1.MDE + KDE, PSTATE.D clear, then
 *   1. its own hardware breakpoint (DBGBCR0/DBGBVR0_EL1) on bp_target(), then called;
 *   2. its own watchpoint (DBGWCR0/DBGWVR0_EL1, stores, 8 bytes) on wp_var, then stored to;
 *   3. its own software step (MDSCR_EL1.SS, SPSR_EL1.SS, eret) through five instructions
 * each handled by its vector table (selfdebug_vectors.S).  marker() runs between the phases
 * (for a debugger's own breakpoint).  At the end it prints
 *   GUEST-SELFDEBUG bp=1 bpelr=ok wp=1 wpfar=0x... wpelr=ok wpval=42 steps=5 stepelrs=ok x1=6 OK
 * ("BAD" instead of "OK" when anything differs from what the architecture promises). */
#include "guest_c.h"

extern volatile unsigned long bp_hits, bp_elr, wp_hits, wp_far, wp_elr, step_count, step_x1;
extern volatile unsigned long step_elrs[];
extern char step_seq[], step_end[];
extern char wp_store[];
void set_selfdebug_vectors(void);
void selfstep(void);
void bp_target(void);
void marker(unsigned long i);
void do_store(unsigned long v);
int main(void);

#define STEPS 5
#define MDSCR_KDE (1UL << 13)
#define MDSCR_MDE (1UL << 15)
#define BCR_E_EL1_BAS 0x1e7UL        /* E, PMC = EL1 and EL0, BAS = 0b1111 */
#define WCR_E_STORE_8 0x1ff7UL       /* E, PAC = EL1 and EL0, LSC = store, BAS = 0xff */

volatile unsigned long markers, bp_calls, sink;
volatile unsigned long wp_var __attribute__((aligned(8)));

__attribute__((noinline)) void marker(unsigned long i)
{
    markers = markers + 1 + (i & 0);
}

__attribute__((noinline)) void bp_target(void)
{
    bp_calls = bp_calls + 1;
}

/* the store the watchpoint catches, at a known address */
__attribute__((noinline)) void do_store(unsigned long v)
{
    __asm__ volatile(".global wp_store\nwp_store:\n\tstr %0, [%1]"
                     :: "r"(v), "r"(&wp_var) : "memory");
}

int main(void)
{
    int ok = 1;

    set_selfdebug_vectors();
    __asm__ volatile("msr oslar_el1, xzr\n\tisb");
    SYSREG_WRITE("mdscr_el1", SYSREG_READ("mdscr_el1") | MDSCR_KDE | MDSCR_MDE);
    __asm__ volatile("isb\n\tmsr daifclr, #8\n\tisb" ::: "memory");   /* PSTATE.D = 0 */
    marker(0);
    puts("GUEST-SELFDEBUG-PHASE 0\r\n");

    /* 1. hardware breakpoint */
    SYSREG_WRITE("dbgbvr0_el1", (unsigned long)bp_target);
    SYSREG_WRITE("dbgbcr0_el1", BCR_E_EL1_BAS);
    __asm__ volatile("isb");
    bp_target();
    bp_target();            /* the handler disabled it: no second hit */
    marker(1);
    puts("GUEST-SELFDEBUG-PHASE 1\r\n");

    /* 2. watchpoint on stores to wp_var */
    SYSREG_WRITE("dbgwvr0_el1", (unsigned long)&wp_var);
    SYSREG_WRITE("dbgwcr0_el1", WCR_E_STORE_8);
    __asm__ volatile("isb");
    sink = wp_var;          /* a load: not caught */
    do_store(42);
    marker(2);
    puts("GUEST-SELFDEBUG-PHASE 2\r\n");

    /* 3. software step */
    selfstep();
    marker(3);
    puts("GUEST-SELFDEBUG-PHASE 3\r\n");

    int elrs_ok = step_count == STEPS;
    for (unsigned long i = 0; i < STEPS && i < step_count; i++)
        if (step_elrs[i] != (unsigned long)step_seq + 4 * (i + 1))
            elrs_ok = 0;
    ok = bp_hits == 1 && bp_elr == (unsigned long)bp_target && bp_calls == 2 &&
         wp_hits == 1 && wp_far == (unsigned long)&wp_var && wp_elr == (unsigned long)wp_store &&
         wp_var == 42 && elrs_ok && step_x1 == 6 && markers == 4;
    puts("GUEST-SELFDEBUG bp=");
    putdec(bp_hits);
    puts(bp_elr == (unsigned long)bp_target ? " bpelr=ok" : " bpelr=BAD");
    puts(" wp=");
    putdec(wp_hits);
    puts(" wpfar=");
    puthex(wp_far);
    puts(wp_elr == (unsigned long)wp_store ? " wpelr=ok" : " wpelr=BAD");
    puts(" wpval=");
    putdec(wp_var);
    puts(" steps=");
    putdec(step_count);
    puts(elrs_ok ? " stepelrs=ok" : " stepelrs=BAD");
    puts(" x1=");
    putdec(step_x1);
    puts(ok ? " OK\r\n" : " BAD\r\n");
    return 0;
}
