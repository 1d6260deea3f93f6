/* test_uart.c - the 8250/16550A model as Linux's driver drives it */
#include <brkvm/uart_8250.h>

#include <glib.h>
#include <string.h>

enum { THR = 0, RBR = 0, DLL = 0, IER = 1, DLM = 1, IIR = 2, FCR = 2, LCR = 3, MCR = 4, LSR = 5,
       MSR = 6, SCR = 7 };

static GString *out;
static int irq_level, irq_changes;

static void tx(void *o, uint8_t c) { g_string_append_c(out, (char)c); }
static void set_irq(void *o, int level) { irq_level = level; irq_changes++; }

static uint8_t rd(struct uart_8250 *u, unsigned reg)
{
    uint8_t d[4] = {0xff, 0xff, 0xff, 0xff};
    uart_8250_access(u, reg, d, 1, false);
    return d[0];
}

static void wr(struct uart_8250 *u, unsigned reg, uint8_t v)
{
    uart_8250_access(u, reg, &v, 1, true);
}

static void setup(struct uart_8250 *u)
{
    if (!out)
        out = g_string_new(NULL);
    g_string_truncate(out, 0);
    irq_level = irq_changes = 0;
    uart_8250_init(u, 0, tx, set_irq, NULL);
}

static void test_transmit(void)
{
    struct uart_8250 u;

    setup(&u);
    g_assert_cmpuint(rd(&u, LSR) & 0x60, ==, 0x60); /* THRE and TEMT: always ready */
    for (const char *s = "hello\r\n"; *s; s++)
        wr(&u, THR, (uint8_t)*s);
    g_assert_cmpstr(out->str, ==, "hello\r\n");
    g_assert_cmpint(irq_level, ==, 0); /* no interrupt enabled */
}

static void test_divisor_latch(void)
{
    struct uart_8250 u;

    setup(&u);
    wr(&u, LCR, 0x83); /* DLAB + 8N1 */
    wr(&u, DLL, 0x01);
    wr(&u, DLM, 0x00);
    g_assert_cmpuint(rd(&u, DLL), ==, 0x01);
    g_assert_cmpuint(rd(&u, DLM), ==, 0x00);
    g_assert_cmpstr(out->str, ==, ""); /* DLL writes are not output */
    wr(&u, LCR, 0x03);
    g_assert_cmpuint(rd(&u, LCR), ==, 0x03);
    g_assert_cmpuint(rd(&u, IER), ==, 0);
    wr(&u, SCR, 0x5a);
    g_assert_cmpuint(rd(&u, SCR), ==, 0x5a);
}

static void test_receive_interrupt(void)
{
    struct uart_8250 u;

    setup(&u);
    wr(&u, FCR, 0x07);
    g_assert_cmpuint(uart_8250_push_input(&u, (const uint8_t *)"ab", 2), ==, 2);
    g_assert_cmpint(irq_level, ==, 0); /* RDI not enabled yet */
    g_assert_cmpuint(rd(&u, LSR) & 1, ==, 1);
    wr(&u, IER, 0x01);
    g_assert_cmpint(irq_level, ==, 1);
    g_assert_cmpuint(rd(&u, IIR), ==, 0xc4); /* FIFO on, receive data available */
    g_assert_cmpuint(rd(&u, RBR), ==, 'a');
    g_assert_cmpint(irq_level, ==, 1);
    g_assert_cmpuint(rd(&u, RBR), ==, 'b');
    g_assert_cmpint(irq_level, ==, 0);
    g_assert_cmpuint(rd(&u, LSR) & 1, ==, 0);
    g_assert_cmpuint(rd(&u, IIR), ==, 0xc1);
    g_assert_cmpuint(rd(&u, RBR), ==, 0); /* empty FIFO reads 0 */

    /* FCR clear-receive drops buffered input */
    uart_8250_push_input(&u, (const uint8_t *)"xyz", 3);
    g_assert_cmpint(irq_level, ==, 1);
    wr(&u, FCR, 0x03);
    g_assert_cmpuint(rd(&u, LSR) & 1, ==, 0);
    g_assert_cmpint(irq_level, ==, 0);
}

static void test_receive_buffer_full(void)
{
    struct uart_8250 u;
    uint8_t big[UART_RX_SIZE + 10];

    setup(&u);
    memset(big, 'q', sizeof(big));
    g_assert_cmpuint(uart_8250_push_input(&u, big, sizeof(big)), ==, UART_RX_SIZE);
    g_assert_cmpuint(uart_8250_push_input(&u, big, 1), ==, 0);
    g_assert_cmpuint(rd(&u, RBR), ==, 'q');
    g_assert_cmpuint(uart_8250_push_input(&u, big, 5), ==, 1);
}

/* Linux's THRE handshake: enable THRI -> interrupt; IIR read acks it; a THR write re-arms it */
static void test_thre_interrupt(void)
{
    struct uart_8250 u;

    setup(&u);
    wr(&u, IER, 0x02);
    g_assert_cmpint(irq_level, ==, 1);
    g_assert_cmpuint(rd(&u, IIR) & 0x0f, ==, 0x02);
    g_assert_cmpint(irq_level, ==, 0);
    g_assert_cmpuint(rd(&u, IIR) & 0x0f, ==, 0x01);
    wr(&u, THR, 'x');
    g_assert_cmpint(irq_level, ==, 1);
    wr(&u, IER, 0x00); /* stop_tx */
    g_assert_cmpint(irq_level, ==, 0);
    /* receive data has priority over THRE */
    wr(&u, IER, 0x03);
    uart_8250_push_input(&u, (const uint8_t *)"k", 1);
    g_assert_cmpuint(rd(&u, IIR) & 0x0f, ==, 0x04);
    rd(&u, RBR);
    g_assert_cmpuint(rd(&u, IIR) & 0x0f, ==, 0x02);
}

static void test_loopback(void)
{
    struct uart_8250 u;

    setup(&u);
    g_assert_cmpuint(rd(&u, MSR) & 0xb0, ==, 0xb0); /* DCD, DSR, CTS */
    wr(&u, MCR, 0x10 | 0x02 | 0x01); /* loop, RTS, DTR */
    g_assert_cmpuint(rd(&u, MSR), ==, 0x30);
    wr(&u, THR, 'L');
    g_assert_cmpstr(out->str, ==, ""); /* looped back, not sent */
    g_assert_cmpuint(rd(&u, RBR), ==, 'L');
}

static void test_wide_access(void)
{
    struct uart_8250 u;
    uint8_t d[4] = {0xff, 0xff, 0xff, 0xff};

    setup(&u);
    uart_8250_access(&u, LSR, d, 4, false);
    g_assert_cmpuint(d[0] & 0x60, ==, 0x60);
    g_assert_cmpuint(d[1] | d[2] | d[3], ==, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/uart/transmit", test_transmit);
    g_test_add_func("/uart/divisor-latch", test_divisor_latch);
    g_test_add_func("/uart/receive-interrupt", test_receive_interrupt);
    g_test_add_func("/uart/receive-buffer-full", test_receive_buffer_full);
    g_test_add_func("/uart/thre-interrupt", test_thre_interrupt);
    g_test_add_func("/uart/loopback", test_loopback);
    g_test_add_func("/uart/wide-access", test_wide_access);
    return g_test_run();
}
