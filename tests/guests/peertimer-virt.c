/* peertimer-virt.c - peertimer.c for QEMU's virt machine (its GICv3 addresses) */
#define QEMU_VIRT 1
#include "peertimer.c"
