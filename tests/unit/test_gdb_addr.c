/* test_gdb_addr.c - parsing and printing --gdb's address */
#include <brkvm/gdb_server.h>

#include <errno.h>
#include <sys/stat.h>
#include <glib.h>
#include <string.h>

static void test_good(void)
{
    static const struct {
        const char *in;
        bool is_unix;
        const char *host;
        unsigned port;
        const char *path, *formatted;
    } cases[] = {
        {"1234", false, "127.0.0.1", 1234, "", "127.0.0.1:1234"},
        {"1", false, "127.0.0.1", 1, "", "127.0.0.1:1"},
        {"65535", false, "127.0.0.1", 65535, "", "127.0.0.1:65535"},
        {"0.0.0.0:1234", false, "0.0.0.0", 1234, "", "0.0.0.0:1234"},
        {"localhost:99", false, "localhost", 99, "", "localhost:99"},
        {"192.168.1.20:2345", false, "192.168.1.20", 2345, "", "192.168.1.20:2345"},
        {"[::1]:1234", false, "::1", 1234, "", "[::1]:1234"},
        {"[::]:5", false, "::", 5, "", "[::]:5"},
        {"[fe80::1%eth0]:1234", false, "fe80::1%eth0", 1234, "", "[fe80::1%eth0]:1234"},
        {"unix:/tmp/x.sock", true, "", 0, "/tmp/x.sock", "unix:/tmp/x.sock"},
        {"unix:rel.sock", true, "", 0, "rel.sock", "unix:rel.sock"},
        {"unix:/tmp/a:b", true, "", 0, "/tmp/a:b", "unix:/tmp/a:b"},
    };

    for (unsigned i = 0; i < G_N_ELEMENTS(cases); i++) {
        struct gdb_addr a, b;
        const char *why = NULL;
        char buf[400];

        g_test_message("%s", cases[i].in);
        g_assert_cmpint(gdb_addr_parse(cases[i].in, &a, &why), ==, 0);
        g_assert_cmpint(a.is_unix, ==, cases[i].is_unix);
        g_assert_cmpstr(a.host, ==, cases[i].host);
        g_assert_cmpuint(a.port, ==, cases[i].port);
        g_assert_cmpstr(a.path, ==, cases[i].path);
        gdb_addr_format(&a, buf, sizeof(buf));
        g_assert_cmpstr(buf, ==, cases[i].formatted);
        /* what is printed parses back to the same address */
        g_assert_cmpint(gdb_addr_parse(buf, &b, &why), ==, 0);
        g_assert_true(memcmp(&a, &b, sizeof(a)) == 0);
    }
}

static void test_bad(void)
{
    static const char *cases[] = {
        "",         "0",         "65536",    "99999999999", "abc",      "12ab",
        "-1",       "+1234",     "1234 ",    "0x10",        "host:",    ":123",
        "::1:5",    "a:b:1",     "[::1]",    "[::1]:",      "[::1]x1",  "[]:1",
        "[::1:1",   "[::1]:0",   "[::1]:abc", "unix:",      "host:0",   "host:65536",
        "host:1x",  "host:-5",   "1.2.3.4:",
    };

    for (unsigned i = 0; i < G_N_ELEMENTS(cases); i++) {
        struct gdb_addr a;
        const char *why = NULL;

        g_test_message("'%s'", cases[i]);
        g_assert_cmpint(gdb_addr_parse(cases[i], &a, &why), ==, -EINVAL);
        g_assert_nonnull(why);
        g_assert_cmpuint(strlen(why), >, 0);
    }
    /* NULL is an empty address */
    {
        struct gdb_addr a;
        const char *why = NULL;
        g_assert_cmpint(gdb_addr_parse(NULL, &a, &why), ==, -EINVAL);
        g_assert_nonnull(why);
    }
}

/* strtol skips leading white space: a port with a space or tab before it must be refused like
 * one with a space after it ("1234 " is refused) */
static void test_bad_space(void)
{
    static const char *cases[] = {" 1234", "\t1234", "host: 1234", "[::1]: 1234", "\n1"};

    for (unsigned i = 0; i < G_N_ELEMENTS(cases); i++) {
        struct gdb_addr a;
        const char *why = NULL;

        g_test_message("'%s'", cases[i]);
        g_assert_cmpint(gdb_addr_parse(cases[i], &a, &why), ==, -EINVAL);
    }
}

static void test_lengths(void)
{
    struct gdb_addr a;
    const char *why = NULL;
    char spec[600];
    char buf[600];

    /* unix paths: up to sizeof(path) - 1 */
    memset(spec, 0, sizeof(spec));
    memcpy(spec, "unix:", 5);
    memset(spec + 5, 'p', sizeof(a.path) - 1);
    g_assert_cmpint(gdb_addr_parse(spec, &a, &why), ==, 0);
    g_assert_cmpuint(strlen(a.path), ==, sizeof(a.path) - 1);
    gdb_addr_format(&a, buf, sizeof(buf));
    g_assert_cmpstr(buf, ==, spec);
    spec[5 + sizeof(a.path) - 1] = 'p';
    why = NULL;
    g_assert_cmpint(gdb_addr_parse(spec, &a, &why), ==, -EINVAL);
    g_assert_nonnull(why);

    /* host names: up to sizeof(host) - 1 */
    memset(spec, 0, sizeof(spec));
    memset(spec, 'h', sizeof(a.host) - 1);
    strcat(spec, ":80");
    g_assert_cmpint(gdb_addr_parse(spec, &a, &why), ==, 0);
    g_assert_cmpuint(strlen(a.host), ==, sizeof(a.host) - 1);
    gdb_addr_format(&a, buf, sizeof(buf));
    g_assert_cmpstr(buf, ==, spec);
    memset(spec, 0, sizeof(spec));
    memset(spec, 'h', sizeof(a.host));
    strcat(spec, ":80");
    why = NULL;
    g_assert_cmpint(gdb_addr_parse(spec, &a, &why), ==, -EINVAL);
    g_assert_nonnull(why);
    memset(spec, 0, sizeof(spec));
    spec[0] = '[';
    memset(spec + 1, 'a', sizeof(a.host));
    strcat(spec, "]:80");
    g_assert_cmpint(gdb_addr_parse(spec, &a, &why), ==, -EINVAL);

    /* a small buffer: cut, NUL-terminated */
    g_assert_cmpint(gdb_addr_parse("1234", &a, &why), ==, 0);
    memset(buf, 'X', sizeof(buf));
    gdb_addr_format(&a, buf, 6);
    g_assert_cmpstr(buf, ==, "127.0");
    g_assert_cmpint(buf[6], ==, 'X');
}

/* --gdb unix:PATH: the directory must be the user's own and written by no one else */
static void test_unix_dir(void)
{
    const char *why;
    why = NULL;
    g_assert_cmpint(gdb_unix_dir_check(true, 1000, S_IFDIR | 0700, 1000, &why), ==, 0);
    g_assert_cmpint(gdb_unix_dir_check(true, 1000, S_IFDIR | 0755, 1000, &why), ==, 0);
    g_assert_cmpint(gdb_unix_dir_check(true, 0, S_IFDIR | 0700, 0, &why), ==, 0);
    /* /tmp: root's, world-writable (sticky or not): refused, for root too */
    g_assert_cmpint(gdb_unix_dir_check(true, 0, S_IFDIR | 01777, 1000, &why), ==, -EPERM);
    g_assert_nonnull(why);
    why = NULL;
    g_assert_cmpint(gdb_unix_dir_check(true, 0, S_IFDIR | 01777, 0, &why), ==, -EPERM);
    g_assert_nonnull(strstr(why, "writable by other users"));
    g_assert_cmpint(gdb_unix_dir_check(true, 1000, S_IFDIR | 0770, 1000, &why), ==, -EPERM);
    g_assert_cmpint(gdb_unix_dir_check(true, 1000, S_IFDIR | 0702, 1000, &why), ==, -EPERM);
    why = NULL;
    g_assert_cmpint(gdb_unix_dir_check(true, 1001, S_IFDIR | 0700, 1000, &why), ==, -EPERM);
    g_assert_nonnull(strstr(why, "another user"));
    g_assert_cmpint(gdb_unix_dir_check(false, 1000, S_IFREG | 0600, 1000, &why), ==, -ENOTDIR);
}

/* an existing path: only the user's own socket that nobody listens on is replaced */
static void test_unix_existing(void)
{
    const char *why = NULL;
    g_assert_cmpint(gdb_unix_existing(false, false, 0, 1000, 0, &why), ==, GDB_UNIX_FREE);
    g_assert_null(why);
    g_assert_cmpint(gdb_unix_existing(true, true, 1000, 1000, ECONNREFUSED, &why), ==,
                    GDB_UNIX_STALE);
    g_assert_null(why);
    g_assert_cmpint(gdb_unix_existing(true, true, 1000, 1000, 0, &why), ==, -EADDRINUSE);
    g_assert_nonnull(strstr(why, "listens"));
    why = NULL;
    g_assert_cmpint(gdb_unix_existing(true, false, 1000, 1000, EINVAL, &why), ==, -EEXIST);
    g_assert_nonnull(strstr(why, "not a socket"));
    why = NULL;
    g_assert_cmpint(gdb_unix_existing(true, true, 0, 1000, ECONNREFUSED, &why), ==, -EPERM);
    g_assert_nonnull(why);
    g_assert_cmpint(gdb_unix_existing(true, true, 1000, 1000, EACCES, &why), ==, -EEXIST);
}

/* /proc/net/unix: only a listening socket (flags 00010000) at exactly the path counts */
static void test_unix_listed(void)
{
    const char *text =
        "Num       RefCount Protocol Flags    Type St Inode Path\n"
        "0000000000000000: 00000002 00000000 00010000 0001 01 21876 /run/own/gdb.sock\n"
        "0000000000000000: 00000003 00000000 00000000 0001 03 21877 /run/own/conn.sock\n"
        "0000000000000000: 00000002 00000000 00010000 0001 01 22000 @abstract\n"
        "0000000000000000: 00000002 00000000 00010000 0001 01 22001 /run/own/with space\n"
        "0000000000000000: 00000003 00000000 00000000 0001 03 21878\n";
    g_assert_true(gdb_unix_listed(text, "/run/own/gdb.sock"));
    g_assert_true(gdb_unix_listed(text, "/run/own/with space"));
    g_assert_false(gdb_unix_listed(text, "/run/own/conn.sock")); /* connected, not listening */
    g_assert_false(gdb_unix_listed(text, "/run/own/gdb.soc"));
    g_assert_false(gdb_unix_listed(text, "/run/own/gdb.sock2"));
    g_assert_false(gdb_unix_listed(text, "abstract"));
    g_assert_false(gdb_unix_listed("", "/x"));
    g_assert_false(gdb_unix_listed("garbage\n\n 1 2\n", "/x"));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    /* a failing case is reported ("not ok") and the other cases still run */
    g_test_set_nonfatal_assertions();
    g_test_add_func("/gdb-addr/good", test_good);
    g_test_add_func("/gdb-addr/bad", test_bad);
    g_test_add_func("/gdb-addr/bad-space", test_bad_space);
    g_test_add_func("/gdb-addr/lengths", test_lengths);
    g_test_add_func("/gdb-addr/unix-dir", test_unix_dir);
    g_test_add_func("/gdb-addr/unix-existing", test_unix_existing);
    g_test_add_func("/gdb-addr/unix-listed", test_unix_listed);
    return g_test_run();
}
