/* fuzz_agent_expr.c - libFuzzer target: arbitrary agent-expression bytecode into ax_eval, and
 * arbitrary text into ax_parse_cond (then its bytecode into ax_eval).  Besides the sanitizers it
 * checks: the return code matches out->error, the failing pc lies within the code, the bounds
 * (instructions, memory reads) hold and match what the fake target saw, the error text fits,
 * a second evaluation from the same state gives the same result, and a parsed condition is
 * exactly the hex it was parsed from.
 *
 * Input: byte 0 configures (bit 0: the rest is condition text "X<len>,<hex>..." rather than
 * bytecode; bit 1: no read_mem callback; bit 2: no read_reg callback; bit 3: no trace state
 * variables), the rest is the code or the text.
 *
 * Built by tests/fuzz/run.sh (clang -fsanitize=fuzzer) and, for the corpus replay test, with
 * tests/fuzz/replay.c by meson. */
#include <brkvm/agent_expr.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                                                                                   \
    do {                                                                                           \
        if (!(x)) {                                                                                \
            fprintf(stderr, "fuzz_agent_expr: %s:%d: check failed: %s\n", __FILE__, __LINE__,     \
                    #x);                                                                           \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

#define FMEM_BASE 0x1000u
#define FMEM_SIZE 256u
#define NTSV 4

struct fake {
    uint8_t mem[FMEM_SIZE];
    int64_t tsv[NTSV];
    unsigned reads;
};

static int fake_read_mem(void *opaque, uint64_t va, void *buf, unsigned len)
{
    struct fake *f = opaque;

    CHECK(len == 1 || len == 2 || len == 4 || len == 8);
    f->reads++;
    if (va < FMEM_BASE || va - FMEM_BASE > FMEM_SIZE - len)
        return -EFAULT;
    memcpy(buf, f->mem + (va - FMEM_BASE), len);
    return 0;
}

static int fake_read_reg(void *opaque, unsigned regno, uint64_t *val)
{
    (void)opaque;
    CHECK(regno <= 0xffff);
    if (regno >= 34)
        return -EINVAL;
    *val = 0x1000 + regno * 8;
    return 0;
}

static void fake_init(struct fake *f, struct ax_env *env, uint8_t cfg)
{
    for (unsigned i = 0; i < FMEM_SIZE; i++)
        f->mem[i] = (uint8_t)(i * 7);
    for (unsigned i = 0; i < NTSV; i++)
        f->tsv[i] = (int64_t)i - 1;
    f->reads = 0;
    *env = (struct ax_env){
        .opaque = f,
        .read_mem = (cfg & 2) ? NULL : fake_read_mem,
        .read_reg = (cfg & 4) ? NULL : fake_read_reg,
        .tsv = (cfg & 8) ? NULL : f->tsv,
        .ntsv = (cfg & 8) ? 0 : NTSV,
    };
}

static int expected_errno(enum ax_error e)
{
    switch (e) {
    case AX_OK: return 0;
    case AX_ERR_FLOAT: return -EOPNOTSUPP;
    case AX_ERR_OVERFLOW:
    case AX_ERR_MEM_LIMIT: return -E2BIG;
    case AX_ERR_MEM: return -EFAULT;
    case AX_ERR_REG: return -EIO;
    case AX_ERR_TSV: return -ENOENT;
    case AX_ERR_DIV_ZERO: return -EDOM;
    case AX_ERR_INSN_LIMIT: return -ELOOP;
    case AX_ERR_JUMP: return -ERANGE;
    case AX_ERR_BAD_OPCODE:
    case AX_ERR_TRUNCATED:
    case AX_ERR_BAD_OPERAND:
    case AX_ERR_UNDERFLOW:
    case AX_ERR_NO_END: return -EINVAL;
    }
    CHECK(!"unknown ax_error");
    return 0;
}

static void eval_checked(const uint8_t *code, size_t len, uint8_t cfg)
{
    struct fake f;
    struct ax_env env;
    struct ax_result r, r2;
    char msg[160], small[8];

    fake_init(&f, &env, cfg);
    int rc = ax_eval(code, len, &env, &r);
    CHECK(rc == expected_errno(r.error));
    CHECK(r.insns <= AX_INSN_MAX);
    CHECK(r.mem_reads <= AX_MEM_READS_MAX);
    if (env.read_mem)
        CHECK(f.reads == r.mem_reads);
    if (rc == 0) {
        CHECK(r.insns >= 1);
    } else {
        CHECK(r.pc <= len);
        if (r.pc < len)
            CHECK(r.op == code[r.pc]);
        if (r.error == AX_ERR_NO_END)
            CHECK(r.pc >= len);
        else
            CHECK(r.pc < len);
        if (r.error == AX_ERR_MEM && env.read_mem)
            CHECK(r.addr < FMEM_BASE || r.addr > FMEM_BASE + FMEM_SIZE - 8);
        if (r.error == AX_ERR_JUMP)
            CHECK(r.addr >= len);
        if (r.error == AX_ERR_INSN_LIMIT)
            CHECK(r.insns == AX_INSN_MAX);
        if (r.error == AX_ERR_MEM_LIMIT)
            CHECK(r.mem_reads == AX_MEM_READS_MAX);
    }
    ax_result_format(&r, msg, sizeof(msg));
    CHECK(strlen(msg) < sizeof(msg));
    ax_result_format(&r, small, sizeof(small));
    CHECK(strlen(small) < sizeof(small));

    /* the same again from the same state */
    fake_init(&f, &env, cfg);
    CHECK(ax_eval(code, len, &env, &r2) == rc);
    CHECK(r2.error == r.error && r2.insns == r.insns && r2.mem_reads == r.mem_reads);
    if (rc == 0)
        CHECK(r2.value == r.value);
    else
        CHECK(r2.pc == r.pc && r2.addr == r.addr);
}

static void parse_checked(const char *s, size_t n, uint8_t cfg)
{
    static const char hex[] = "0123456789abcdef";
    uint8_t code[AX_CODE_MAX];
    size_t len = 0;
    const char *end = NULL;
    const char *p = s;

    /* every condition in a row, like the part of a Z packet after the kind */
    while (p < s + n) {
        int rc = ax_parse_cond(p, (size_t)(s + n - p), code, sizeof(code), &len, &end);
        CHECK(rc == 0 || rc == -EINVAL || rc == -ENOSPC);
        if (rc)
            return;
        CHECK(len >= 1 && len <= sizeof(code));
        CHECK(end > p && end <= s + n);
        CHECK(end == s + n || *end == ';');
        CHECK((size_t)(end - p) >= 2 * len + 3);
        const char *h = end - 2 * len;
        CHECK(h[-1] == ',');
        for (size_t i = 0; i < len; i++) {
            CHECK((h[2 * i] | 0x20) == hex[code[i] >> 4]);
            CHECK((h[2 * i + 1] | 0x20) == hex[code[i] & 15]);
        }
        eval_checked(code, len, cfg);
        p = end;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t cfg = data[0];
    if (cfg & 1)
        parse_checked((const char *)data + 1, size - 1, cfg);
    else
        eval_checked(data + 1, size - 1, cfg);
    return 0;
}
