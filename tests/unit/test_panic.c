/* test_panic.c - --on-panic: the option, where brkvm's own breakpoint goes in a kernel function,
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

static int parse(const char *line, struct brkvm_config *cfg, char **text)
{
    char **argv = g_strsplit(line, " ", -1);
    int r = options_parse((int)g_strv_length(argv), argv, cfg, text);
    g_strfreev(argv);
    return r;
}

static void test_options(void)
{
    static const struct {
        const char *line;
        enum panic_action act;
        bool oops, pvpanic;
    } ok[] = {
        {"brkvm run -k I", PANIC_ACT_NONE, false, false},
        {"brkvm run -k I --gdb 1234", PANIC_ACT_STOP, false, false},
        {"brkvm run -k I --symbols S", PANIC_ACT_EXIT, false, false},
        {"brkvm run -k I --pvpanic", PANIC_ACT_EXIT, false, true},
        {"brkvm run -k I --symbols S --gdb 1234 --on-oops", PANIC_ACT_STOP, true, false},
        {"brkvm run -k I --symbols S --gdb 1234 --on-panic exit", PANIC_ACT_EXIT, false, false},
        {"brkvm run -k I --symbols S --on-panic none", PANIC_ACT_NONE, false, false},
        {"brkvm run -k I --pvpanic --on-panic dump:core", PANIC_ACT_DUMP, false, true},
    };
    static const struct {
        const char *line, *msg;
    } bad[] = {
        {"brkvm run -k I --symbols S --on-panic stop", "needs a gdb stub"},
        {"brkvm run -k I --gdb 1234 --on-panic exit", "nothing would detect a panic"},
        {"brkvm run -k I --on-panic dump:x", "--symbols vmlinux or System.map"},
        {"brkvm run -k I --pvpanic --on-oops", "--on-oops needs --symbols"},
        {"brkvm run -k I --symbols S --on-oops --on-panic none", "nothing to do on an oops"},
        {"brkvm run -k I --symbols S --on-panic reboot", "--on-panic reboot: unknown action"},
    };
    struct brkvm_config cfg;
    char *text;

    for (size_t i = 0; i < G_N_ELEMENTS(ok); i++) {
        if (parse(ok[i].line, &cfg, &text) != OPTIONS_OK)
            g_error("%s: %s", ok[i].line, text);
        g_assert_cmpint(cfg.on_panic, ==, ok[i].act);
        g_assert_cmpint(cfg.on_oops, ==, ok[i].oops);
        g_assert_cmpint(cfg.pvpanic, ==, ok[i].pvpanic);
        if (ok[i].act == PANIC_ACT_DUMP)
            g_assert_cmpstr(cfg.panic_dump, ==, "core");
        options_free(&cfg);
    }
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_assert_cmpint(parse(bad[i].line, &cfg, &text), ==, -EINVAL);
        if (!strstr(text, bad[i].msg))
            g_error("%s: '%s' lacks '%s'", bad[i].line, text, bad[i].msg);
        g_free(text);
    }
    /* run --help documents the option, its default and exit status 4 */
    g_assert_cmpint(parse("brkvm run --help", &cfg, &text), ==, OPTIONS_EXIT);
    g_assert_nonnull(strstr(text, "--on-panic"));
    g_assert_nonnull(strstr(text, "Default: stop with --gdb"));
    g_assert_nonnull(strstr(text, "--on-oops"));
    g_assert_nonnull(strstr(text, "--pvpanic"));
    g_assert_nonnull(strstr(text, "4 guest kernel panic"));
    g_free(text);
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
    g_test_add_func("/panic/options", test_options);
    g_test_add_func("/panic/bp-index", test_bp_index);
    g_test_add_func("/panic/msg-clean", test_msg_clean);
    g_test_add_func("/panic/pvpanic", test_pvpanic);
    return g_test_run();
}
