/* test_size.c - size and number parsing for the command line */
#include <brkvm/size.h>

#include <errno.h>
#include <glib.h>

static void test_mem_sizes(void)
{
    static const struct { const char *in; int ret; uint64_t out; } cases[] = {
        {"256M", 0, 256ULL << 20}, {"256", 0, 256ULL << 20}, {"1G", 0, 1ULL << 30},
        {"2g", 0, 2ULL << 30},     {"512K", 0, 512ULL << 10}, {"1T", 0, 1ULL << 40},
        {"64MiB", 0, 64ULL << 20}, {"64MB", 0, 64ULL << 20}, {"4096B", 0, 4096},
        {"", -EINVAL, 0},          {"M", -EINVAL, 0},        {"12X", -EINVAL, 0},
        {"-1G", -EINVAL, 0},       {"1GG", -EINVAL, 0},      {" 1G", -EINVAL, 0},
        {"99999999999999999999", -ERANGE, 0}, {"20000000T", -ERANGE, 0},
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(cases); i++) {
        uint64_t v = 0;
        int r = size_parse_mem(cases[i].in, &v);
        g_test_message("%s", cases[i].in);
        g_assert_cmpint(r, ==, cases[i].ret);
        if (!r)
            g_assert_cmpuint(v, ==, cases[i].out);
    }
}

static void test_u64(void)
{
    uint64_t v;
    g_assert_cmpint(size_parse_u64("0x80080000", &v), ==, 0);
    g_assert_cmpuint(v, ==, 0x80080000ULL);
    g_assert_cmpint(size_parse_u64("42", &v), ==, 0);
    g_assert_cmpuint(v, ==, 42);
    g_assert_cmpint(size_parse_u64("0x", &v), ==, -EINVAL);
    g_assert_cmpint(size_parse_u64("12z", &v), ==, -EINVAL);
    g_assert_cmpint(size_parse_u64("-5", &v), ==, -EINVAL);
    g_assert_cmpint(size_parse_u64("0x1ffffffffffffffff", &v), ==, -ERANGE);
}

static void test_format(void)
{
    char b[32];
    g_assert_cmpstr(size_format(256ULL << 20, b, sizeof(b)), ==, "256M");
    g_assert_cmpstr(size_format(1536ULL << 10, b, sizeof(b)), ==, "1536K");
    g_assert_cmpstr(size_format(3ULL << 40, b, sizeof(b)), ==, "3T");
    g_assert_cmpstr(size_format(1000, b, sizeof(b)), ==, "1000");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/size/mem", test_mem_sizes);
    g_test_add_func("/size/u64", test_u64);
    g_test_add_func("/size/format", test_format);
    return g_test_run();
}
