/* bus.h - the MMIO bus: devices register a guest-physical range and a handler (pure) */
#ifndef BRKVM_BUS_H
#define BRKVM_BUS_H

#include <stdbool.h>
#include <stdint.h>

#define BUS_MAX_REGIONS 32

struct fdt_ctx;

struct mmio_ops {
    const char *name;
    /* data holds len (1, 2, 4 or 8) little-endian bytes; offset is from the region base */
    void (*access)(void *dev, uint64_t offset, uint8_t *data, unsigned len, bool is_write);
    /* emit the device's node under the DT root; NULL = no node.  0 or a libfdt error. */
    int (*dt_node)(void *fdt, void *dev, uint64_t base, uint64_t size, const struct fdt_ctx *ctx);
};

struct bus_region {
    uint64_t base, size;
    const struct mmio_ops *ops;
    void *dev;
};

struct mmio_bus {
    unsigned n; /* regions sorted by base, never overlapping */
    struct bus_region r[BUS_MAX_REGIONS];
};

/* 0, -EINVAL (empty/wrapping range), -EEXIST (overlaps a registered one), -ENOSPC */
int bus_register(struct mmio_bus *bus, uint64_t base, uint64_t size, const struct mmio_ops *ops,
                 void *dev) __attribute__((warn_unused_result));

/* The region holding [addr, addr+len) or NULL. */
const struct bus_region *bus_find(const struct mmio_bus *bus, uint64_t addr, unsigned len);

/*
 * Dispatch one guest access.  Returns 0, or -ENOENT when no device claims the whole access
 * (reads then return zeroes, writes are dropped).
 */
int bus_access(const struct mmio_bus *bus, uint64_t addr, uint8_t *data, unsigned len,
               bool is_write);

#endif
