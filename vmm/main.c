/* main.c - brkvm's entry point: parse the command line, build the VM, run it, report the end.
 * Exit codes: 0 guest powered off (or Ctrl-A x), 1 guest crash / KVM or internal error, 2 bad
 * input (command line or files), 3 the guest asked for a reset (PSCI SYSTEM_RESET), 4 the guest
 * kernel panicked (--on-panic exit or dump, BRKVM_EXIT_PANIC). */
#define G_LOG_DOMAIN "main"
#include <brkvm/gdb_server.h>
#include <brkvm/log.h>
#include <brkvm/memmap.h>
#include <brkvm/size.h>
#include <brkvm/symbols.h>
#include <brkvm/term.h>
#include <brkvm/virtio_devices.h>
#include <brkvm/vm.h>

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#define EXIT_GUEST_ERROR 1
#define EXIT_BAD_INPUT 2
#define EXIT_GUEST_RESET 3

struct file_map {
    uint8_t *data;
    uint64_t len;
};

static struct vm the_vm;
static struct gdb_server gdb_srv = {.listen_fd = -1, .quit_efd = -1};
static volatile sig_atomic_t got_signal;

/* Map a whole regular file read-only; a clear message for each way it can fail. */
static int file_map(const char *what, const char *path, uint64_t limit, struct file_map *f,
                    char **msg)
{
    struct stat st;
    char b[32];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    int r = 0;

    f->data = NULL;
    f->len = 0;
    if (fd < 0) {
        *msg = g_strdup_printf("%s %s: %s", what, path, strerror(errno));
        return -errno;
    }
    if (fstat(fd, &st) < 0) {
        r = -errno;
        *msg = g_strdup_printf("%s %s: %s", what, path, strerror(errno));
    } else if (S_ISDIR(st.st_mode)) {
        r = -EISDIR;
        *msg = g_strdup_printf("%s %s: is a directory, not a file", what, path);
    } else if (!S_ISREG(st.st_mode)) {
        r = -EINVAL;
        *msg = g_strdup_printf("%s %s: not a regular file", what, path);
    } else if ((uint64_t)st.st_size > limit) {
        r = -E2BIG;
        *msg = g_strdup_printf("%s %s: %lld bytes do not fit in guest RAM (--mem %s)", what,
                               path, (long long)st.st_size, size_format(limit, b, sizeof(b)));
    } else if (st.st_size > 0) {
        f->data = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (f->data == MAP_FAILED) {
            r = -errno;
            f->data = NULL;
            *msg = g_strdup_printf("%s %s: %s", what, path, strerror(errno));
        } else {
            f->len = st.st_size;
        }
    }
    close(fd);
    return r;
}

static void file_unmap(struct file_map *f)
{
    if (f->data)
        munmap(f->data, f->len);
    f->data = NULL;
}

static void console_write(const uint8_t *buf, size_t n)
{
    while (n) {
        ssize_t r = write(STDOUT_FILENO, buf, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return; /* stdout gone: the guest's output is dropped, the guest goes on */
        buf += r;
        n -= (size_t)r;
    }
}

static void uart_tx(void *opaque, uint8_t c)
{
    console_write(&c, 1);
}

static void virtio_console_tx(void *opaque, const uint8_t *buf, size_t n)
{
    console_write(buf, n);
}

static struct virtio_console vcon_dev = {.tx = virtio_console_tx};

static void free_blk(void *dev)
{
    virtio_blk_close(dev);
}

/* the virtio devices the command line asks for, in slot order: disks, 9p, console, rng */
static void free_9p(void *dev)
{
    virtio_9p_close(dev);
}

/* opened before the VM, so that a bad file or directory is bad input (exit 2) */
static struct virtio_blk *disks[BRKVM_MAX_DISKS];
static struct virtio_9p *shares[BRKVM_MAX_SHARES];

static int virtio_devices_init(struct vm *vm, char **msg)
{
    const struct brkvm_config *cfg = vm->cfg;
    int r;

    for (unsigned i = 0; i < cfg->ndisks; i++) {
        struct virtio_blk *b = disks[i];
        disks[i] = NULL; /* the slot owns it now, even if adding fails */
        if ((r = virtio_host_add(vm, &virtio_blk_ops, b, free_blk, NULL, msg)))
            return r;
    }
    for (unsigned i = 0; i < cfg->nshares; i++) {
        struct virtio_9p *p = shares[i];
        shares[i] = NULL;
        if ((r = virtio_host_add(vm, &virtio_9p_ops, p, free_9p, NULL, msg)))
            return r;
    }
    if (cfg->console == CONSOLE_VIRTIO &&
        (r = virtio_host_add(vm, &virtio_console_ops, &vcon_dev, NULL, &vm->vcon, msg)))
        return r;
    if (cfg->rng && (r = virtio_host_add(vm, &virtio_rng_ops, NULL, NULL, NULL, msg)))
        return r;
    return 0;
}

/* input for the guest's console: hvc0 with --console virtio, else the UART */
static unsigned console_input(struct vm *vm, const uint8_t *buf, unsigned n)
{
    return vm->vcon ? virtio_host_console_input(vm, buf, n)
                    : uart_8250_push_input(&vm->uart, buf, n);
}

static void uart_irq(void *opaque, int level)
{
    struct vm *vm = opaque;
    int r = vm_set_irq(vm, vm->uart.spi, level);
    if (r)
        g_warning("UART interrupt line: %s", strerror(-r));
}

/* the guest wrote the pvpanic register: on its own vCPU thread */
static void pvpanic_event(void *opaque, uint8_t events)
{
    panic_pvpanic_event(opaque, vcpu_current(), events);
}

static int devices_init(struct vm *vm, char **msg)
{
    int r;

    uart_8250_init(&vm->uart, BRKVM_UART_SPI, uart_tx, uart_irq, vm);
    r = bus_register(&vm->bus, BRKVM_UART_BASE, UART_MMIO_SIZE, &uart_8250_ops, &vm->uart);
    if (r) {
        *msg = g_strdup_printf("registering the UART: %s", strerror(-r));
        return r;
    }
    if (vm->cfg->pvpanic) {
        vm->pvpanic = (struct pvpanic){.event = pvpanic_event, .opaque = vm};
        r = bus_register(&vm->bus, BRKVM_PVPANIC_BASE, PVPANIC_MMIO_SIZE, &pvpanic_ops,
                         &vm->pvpanic);
        if (r) {
            *msg = g_strdup_printf("registering the pvpanic device: %s", strerror(-r));
            return r;
        }
    }
    return virtio_devices_init(vm, msg);
}

/* --on-panic with --symbols: the link addresses of panic() and (--on-oops) die(); 0 if the
 * file has none (no detection by breakpoint) */
static void panic_symbols(const struct brkvm_config *cfg, const struct file_map *syms,
                          uint64_t *panic_fn, uint64_t *die_fn)
{
    const char *why;

    *panic_fn = *die_fn = 0;
    if (cfg->on_panic == PANIC_ACT_NONE)
        return;
    if (symbols_lookup(syms->data, syms->len, "panic", panic_fn, &why)) {
        /* (said quietly when --on-panic is only the default: a System.map of just _text) */
        if (cfg->on_panic_given)
            g_warning("--symbols %s: no panic(): guest panics are not detected by breakpoint",
                      cfg->symbols);
        else
            g_info("--symbols %s: no panic(): no panic detection by breakpoint", cfg->symbols);
        *panic_fn = 0;
        return;
    }
    if (cfg->on_oops && symbols_lookup(syms->data, syms->len, "die", die_fn, &why)) {
        g_warning("--symbols %s: no die(): oopses are not detected (--on-oops)", cfg->symbols);
        *die_fn = 0;
    }
}

static void on_signal(int sig)
{
    uint64_t one = 1;
    got_signal = sig;
    if (write(the_vm.exit_efd, &one, sizeof(one)) < 0) {
        /* nothing to do in a signal handler */
    }
}

/* Console input to the UART and waiting for the end of the run. */
static void main_loop(struct vm *vm, bool tty)
{
    struct term_escape esc = {0};
    uint8_t in[256], pending[256];
    size_t npending = 0, off = 0;
    bool stdin_open = true;

    for (;;) {
        struct pollfd pfd[2] = {
            {.fd = vm->exit_efd, .events = POLLIN},
            {.fd = STDIN_FILENO, .events = POLLIN},
        };
        /* while the guest has not drained its input buffer, retry every 10 ms */
        int nfds = (stdin_open && !npending) ? 2 : 1;
        int r = poll(pfd, nfds, npending ? 10 : -1);

        if (r < 0 && errno != EINTR)
            break;
        if (got_signal) {
            vm_request_exit(vm, EXIT_GUEST_ERROR, "stopped by signal %d (%s)", got_signal,
                            strsignal(got_signal));
        }
        if (vm_exiting(vm))
            return;
        if (npending) {
            off += console_input(vm, pending + off, (unsigned)(npending - off));
            if (off == npending)
                npending = off = 0;
            continue;
        }
        if (nfds == 2 && (pfd[1].revents & (POLLIN | POLLHUP | POLLERR))) {
            ssize_t n = read(STDIN_FILENO, in, sizeof(in));
            bool quit = false;
            if (n <= 0) {
                if (n < 0 && (errno == EINTR || errno == EAGAIN))
                    continue;
                stdin_open = false; /* EOF: the guest runs on without input */
                continue;
            }
            npending = tty ? term_filter(&esc, in, (size_t)n, pending, &quit)
                           : (memcpy(pending, in, (size_t)n), (size_t)n);
            if (quit) {
                vm_request_exit(vm, 0, "quit from the console (Ctrl-A x)");
                return;
            }
            off = console_input(vm, pending, (unsigned)npending);
            if (off == npending)
                npending = off = 0;
        }
    }
    vm_request_exit(vm, EXIT_GUEST_ERROR, "poll: %s", strerror(errno));
}

static void raise_fd_limit(void)
{
    struct rlimit rl;

    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

/* A --kernel that does not exist.  kvm-unit-tests (--target=kvmtool) first runs the VMM with
 * such a path and counts kvmtool's line for it, "Fatal: Unable to open kernel PATH", as "the VMM
 * can run this test"; any other message makes the test a SKIP with that message as the reason.
 * kvmtool sets the machine up before it opens the kernel, so a machine it cannot build (e.g.
 * --irqchip gicv2 on a GICv3-only host) gives that error instead: the same here, so that such a
 * test is skipped, not failed.  Returns the message to print. */
static char *probe_machine(struct vm *vm, const struct brkvm_config *cfg)
{
    char *msg = NULL;

    if (vm_create(vm, cfg, &msg) == 0) {
        if (vcpu_create_all(vm, &msg) == 0 && gic_create(vm, &msg) == 0 &&
            gic_finalize(vm, &msg) == 0 && pmu_init(vm, &msg) == 0)
            msg = NULL;
        vm_destroy(vm);
    }
    if (msg)
        return msg;
    return g_strdup_printf("Fatal: Unable to open kernel %s: no such file (--kernel)",
                           cfg->kernel);
}

static int fail(int code, char *msg)
{
    term_restore();
    fprintf(stderr, "brkvm: %s\n", msg ? msg : "unknown error");
    g_free(msg);
    return code;
}

int main(int argc, char **argv)
{
    struct brkvm_config cfg;
    struct file_map kernel = {0}, initrd = {0};
    struct payload payload;
    struct vm *vm = &the_vm;
    const char *why = NULL;
    char *msg = NULL;
    uint64_t host_ram, panic_fn = 0, die_fn = 0;
    int r, code;
    bool tty;

    r = options_parse(argc, argv, &cfg, &msg);
    if (r == OPTIONS_EXIT) {
        fputs(msg, stdout);
        g_free(msg);
        return 0;
    }
    if (r < 0)
        return fail(EXIT_BAD_INPUT, msg);
    log_init(cfg.loglevel);

    host_ram = (uint64_t)sysconf(_SC_PHYS_PAGES) * (uint64_t)sysconf(_SC_PAGESIZE);
    if (options_check_host(&cfg, host_ram, 0, &msg))
        return fail(EXIT_BAD_INPUT, msg);
    if ((r = file_map("--kernel", cfg.kernel, cfg.mem_size, &kernel, &msg))) {
        if (r == -ENOENT) {
            g_free(msg);
            return fail(EXIT_BAD_INPUT, probe_machine(vm, &cfg));
        }
        return fail(EXIT_BAD_INPUT, msg);
    }
    if (loader_probe(kernel.data, kernel.len, &payload, &why))
        return fail(EXIT_BAD_INPUT, g_strdup_printf("--kernel %s: not an arm64 Image, ELF or "
                                                    "flat binary: %s", cfg.kernel, why));
    if (cfg.has_load_addr && payload.kind != PAYLOAD_FLAT)
        return fail(EXIT_BAD_INPUT, g_strdup_printf("--load-addr applies to flat binaries only; "
                                                    "%s is an %s", cfg.kernel,
                                                    loader_kind_name(payload.kind)));
    if (cfg.initrd && file_map("--initrd", cfg.initrd, cfg.mem_size, &initrd, &msg))
        return fail(EXIT_BAD_INPUT, msg);
    if (cfg.symbols) {
        struct file_map syms;
        if (file_map("--symbols", cfg.symbols, UINT64_MAX, &syms, &msg))
            return fail(EXIT_BAD_INPUT, msg);
        r = symbols_text_addr(syms.data, syms.len, &vm->link_text, &why);
        /* for crash dumps (optional: a kernel without CONFIG_CRASH_CORE has none) */
        vm->has_link_vmcoreinfo = !r && !symbols_lookup(syms.data, syms.len, "vmcoreinfo_note",
                                                        &vm->link_vmcoreinfo, &why);
        if (!r)
            panic_symbols(&cfg, &syms, &panic_fn, &die_fn);
        file_unmap(&syms);
        if (r)
            return fail(EXIT_BAD_INPUT, g_strdup_printf("--symbols %s: %s", cfg.symbols, why));
        vm->has_link_text = true;
    }
    for (unsigned i = 0; i < cfg.ndisks; i++) {
        if (virtio_blk_open(&disks[i], cfg.disks[i].path, cfg.disks[i].ro, &msg)) {
            while (i--)
                virtio_blk_close(disks[i]);
            return fail(EXIT_BAD_INPUT, msg);
        }
    }
    if (cfg.nshares)
        raise_fd_limit(); /* a 9p share holds a few fds per guest fid */
    for (unsigned i = 0; i < cfg.nshares; i++) {
        const struct brkvm_share *sh = &cfg.shares[i];
        if (virtio_9p_open(&shares[i], sh->dir, sh->tag, sh->ro, &msg)) {
            while (i--)
                virtio_9p_close(shares[i]);
            return fail(EXIT_BAD_INPUT, msg);
        }
    }
    /* placement first: a kernel or initrd that cannot fit is bad input, found before KVM */
    if (loader_plan(&payload, kernel.len, BRKVM_RAM_BASE, cfg.mem_size, cfg.has_load_addr,
                    cfg.load_addr, initrd.len, &vm->map, &why)) {
        char b[32];
        return fail(EXIT_BAD_INPUT, g_strdup_printf("%s (kernel %s: %llu bytes, initrd %llu "
                    "bytes, --mem %s)", why, loader_kind_name(payload.kind),
                    (unsigned long long)kernel.len, (unsigned long long)initrd.len,
                    size_format(cfg.mem_size, b, sizeof(b))));
    }

    /* vm_create starts from a clean VM object: keep what was worked out above */
    struct load_map map = vm->map;
    bool has_link_text = vm->has_link_text;
    uint64_t link_text = vm->link_text, link_vmcoreinfo = vm->link_vmcoreinfo;
    bool has_link_vmcoreinfo = vm->has_link_vmcoreinfo;
    r = vm_create(vm, &cfg, &msg);
    vm->map = map;
    vm->has_link_text = has_link_text;
    vm->link_text = link_text;
    vm->has_link_vmcoreinfo = has_link_vmcoreinfo;
    vm->link_vmcoreinfo = link_vmcoreinfo;
    if (r)
        return fail(r == -EINVAL || r == -E2BIG ? EXIT_BAD_INPUT : EXIT_GUEST_ERROR, msg);
    if (vcpu_create_all(vm, &msg) || gic_create(vm, &msg) || gic_finalize(vm, &msg) ||
        pmu_init(vm, &msg) || devices_init(vm, &msg) ||
        boot_prepare(vm, kernel.data, kernel.len, &payload, initrd.data, initrd.len, &msg)) {
        vm_destroy(vm);
        return fail(EXIT_GUEST_ERROR, msg);
    }
    /* the files stay mapped: a reset from the debugger loads them again */

    /* the all-stop machinery serves gdb and --on-panic (its breakpoints, its stop) */
    vm->panic.act = cfg.on_panic;
    vm->panic.dump_path = cfg.panic_dump;
    if ((cfg.gdb || cfg.on_panic != PANIC_ACT_NONE || cfg.pvpanic) &&
        (r = debug_init(vm, cfg.gdb_wait))) {
        vm_destroy(vm);
        return fail(EXIT_GUEST_ERROR, g_strdup_printf("guest debugging: %s", strerror(-r)));
    }
    if (panic_fn && (r = panic_arm(vm, panic_fn, die_fn, &msg))) {
        vm_destroy(vm);
        return fail(EXIT_BAD_INPUT, msg);
    }
    if (cfg.gdb) {
        struct gdb_addr addr;
        char *where = vm->panic.gdb_where;
        gdb_addr_parse(cfg.gdb, &addr, &why); /* checked by options_parse */
        if ((r = gdb_server_listen(&gdb_srv, &addr, &msg))) {
            vm_destroy(vm);
            return fail(EXIT_BAD_INPUT, msg ? msg : g_strdup_printf("--gdb: %s", strerror(-r)));
        }
        gdb_addr_format(&addr, where, sizeof(vm->panic.gdb_where));
        fprintf(stderr, "brkvm: gdb stub listening on %s%s; attach with: gdb-multiarch -ex "
                        "'target remote %s'\n", where,
                cfg.gdb_wait ? " (guest waits for gdb)" : "", where);
        if ((r = gdb_server_start(&gdb_srv, &vm_gdb_target_ops, vm, vm->dbg.stop_efd))) {
            vm_destroy(vm);
            return fail(EXIT_GUEST_ERROR, g_strdup_printf("gdb server thread: %s", strerror(-r)));
        }
    }

    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    tty = term_init();

    if (virtio_host_start(vm, &msg) || vcpu_start_all(vm, &msg)) {
        vm_request_exit(vm, EXIT_GUEST_ERROR, "%s", msg);
        g_free(msg);
    } else {
        main_loop(vm, tty);
    }
    vcpu_stop_all(vm);
    virtio_host_stop(vm);
    gdb_srv.exit_code = vm->exit_code; /* an attached gdb hears how the guest ended ('W') */
    /* release: the server thread reads has_exit (acquire) then exit_code after it saw
     * gdb_server_stop's quit_efd in poll, which orders nothing by itself */
    __atomic_store_n(&gdb_srv.has_exit, true, __ATOMIC_RELEASE);
    gdb_server_stop(&gdb_srv);
    term_restore();
    code = vm->exit_code;
    fprintf(stderr, "\nbrkvm: %s\n", vm->exit_reason);
    debug_destroy(vm);
    vm_destroy(vm);
    file_unmap(&kernel);
    file_unmap(&initrd);
    options_free(&cfg);
    return code;
}
