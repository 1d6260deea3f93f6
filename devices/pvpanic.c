/* pvpanic.c - QEMU's pvpanic device on MMIO, for Linux's pvpanic-mmio driver: reading the
 * byte register gives the supported events (the driver sends only those), writing it reports
 * events.  Other offsets and widths read 0 and ignore writes. */
#include <brkvm/fdt.h>
#include <brkvm/pvpanic.h>

#include <libfdt.h>
#include <stdio.h>
#include <string.h>

static void pvpanic_access(void *dev, uint64_t offset, uint8_t *data, unsigned len,
                           bool is_write)
{
    struct pvpanic *p = dev;

    if (!is_write) {
        memset(data, 0, len);
        if (offset == 0)
            data[0] = PVPANIC_EVENTS;
        return;
    }
    if (offset != 0)
        return;
    uint8_t ev = data[0] & PVPANIC_EVENTS;
    p->writes++;
    if (ev && p->event)
        p->event(p->opaque, ev);
}

static int pvpanic_dt_node(void *fdt, void *dev, uint64_t base, uint64_t size,
                           const struct fdt_ctx *ctx)
{
    char name[32];
    fdt64_t reg[2] = {cpu_to_fdt64(base), cpu_to_fdt64(size)};
    int r;

    (void)dev;
    (void)ctx;
    snprintf(name, sizeof(name), "pvpanic@%llx", (unsigned long long)base);
    if ((r = fdt_begin_node(fdt, name)) < 0 ||
        (r = fdt_property_string(fdt, "compatible", "qemu,pvpanic-mmio")) < 0 ||
        (r = fdt_property(fdt, "reg", reg, sizeof(reg))) < 0)
        return r;
    return fdt_end_node(fdt);
}

const struct mmio_ops pvpanic_ops = {
    .name = "pvpanic",
    .access = pvpanic_access,
    .dt_node = pvpanic_dt_node,
};
