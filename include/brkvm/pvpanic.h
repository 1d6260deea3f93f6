/* pvpanic.h - QEMU's pvpanic device on MMIO (DT "qemu,pvpanic-mmio", Linux's pvpanic-mmio
 * driver): one byte register; a read gives the events the device supports, a write reports
 * events (pure: the VMM's callback acts on them) */
#ifndef BRKVM_PVPANIC_H
#define BRKVM_PVPANIC_H

#include <brkvm/bus.h>

#include <stdint.h>

#define PVPANIC_PANICKED (1U << 0)     /* the guest kernel panicked */
#define PVPANIC_CRASH_LOADED (1U << 1) /* it panicked with a crash kernel loaded (kdump) */
#define PVPANIC_EVENTS (PVPANIC_PANICKED | PVPANIC_CRASH_LOADED)
#define PVPANIC_MMIO_SIZE 2 /* QEMU's region size */

struct pvpanic {
    /* events written by the guest (only supported bits; never 0) */
    void (*event)(void *opaque, uint8_t events);
    void *opaque;
    unsigned writes; /* event writes seen (monitor, tests) */
};

extern const struct mmio_ops pvpanic_ops;

#endif
