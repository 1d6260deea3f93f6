/* test_term.c - the console escape key (Ctrl-A x quits, Ctrl-A Ctrl-A sends Ctrl-A) */
#include <brkvm/term.h>

#include <glib.h>
#include <string.h>

static size_t feed(struct term_escape *st, const char *in, size_t n, char *out, bool *quit)
{
    return term_filter(st, (const uint8_t *)in, n, (uint8_t *)out, quit);
}

static void test_escape(void)
{
    struct term_escape st = {0};
    char out[16];
    bool quit;
    size_t n;

    n = feed(&st, "ls\r", 3, out, &quit);
    g_assert_cmpuint(n, ==, 3);
    g_assert_false(quit);
    g_assert_cmpmem(out, n, "ls\r", 3);

    n = feed(&st, "\x01\x01" "a\x03", 4, out, &quit); /* Ctrl-A Ctrl-A, 'a', Ctrl-C */
    g_assert_cmpmem(out, n, "\x01" "a\x03", 3);
    g_assert_false(quit);

    n = feed(&st, "ab\x01", 3, out, &quit); /* escape split across reads */
    g_assert_cmpmem(out, n, "ab", 2);
    g_assert_true(st.pending);
    n = feed(&st, "xzz", 3, out, &quit);
    g_assert_true(quit);
    g_assert_cmpuint(n, ==, 0);

    st.pending = false;
    n = feed(&st, "\x01q", 2, out, &quit); /* Ctrl-A + other key: the key only */
    g_assert_cmpmem(out, n, "q", 1);
    g_assert_false(quit);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/term/escape", test_escape);
    return g_test_run();
}
