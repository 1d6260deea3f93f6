/* test_bp_agent.c - a breakpoint's target-side conditions and commands: copies and verdicts */
#include <brkvm/bp_agent.h>

#include <glib.h>
#include <string.h>

/* bytecode: const8 V; end  /  reg 0 (x0); end  /  ref32 of const8 0x10; end */
static const uint8_t k_true[] = {0x22, 0x01, 0x27};
static const uint8_t k_false[] = {0x22, 0x00, 0x27};
static const uint8_t k_x0[] = {0x26, 0x00, 0x00, 0x27};
static const uint8_t k_unreadable[] = {0x22, 0x10, 0x19, 0x27};

static uint64_t x0;

static int read_reg(void *opaque, unsigned regno, uint64_t *val)
{
    *val = regno == 0 ? x0 : 0;
    return 0;
}

static int read_mem(void *opaque, uint64_t va, void *buf, unsigned len)
{
    return -14; /* nothing is readable */
}

static const struct ax_env env = {.read_reg = read_reg, .read_mem = read_mem};

static struct gdb_bp_agent agent(unsigned ncond, const uint8_t *const *cond, const size_t *len)
{
    struct gdb_bp_agent a = {0};
    a.ncond = ncond;
    for (unsigned i = 0; i < ncond; i++)
        a.cond[i] = (struct gdb_bp_code){cond[i], len[i]};
    return a;
}

static enum bp_verdict verdict(const struct bp_agent *a, bool *failed)
{
    struct ax_result err;
    return bp_agent_eval(a, &env, &err, failed);
}

static void test_none(void)
{
    struct gdb_bp_agent empty = {0};
    bool failed = true;

    g_assert_null(bp_agent_new(NULL));
    g_assert_null(bp_agent_new(&empty));
    g_assert_cmpint(verdict(NULL, &failed), ==, BP_STOP); /* unconditional */
    g_assert_false(failed);
    bp_agent_free(NULL);
}

static void test_conditions(void)
{
    const uint8_t *c2[] = {k_false, k_x0};
    const size_t l2[] = {sizeof(k_false), sizeof(k_x0)};
    struct gdb_bp_agent g = agent(2, c2, l2);
    struct bp_agent *a = bp_agent_new(&g);
    bool failed;

    g_assert_nonnull(a);
    g_assert_cmpuint(a->ncond, ==, 2);
    g_assert_cmpmem(a->code[1].code, a->code[1].len, k_x0, sizeof(k_x0));
    x0 = 0;
    g_assert_cmpint(verdict(a, &failed), ==, BP_PASS); /* both false */
    g_assert_false(failed);
    x0 = 5;
    g_assert_cmpint(verdict(a, &failed), ==, BP_STOP); /* any true stops */
    g_assert_false(failed);
    bp_agent_free(a);
}

/* a condition that cannot be evaluated stops (gdb evaluates it again and shows why) */
static void test_failure_stops(void)
{
    const uint8_t *c[] = {k_false, k_unreadable};
    const size_t l[] = {sizeof(k_false), sizeof(k_unreadable)};
    struct gdb_bp_agent g = agent(2, c, l);
    struct bp_agent *a = bp_agent_new(&g);
    struct ax_result err;
    bool failed;

    g_assert_cmpint(bp_agent_eval(a, &env, &err, &failed), ==, BP_STOP);
    g_assert_true(failed);
    g_assert_cmpint(err.error, ==, AX_ERR_MEM);
    g_assert_cmphex(err.addr, ==, 0x10);
    bp_agent_free(a);
}

/* commands run on a hit and make it silent; a false condition runs nothing */
static void test_commands(void)
{
    struct gdb_bp_agent g = {0};
    struct bp_agent *a;
    bool failed;

    g.ncmds = 1;
    g.cmds[0] = (struct gdb_bp_code){k_true, sizeof(k_true)};
    a = bp_agent_new(&g);
    g_assert_cmpint(verdict(a, &failed), ==, BP_SILENT);
    bp_agent_free(a);
    g.ncond = 1;
    g.cond[0] = (struct gdb_bp_code){k_x0, sizeof(k_x0)};
    a = bp_agent_new(&g);
    x0 = 0;
    g_assert_cmpint(verdict(a, &failed), ==, BP_PASS);
    x0 = 1;
    g_assert_cmpint(verdict(a, &failed), ==, BP_SILENT);
    bp_agent_free(a);
    /* a failing command stops */
    g.cmds[0] = (struct gdb_bp_code){k_unreadable, sizeof(k_unreadable)};
    a = bp_agent_new(&g);
    g_assert_cmpint(verdict(a, &failed), ==, BP_STOP);
    g_assert_true(failed);
    bp_agent_free(a);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/bp-agent/none", test_none);
    g_test_add_func("/bp-agent/conditions", test_conditions);
    g_test_add_func("/bp-agent/failure-stops", test_failure_stops);
    g_test_add_func("/bp-agent/commands", test_commands);
    return g_test_run();
}
