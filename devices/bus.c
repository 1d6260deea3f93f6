/* bus.c - MMIO dispatch by guest-physical range.  Regions are registered before the vCPUs
 * start and never change afterwards, so dispatch needs no lock. */
#include <brkvm/bus.h>

#include <errno.h>
#include <string.h>

int bus_register(struct mmio_bus *bus, uint64_t base, uint64_t size, const struct mmio_ops *ops,
                 void *dev)
{
    unsigned i;

    if (!size || base + size < base || !ops || !ops->access)
        return -EINVAL;
    if (bus->n == BUS_MAX_REGIONS)
        return -ENOSPC;
    for (i = 0; i < bus->n; i++) {
        const struct bus_region *r = &bus->r[i];
        if (base < r->base + r->size && r->base < base + size)
            return -EEXIST;
        if (r->base > base)
            break;
    }
    memmove(&bus->r[i + 1], &bus->r[i], (bus->n - i) * sizeof(bus->r[0]));
    bus->r[i] = (struct bus_region){.base = base, .size = size, .ops = ops, .dev = dev};
    bus->n++;
    return 0;
}

const struct bus_region *bus_find(const struct mmio_bus *bus, uint64_t addr, unsigned len)
{
    unsigned lo = 0, hi = bus->n;

    while (lo < hi) {
        unsigned mid = (lo + hi) / 2;
        const struct bus_region *r = &bus->r[mid];
        if (addr < r->base)
            hi = mid;
        else if (addr - r->base >= r->size)
            lo = mid + 1;
        else
            return (len <= r->size - (addr - r->base)) ? r : NULL;
    }
    return NULL;
}

int bus_access(const struct mmio_bus *bus, uint64_t addr, uint8_t *data, unsigned len,
               bool is_write)
{
    const struct bus_region *r = bus_find(bus, addr, len);

    if (!r) {
        if (!is_write)
            memset(data, 0, len);
        return -ENOENT;
    }
    r->ops->access(r->dev, addr - r->base, data, len, is_write);
    return 0;
}
