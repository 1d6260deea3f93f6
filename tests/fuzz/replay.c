/* replay.c - run the fuzz target over files (or directories of files, not descending into
 * subdirectories: corpus/p9 is another target's) without libFuzzer: the seed corpus as a
 * regular test under the native build's sanitizers, or one reproducer. */
#include <glib.h>
#include <stdint.h>
#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
    gchar *data;
    gsize len;
    GError *err = NULL;

    if (!g_file_get_contents(path, &data, &len, &err)) {
        fprintf(stderr, "replay: %s\n", err->message);
        g_error_free(err);
        return -1;
    }
    LLVMFuzzerTestOneInput((const uint8_t *)data, len);
    g_free(data);
    return 0;
}

int main(int argc, char **argv)
{
    unsigned runs = 0;

    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        if (g_file_test(argv[i], G_FILE_TEST_IS_DIR)) {
            GDir *d = g_dir_open(argv[i], 0, NULL);
            GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
            const char *name;
            if (!d) {
                fprintf(stderr, "replay: cannot open %s\n", argv[i]);
                return 1;
            }
            while ((name = g_dir_read_name(d))) {
                char *p = g_build_filename(argv[i], name, NULL);
                if (g_file_test(p, G_FILE_TEST_IS_DIR)) /* another target's corpus */
                    g_free(p);
                else
                    g_ptr_array_add(names, p);
            }
            g_dir_close(d);
            for (guint k = 0; k < names->len; k++) {
                if (run_file(names->pdata[k]))
                    return 1;
                runs++;
            }
            g_ptr_array_free(names, TRUE);
        } else {
            if (run_file(argv[i]))
                return 1;
            runs++;
        }
    }
    printf("replay: %u inputs, no failure\n", runs);
    return 0;
}
