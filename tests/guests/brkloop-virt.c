/* brkloop-virt.c - brkloop.c for QEMU's virt machine (the UART comes from lib-virt.S) */
#include "brkloop.c"
