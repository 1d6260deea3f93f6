/* options.h - brkvm's command line: parsing and validation (pure: no KVM, no files opened) */
#ifndef BRKVM_OPTIONS_H
#define BRKVM_OPTIONS_H

#include <brkvm/panic.h>

#include <stdbool.h>
#include <stdint.h>

#define BRKVM_MEM_DEFAULT (256ULL << 20)
#define BRKVM_MEM_MIN (16ULL << 20)
#define BRKVM_CPUS_MAX 512

#define BRKVM_MAX_DISKS 8
#define BRKVM_MAX_SHARES 8

enum brkvm_loglevel { LOG_LVL_ERROR, LOG_LVL_WARNING, LOG_LVL_INFO, LOG_LVL_DEBUG };
enum brkvm_console { CONSOLE_SERIAL, CONSOLE_VIRTIO };
/* --irqchip: AUTO = GICv3 when KVM has one, else GICv2 */
enum brkvm_irqchip { IRQCHIP_AUTO, IRQCHIP_GICV2, IRQCHIP_GICV3, IRQCHIP_GICV3_ITS };

struct brkvm_disk {  /* -d FILE[,ro] */
    char *path;
    bool ro;
};

struct brkvm_share { /* --9p DIR,TAG[,ro] */
    char *dir, *tag;
    bool ro;
};

struct brkvm_config {
    char *kernel;       /* -k: Image, ELF or flat binary (required) */
    char *initrd;       /* -i */
    char *params;       /* -p: kernel command line */
    char *dump_dtb;     /* --dump-dtb FILE: write the generated DT there too */
    uint64_t mem_size;  /* -m, bytes */
    unsigned cpus;      /* -c */
    bool has_load_addr; /* --load-addr given (flat binaries) */
    uint64_t load_addr;
    enum brkvm_loglevel loglevel;
    bool debug_mmio;    /* log accesses to unmapped MMIO */
    char *gdb;          /* --gdb [HOST:]PORT | unix:PATH: the GDB stub's address */
    bool gdb_wait;      /* --gdb-wait: vCPUs wait for the debugger before the first instruction */
    bool no_pauth;      /* --no-pauth: no pointer authentication for the guest */
    char *symbols;      /* --symbols FILE: vmlinux or System.map (the kernel's link addresses) */
    bool has_kaslr_seed; /* --kaslr-seed N: /chosen/kaslr-seed for reproducible layouts */
    uint64_t kaslr_seed;
    bool no_kaslr;      /* --no-kaslr: "nokaslr" on the kernel command line */
    enum panic_action on_panic; /* --on-panic, resolved (never AUTO after options_parse) */
    bool on_panic_given; /* --on-panic was on the command line (else the default) */
    char *panic_dump;   /* --on-panic dump:FILE */
    bool on_oops;       /* --on-oops: an oops (die()) counts as a panic */
    bool pvpanic;       /* --pvpanic: the qemu,pvpanic-mmio device */
    /* devices and machine (kvmtool's spellings) */
    struct brkvm_disk disks[BRKVM_MAX_DISKS];
    unsigned ndisks;
    struct brkvm_share shares[BRKVM_MAX_SHARES];
    unsigned nshares;
    enum brkvm_console console; /* --console serial|virtio */
    bool rng;                   /* --rng: virtio-rng */
    enum brkvm_irqchip irqchip; /* --irqchip gicv2|gicv3|gicv3-its */
    bool pmu;                   /* --pmu: KVM's PMUv3 on every vCPU */
    bool no_sve;                /* --no-sve: no SVE for the guest (offered when KVM has it) */
    bool nodefaults;            /* --nodefaults: no default devices (brkvm has none besides the
                                   UART, which kvm-unit-tests needs) */
};

enum options_result {
    OPTIONS_OK = 0,    /* run the VM */
    OPTIONS_EXIT = 1,  /* --help / --version printed: exit 0 */
};

/*
 * Parse argv (argv[0] is the program, argv[1] must be the "run" command, or --help/--version).
 * On success returns OPTIONS_OK or OPTIONS_EXIT (with *out_text set to the text to print).
 * On bad input returns -EINVAL with *out_text set to a one-line message saying what was wrong
 * and what to do.  *out_text is allocated with g_malloc; free it with g_free.
 */
int options_parse(int argc, char **argv, struct brkvm_config *cfg, char **out_text);

/*
 * Checks that need facts about the host: memory against host_ram_bytes (0 = unknown),
 * vCPUs against max_vcpus (0 = unknown).  Returns 0 or -EINVAL with *msg (g_malloc'd).
 */
int options_check_host(const struct brkvm_config *cfg, uint64_t host_ram_bytes,
                       unsigned max_vcpus, char **msg);

void options_free(struct brkvm_config *cfg);

#endif
