/* options.c - brkvm's command line, parsed with GOptionContext, validated with clear messages */
#include <brkvm/options.h>
#include <brkvm/gdb_server.h>
#include <brkvm/size.h>

#include <errno.h>
#include <glib.h>
#include <string.h>

#define USAGE_HINT "run 'brkvm run --help' for the options"

static char *fail(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
static char *fail(const char *fmt, ...)
{
    va_list ap;
    char *msg;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    return msg;
}

/* kvm-unit-tests (search_kvmtool_binary) recognises a kvmtool-compatible VMM by this line */
static const char *top_help =
    "usage: brkvm [--version] [--help] COMMAND [ARGS]\n"
    "\n"
    " The most commonly used brkvm commands are:\n"
    "   run      boot a guest kernel or bare-metal payload under KVM (with a GDB stub)\n"
    "\n"
    " 'brkvm run --help' lists the options of run; 'brkvm --version' prints the version.\n";

/* -d FILE[,ro]: kvmtool's spelling (its other suffixes, e.g. ,direct, are refused) */
static int parse_disk(const char *arg, struct brkvm_disk *d, char **msg)
{
    char **part = g_strsplit(arg, ",", -1);
    int r = 0;

    d->ro = false;
    d->path = g_strdup(part[0] ? part[0] : "");
    for (char **o = part[0] ? part + 1 : part; *o && !r; o++) {
        if (!strcmp(*o, "ro")) {
            d->ro = true;
        } else {
            *msg = fail("--disk %s: unknown disk option '%s' (brkvm knows ,ro)", arg, *o);
            r = -EINVAL;
        }
    }
    g_strfreev(part);
    if (!r && !*d->path) {
        *msg = fail("--disk %s: no file name; use -d FILE or -d FILE,ro", arg);
        r = -EINVAL;
    }
    return r;
}

/* --9p DIR[,TAG][,ro]: the tag defaults to kvmtool's "kvm_9p" */
static int parse_share(const char *arg, struct brkvm_share *sh, char **msg)
{
    char **part = g_strsplit(arg, ",", -1);
    unsigned n = g_strv_length(part);
    int r = 0;

    sh->ro = n > 1 && !strcmp(part[n - 1], "ro");
    if (sh->ro)
        n--;
    if (n == 0 || !*part[0]) {
        *msg = fail("--9p %s: no directory; use --9p DIR,TAG (add ,ro for read-only)", arg);
        r = -EINVAL;
    } else if (n > 2) {
        *msg = fail("--9p %s: too many fields; use --9p DIR,TAG or --9p DIR,TAG,ro", arg);
        r = -EINVAL;
    } else {
        sh->dir = g_strdup(part[0]);
        sh->tag = g_strdup(n == 2 ? part[1] : "kvm_9p");
        /* the mount tag travels in a 16-bit length field; Linux wants it printable */
        if (!*sh->tag || strlen(sh->tag) > 255 || strpbrk(sh->tag, " \t\n/")) {
            *msg = fail("--9p %s: tag '%s' must be 1-255 characters without spaces or '/'", arg,
                        sh->tag);
            r = -EINVAL;
        }
    }
    g_strfreev(part);
    return r;
}

/* --on-panic ACTION, --on-oops, --pvpanic: the action in force (see panic.h), and only one that
 * can happen: something must detect a panic, and stop needs a stub to stop for */
static int parse_on_panic(const char *arg, bool on_oops, bool pvpanic, struct brkvm_config *cfg,
                          char **msg)
{
    enum panic_action act = PANIC_ACT_AUTO;
    const char *why;

    cfg->pvpanic = pvpanic;
    cfg->on_oops = on_oops;
    if (arg && panic_action_parse(arg, &act, &cfg->panic_dump, &why)) {
        *msg = fail("--on-panic %s: %s", arg, why);
        return -EINVAL;
    }
    if (act == PANIC_ACT_STOP && !cfg->gdb) {
        *msg = fail("--on-panic stop needs a gdb stub to wait for: add --gdb ADDR (or use "
                    "--on-panic exit or dump:FILE)");
        return -EINVAL;
    }
    if (act != PANIC_ACT_AUTO && act != PANIC_ACT_NONE && !cfg->symbols && !pvpanic) {
        *msg = fail("--on-panic %s: nothing would detect a panic; give --symbols vmlinux or "
                    "System.map (brkvm's breakpoint on panic()) or --pvpanic (the guest's "
                    "pvpanic-mmio driver)", arg);
        return -EINVAL;
    }
    if (on_oops && !cfg->symbols) {
        *msg = fail("--on-oops needs --symbols vmlinux or System.map (brkvm's breakpoint on "
                    "die(); pvpanic reports no oopses)");
        return -EINVAL;
    }
    cfg->on_panic_given = arg != NULL;
    cfg->on_panic = panic_action_resolve(act, cfg->gdb != NULL, cfg->symbols || pvpanic);
    if (on_oops && cfg->on_panic == PANIC_ACT_NONE) {
        *msg = fail("--on-oops with --on-panic none: nothing to do on an oops");
        return -EINVAL;
    }
    return 0;
}

int options_parse(int argc, char **argv, struct brkvm_config *cfg, char **out_text)
{
    char *mem = NULL, *load_addr = NULL, *loglevel = NULL;
    int cpus = 1;
    gboolean debug_mmio = FALSE, gdb_wait = FALSE, no_pauth = FALSE, no_kaslr = FALSE;
    char *kaslr_seed = NULL, *console = NULL, *irqchip = NULL, *network = NULL;
    char **disks = NULL, **shares = NULL;
    gboolean rng = FALSE, pmu = FALSE, no_sve = FALSE, nodefaults = FALSE;
    gboolean qemu_s = FALSE, qemu_S = FALSE, on_oops = FALSE, pvpanic = FALSE;
    char *on_panic = NULL;
    GError *err = NULL;
    GOptionContext *ctx = NULL;
    int ret = -EINVAL;
    char **args = NULL, **owned = NULL;
    int nargs;

    memset(cfg, 0, sizeof(*cfg));
    cfg->mem_size = BRKVM_MEM_DEFAULT;
    cfg->cpus = 1;
    cfg->loglevel = LOG_LVL_WARNING;
    *out_text = NULL;

    if (argc < 2) {
        *out_text = fail("no command given: %s", "use 'brkvm run --kernel FILE' (brkvm --help)");
        return -EINVAL;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        *out_text = g_strdup(top_help);
        return OPTIONS_EXIT;
    }
    if (!strcmp(argv[1], "--version")) {
        *out_text = g_strdup("brkvm " BRKVM_VERSION "\n");
        return OPTIONS_EXIT;
    }
    if (strcmp(argv[1], "run")) {
        *out_text = fail("unknown command '%s': the only command is 'run' (brkvm --help)", argv[1]);
        return -EINVAL;
    }

    const GOptionEntry machine[] = {
        {"kernel", 'k', 0, G_OPTION_ARG_FILENAME, &cfg->kernel,
         "kernel to boot: arm64 Linux Image, ELF, or flat binary (required)", "FILE"},
        {"initrd", 'i', 0, G_OPTION_ARG_FILENAME, &cfg->initrd, "initial ramdisk", "FILE"},
        {"params", 'p', 0, G_OPTION_ARG_STRING, &cfg->params, "kernel command line", "\"ARGS\""},
        {"mem", 'm', 0, G_OPTION_ARG_STRING, &mem,
         "guest RAM, e.g. 512M or 2G; a bare number is MiB (default 256M)", "SIZE"},
        {"cpus", 'c', 0, G_OPTION_ARG_INT, &cpus, "number of vCPUs (default 1)", "N"},
        {"irqchip", 0, 0, G_OPTION_ARG_STRING, &irqchip,
         "gicv2, gicv3 or gicv3-its (GICv3 + ITS); default: GICv3 if KVM has it, else GICv2",
         "TYPE"},
        {"pmu", 0, 0, G_OPTION_ARG_NONE, &pmu, "give every vCPU KVM's PMUv3 (PPI 7, INTID 23)",
         NULL},
        {"no-sve", 0, 0, G_OPTION_ARG_NONE, &no_sve,
         "do not offer the guest SVE (offered when KVM has it)", NULL},
        {"no-pauth", 0, 0, G_OPTION_ARG_NONE, &no_pauth,
         "do not offer the guest pointer authentication (offered when the host has it)", NULL},
        {"load-addr", 0, 0, G_OPTION_ARG_STRING, &load_addr,
         "guest-physical load address of a flat binary (default RAM start + 0x80000)", "ADDR"},
        {"dump-dtb", 0, 0, G_OPTION_ARG_FILENAME, &cfg->dump_dtb,
         "also write the generated device tree blob to FILE", "FILE"},
        {"nodefaults", 0, 0, G_OPTION_ARG_NONE, &nodefaults,
         "no default devices (kvmtool's flag; brkvm's only default device is the UART, kept)",
         NULL},
        {"loglevel", 0, 0, G_OPTION_ARG_STRING, &loglevel,
         "error, warning (default), info or debug", "LEVEL"},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    const GOptionEntry devices[] = {
        {"disk", 'd', 0, G_OPTION_ARG_FILENAME_ARRAY, &disks,
         "virtio-blk disk from a raw image, repeatable; ,ro: read-only", "FILE[,ro]"},
        {"9p", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &shares,
         "share host directory DIR as virtio-9p TAG (default kvm_9p), repeatable; in the guest: "
         "mount -t 9p -o trans=virtio TAG /mnt", "DIR,TAG[,ro]"},
        {"console", 0, 0, G_OPTION_ARG_STRING, &console,
         "serial (8250 UART, ttyS0: default) or virtio (virtio-console, hvc0)", "TYPE"},
        {"rng", 0, 0, G_OPTION_ARG_NONE, &rng, "virtio-rng, fed from getrandom()", NULL},
        {"pvpanic", 0, 0, G_OPTION_ARG_NONE, &pvpanic,
         "pvpanic device (qemu,pvpanic-mmio): a guest with Linux's pvpanic-mmio driver reports "
         "its panics (--on-panic)", NULL},
        {"network", 'n', 0, G_OPTION_ARG_STRING, &network,
         "mode=none only (kvmtool's flag; brkvm has no network device)", "mode=none"},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    const GOptionEntry debugging[] = {
        {"gdb", 0, 0, G_OPTION_ARG_STRING, &cfg->gdb,
         "GDB stub on [HOST:]PORT (host defaults to 127.0.0.1) or unix:PATH", "ADDR"},
        {"gdb-wait", 0, 0, G_OPTION_ARG_NONE, &gdb_wait,
         "with --gdb: stop before the first instruction until gdb continues", NULL},
        {"gdb-default", 's', 0, G_OPTION_ARG_NONE, &qemu_s, "QEMU's -s: --gdb 127.0.0.1:1234",
         NULL},
        {"start-stopped", 'S', 0, G_OPTION_ARG_NONE, &qemu_S, "QEMU's -S: --gdb-wait", NULL},
        {"symbols", 0, 0, G_OPTION_ARG_FILENAME, &cfg->symbols,
         "the kernel's symbols (vmlinux or System.map): KASLR slide for gdb (qOffsets)", "FILE"},
        {"kaslr-seed", 0, 0, G_OPTION_ARG_STRING, &kaslr_seed,
         "put N in /chosen/kaslr-seed (a reproducible KASLR layout)", "N"},
        {"no-kaslr", 0, 0, G_OPTION_ARG_NONE, &no_kaslr,
         "add nokaslr to the kernel command line", NULL},
        {"debug-mmio", 0, 0, G_OPTION_ARG_NONE, &debug_mmio,
         "log guest accesses to unmapped MMIO addresses", NULL},
        {"on-panic", 0, 0, G_OPTION_ARG_STRING, &on_panic,
         "on a guest kernel panic (seen with --symbols or --pvpanic): stop (held for gdb; "
         "needs --gdb), exit (status 4), dump:FILE (then exit 4) or none. Default: stop with "
         "--gdb, else exit when detected, else none", "ACTION"},
        {"on-oops", 0, 0, G_OPTION_ARG_NONE, &on_oops,
         "a kernel oops (die()) counts as a panic for --on-panic (needs --symbols)", NULL},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    GOptionGroup *g;

    ctx = g_option_context_new("- boot a guest under KVM");
    g_option_context_set_summary(ctx, "Guest console: the UART (or hvc0) is on stdin/stdout.  When "
                                      "stdin is a\nterminal, press Ctrl-A x to quit, Ctrl-A Ctrl-A "
                                      "to send Ctrl-A.\nExit status: 0 powered off, 1 guest crash "
                                      "or VMM error, 2 bad input, 3 reset,\n4 guest kernel panic "
                                      "(--on-panic exit or dump).");
    g_set_prgname("brkvm run");
    g = g_option_group_new("machine", "Machine:", "machine", NULL, NULL);
    g_option_group_add_entries(g, machine);
    g_option_context_add_group(ctx, g);
    g = g_option_group_new("devices", "Devices (virtio-mmio):", "devices", NULL, NULL);
    g_option_group_add_entries(g, devices);
    g_option_context_add_group(ctx, g);
    g = g_option_group_new("debugging", "Debugging:", "debugging", NULL, NULL);
    g_option_group_add_entries(g, debugging);
    g_option_context_add_group(ctx, g);
    g_option_context_set_help_enabled(ctx, FALSE);

    /* GOptionContext wants argv[0]; make "brkvm run" look like one program name */
    nargs = argc - 1;
    args = g_new0(char *, argc + 1);
    args[0] = g_strdup("brkvm run");
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            *out_text = g_option_context_get_help(ctx, FALSE, NULL);
            ret = OPTIONS_EXIT;
            goto out;
        }
        args[i - 1] = g_strdup(argv[i]);
    }
    /* parsing drops the strings it consumed from args without freeing them: keep our own list */
    owned = g_memdup2(args, (argc + 1) * sizeof(char *));
    if (!g_option_context_parse(ctx, &nargs, &args, &err)) {
        *out_text = fail("%s (%s)", err->message, USAGE_HINT);
        goto out;
    }
    if (nargs > 1) {
        *out_text = fail("unexpected argument '%s' (%s)", args[1], USAGE_HINT);
        goto out;
    }
    if (!cfg->kernel) {
        *out_text = fail("no kernel given: use --kernel FILE (%s)", USAGE_HINT);
        goto out;
    }
    if (mem) {
        uint64_t v;
        char buf[32];
        int r = size_parse_mem(mem, &v);
        if (r == -ERANGE) {
            *out_text = fail("--mem %s: too large", mem);
            goto out;
        }
        if (r) {
            *out_text = fail("--mem %s: not a size; use a number with an optional K, M, G or T "
                             "suffix, e.g. 512M", mem);
            goto out;
        }
        if (v < BRKVM_MEM_MIN) {
            *out_text = fail("--mem %s: too small, need at least %s", mem,
                             size_format(BRKVM_MEM_MIN, buf, sizeof(buf)));
            goto out;
        }
        if (v & 0xffff) {
            *out_text = fail("--mem %s: must be a multiple of 64K", mem);
            goto out;
        }
        cfg->mem_size = v;
    }
    if (cpus < 1 || cpus > BRKVM_CPUS_MAX) {
        *out_text = fail("--cpus %d: out of range, use 1 to %d", cpus, BRKVM_CPUS_MAX);
        goto out;
    }
    cfg->cpus = cpus;
    if (load_addr) {
        if (size_parse_u64(load_addr, &cfg->load_addr)) {
            *out_text = fail("--load-addr %s: not an address; use e.g. 0x80080000", load_addr);
            goto out;
        }
        if (cfg->load_addr & 3) {
            *out_text = fail("--load-addr %s: must be 4-byte aligned", load_addr);
            goto out;
        }
        cfg->has_load_addr = true;
    }
    if (loglevel) {
        static const char *names[] = {"error", "warning", "info", "debug"};
        unsigned i;
        for (i = 0; i < G_N_ELEMENTS(names); i++)
            if (!g_ascii_strcasecmp(loglevel, names[i]))
                break;
        if (i == G_N_ELEMENTS(names)) {
            *out_text = fail("--loglevel %s: unknown level; use error, warning, info or debug",
                             loglevel);
            goto out;
        }
        cfg->loglevel = (enum brkvm_loglevel)i;
    }
    cfg->debug_mmio = debug_mmio;
    if (qemu_s) {
        if (cfg->gdb) {
            *out_text = fail("-s and --gdb %s contradict each other: use one", cfg->gdb);
            goto out;
        }
        cfg->gdb = g_strdup("127.0.0.1:1234");
    }
    gdb_wait = gdb_wait || qemu_S;
    for (char **d = disks; d && *d; d++) {
        if (cfg->ndisks == BRKVM_MAX_DISKS) {
            *out_text = fail("--disk %s: at most %d disks", *d, BRKVM_MAX_DISKS);
            goto out;
        }
        if (parse_disk(*d, &cfg->disks[cfg->ndisks++], out_text))
            goto out;
    }
    for (char **d = shares; d && *d; d++) {
        if (cfg->nshares == BRKVM_MAX_SHARES) {
            *out_text = fail("--9p %s: at most %d shared directories", *d, BRKVM_MAX_SHARES);
            goto out;
        }
        if (parse_share(*d, &cfg->shares[cfg->nshares++], out_text))
            goto out;
        for (unsigned i = 0; i + 1 < cfg->nshares; i++)
            if (!strcmp(cfg->shares[i].tag, cfg->shares[cfg->nshares - 1].tag)) {
                *out_text = fail("--9p %s: tag '%s' is already used by --9p %s", *d,
                                 cfg->shares[i].tag, cfg->shares[i].dir);
                goto out;
            }
    }
    if (console) {
        if (!strcmp(console, "serial")) {
            cfg->console = CONSOLE_SERIAL;
        } else if (!strcmp(console, "virtio")) {
            cfg->console = CONSOLE_VIRTIO;
        } else {
            *out_text = fail("--console %s: unknown; use serial (8250 UART) or virtio (hvc0)%s",
                             console, !strcmp(console, "hv") ? " (brkvm has no hv console)" : "");
            goto out;
        }
    }
    if (irqchip) {
        static const char *names[] = {"auto", "gicv2", "gicv3", "gicv3-its"};
        unsigned i;
        for (i = 0; i < G_N_ELEMENTS(names); i++)
            if (!strcmp(irqchip, names[i]))
                break;
        if (i == G_N_ELEMENTS(names)) {
            *out_text = fail("--irqchip %s: unknown; use gicv2, gicv3 or gicv3-its%s", irqchip,
                             !strcmp(irqchip, "gicv2m") ? " (brkvm has no GICv2m)" : "");
            goto out;
        }
        cfg->irqchip = (enum brkvm_irqchip)i;
    }
    if (network && strcmp(network, "mode=none") && strcmp(network, "none")) {
        *out_text = fail("--network %s: brkvm has no network device; only --network mode=none "
                         "is accepted", network);
        goto out;
    }
    cfg->rng = rng;
    cfg->pmu = pmu;
    cfg->no_sve = no_sve;
    cfg->nodefaults = nodefaults;
    if (gdb_wait && !cfg->gdb) {
        *out_text = fail("--gdb-wait (-S) needs a stub: --gdb ADDR (e.g. --gdb 1234) or -s");
        goto out;
    }
    if (cfg->gdb) {
        struct gdb_addr a;
        const char *why;
        if (gdb_addr_parse(cfg->gdb, &a, &why)) {
            *out_text = fail("--gdb %s: %s", cfg->gdb, why);
            goto out;
        }
    }
    cfg->gdb_wait = gdb_wait;
    cfg->no_pauth = no_pauth;
    cfg->no_kaslr = no_kaslr;
    if (kaslr_seed) {
        if (size_parse_u64(kaslr_seed, &cfg->kaslr_seed)) {
            *out_text = fail("--kaslr-seed %s: not a number", kaslr_seed);
            goto out;
        }
        if (no_kaslr) {
            *out_text = fail("--kaslr-seed and --no-kaslr contradict each other: use one");
            goto out;
        }
        cfg->has_kaslr_seed = true;
    }
    if (parse_on_panic(on_panic, on_oops, pvpanic, cfg, out_text))
        goto out;
    ret = OPTIONS_OK;
out:
    if (ret < 0)
        options_free(cfg);
    if (owned)
        g_strfreev(owned);
    else
        g_strfreev(args);
    g_free(owned ? args : NULL);
    g_free(mem);
    g_free(load_addr);
    g_free(loglevel);
    g_free(kaslr_seed);
    g_free(on_panic);
    g_free(console);
    g_free(irqchip);
    g_free(network);
    g_strfreev(disks);
    g_strfreev(shares);
    g_clear_error(&err);
    g_option_context_free(ctx);
    return ret;
}

int options_check_host(const struct brkvm_config *cfg, uint64_t host_ram_bytes,
                       unsigned max_vcpus, char **msg)
{
    char a[32], b[32];

    *msg = NULL;
    if (host_ram_bytes && cfg->mem_size > host_ram_bytes) {
        *msg = fail("--mem %s: too large for this host, which has %s of RAM",
                    size_format(cfg->mem_size, a, sizeof(a)),
                    size_format(host_ram_bytes & ~((1ULL << 20) - 1), b, sizeof(b)));
        return -EINVAL;
    }
    if (max_vcpus && cfg->cpus > max_vcpus) {
        *msg = fail("--cpus %u: out of range, KVM on this host allows at most %u", cfg->cpus,
                    max_vcpus);
        return -EINVAL;
    }
    return 0;
}

void options_free(struct brkvm_config *cfg)
{
    g_clear_pointer(&cfg->kernel, g_free);
    g_clear_pointer(&cfg->initrd, g_free);
    g_clear_pointer(&cfg->params, g_free);
    g_clear_pointer(&cfg->dump_dtb, g_free);
    g_clear_pointer(&cfg->gdb, g_free);
    g_clear_pointer(&cfg->symbols, g_free);
    g_clear_pointer(&cfg->panic_dump, g_free);
    for (unsigned i = 0; i < cfg->ndisks; i++)
        g_clear_pointer(&cfg->disks[i].path, g_free);
    for (unsigned i = 0; i < cfg->nshares; i++) {
        g_clear_pointer(&cfg->shares[i].dir, g_free);
        g_clear_pointer(&cfg->shares[i].tag, g_free);
    }
    cfg->ndisks = cfg->nshares = 0;
}
