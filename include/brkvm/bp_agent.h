/* bp_agent.h - a breakpoint's target-side conditions and commands (pure): an owned copy of what
 * gdb sent (struct gdb_bp_agent), and what a hit of the breakpoint does with them. */
#ifndef BRKVM_BP_AGENT_H
#define BRKVM_BP_AGENT_H

#include <brkvm/agent_expr.h>
#include <brkvm/gdb_target.h>

#include <stdbool.h>

struct bp_agent_code {
    uint8_t *code;
    size_t len;
};

struct bp_agent {
    unsigned ncond, ncmds;
    struct bp_agent_code *code; /* ncond conditions, then ncmds commands */
    bool persist;
};

/* A copy of a, or NULL when a has no conditions and no commands (or a is NULL). */
struct bp_agent *bp_agent_new(const struct gdb_bp_agent *a);
void bp_agent_free(struct bp_agent *a);

enum bp_verdict {
    BP_PASS,   /* every condition false: not a hit, the guest goes on */
    BP_STOP,   /* a hit to report to gdb (a condition true, or one that failed: see err) */
    BP_SILENT, /* a hit whose commands ran (gdb's agent dprintf): not reported */
};

/* One hit of a breakpoint with agent a (NULL: unconditional) evaluated in env.  A condition
 * that fails to evaluate counts as true and stops, as gdbserver does (gdb then evaluates it
 * itself and shows the error); a command that fails stops too.  On a failure err holds it and
 * *failed is set; otherwise *failed is false. */
enum bp_verdict bp_agent_eval(const struct bp_agent *a, const struct ax_env *env,
                              struct ax_result *err, bool *failed);

#endif
