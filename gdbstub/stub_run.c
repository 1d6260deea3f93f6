/* stub_run.c - the GDB stub's run control and breakpoint handlers: H T Z z c C s S vCont D k.
 * The packet table and the dispatcher are in stub.c. */
#define G_LOG_DOMAIN "gdb"
#include "stub_internal.h"

#include <brkvm/agent_expr.h>

#include <errno.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void h_set_thread(struct gdb_stub *s, const char *arg, size_t len)
{
    char op = arg[0];
    const char *p = arg + 1;
    int t;

    if (op != 'g' && op != 'c') {
        reply_str(s, E_INVAL);
        return;
    }
    t = parse_tid(&p);
    if (t == -2 || *p || (t > 0 && !valid_thread(s, t))) {
        reply_str(s, E_INVAL);
        return;
    }
    if (op == 'g')
        s->g_thread = t > 0 ? t : 0;
    else
        s->c_thread = t;
    reply_str(s, "OK");
}

void h_thread_alive(struct gdb_stub *s, const char *arg, size_t len)
{
    const char *p = arg;
    int t = parse_tid(&p);

    reply_str(s, valid_thread(s, t) && !*p ? "OK" : E_INVAL);
}

/* A Z packet's target-side part after KIND (p at its first ';', or the end): conditions
 * ";X<len>,<bytecode>" (gdb 13 sends a breakpoint's several back to back: "X..,..X..,..") and
 * commands ";cmds:<persist>,X<len>,<bytecode>..." (agent dprintf), into a, their bytecode in
 * buf[0..cap).  0, or -EINVAL for anything else or too much. */
static int parse_bp_agent(const char *p, const char *end, struct gdb_bp_agent *a, uint8_t *buf,
                          size_t cap)
{
    struct ax_span cmds[GDB_BP_CODES_MAX];
    size_t used = 0, len;

    memset(a, 0, sizeof(*a));
    while (p < end) {
        if (end - p > 6 && !strncmp(p, ";cmds:", 6) && !a->ncmds) {
            if (ax_parse_cmds(p, (size_t)(end - p), &a->persist, buf + used, cap - used, cmds,
                              GDB_BP_CODES_MAX, &a->ncmds, &p))
                return -EINVAL;
            for (unsigned i = 0; i < a->ncmds; i++)
                a->cmds[i] = (struct gdb_bp_code){buf + used + cmds[i].off, cmds[i].len};
            used += cmds[a->ncmds - 1].off + cmds[a->ncmds - 1].len;
            continue;
        }
        /* a condition: after ';', or right after the one before */
        if (!(p[0] == ';' || (p[0] == 'X' && a->ncond)) || a->ncond == GDB_BP_CODES_MAX ||
            a->ncmds)
            return -EINVAL;
        if (ax_parse_cond(p, (size_t)(end - p), buf + used, MIN(cap - used, AX_CODE_MAX), &len,
                          &p))
            return -EINVAL;
        a->cond[a->ncond++] = (struct gdb_bp_code){buf + used, len};
        used += len;
    }
    return 0;
}

void h_breakpoint(struct gdb_stub *s, const char *arg, size_t len)
{
    /* arg: TYPE,ADDR,KIND[;X<len>,<bytecode>]... (after 'Z' or 'z'; arg[-1] tells which) */
    bool insert = arg[-1] == 'Z';
    const char *p = arg + 1;
    uint64_t addr, kind;
    struct gdb_bp_agent agent;
    int type = arg[0] - '0';
    int r;

    if (type < 0 || type > 4 || (type != 0 && !s->ops->insert_hw))
        return; /* an unsupported kind: the empty reply */
    if (*p++ != ',' || gdb_hex_u64(&p, &addr) || *p++ != ',' || gdb_hex_u64(&p, &kind) ||
        (*p && *p != ';')) {
        reply_str(s, E_INVAL);
        return;
    }
    /* conditions: only on Z0/Z1 inserts, and only when offered */
    if (*p && (!insert || type > 1 || !s->ops->set_bp_agent ||
               parse_bp_agent(p, arg + len, &agent, s->membuf, sizeof(s->membuf)))) {
        reply_str(s, E_INVAL);
        return;
    }
    if (!*p)
        memset(&agent, 0, sizeof(agent));
    if (type != 0) { /* Z1: kind is the instruction size; Z2-Z4: the watched length */
        if (type == 1 && kind != 4) {
            reply_str(s, E_INVAL);
            return;
        }
        r = insert ? s->ops->insert_hw(s->target, type, addr, kind)
                   : s->ops->remove_hw(s->target, type, addr, kind);
    } else if (kind != 4 || (addr & 3)) {
        reply_str(s, E_INVAL); /* A64 instructions: 4 bytes, aligned */
        return;
    } else {
        r = insert ? s->ops->insert_sw_bp(s->target, cur_thread(s), addr, s->phys)
                   : s->ops->remove_sw_bp(s->target, cur_thread(s), addr, s->phys);
    }
    /* every insert sets the conditions anew (none: none), as gdb re-sends Z to change them */
    if (r == 0 && insert && type <= 1 && s->ops->set_bp_agent &&
        (r = s->ops->set_bp_agent(s->target, type, cur_thread(s), addr, s->phys, &agent))) {
        /* refused: gdb takes it as not inserted, so it is not */
        if (type == 1)
            s->ops->remove_hw(s->target, type, addr, kind);
        else
            s->ops->remove_sw_bp(s->target, cur_thread(s), addr, s->phys);
    }
    reply_str(s, r == 0 ? "OK" : r == -ENOSPC ? "E28" : r == -EFAULT ? E_FAULT : E_INVAL);
}

static void resume(struct gdb_stub *s, const enum gdb_action *act)
{
    if (s->ops->resume(s->target, act)) {
        reply_str(s, E_FAULT);
        return;
    }
    s->running = true; /* the reply is the stop reply, later */
    if (s->interrupt_pending)
        s->ops->interrupt(s->target);
}

/* c, C, s, S: [SIG;][ADDR] */
void h_cont_step(struct gdb_stub *s, const char *arg, size_t len)
{
    bool step = arg[-1] == 's' || arg[-1] == 'S';
    bool has_sig = arg[-1] == 'C' || arg[-1] == 'S';
    const char *p = arg;
    uint64_t v, addr;
    int n = nr_threads(s);
    int t = s->c_thread > 0 ? s->c_thread : cur_thread(s);
    enum gdb_action *act;

    if (has_sig) { /* signals cannot be delivered to a VM: accepted and ignored */
        if (gdb_hex_u64(&p, &v)) {
            reply_str(s, E_INVAL);
            return;
        }
        if (*p == ';')
            p++;
    }
    if (*p) {
        uint8_t pc[8];
        if (gdb_hex_u64(&p, &addr) || *p) {
            reply_str(s, E_INVAL);
            return;
        }
        for (int i = 0; i < 8; i++)
            pc[i] = (uint8_t)(addr >> (8 * i));
        if (s->ops->write_reg(s->target, t, GDB_REG_PC, pc)) {
            reply_str(s, E_FAULT);
            return;
        }
    }
    act = g_new(enum gdb_action, n);
    for (int i = 0; i < n; i++)
        act[i] = step ? GDB_ACT_STOP : GDB_ACT_CONT; /* a step leaves the others stopped */
    if (step)
        act[t - 1] = GDB_ACT_STEP;
    resume(s, act);
    g_free(act);
}

void h_vcont_query(struct gdb_stub *s, const char *arg, size_t len)
{
    reply_str(s, "vCont;c;C;s;S");
}

/* vCont;ACTION[:TID];...  the leftmost action naming a thread wins; one without TID is the
 * default for the threads no other action names */
void h_vcont(struct gdb_stub *s, const char *arg, size_t len)
{
    int n = nr_threads(s);
    enum gdb_action *act = g_new(enum gdb_action, n);
    bool *set = g_new0(bool, n);
    const char *p = arg;
    bool any = false;

    for (int i = 0; i < n; i++)
        act[i] = GDB_ACT_STOP;
    while (*p == ';') {
        enum gdb_action a;
        uint64_t sig;
        int t = -1;
        p++;
        switch (*p++) {
        case 'c': a = GDB_ACT_CONT; break;
        case 's': a = GDB_ACT_STEP; break;
        case 'C':
        case 'S':
            a = p[-1] == 'C' ? GDB_ACT_CONT : GDB_ACT_STEP;
            if (gdb_hex_u64(&p, &sig))
                goto bad;
            break;
        default: goto bad;
        }
        if (*p == ':') {
            p++;
            t = parse_tid(&p);
            if (t == 0)
                t = -1;
            if (t == -2 || (t > 0 && !valid_thread(s, t)))
                goto bad;
        }
        if (*p && *p != ';')
            goto bad;
        for (int i = 0; i < n; i++) {
            if ((t == -1 || t == i + 1) && !set[i]) {
                act[i] = a;
                set[i] = true;
                any = true;
            }
        }
    }
    if (*p || !any)
        goto bad;
    resume(s, act);
    g_free(act);
    g_free(set);
    return;
bad:
    reply_str(s, E_INVAL);
    g_free(act);
    g_free(set);
}

void h_detach(struct gdb_stub *s, const char *arg, size_t len)
{
    reply_str(s, "OK");
    send_reply(s);
    s->ops->detach(s->target);
    s->status = GDB_STUB_DETACHED;
}

void h_kill(struct gdb_stub *s, const char *arg, size_t len)
{
    s->ops->kill(s->target);
    s->status = GDB_STUB_KILLED; /* no reply: gdb closes the connection */
}
