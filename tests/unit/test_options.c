/* test_options.c - command line parsing and its error messages */
#include <brkvm/options.h>
#include <brkvm/panic.h>

#include <errno.h>
#include <glib.h>
#include <string.h>

/* parse a space-separated command line; returns the result, *text the message */
static int parse(const char *line, struct brkvm_config *cfg, char **text)
{
    char **argv = g_strsplit(line, " ", -1);
    int r = options_parse((int)g_strv_length(argv), argv, cfg, text);
    g_strfreev(argv);
    return r;
}

static void test_defaults_and_all_flags(void)
{
    struct brkvm_config cfg;
    char *text;

    g_assert_cmpint(parse("brkvm run -k Image", &cfg, &text), ==, OPTIONS_OK);
    g_assert_null(text);
    g_assert_cmpstr(cfg.kernel, ==, "Image");
    g_assert_cmpuint(cfg.mem_size, ==, 256ULL << 20);
    g_assert_cmpuint(cfg.cpus, ==, 1);
    g_assert_null(cfg.initrd);
    g_assert_false(cfg.has_load_addr);
    g_assert_cmpint(cfg.loglevel, ==, LOG_LVL_WARNING);
    options_free(&cfg);

    g_assert_cmpint(parse("brkvm run --kernel K --initrd I --params console=ttyS0 --mem 1G "
                          "--cpus 4 --dump-dtb D --loglevel debug --load-addr 0x80100000 "
                          "--debug-mmio --no-pauth", &cfg, &text), ==, OPTIONS_OK);
    g_assert_cmpstr(cfg.kernel, ==, "K");
    g_assert_cmpstr(cfg.initrd, ==, "I");
    g_assert_cmpstr(cfg.params, ==, "console=ttyS0");
    g_assert_cmpstr(cfg.dump_dtb, ==, "D");
    g_assert_cmpuint(cfg.mem_size, ==, 1ULL << 30);
    g_assert_cmpuint(cfg.cpus, ==, 4);
    g_assert_cmpint(cfg.loglevel, ==, LOG_LVL_DEBUG);
    g_assert_true(cfg.has_load_addr);
    g_assert_cmpuint(cfg.load_addr, ==, 0x80100000ULL);
    g_assert_true(cfg.debug_mmio);
    g_assert_true(cfg.no_pauth);
    options_free(&cfg);

    g_assert_cmpint(parse("brkvm run -k K --symbols System.map --kaslr-seed 0x1234", &cfg, &text),
                    ==, OPTIONS_OK);
    g_assert_cmpstr(cfg.symbols, ==, "System.map");
    g_assert_true(cfg.has_kaslr_seed);
    g_assert_cmphex(cfg.kaslr_seed, ==, 0x1234);
    g_assert_false(cfg.no_kaslr);
    options_free(&cfg);
    g_assert_cmpint(parse("brkvm run -k K --no-kaslr", &cfg, &text), ==, OPTIONS_OK);
    g_assert_true(cfg.no_kaslr);
    options_free(&cfg);

    g_assert_cmpint(parse("brkvm run -k K -i I -p quiet -m 512 -c 2", &cfg, &text), ==,
                    OPTIONS_OK);
    g_assert_cmpuint(cfg.mem_size, ==, 512ULL << 20);
    g_assert_cmpuint(cfg.cpus, ==, 2);
    options_free(&cfg);
}

/* kvmtool's run flags with kvmtool's meaning, and QEMU's -s/-S */
static void test_kvmtool_and_qemu_flags(void)
{
    struct brkvm_config cfg;
    char *text;

    g_assert_cmpint(parse("brkvm run -k K -d a.img -d b.img,ro --disk c,ro --9p /tmp,hostshare "
                          "--9p /srv,data,ro --9p /x --console virtio --rng --irqchip=gicv3-its "
                          "--pmu --nodefaults --network mode=none --loglevel=warning --no-sve",
                          &cfg, &text), ==, OPTIONS_OK);
    g_assert_cmpuint(cfg.ndisks, ==, 3);
    g_assert_cmpstr(cfg.disks[0].path, ==, "a.img");
    g_assert_false(cfg.disks[0].ro);
    g_assert_cmpstr(cfg.disks[1].path, ==, "b.img");
    g_assert_true(cfg.disks[1].ro);
    g_assert_cmpstr(cfg.disks[2].path, ==, "c");
    g_assert_true(cfg.disks[2].ro);
    g_assert_cmpuint(cfg.nshares, ==, 3);
    g_assert_cmpstr(cfg.shares[0].dir, ==, "/tmp");
    g_assert_cmpstr(cfg.shares[0].tag, ==, "hostshare");
    g_assert_false(cfg.shares[0].ro);
    g_assert_cmpstr(cfg.shares[1].tag, ==, "data");
    g_assert_true(cfg.shares[1].ro);
    g_assert_cmpstr(cfg.shares[2].tag, ==, "kvm_9p"); /* kvmtool's default tag */
    g_assert_cmpint(cfg.console, ==, CONSOLE_VIRTIO);
    g_assert_true(cfg.rng);
    g_assert_cmpint(cfg.irqchip, ==, IRQCHIP_GICV3_ITS);
    g_assert_true(cfg.pmu && cfg.nodefaults && cfg.no_sve);
    g_assert_cmpint(cfg.loglevel, ==, LOG_LVL_WARNING);
    options_free(&cfg);

    g_assert_cmpint(parse("brkvm run -k K", &cfg, &text), ==, OPTIONS_OK);
    g_assert_cmpint(cfg.console, ==, CONSOLE_SERIAL);
    g_assert_cmpint(cfg.irqchip, ==, IRQCHIP_AUTO);
    g_assert_false(cfg.rng || cfg.pmu || cfg.ndisks || cfg.nshares);
    g_assert_null(cfg.gdb);
    options_free(&cfg);

    g_assert_cmpint(parse("brkvm run -k K --irqchip gicv2 --console serial", &cfg, &text), ==,
                    OPTIONS_OK);
    g_assert_cmpint(cfg.irqchip, ==, IRQCHIP_GICV2);
    options_free(&cfg);

    g_assert_cmpint(parse("brkvm run -k K -s -S", &cfg, &text), ==, OPTIONS_OK);
    g_assert_cmpstr(cfg.gdb, ==, "127.0.0.1:1234");
    g_assert_true(cfg.gdb_wait);
    options_free(&cfg);
    g_assert_cmpint(parse("brkvm run -k K -s", &cfg, &text), ==, OPTIONS_OK);
    g_assert_false(cfg.gdb_wait);
    options_free(&cfg);
}

static void test_help(void)
{
    struct brkvm_config cfg;
    char *text;

    g_assert_cmpint(parse("brkvm --help", &cfg, &text), ==, OPTIONS_EXIT);
    g_assert_nonnull(strstr(text, "run"));
    /* what kvm-unit-tests' search_kvmtool_binary greps for */
    g_assert_nonnull(strstr(text, "The most commonly used"));
    g_free(text);
    g_assert_cmpint(parse("brkvm run --help", &cfg, &text), ==, OPTIONS_EXIT);
    g_assert_nonnull(strstr(text, "--kernel"));
    g_assert_nonnull(strstr(text, "Ctrl-A x"));
    /* every flag, in groups */
    static const char *flags[] = {"--disk", "--9p", "--console", "--rng", "--irqchip", "--pmu",
                                  "--nodefaults", "--network", "--gdb", "--gdb-wait", "-s,",
                                  "-S,", "--symbols", "--no-sve", "--dump-dtb",
                                  "Devices", "Debugging"};
    for (unsigned i = 0; i < G_N_ELEMENTS(flags); i++)
        g_assert_nonnull(strstr(text, flags[i]));
    g_free(text);
    g_assert_cmpint(parse("brkvm run -h", &cfg, &text), ==, OPTIONS_EXIT);
    g_free(text);
}

/* each bad command line fails with -EINVAL and a message containing the given words */
static void test_errors(void)
{
    static const struct { const char *line; const char *words; } cases[] = {
        {"brkvm", "no command"},
        {"brkvm frobnicate", "unknown command 'frobnicate'"},
        {"brkvm run", "no kernel given"},
        {"brkvm run -k K --bogus", "Unknown option --bogus"},
        {"brkvm run -k K extra", "unexpected argument 'extra'"},
        {"brkvm run -k K -m 1M", "too small, need at least 16M"},
        {"brkvm run -k K -m lots", "not a size"},
        {"brkvm run -k K -m 99999999999T", "too large"},
        {"brkvm run -k K -m 17000K", "multiple of 64K"},
        {"brkvm run -k K -c 0", "--cpus 0: out of range"},
        {"brkvm run -k K -c 1000", "--cpus 1000: out of range"},
        {"brkvm run -k K -c two", "two"},
        {"brkvm run -k K --load-addr zz", "not an address"},
        {"brkvm run -k K --load-addr 0x80080002", "4-byte aligned"},
        {"brkvm run -k K --loglevel loud", "unknown level"},
        {"brkvm run -k", "Missing argument"},
        {"brkvm run -k K --kaslr-seed x", "--kaslr-seed x: not a number"},
        {"brkvm run -k K --kaslr-seed 5 --no-kaslr", "contradict"},
        {"brkvm run -k K -d D,direct", "unknown disk option 'direct'"},
        {"brkvm run -k K -d ,ro", "no file name"},
        {"brkvm run -k K --9p ,tag", "no directory"},
        {"brkvm run -k K --9p d,a,b,c", "too many fields"},
        {"brkvm run -k K --9p d,t --9p e,t", "tag 't' is already used by --9p d"},
        {"brkvm run -k K --console hv", "--console hv: unknown"},
        {"brkvm run -k K --irqchip gicv2m", "no GICv2m"},
        {"brkvm run -k K --network mode=tap", "only --network mode=none"},
        {"brkvm run -k K --network mode=user,guest_ip=1", "brkvm has no network device"},
        {"brkvm run -k K -s --gdb 99", "contradict"},
        {"brkvm run -k K -S", "--gdb-wait (-S) needs a stub"},
        {"brkvm run -k K --reboot", "Unknown option --reboot"},
        {"brkvm run -k K -d a -d b -d c -d d -d e -d f -d g -d h -d i", "at most 8 disks"},
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(cases); i++) {
        struct brkvm_config cfg;
        char *text = NULL;
        int r = parse(cases[i].line, &cfg, &text);
        g_test_message("%s -> %s", cases[i].line, text);
        g_assert_cmpint(r, ==, -EINVAL);
        g_assert_nonnull(text);
        g_assert_nonnull(strstr(text, cases[i].words));
        g_assert_null(strchr(text, '\n')); /* one line */
        g_assert_null(cfg.kernel);         /* nothing leaks out of a failed parse */
        g_free(text);
    }
}

static void test_host_checks(void)
{
    struct brkvm_config cfg;
    char *text;

    g_assert_cmpint(parse("brkvm run -k K -m 2G -c 8", &cfg, &text), ==, OPTIONS_OK);
    g_assert_cmpint(options_check_host(&cfg, 4ULL << 30, 8, &text), ==, 0);
    g_assert_cmpint(options_check_host(&cfg, 0, 0, &text), ==, 0); /* unknown: no check */
    g_assert_cmpint(options_check_host(&cfg, 1ULL << 30, 8, &text), ==, -EINVAL);
    g_assert_nonnull(strstr(text, "too large for this host, which has 1G"));
    g_free(text);
    g_assert_cmpint(options_check_host(&cfg, 4ULL << 30, 4, &text), ==, -EINVAL);
    g_assert_nonnull(strstr(text, "at most 4"));
    g_free(text);
    options_free(&cfg);
}

/* --on-panic, --on-oops, --pvpanic: defaults, refusals and help */
static void test_on_panic(void)
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

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/options/defaults-and-flags", test_defaults_and_all_flags);
    g_test_add_func("/options/help", test_help);
    g_test_add_func("/options/kvmtool-and-qemu-flags", test_kvmtool_and_qemu_flags);
    g_test_add_func("/options/errors", test_errors);
    g_test_add_func("/options/host-checks", test_host_checks);
    g_test_add_func("/options/on-panic", test_on_panic);
    return g_test_run();
}
