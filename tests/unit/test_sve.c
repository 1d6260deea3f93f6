/* test_sve.c - SVE for the debugger, the pure parts: vector lengths from KVM's VLS bitmap and
 * ZCR_EL1, gdb's register numbering and sizes with SVE, and the target description with and
 * without SVE (parsed as XML: every register's name, number and size, every type defined). */
#include <brkvm/arm64_sve.h>
#include <brkvm/gdb_stub.h>

#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void vls_set(uint64_t vls[ARM64_SVE_VLS_WORDS], unsigned vq)
{
    vls[(vq - 1) / 64] |= 1ULL << ((vq - 1) % 64);
}

static void test_max_vq(void)
{
    uint64_t vls[ARM64_SVE_VLS_WORDS] = {0};

    g_assert_cmpuint(arm64_sve_max_vq(vls), ==, 0);
    vls_set(vls, 1);
    g_assert_cmpuint(arm64_sve_max_vq(vls), ==, 1);
    vls_set(vls, 2);
    vls_set(vls, 4);
    g_assert_cmpuint(arm64_sve_max_vq(vls), ==, 4);
    vls_set(vls, 16);
    g_assert_cmpuint(arm64_sve_max_vq(vls), ==, 16);
    /* lengths past the architecture's 2048 bits (KVM's bitmap has room for them) are not used */
    vls_set(vls, 17);
    vls_set(vls, 200);
    g_assert_cmpuint(arm64_sve_max_vq(vls), ==, 16);
    memset(vls, 0, sizeof(vls));
    vls_set(vls, 300);
    g_assert_cmpuint(arm64_sve_max_vq(vls), ==, 0);
}

static void test_effective_vq(void)
{
    uint64_t pow2[ARM64_SVE_VLS_WORDS] = {0}, all[ARM64_SVE_VLS_WORDS] = {0},
             short4[ARM64_SVE_VLS_WORDS] = {0};
    static const struct {
        uint64_t zcr;
        unsigned pow2, all, short4;
    } cases[] = {
        {0x0, 1, 1, 1},
        {0x1, 2, 2, 2},
        {0x2, 2, 3, 3},
        {0x3, 4, 4, 4},
        {0x6, 4, 7, 4},
        {0x7, 8, 8, 4},
        {0xe, 8, 15, 4},
        {0xf, 16, 16, 4},
        {0x1f0, 1, 1, 1}, /* only LEN, bits 3:0, counts */
        {0xffffffffffffffffULL, 16, 16, 4},
    };

    for (unsigned vq = 1; vq <= 16; vq *= 2)
        vls_set(pow2, vq);
    for (unsigned vq = 1; vq <= 16; vq++)
        vls_set(all, vq);
    for (unsigned vq = 1; vq <= 4; vq++)
        vls_set(short4, vq);
    for (unsigned i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_test_message("ZCR_EL1 %#llx", (unsigned long long)cases[i].zcr);
        g_assert_cmpuint(arm64_sve_effective_vq(pow2, cases[i].zcr), ==, cases[i].pow2);
        g_assert_cmpuint(arm64_sve_effective_vq(all, cases[i].zcr), ==, cases[i].all);
        g_assert_cmpuint(arm64_sve_effective_vq(short4, cases[i].zcr), ==, cases[i].short4);
    }
}

static void test_reg_sizes(void)
{
    /* without SVE: as before, and the SVE numbers are no registers */
    for (int r = -1; r <= GDB_NUM_ALL_SVE_REGS; r++)
        g_assert_cmpuint(gdb_reg_size_vq(r, 0), ==, gdb_reg_size(r));
    g_assert_cmpuint(gdb_reg_size(GDB_REG_V0), ==, 16);
    g_assert_cmpuint(gdb_reg_size(GDB_REG_SVE_P0), ==, 0);
    g_assert_cmpuint(gdb_reg_size(GDB_REG_SVE_VG), ==, 0);
    /* the SVE numbers follow every other register */
    g_assert_cmpint(GDB_REG_Z0, ==, 34);
    g_assert_cmpint(GDB_REG_SVE_P0, ==, GDB_NUM_ALL_REGS);
    g_assert_cmpint(GDB_REG_SVE_FFR, ==, GDB_REG_SVE_P0 + 16);
    g_assert_cmpint(GDB_REG_SVE_VG, ==, GDB_REG_SVE_P0 + 17);
    g_assert_cmpint(GDB_NUM_ALL_SVE_REGS, ==, GDB_REG_SVE_VG + 1);
    for (unsigned vq = 1; vq <= 16; vq++) {
        unsigned g = 0;
        for (int r = 0; r < GDB_NUM_REGS; r++)
            g += gdb_reg_size_vq(r, vq);
        g_assert_cmpuint(g, ==, 31 * 8 + 8 + 8 + 4 + 32 * 16 * vq + 4 + 4); /* 'g' */
        g_assert_cmpuint(gdb_reg_size_vq(GDB_REG_Z0, vq), ==, 16 * vq);
        g_assert_cmpuint(gdb_reg_size_vq(GDB_REG_Z0 + 31, vq), ==, 16 * vq);
        g_assert_cmpuint(gdb_reg_size_vq(GDB_REG_FPSR, vq), ==, 4);
        g_assert_cmpuint(gdb_reg_size_vq(GDB_REG_FPCR, vq), ==, 4);
        g_assert_cmpuint(gdb_reg_size_vq(GDB_REG_PC, vq), ==, 8);
        g_assert_cmpuint(gdb_reg_size_vq(GDB_REG_SYS0, vq), ==, 8);
        g_assert_cmpuint(gdb_reg_size_vq(GDB_REG_PAUTH_CMASK_HIGH, vq), ==, 8);
        g_assert_cmpuint(gdb_reg_size_vq(GDB_REG_SVE_P0, vq), ==, 2 * vq);
        g_assert_cmpuint(gdb_reg_size_vq(GDB_REG_SVE_FFR, vq), ==, 2 * vq);
        g_assert_cmpuint(gdb_reg_size_vq(GDB_REG_SVE_VG, vq), ==, 8);
        g_assert_cmpuint(gdb_reg_size_vq(GDB_NUM_ALL_SVE_REGS, vq), ==, 0);
        g_assert_cmpuint(gdb_reg_size_vq(-1, vq), ==, 0);
    }
    g_assert_cmpuint(16 * GDB_SVE_VQ_MAX, ==, GDB_REG_MAX_SIZE);
    g_assert_cmpuint(gdb_reg_size_vq(GDB_REG_Z0, GDB_SVE_VQ_MAX + 1), ==, 0);
}

/* ---- the XML, parsed ---- */

struct xml_reg {
    char name[16];
    int num;
    unsigned bits;
    char type[16];
};

struct xml_doc {
    char feature[64];
    GPtrArray *regs;       /* struct xml_reg * */
    GHashTable *types;     /* ids defined by <vector>/<union>/<flags> */
    GPtrArray *used;       /* type names referenced (char *) */
    GHashTable *vec_count; /* vector id -> count */
    GString *unions;       /* "id:field=type,...;" */
    char cur_union[16];
    int next_num;
};

static const char *attr(const char **names, const char **values, const char *want)
{
    for (int i = 0; names[i]; i++)
        if (!strcmp(names[i], want))
            return values[i];
    return NULL;
}

static void on_start(GMarkupParseContext *ctx, const char *el, const char **names,
                     const char **values, gpointer data, GError **err)
{
    struct xml_doc *d = data;
    const char *id = attr(names, values, "id"), *type = attr(names, values, "type");

    (void)ctx, (void)err;
    if (!strcmp(el, "feature"))
        g_strlcpy(d->feature, attr(names, values, "name"), sizeof(d->feature));
    if (!strcmp(el, "vector") || !strcmp(el, "union") || !strcmp(el, "flags")) {
        g_assert_nonnull(id);
        g_assert_false(g_hash_table_contains(d->types, id));
        g_hash_table_add(d->types, g_strdup(id));
    }
    if (!strcmp(el, "vector")) {
        g_hash_table_insert(d->vec_count, g_strdup(id),
                            GUINT_TO_POINTER(atoi(attr(names, values, "count"))));
        g_ptr_array_add(d->used, g_strdup(type));
    }
    if (!strcmp(el, "union")) {
        g_strlcpy(d->cur_union, id, sizeof(d->cur_union));
        g_string_append_printf(d->unions, "%s:", id);
    }
    if (!strcmp(el, "field") && type) {
        g_ptr_array_add(d->used, g_strdup(type));
        g_string_append_printf(d->unions, "%s=%s,", attr(names, values, "name"), type);
    }
    if (!strcmp(el, "reg")) {
        struct xml_reg *r = g_new0(struct xml_reg, 1);
        const char *num = attr(names, values, "regnum");
        g_strlcpy(r->name, attr(names, values, "name"), sizeof(r->name));
        r->num = num ? atoi(num) : d->next_num;
        r->bits = (unsigned)atoi(attr(names, values, "bitsize"));
        g_strlcpy(r->type, type ? type : "", sizeof(r->type));
        if (type)
            g_ptr_array_add(d->used, g_strdup(type));
        d->next_num = r->num + 1;
        g_ptr_array_add(d->regs, r);
    }
}

static void on_end(GMarkupParseContext *ctx, const char *el, gpointer data, GError **err)
{
    struct xml_doc *d = data;
    (void)ctx, (void)err;
    if (!strcmp(el, "union"))
        g_string_append(d->unions, ";");
}

static void parse(const char *xml, int first_num, struct xml_doc *d)
{
    static const GMarkupParser p = {.start_element = on_start, .end_element = on_end};
    GError *err = NULL;
    GMarkupParseContext *ctx;

    memset(d, 0, sizeof(*d));
    d->regs = g_ptr_array_new_with_free_func(g_free);
    d->types = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    d->vec_count = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    d->used = g_ptr_array_new_with_free_func(g_free);
    d->unions = g_string_new(NULL);
    d->next_num = first_num;
    ctx = g_markup_parse_context_new(&p, 0, d, NULL);
    g_assert_true(g_markup_parse_context_parse(ctx, xml, -1, &err));
    g_assert_true(g_markup_parse_context_end_parse(ctx, &err));
    g_assert_no_error(err);
    g_markup_parse_context_free(ctx);
}

static void doc_free(struct xml_doc *d)
{
    g_ptr_array_free(d->regs, TRUE);
    g_hash_table_destroy(d->types);
    g_hash_table_destroy(d->vec_count);
    g_ptr_array_free(d->used, TRUE);
    g_string_free(d->unions, TRUE);
}

/* gdb's predefined types (gdb/target-descriptions.c) the features may use without defining */
static bool predefined(const char *t)
{
    static const char *const names[] = {
        "int",    "int8",     "int16",    "int32",   "int64",     "int128",      "uint8",
        "uint16", "uint32",   "uint64",   "uint128", "ieee_half", "ieee_single", "ieee_double",
        "bool",   "code_ptr", "data_ptr", "float",   NULL};
    for (int i = 0; names[i]; i++)
        if (!strcmp(t, names[i]))
            return true;
    return false;
}

static void test_xml_sve(void)
{
    static const unsigned vqs[] = {1, 2, 3, 4, 8, 16};

    for (unsigned k = 0; k < G_N_ELEMENTS(vqs); k++) {
        unsigned vq = vqs[k];
        const char *target = gdb_target_xml_features("target.xml", 0, vq);
        const char *target_pauth = gdb_target_xml_features("target.xml", GDB_FEATURE_PAUTH, vq);
        struct xml_doc d;
        int n = 0;

        g_test_message("VQ %u", vq);
        g_assert_nonnull(strstr(target, "<xi:include href=\"aarch64-core.xml\"/>"));
        g_assert_nonnull(strstr(target, "<xi:include href=\"aarch64-sve.xml\"/>"));
        g_assert_nonnull(strstr(target, "<xi:include href=\"brkvm-sysregs.xml\"/>"));
        g_assert_null(strstr(target, "aarch64-fpu.xml"));
        g_assert_null(strstr(target, "pauth"));
        g_assert_nonnull(strstr(target_pauth, "<xi:include href=\"aarch64-pauth.xml\"/>"));
        g_assert_null(strstr(target_pauth, "aarch64-fpu.xml"));
        /* the other features are the same as without SVE */
        g_assert_cmpstr(gdb_target_xml_features("aarch64-core.xml", 0, vq), ==,
                        gdb_target_xml("aarch64-core.xml"));
        g_assert_cmpstr(gdb_target_xml_features("brkvm-sysregs.xml", 0, vq), ==,
                        gdb_target_xml("brkvm-sysregs.xml"));
        parse(target, 0, &d);
        doc_free(&d);

        parse(gdb_target_xml_features("aarch64-sve.xml", 0, vq), GDB_REG_Z0, &d);
        g_assert_cmpstr(d.feature, ==, "org.gnu.gdb.aarch64.sve");
        g_assert_cmpuint(d.regs->len, ==, 32 + 2 + 16 + 1 + 1);
        for (unsigned i = 0; i < d.regs->len; i++) {
            struct xml_reg *r = g_ptr_array_index(d.regs, i);
            char want[16];
            if (i < 32)
                snprintf(want, sizeof(want), "z%u", i);
            else if (i < 34)
                snprintf(want, sizeof(want), "%s", i == 32 ? "fpsr" : "fpcr");
            else if (i < 50)
                snprintf(want, sizeof(want), "p%u", i - 34);
            else
                snprintf(want, sizeof(want), "%s", i == 50 ? "ffr" : "vg");
            g_assert_cmpstr(r->name, ==, want);
            /* numbered as gdb_target.h says, sized as the stub sends them */
            g_assert_cmpint(r->num, ==,
                            i < 34 ? GDB_REG_Z0 + (int)i : GDB_REG_SVE_P0 + (int)i - 34);
            g_assert_cmpuint(r->bits, ==, 8 * gdb_reg_size_vq(r->num, vq));
            g_assert_cmpstr(r->type, ==, i < 32 ? "svev" : i < 34 || i == 51 ? "int" : "svep");
            n++;
        }
        /* every type used is gdb's or defined here; the vectors fill the whole register */
        for (unsigned i = 0; i < d.used->len; i++) {
            const char *t = g_ptr_array_index(d.used, i);
            g_assert_true(predefined(t) || g_hash_table_contains(d.types, t));
        }
        static const struct {
            const char *id;
            unsigned per_vq;
        } vecs[] = {{"svevqu", 1}, {"svevqs", 1},  {"svevdf", 2},  {"svevdu", 2}, {"svevds", 2},
                    {"svevsf", 4}, {"svevsu", 4},  {"svevss", 4},  {"svevhf", 8}, {"svevhu", 8},
                    {"svevhs", 8}, {"svevbu", 16}, {"svevbs", 16}, {"svep", 2}};
        for (unsigned i = 0; i < G_N_ELEMENTS(vecs); i++)
            g_assert_cmpuint(GPOINTER_TO_UINT(g_hash_table_lookup(d.vec_count, vecs[i].id)), ==,
                             vecs[i].per_vq * vq);
        g_assert_cmpuint(g_hash_table_size(d.vec_count), ==, G_N_ELEMENTS(vecs));
        g_assert_cmpstr(d.unions->str, ==,
                        "svevnq:u=svevqu,s=svevqs,;svevnd:f=svevdf,u=svevdu,s=svevds,;"
                        "svevns:f=svevsf,u=svevsu,s=svevss,;svevnh:f=svevhf,u=svevhu,s=svevhs,;"
                        "svevnb:u=svevbu,s=svevbs,;svev:q=svevnq,d=svevnd,s=svevns,h=svevnh,"
                        "b=svevnb,;");
        g_assert_cmpint(n, ==, 52);
        doc_free(&d);
    }
    /* one length at a time: asking for another rebuilds, the first comes back the same */
    char *one = g_strdup(gdb_target_xml_features("aarch64-sve.xml", 0, 1));
    g_assert_cmpstr(gdb_target_xml_features("aarch64-sve.xml", 0, 2), !=, one);
    g_assert_cmpstr(gdb_target_xml_features("aarch64-sve.xml", 0, 1), ==, one);
    g_free(one);
    /* out of the architecture's range: no SVE feature */
    g_assert_null(gdb_target_xml_features("aarch64-sve.xml", 0, GDB_SVE_VQ_MAX + 1));
}

/* Without SVE the description is byte for byte what it was before SVE support (SHA-256 of the
 * texts of the commit before), with and without pauth */
static void test_xml_without_sve(void)
{
    static const struct {
        const char *annex;
        unsigned features;
        const char *sha256;
    } pinned[] = {
        {"target.xml", 0, "e4c44267cad230142e8e887dd51c116586b24f09740c2aa948dd8b1eead07766"},
        {"target.xml", GDB_FEATURE_PAUTH,
         "ee4bd5094d6c045e0f3dee10c437d59b3729ddd2e75a3c2f9de76fa90962f07c"},
        {"aarch64-fpu.xml", 0, "dc8efedea0413bf83ce2132c59f250688b96cb30b95637e63e6b2f827bb78fe4"},
        {"aarch64-core.xml", 0, "da5d09777a75d5de3851446de253f3b0ecc2982ffa175e0f5321d4833644532a"},
    };

    for (unsigned i = 0; i < G_N_ELEMENTS(pinned); i++) {
        const char *x = gdb_target_xml_features(pinned[i].annex, pinned[i].features, 0);
        char *h = g_compute_checksum_for_string(G_CHECKSUM_SHA256, x, -1);
        g_test_message("%s features %u", pinned[i].annex, pinned[i].features);
        g_assert_cmpstr(h, ==, pinned[i].sha256);
        g_free(h);
    }
    g_assert_null(gdb_target_xml_features("aarch64-sve.xml", 0, 0));
    g_assert_null(gdb_target_xml_features("aarch64-sve.xml", GDB_FEATURE_PAUTH, 0));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/sve/max-vq", test_max_vq);
    g_test_add_func("/sve/effective-vq", test_effective_vq);
    g_test_add_func("/sve/reg-sizes", test_reg_sizes);
    g_test_add_func("/sve/xml", test_xml_sve);
    g_test_add_func("/sve/xml-without-sve", test_xml_without_sve);
    return g_test_run();
}
