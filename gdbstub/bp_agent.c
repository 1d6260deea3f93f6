/* bp_agent.c - a breakpoint's target-side conditions and commands: copies and evaluation */
#include <brkvm/bp_agent.h>

#include <glib.h>

struct bp_agent *bp_agent_new(const struct gdb_bp_agent *a)
{
    struct bp_agent *b;
    unsigned n;

    if (!a || (!a->ncond && !a->ncmds))
        return NULL;
    b = g_new0(struct bp_agent, 1);
    b->ncond = MIN(a->ncond, GDB_BP_CODES_MAX);
    b->ncmds = MIN(a->ncmds, GDB_BP_CODES_MAX);
    b->persist = a->persist;
    n = b->ncond + b->ncmds;
    b->code = g_new0(struct bp_agent_code, n);
    for (unsigned i = 0; i < n; i++) {
        const struct gdb_bp_code *c = i < b->ncond ? &a->cond[i] : &a->cmds[i - b->ncond];
        b->code[i].code = g_memdup2(c->code, c->len);
        b->code[i].len = c->len;
    }
    return b;
}

void bp_agent_free(struct bp_agent *a)
{
    if (!a)
        return;
    for (unsigned i = 0; i < a->ncond + a->ncmds; i++)
        g_free(a->code[i].code);
    g_free(a->code);
    g_free(a);
}

enum bp_verdict bp_agent_eval(const struct bp_agent *a, const struct ax_env *env,
                              struct ax_result *err, bool *failed)
{
    struct ax_result r;
    bool hit = !a || !a->ncond;

    *failed = false;
    if (!a)
        return BP_STOP;
    for (unsigned i = 0; i < a->ncond && !hit; i++) {
        if (ax_eval(a->code[i].code, a->code[i].len, env, &r)) {
            *err = r;
            *failed = true;
            return BP_STOP;
        }
        hit = r.value != 0;
    }
    if (!hit)
        return BP_PASS;
    if (!a->ncmds)
        return BP_STOP;
    for (unsigned i = a->ncond; i < a->ncond + a->ncmds; i++) {
        /* a command's `end` may find its stack empty (gdb's dprintf leaves nothing) */
        if (ax_exec(a->code[i].code, a->code[i].len, env, &r)) {
            *err = r;
            *failed = true;
            return BP_STOP;
        }
    }
    return BP_SILENT;
}
