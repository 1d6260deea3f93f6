/* uart_8250.h - an 8250/16550A UART model, enough for Linux's ttyS and earlycon (pure) */
#ifndef BRKVM_UART_8250_H
#define BRKVM_UART_8250_H

#include <brkvm/bus.h>

#include <pthread.h>
#include <stdint.h>

#define UART_RX_SIZE 4096 /* larger than a real FIFO so a pasted line is not dropped */
#define UART_MMIO_SIZE 8

struct uart_8250 {
    pthread_mutex_t lock;
    uint8_t ier, lcr, mcr, scr, dll, dlm, fcr;
    bool thri_pending; /* "transmitter empty" interrupt latched, cleared by an IIR read */
    int irq_level;     /* last level given to set_irq */
    uint8_t rx[UART_RX_SIZE];
    unsigned rx_head, rx_count;

    /* wiring, set by the creator */
    void (*tx)(void *opaque, uint8_t c);        /* a byte the guest sent */
    void (*set_irq)(void *opaque, int level);   /* interrupt line changed */
    void *opaque;
    unsigned spi; /* interrupt number for the DT (GIC SPI, 0-based) */
};

extern const struct mmio_ops uart_8250_ops;

void uart_8250_init(struct uart_8250 *u, unsigned spi, void (*tx)(void *, uint8_t),
                    void (*set_irq)(void *, int), void *opaque);

/* Queue input bytes for the guest; returns how many were taken (the rest: buffer full). */
unsigned uart_8250_push_input(struct uart_8250 *u, const uint8_t *buf, unsigned n);

/* Register accessor used by the bus (exported for unit tests). */
void uart_8250_access(void *dev, uint64_t offset, uint8_t *data, unsigned len, bool is_write);

#endif
