/* target_xml.c - the target description gdb reads with qXfer:features:read: AArch64 core and
 * FP/SIMD (or SVE) features, numbered as in include/brkvm/gdb_target.h */
#include <brkvm/gdb_stub.h>

#include <glib.h>
#include <string.h>

static const char target_xml[] =
    "<?xml version=\"1.0\"?>\n"
    "<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n"
    "<target version=\"1.0\">\n"
    "  <architecture>aarch64</architecture>\n"
    "  <xi:include href=\"aarch64-core.xml\"/>\n"
    "  <xi:include href=\"aarch64-fpu.xml\"/>\n"
    "  <xi:include href=\"brkvm-sysregs.xml\"/>\n"
    "</target>\n";

static const char target_pauth_xml[] =
    "<?xml version=\"1.0\"?>\n"
    "<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n"
    "<target version=\"1.0\">\n"
    "  <architecture>aarch64</architecture>\n"
    "  <xi:include href=\"aarch64-core.xml\"/>\n"
    "  <xi:include href=\"aarch64-fpu.xml\"/>\n"
    "  <xi:include href=\"brkvm-sysregs.xml\"/>\n"
    "  <xi:include href=\"aarch64-pauth.xml\"/>\n"
    "</target>\n";

#define XREG(n) "  <reg name=\"x" #n "\" bitsize=\"64\"/>\n"

static const char core_xml[] =
    "<?xml version=\"1.0\"?>\n"
    "<!DOCTYPE feature SYSTEM \"gdb-target.dtd\">\n"
    "<feature name=\"org.gnu.gdb.aarch64.core\">\n"
    "  <flags id=\"cpsr_flags\" size=\"4\">\n"
    "    <field name=\"SP\" start=\"0\" end=\"0\"/>\n"
    "    <field name=\"EL\" start=\"2\" end=\"3\"/>\n"
    "    <field name=\"nRW\" start=\"4\" end=\"4\"/>\n"
    "    <field name=\"F\" start=\"6\" end=\"6\"/>\n"
    "    <field name=\"I\" start=\"7\" end=\"7\"/>\n"
    "    <field name=\"A\" start=\"8\" end=\"8\"/>\n"
    "    <field name=\"D\" start=\"9\" end=\"9\"/>\n"
    "    <field name=\"SSBS\" start=\"12\" end=\"12\"/>\n"
    "    <field name=\"IL\" start=\"20\" end=\"20\"/>\n"
    "    <field name=\"SS\" start=\"21\" end=\"21\"/>\n"
    "    <field name=\"PAN\" start=\"22\" end=\"22\"/>\n"
    "    <field name=\"UAO\" start=\"23\" end=\"23\"/>\n"
    "    <field name=\"V\" start=\"28\" end=\"28\"/>\n"
    "    <field name=\"C\" start=\"29\" end=\"29\"/>\n"
    "    <field name=\"Z\" start=\"30\" end=\"30\"/>\n"
    "    <field name=\"N\" start=\"31\" end=\"31\"/>\n"
    "  </flags>\n"
    XREG(0) XREG(1) XREG(2) XREG(3) XREG(4) XREG(5) XREG(6) XREG(7) XREG(8) XREG(9)
    XREG(10) XREG(11) XREG(12) XREG(13) XREG(14) XREG(15) XREG(16) XREG(17) XREG(18) XREG(19)
    XREG(20) XREG(21) XREG(22) XREG(23) XREG(24) XREG(25) XREG(26) XREG(27) XREG(28) XREG(29)
    XREG(30)
    "  <reg name=\"sp\" bitsize=\"64\" type=\"data_ptr\"/>\n"
    "  <reg name=\"pc\" bitsize=\"64\" type=\"code_ptr\"/>\n"
    "  <reg name=\"cpsr\" bitsize=\"32\" type=\"cpsr_flags\"/>\n"
    "</feature>\n";

#define VREG(n) "  <reg name=\"v" #n "\" bitsize=\"128\" type=\"aarch64v\"/>\n"

static const char fpu_xml[] =
    "<?xml version=\"1.0\"?>\n"
    "<!DOCTYPE feature SYSTEM \"gdb-target.dtd\">\n"
    "<feature name=\"org.gnu.gdb.aarch64.fpu\">\n"
    "  <vector id=\"v2d\" type=\"ieee_double\" count=\"2\"/>\n"
    "  <vector id=\"v2u\" type=\"uint64\" count=\"2\"/>\n"
    "  <vector id=\"v2i\" type=\"int64\" count=\"2\"/>\n"
    "  <vector id=\"v4f\" type=\"ieee_single\" count=\"4\"/>\n"
    "  <vector id=\"v4u\" type=\"uint32\" count=\"4\"/>\n"
    "  <vector id=\"v4i\" type=\"int32\" count=\"4\"/>\n"
    "  <vector id=\"v8u\" type=\"uint16\" count=\"8\"/>\n"
    "  <vector id=\"v8i\" type=\"int16\" count=\"8\"/>\n"
    "  <vector id=\"v16u\" type=\"uint8\" count=\"16\"/>\n"
    "  <vector id=\"v16i\" type=\"int8\" count=\"16\"/>\n"
    "  <vector id=\"v1u\" type=\"uint128\" count=\"1\"/>\n"
    "  <vector id=\"v1i\" type=\"int128\" count=\"1\"/>\n"
    "  <union id=\"vnd\"><field name=\"f\" type=\"v2d\"/><field name=\"u\" type=\"v2u\"/>"
    "<field name=\"s\" type=\"v2i\"/></union>\n"
    "  <union id=\"vns\"><field name=\"f\" type=\"v4f\"/><field name=\"u\" type=\"v4u\"/>"
    "<field name=\"s\" type=\"v4i\"/></union>\n"
    "  <union id=\"vnh\"><field name=\"u\" type=\"v8u\"/><field name=\"s\" type=\"v8i\"/></union>\n"
    "  <union id=\"vnb\"><field name=\"u\" type=\"v16u\"/><field name=\"s\" type=\"v16i\"/></union>\n"
    "  <union id=\"vnq\"><field name=\"u\" type=\"v1u\"/><field name=\"s\" type=\"v1i\"/></union>\n"
    "  <union id=\"aarch64v\"><field name=\"d\" type=\"vnd\"/><field name=\"s\" type=\"vns\"/>"
    "<field name=\"h\" type=\"vnh\"/><field name=\"b\" type=\"vnb\"/>"
    "<field name=\"q\" type=\"vnq\"/></union>\n"
    VREG(0) VREG(1) VREG(2) VREG(3) VREG(4) VREG(5) VREG(6) VREG(7) VREG(8) VREG(9)
    VREG(10) VREG(11) VREG(12) VREG(13) VREG(14) VREG(15) VREG(16) VREG(17) VREG(18) VREG(19)
    VREG(20) VREG(21) VREG(22) VREG(23) VREG(24) VREG(25) VREG(26) VREG(27) VREG(28) VREG(29)
    VREG(30) VREG(31)
    "  <reg name=\"fpsr\" bitsize=\"32\"/>\n"
    "  <reg name=\"fpcr\" bitsize=\"32\"/>\n"
    "</feature>\n";

/* the system-register feature, built once from GDB_SYSREGS (gdb numbers them from regnum) */
static char *sysregs_xml;

static const char *build_sysregs_xml(void)
{
    GString *x;

    if (sysregs_xml)
        return sysregs_xml;
    x = g_string_new("<?xml version=\"1.0\"?>\n<!DOCTYPE feature SYSTEM \"gdb-target.dtd\">\n"
                     "<feature name=\"org.brkvm.aarch64.sysregs\">\n");
    int n = GDB_REG_SYS0;
#define SYSREG_XML(name)                                                                           \
    g_string_append_printf(x, "  <reg name=\"%s\" bitsize=\"64\" regnum=\"%d\" group=\"system\"/>\n",  \
                           #name, n++);
    GDB_SYSREGS(SYSREG_XML)
#undef SYSREG_XML
    g_string_append(x, "</feature>\n");
    sysregs_xml = g_string_free(x, FALSE);
    return sysregs_xml;
}

static char *pauth_xml;

static const char *build_pauth_xml(void)
{
    if (!pauth_xml)
        pauth_xml = g_strdup_printf(
            "<?xml version=\"1.0\"?>\n<!DOCTYPE feature SYSTEM \"gdb-target.dtd\">\n"
            "<feature name=\"org.gnu.gdb.aarch64.pauth\">\n"
            "  <reg name=\"pauth_dmask\" bitsize=\"64\" regnum=\"%d\"/>\n"
            "  <reg name=\"pauth_cmask\" bitsize=\"64\" regnum=\"%d\"/>\n"
            "  <reg name=\"pauth_dmask_high\" bitsize=\"64\" regnum=\"%d\"/>\n"
            "  <reg name=\"pauth_cmask_high\" bitsize=\"64\" regnum=\"%d\"/>\n"
            "</feature>\n",
            GDB_REG_PAUTH_DMASK, GDB_REG_PAUTH_CMASK, GDB_REG_PAUTH_DMASK_HIGH,
            GDB_REG_PAUTH_CMASK_HIGH);
    return pauth_xml;
}

/* The SVE feature for vectors of vq quadwords, in gdb's layout (gdb's features/aarch64-sve.c):
 * a vector type per lane size and kind of the whole Z register, a union per lane size, the
 * union of those ("svev"), and the predicate type (a byte vector of VL / 8 bits) */
static const struct {
    char size, kind; /* lane size: q d s h b; kind: u(nsigned) s(igned) f(loat) */
    const char *type;
    unsigned bits;
} sve_lanes[] = {
    {'q', 'u', "uint128", 128}, {'q', 's', "int128", 128}, {'d', 'f', "ieee_double", 64},
    {'d', 'u', "uint64", 64},   {'d', 's', "int64", 64},   {'s', 'f', "ieee_single", 32},
    {'s', 'u', "uint32", 32},   {'s', 's', "int32", 32},   {'h', 'f', "ieee_half", 16},
    {'h', 'u', "uint16", 16},   {'h', 's', "int16", 16},   {'b', 'u', "uint8", 8},
    {'b', 's', "int8", 8},
};

static char *build_sve_xml(unsigned vq)
{
    static const char sizes[] = "qdshb";
    GString *x =
        g_string_new("<?xml version=\"1.0\"?>\n<!DOCTYPE feature SYSTEM \"gdb-target.dtd\">\n"
                     "<feature name=\"org.gnu.gdb.aarch64.sve\">\n");

    for (size_t i = 0; i < G_N_ELEMENTS(sve_lanes); i++)
        g_string_append_printf(x, "  <vector id=\"svev%c%c\" type=\"%s\" count=\"%u\"/>\n",
                               sve_lanes[i].size, sve_lanes[i].kind, sve_lanes[i].type,
                               128 * vq / sve_lanes[i].bits);
    for (const char *sz = sizes; *sz; sz++) {
        g_string_append_printf(x, "  <union id=\"svevn%c\">", *sz);
        for (size_t i = 0; i < G_N_ELEMENTS(sve_lanes); i++)
            if (sve_lanes[i].size == *sz)
                g_string_append_printf(x, "<field name=\"%c\" type=\"svev%c%c\"/>",
                                       sve_lanes[i].kind, *sz, sve_lanes[i].kind);
        g_string_append(x, "</union>\n");
    }
    g_string_append(x, "  <union id=\"svev\">");
    for (const char *sz = sizes; *sz; sz++)
        g_string_append_printf(x, "<field name=\"%c\" type=\"svevn%c\"/>", *sz, *sz);
    g_string_append(x, "</union>\n");
    g_string_append_printf(x, "  <vector id=\"svep\" type=\"uint8\" count=\"%u\"/>\n", 2 * vq);
    for (int n = 0; n < 32; n++) {
        g_string_append_printf(x, "  <reg name=\"z%d\" bitsize=\"%u\" type=\"svev\"", n, 128 * vq);
        if (!n)
            g_string_append_printf(x, " regnum=\"%d\"", GDB_REG_Z0);
        g_string_append(x, "/>\n");
    }
    g_string_append(x, "  <reg name=\"fpsr\" bitsize=\"32\" type=\"int\"/>\n"
                       "  <reg name=\"fpcr\" bitsize=\"32\" type=\"int\"/>\n");
    /* the predicates after every other register: see GDB_REG_SVE_P0 */
    for (int n = 0; n < 16; n++) {
        g_string_append_printf(x, "  <reg name=\"p%d\" bitsize=\"%u\" type=\"svep\"", n, 16 * vq);
        if (!n)
            g_string_append_printf(x, " regnum=\"%d\"", GDB_REG_SVE_P0);
        g_string_append(x, "/>\n");
    }
    g_string_append_printf(x, "  <reg name=\"ffr\" bitsize=\"%u\" type=\"svep\"/>\n", 16 * vq);
    g_string_append(x, "  <reg name=\"vg\" bitsize=\"64\" type=\"int\"/>\n</feature>\n");
    return g_string_free(x, FALSE);
}

/* target.xml and the SVE feature with SVE, built for one vector length at a time (the stub
 * serves one VM, whose vCPUs all have the same) */
static char *sve_target_xml[2], *sve_xml;
static unsigned sve_target_vq[2], sve_xml_vq;

static const char *build_sve_target_xml(bool pauth, unsigned vq)
{
    if (sve_target_xml[pauth] && sve_target_vq[pauth] == vq)
        return sve_target_xml[pauth];
    g_free(sve_target_xml[pauth]);
    sve_target_xml[pauth] = g_strconcat("<?xml version=\"1.0\"?>\n"
                                        "<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n"
                                        "<target version=\"1.0\">\n"
                                        "  <architecture>aarch64</architecture>\n"
                                        "  <xi:include href=\"aarch64-core.xml\"/>\n"
                                        "  <xi:include href=\"aarch64-sve.xml\"/>\n"
                                        "  <xi:include href=\"brkvm-sysregs.xml\"/>\n",
                                        pauth ? "  <xi:include href=\"aarch64-pauth.xml\"/>\n" : "",
                                        "</target>\n", NULL);
    sve_target_vq[pauth] = vq;
    return sve_target_xml[pauth];
}

const char *gdb_target_xml_features(const char *annex, unsigned features, unsigned sve_vq)
{
    if (sve_vq && sve_vq <= GDB_SVE_VQ_MAX) {
        if (!strcmp(annex, "target.xml"))
            return build_sve_target_xml(features & GDB_FEATURE_PAUTH, sve_vq);
        if (!strcmp(annex, "aarch64-sve.xml")) {
            if (!sve_xml || sve_xml_vq != sve_vq) {
                g_free(sve_xml);
                sve_xml = build_sve_xml(sve_vq);
                sve_xml_vq = sve_vq;
            }
            return sve_xml;
        }
    }
    if (features & GDB_FEATURE_PAUTH) {
        if (!strcmp(annex, "target.xml"))
            return target_pauth_xml;
        if (!strcmp(annex, "aarch64-pauth.xml"))
            return build_pauth_xml();
    }
    return gdb_target_xml(annex);
}

const char *gdb_target_xml(const char *annex)
{
    if (!strcmp(annex, "brkvm-sysregs.xml"))
        return build_sysregs_xml();
    if (!strcmp(annex, "target.xml"))
        return target_xml;
    if (!strcmp(annex, "aarch64-core.xml"))
        return core_xml;
    if (!strcmp(annex, "aarch64-fpu.xml"))
        return fpu_xml;
    return NULL;
}
