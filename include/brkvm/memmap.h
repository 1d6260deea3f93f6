/* memmap.h - the guest-physical memory map (kvmtool's layout, see README "Guest memory map") */
#ifndef BRKVM_MEMMAP_H
#define BRKVM_MEMMAP_H

#define BRKVM_UART_BASE 0x01000000ULL        /* ns16550a, 8 byte registers */
#define BRKVM_UART_SPI 0                     /* GIC SPI 0 = INTID 32 */
#define BRKVM_PVPANIC_BASE 0x01020000ULL     /* --pvpanic: qemu,pvpanic-mmio, 2 bytes */
#define BRKVM_VIRTIO_MMIO_BASE 0x03000000ULL /* virtio-mmio slots, 0x200 each */
#define BRKVM_VIRTIO_MMIO_SIZE 0x200ULL
#define BRKVM_VIRTIO_MAX 16                  /* slots */
#define BRKVM_VIRTIO_SPI_BASE 1              /* slot N interrupts on SPI 1 + N (INTID 33 + N) */
#define BRKVM_GIC_DIST_BASE 0x3fff0000ULL    /* GIC distributor, just below 1 GiB */
#define BRKVM_GIC_DIST_SIZE 0x10000ULL
#define BRKVM_GIC_REDIST_SIZE 0x20000ULL     /* GICv3: per vCPU, packed below the distributor */
#define BRKVM_GIC_CPU_SIZE 0x20000ULL        /* GICv2: CPU interface below the distributor */
#define BRKVM_GIC_ITS_SIZE 0x20000ULL        /* GICv3 ITS (--irqchip gicv3-its): its two 64K
                                                frames, just below the redistributors */
#define BRKVM_PMU_PPI 7                      /* --pmu: overflow interrupt PPI 7 = INTID 23 */
#define BRKVM_RAM_BASE 0x80000000ULL         /* RAM, as kvmtool */

#endif
