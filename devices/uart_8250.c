/* uart_8250.c - an 8250/16550A UART: byte registers at reg-shift 0, transmit is instantaneous
 * (so THR is always empty), receive buffered, one level-triggered interrupt line. */
#include <brkvm/fdt.h>
#include <brkvm/uart_8250.h>

#include <libfdt.h>
#include <stdio.h>
#include <string.h>

enum { RBR_THR = 0, IER = 1, IIR_FCR = 2, LCR = 3, MCR = 4, LSR = 5, MSR = 6, SCR = 7 };

#define IER_RDI 0x01  /* receive data available */
#define IER_THRI 0x02 /* transmitter holding register empty */
#define IIR_NO_INT 0x01
#define IIR_THRI 0x02
#define IIR_RDI 0x04
#define IIR_FIFO 0xc0
#define FCR_ENABLE 0x01
#define FCR_CLEAR_RX 0x02
#define LCR_DLAB 0x80
#define MCR_DTR 0x01
#define MCR_RTS 0x02
#define MCR_OUT1 0x04
#define MCR_OUT2 0x08
#define MCR_LOOP 0x10
#define LSR_DR 0x01
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define MSR_CTS 0x10
#define MSR_DSR 0x20
#define MSR_RI 0x40
#define MSR_DCD 0x80

void uart_8250_init(struct uart_8250 *u, unsigned spi, void (*tx)(void *, uint8_t),
                    void (*set_irq)(void *, int), void *opaque)
{
    memset(u, 0, sizeof(*u));
    pthread_mutex_init(&u->lock, NULL);
    u->spi = spi;
    u->tx = tx;
    u->set_irq = set_irq;
    u->opaque = opaque;
    u->mcr = MCR_OUT2;
}

/* caller holds the lock */
static void update_irq(struct uart_8250 *u)
{
    int level = ((u->ier & IER_RDI) && u->rx_count) || ((u->ier & IER_THRI) && u->thri_pending);

    if (level != u->irq_level) {
        u->irq_level = level;
        if (u->set_irq)
            u->set_irq(u->opaque, level);
    }
}

static void rx_put(struct uart_8250 *u, uint8_t c)
{
    if (u->rx_count < UART_RX_SIZE) {
        u->rx[(u->rx_head + u->rx_count) % UART_RX_SIZE] = c;
        u->rx_count++;
    }
}

static uint8_t rx_get(struct uart_8250 *u)
{
    uint8_t c;

    if (!u->rx_count)
        return 0;
    c = u->rx[u->rx_head];
    u->rx_head = (u->rx_head + 1) % UART_RX_SIZE;
    u->rx_count--;
    return c;
}

static uint8_t iir(struct uart_8250 *u)
{
    uint8_t fifo = (u->fcr & FCR_ENABLE) ? IIR_FIFO : 0;

    if ((u->ier & IER_RDI) && u->rx_count)
        return IIR_RDI | fifo;
    if ((u->ier & IER_THRI) && u->thri_pending) {
        u->thri_pending = false; /* reading IIR acknowledges a THRE interrupt */
        return IIR_THRI | fifo;
    }
    return IIR_NO_INT | fifo;
}

static uint8_t msr(const struct uart_8250 *u)
{
    if (!(u->mcr & MCR_LOOP))
        return MSR_DCD | MSR_DSR | MSR_CTS;
    return ((u->mcr & MCR_RTS) ? MSR_CTS : 0) | ((u->mcr & MCR_DTR) ? MSR_DSR : 0) |
           ((u->mcr & MCR_OUT1) ? MSR_RI : 0) | ((u->mcr & MCR_OUT2) ? MSR_DCD : 0);
}

static uint8_t reg_read(struct uart_8250 *u, unsigned reg)
{
    bool dlab = u->lcr & LCR_DLAB;

    switch (reg) {
    case RBR_THR: return dlab ? u->dll : rx_get(u);
    case IER: return dlab ? u->dlm : u->ier;
    case IIR_FCR: return iir(u);
    case LCR: return u->lcr;
    case MCR: return u->mcr;
    case LSR: return LSR_THRE | LSR_TEMT | (u->rx_count ? LSR_DR : 0);
    case MSR: return msr(u);
    default: return u->scr;
    }
}

static void reg_write(struct uart_8250 *u, unsigned reg, uint8_t v)
{
    bool dlab = u->lcr & LCR_DLAB;

    switch (reg) {
    case RBR_THR:
        if (dlab) {
            u->dll = v;
            break;
        }
        if (u->mcr & MCR_LOOP)
            rx_put(u, v);
        else if (u->tx)
            u->tx(u->opaque, v);
        u->thri_pending = true; /* sent at once: the holding register is empty again */
        break;
    case IER:
        if (dlab) {
            u->dlm = v;
            break;
        }
        /* enabling THRI while THR is empty raises the interrupt at once, as on hardware */
        if ((v & IER_THRI) && !(u->ier & IER_THRI))
            u->thri_pending = true;
        u->ier = v & 0x0f;
        break;
    case IIR_FCR:
        u->fcr = v & 0xc9;
        if (v & FCR_CLEAR_RX)
            u->rx_head = u->rx_count = 0;
        break;
    case LCR: u->lcr = v; break;
    case MCR: u->mcr = v & 0x1f; break;
    case SCR: u->scr = v; break;
    default: break; /* LSR, MSR: read-only */
    }
}

void uart_8250_access(void *dev, uint64_t offset, uint8_t *data, unsigned len, bool is_write)
{
    struct uart_8250 *u = dev;

    /* byte registers: a wider access touches the addressed register only */
    pthread_mutex_lock(&u->lock);
    if (is_write) {
        reg_write(u, offset & 7, data[0]);
    } else {
        memset(data, 0, len);
        data[0] = reg_read(u, offset & 7);
    }
    update_irq(u);
    pthread_mutex_unlock(&u->lock);
}

unsigned uart_8250_push_input(struct uart_8250 *u, const uint8_t *buf, unsigned n)
{
    unsigned taken;

    pthread_mutex_lock(&u->lock);
    for (taken = 0; taken < n && u->rx_count < UART_RX_SIZE; taken++)
        rx_put(u, buf[taken]);
    update_irq(u);
    pthread_mutex_unlock(&u->lock);
    return taken;
}

static int uart_dt_node(void *fdt, void *dev, uint64_t base, uint64_t size,
                        const struct fdt_ctx *ctx)
{
    struct uart_8250 *u = dev;
    char name[32];
    fdt64_t reg[2] = {cpu_to_fdt64(base), cpu_to_fdt64(size)};
    fdt32_t irq[3] = {cpu_to_fdt32(FDT_GIC_SPI), cpu_to_fdt32(u->spi),
                      cpu_to_fdt32(FDT_IRQ_LEVEL_HIGH)};
    int r;

    snprintf(name, sizeof(name), "uart@%llx", (unsigned long long)base);
    if ((r = fdt_begin_node(fdt, name)) < 0 ||
        (r = fdt_property_string(fdt, "compatible", "ns16550a")) < 0 ||
        (r = fdt_property(fdt, "reg", reg, sizeof(reg))) < 0 ||
        (r = fdt_property(fdt, "interrupts", irq, sizeof(irq))) < 0 ||
        (r = fdt_property_cell(fdt, "clock-frequency", 1843200)) < 0 ||
        (r = fdt_property_cell(fdt, "reg-shift", 0)) < 0 ||
        (r = fdt_property_cell(fdt, "reg-io-width", 1)) < 0)
        return r;
    return fdt_end_node(fdt);
}

const struct mmio_ops uart_8250_ops = {
    .name = "uart_8250",
    .access = uart_8250_access,
    .dt_node = uart_dt_node,
};
