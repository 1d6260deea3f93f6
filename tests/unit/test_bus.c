/* test_bus.c - MMIO dispatch by range */
#include <brkvm/bus.h>

#include <errno.h>
#include <glib.h>
#include <string.h>

struct fake {
    uint64_t last_offset;
    unsigned last_len, calls;
    bool last_write;
    uint8_t fill;
};

static void fake_access(void *dev, uint64_t offset, uint8_t *data, unsigned len, bool is_write)
{
    struct fake *f = dev;
    f->last_offset = offset;
    f->last_len = len;
    f->last_write = is_write;
    f->calls++;
    if (!is_write)
        memset(data, f->fill, len);
}

static const struct mmio_ops fake_ops = {.name = "fake", .access = fake_access};

static void test_register(void)
{
    struct mmio_bus bus = {0};
    struct fake a = {0}, b = {0};

    g_assert_cmpint(bus_register(&bus, 0x2000, 0x100, &fake_ops, &b), ==, 0);
    g_assert_cmpint(bus_register(&bus, 0x1000, 0x100, &fake_ops, &a), ==, 0);
    g_assert_cmpuint(bus.r[0].base, ==, 0x1000); /* kept sorted */
    g_assert_cmpint(bus_register(&bus, 0x10ff, 2, &fake_ops, &a), ==, -EEXIST);
    g_assert_cmpint(bus_register(&bus, 0x0f00, 0x101, &fake_ops, &a), ==, -EEXIST);
    g_assert_cmpint(bus_register(&bus, 0x1800, 0x1000, &fake_ops, &a), ==, -EEXIST);
    g_assert_cmpint(bus_register(&bus, 0x3000, 0, &fake_ops, &a), ==, -EINVAL);
    g_assert_cmpint(bus_register(&bus, UINT64_MAX - 4, 0x10, &fake_ops, &a), ==, -EINVAL);
    g_assert_cmpint(bus_register(&bus, 0x1100, 0x100, &fake_ops, &a), ==, 0); /* adjacent */
    for (unsigned i = bus.n; i < BUS_MAX_REGIONS; i++)
        g_assert_cmpint(bus_register(&bus, 0x100000 + i * 0x1000, 0x10, &fake_ops, &a), ==, 0);
    g_assert_cmpint(bus_register(&bus, 0x900000, 0x10, &fake_ops, &a), ==, -ENOSPC);
}

static void test_dispatch(void)
{
    struct mmio_bus bus = {0};
    struct fake a = {.fill = 0xaa}, b = {.fill = 0xbb};
    uint8_t data[8];

    g_assert_cmpint(bus_register(&bus, 0x1000, 0x100, &fake_ops, &a), ==, 0);
    g_assert_cmpint(bus_register(&bus, 0x2000, 0x100, &fake_ops, &b), ==, 0);

    g_assert_cmpint(bus_access(&bus, 0x1004, data, 4, false), ==, 0);
    g_assert_cmpuint(a.last_offset, ==, 4); /* offset from the region base */
    g_assert_cmpuint(a.last_len, ==, 4);
    g_assert_cmpuint(data[0], ==, 0xaa);
    g_assert_cmpint(bus_access(&bus, 0x20ff, data, 1, true), ==, 0);
    g_assert_cmpuint(b.last_offset, ==, 0xff);
    g_assert_true(b.last_write);

    /* unmapped: reads are zero, the device is not called */
    memset(data, 0x77, sizeof(data));
    g_assert_cmpint(bus_access(&bus, 0x1800, data, 8, false), ==, -ENOENT);
    g_assert_cmpuint(data[7], ==, 0);
    /* an access running past the end of a region is not the device's */
    g_assert_cmpint(bus_access(&bus, 0x10fe, data, 4, false), ==, -ENOENT);
    g_assert_cmpint(bus_access(&bus, 0x0, data, 4, false), ==, -ENOENT);
    g_assert_cmpint(bus_access(&bus, UINT64_MAX - 1, data, 1, false), ==, -ENOENT);
    g_assert_cmpuint(a.calls, ==, 1);
    g_assert_cmpuint(b.calls, ==, 1);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/bus/register", test_register);
    g_test_add_func("/bus/dispatch", test_dispatch);
    return g_test_run();
}
