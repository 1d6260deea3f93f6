/* brktest.c - a user program of the Linux test guest that uses BRK the way debuggers and
 * runtimes do: it executes brk #0, brk #0x1234 and brk #0 again with its own SIGTRAP handler,
 * which records each immediate and skips the instruction.  With brkvm's gdb stub attached (and
 * its breakpoints elsewhere) the guest kernel must still see these BRKs and deliver SIGTRAP. */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <ucontext.h>

static volatile int traps;
static unsigned imms[8];

static void on_trap(int sig, siginfo_t *si, void *ctx)
{
    ucontext_t *uc = ctx;
    uint32_t insn = *(const uint32_t *)uc->uc_mcontext.pc;

    (void)sig;
    (void)si;
    imms[traps & 7] = (insn >> 5) & 0xffff; /* BRK #imm16: bits [20:5] */
    traps++;
    uc->uc_mcontext.pc += 4;
}

int main(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_trap;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGTRAP, &sa, NULL);
    __asm__ volatile("brk #0");
    __asm__ volatile("brk #0x1234");
    __asm__ volatile("brk #0");
    printf("BRKTEST traps=%d imms=%x,%x,%x %s\n", traps, imms[0], imms[1], imms[2],
           traps == 3 && imms[0] == 0 && imms[1] == 0x1234 && imms[2] == 0 ? "OK" : "WRONG");
    return traps == 3 ? 0 : 1;
}
