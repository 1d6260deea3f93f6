/* lib-virt.S - lib.S for QEMU's virt machine (guest.h: QEMU_VIRT): the *-virt.elf variants. */
#define QEMU_VIRT 1
#include "lib.S"
