/* test_panic.c - --on-panic: the action's parsing and defaults (the flags themselves:
 * test_options.c), where brkvm's own breakpoint goes in a kernel function,
 * the panic message, and the pvpanic device */
#include <brkvm/fdt.h>
#include <brkvm/options.h>
#include <brkvm/panic.h>
#include <brkvm/pvpanic.h>

#include <errno.h>
#include <glib.h>
#include <libfdt.h>
#include <string.h>

static void test_action_parse(void)
{
    enum panic_action a;
    char *path;
    const char *why = NULL;

    g_assert_cmpint(panic_action_parse("stop", &a, &path, &why), ==, 0);
    g_assert_cmpint(a, ==, PANIC_ACT_STOP);
    g_assert_null(path);
    g_assert_cmpint(panic_action_parse("exit", &a, &path, &why), ==, 0);
    g_assert_cmpint(a, ==, PANIC_ACT_EXIT);
    g_assert_cmpint(panic_action_parse("none", &a, &path, &why), ==, 0);
    g_assert_cmpint(a, ==, PANIC_ACT_NONE);
    g_assert_cmpint(panic_action_parse("dump:/tmp/vmcore", &a, &path, &why), ==, 0);
    g_assert_cmpint(a, ==, PANIC_ACT_DUMP);
    g_assert_cmpstr(path, ==, "/tmp/vmcore");
    g_free(path);
    g_assert_cmpint(panic_action_parse("dump:", &a, &path, &why), ==, -EINVAL);
    g_assert_nonnull(strstr(why, "dump:FILE"));
    g_assert_cmpint(panic_action_parse("dump", &a, &path, &why), ==, -EINVAL);
    g_assert_nonnull(strstr(why, "dump:FILE"));
    g_assert_cmpint(panic_action_parse("pause", &a, &path, &why), ==, -EINVAL);
    g_assert_nonnull(strstr(why, "stop, exit, dump:FILE or none"));
    g_assert_null(path);
}

static void test_action_resolve(void)
{
    /* default: stop with a stub; else exit when something detects a panic; else nothing */
    g_assert_cmpint(panic_action_resolve(PANIC_ACT_AUTO, true, false), ==, PANIC_ACT_STOP);
    g_assert_cmpint(panic_action_resolve(PANIC_ACT_AUTO, true, true), ==, PANIC_ACT_STOP);
    g_assert_cmpint(panic_action_resolve(PANIC_ACT_AUTO, false, true), ==, PANIC_ACT_EXIT);
    g_assert_cmpint(panic_action_resolve(PANIC_ACT_AUTO, false, false), ==, PANIC_ACT_NONE);
    g_assert_cmpint(panic_action_resolve(PANIC_ACT_NONE, true, true), ==, PANIC_ACT_NONE);
    g_assert_cmpint(panic_action_resolve(PANIC_ACT_EXIT, true, true), ==, PANIC_ACT_EXIT);
}

#define NOP 0xd503201fU
#define PACIASP 0xd503233fU
#define STP_FP_LR 0xa9b37bfdU
#define MOV_X9_X30 0xaa1e03e9U
#define BTI_C 0xd503245fU
#define BL_FTRACE 0x94001234U

static void test_bp_index(void)
{
    /* the test kernel's panic(): two patchable NOPs, paciasp: break on paciasp (x30 still the
     * caller's, unsigned; nothing rewrites it) */
    const uint32_t image[] = {NOP, NOP, PACIASP, STP_FP_LR};
    /* after ftrace's boot-time patching, and while the function is traced */
    const uint32_t patched[] = {MOV_X9_X30, NOP, PACIASP, STP_FP_LR};
    const uint32_t traced[] = {MOV_X9_X30, BL_FTRACE, PACIASP, STP_FP_LR};
    /* a BTI kernel: the landing pad first */
    const uint32_t bti[] = {BTI_C, NOP, NOP, PACIASP};
    /* no ftrace, no PAC: the first instruction */
    const uint32_t plain[] = {STP_FP_LR, NOP};
    const uint32_t nops[] = {NOP, NOP, NOP};

    g_assert_cmpuint(panic_bp_index(image, 4), ==, 2);
    g_assert_cmpuint(panic_bp_index(patched, 4), ==, 2);
    g_assert_cmpuint(panic_bp_index(traced, 4), ==, 2);
    g_assert_cmpuint(panic_bp_index(bti, 4), ==, 3);
    g_assert_cmpuint(panic_bp_index(plain, 2), ==, 0);
    g_assert_cmpuint(panic_bp_index(nops, 3), ==, 3);
    g_assert_cmpuint(panic_bp_index(image, 0), ==, 0);
}

static void test_msg_clean(void)
{
    char out[16];
    const char crash[] = "sysrq triggered crash\n";

    g_assert_cmpuint(panic_msg_clean(out, sizeof(out), (const uint8_t *)"Oops - BUG\0junk", 15),
                     ==, 10);
    g_assert_cmpstr(out, ==, "Oops - BUG");
    /* the first line, cut to fit */
    g_assert_cmpuint(panic_msg_clean(out, sizeof(out), (const uint8_t *)crash, sizeof(crash)),
                     ==, 15);
    g_assert_cmpstr(out, ==, "sysrq triggered");
    g_assert_cmpuint(panic_msg_clean(out, sizeof(out), (const uint8_t *)"a\tb\x80\n", 5), ==, 4);
    g_assert_cmpstr(out, ==, "a?b?");
    g_assert_cmpuint(panic_msg_clean(out, sizeof(out), (const uint8_t *)"", 0), ==, 0);
    g_assert_cmpstr(out, ==, "");
    g_assert_cmpuint(panic_msg_clean(out, 0, (const uint8_t *)"x", 1), ==, 0);
}

static uint8_t got_events;
static unsigned got_calls;

static void on_event(void *opaque, uint8_t ev)
{
    g_assert_true(opaque == &got_events);
    got_events = ev;
    got_calls++;
}

static void test_pvpanic(void)
{
    struct pvpanic p = {.event = on_event, .opaque = &got_events};
    uint8_t d[4] = {0xff, 0xff, 0xff, 0xff};
    char buf[1024];
    int node, len;
    const void *prop;

    /* the driver reads which events it may send: panicked and crash-loaded */
    pvpanic_ops.access(&p, 0, d, 1, false);
    g_assert_cmphex(d[0], ==, PVPANIC_PANICKED | PVPANIC_CRASH_LOADED);
    pvpanic_ops.access(&p, 1, d, 1, false);
    g_assert_cmphex(d[0], ==, 0);
    d[0] = PVPANIC_PANICKED;
    pvpanic_ops.access(&p, 0, d, 1, true);
    g_assert_cmpuint(got_calls, ==, 1);
    g_assert_cmphex(got_events, ==, PVPANIC_PANICKED);
    /* unsupported bits are dropped; nothing left: no event */
    d[0] = 0xfc;
    pvpanic_ops.access(&p, 0, d, 1, true);
    g_assert_cmpuint(got_calls, ==, 1);
    d[0] = 0xff;
    pvpanic_ops.access(&p, 0, d, 1, true);
    g_assert_cmphex(got_events, ==, PVPANIC_EVENTS);
    d[0] = PVPANIC_PANICKED;
    pvpanic_ops.access(&p, 1, d, 1, true); /* not the register */
    g_assert_cmpuint(got_calls, ==, 2);
    g_assert_cmpuint(p.writes, ==, 3);

    /* its DT node, as Linux's pvpanic-mmio driver matches it */
    g_assert_cmpint(fdt_create(buf, sizeof(buf)), ==, 0);
    g_assert_cmpint(fdt_finish_reservemap(buf), ==, 0);
    g_assert_cmpint(fdt_begin_node(buf, ""), ==, 0);
    g_assert_cmpint(pvpanic_ops.dt_node(buf, &p, 0x01020000, PVPANIC_MMIO_SIZE, NULL), ==, 0);
    g_assert_cmpint(fdt_end_node(buf), ==, 0);
    g_assert_cmpint(fdt_finish(buf), ==, 0);
    node = fdt_path_offset(buf, "/pvpanic@1020000");
    g_assert_cmpint(node, >=, 0);
    g_assert_cmpint(fdt_node_check_compatible(buf, node, "qemu,pvpanic-mmio"), ==, 0);
    prop = fdt_getprop(buf, node, "reg", &len);
    g_assert_cmpint(len, ==, 16);
    g_assert_cmphex(fdt64_to_cpu(((const fdt64_t *)prop)[0]), ==, 0x01020000);
    g_assert_cmphex(fdt64_to_cpu(((const fdt64_t *)prop)[1]), ==, 2);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/panic/action-parse", test_action_parse);
    g_test_add_func("/panic/action-resolve", test_action_resolve);
    g_test_add_func("/panic/bp-index", test_bp_index);
    g_test_add_func("/panic/msg-clean", test_msg_clean);
    g_test_add_func("/panic/pvpanic", test_pvpanic);
    return g_test_run();
}
