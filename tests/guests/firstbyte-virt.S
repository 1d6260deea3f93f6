/* firstbyte-virt.S - firstbyte.S for QEMU's virt machine (guest.h: QEMU_VIRT) */
#define QEMU_VIRT 1
#include "firstbyte.S"
