/* fuzz_agent_expr.c - libFuzzer target: arbitrary agent-expression bytecode into ax_eval and
 * ax_exec (printf's formatting included), and arbitrary text into ax_parse_cond or
 * ax_parse_cmds (then their bytecode into ax_eval / ax_exec).  Besides the sanitizers it checks:
 * the return code matches out->error, the failing pc lies within the code, the bounds
 * (instructions, memory reads, printf's text) hold and match what the fake target saw, the
 * error text fits, a second evaluation from the same state gives the same result and text,
 * ax_exec agrees with ax_eval except for `end` on an empty stack, a parsed condition is exactly
 * the hex it was parsed from, and parsed commands lie back to back in the buffer.
 *
 * Input: byte 0 configures (bit 0: the rest is text rather than bytecode, bit 5 picks "cmds:"
 * text over condition text "X<len>,<hex>..."; bit 1: no read_mem callback; bit 2: no read_reg
 * callback; bit 3: no trace state variables; bit 4: no print callback), the rest is the code
 * or the text.
 *
 * Built by tests/fuzz/run.sh (clang -fsanitize=fuzzer) and, for the corpus replay test, with
 * tests/fuzz/replay.c by meson. */
#include <brkvm/agent_expr.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#include "fuzz_check.h"

#define FMEM_BASE 0x1000u
#define FMEM_SIZE 256u
#define NTSV 4

struct fake {
    uint8_t mem[FMEM_SIZE];
    int64_t tsv[NTSV];
    unsigned reads;
    unsigned prints;
    uint32_t text_hash; /* of everything printed, in order */
};

static int fake_read_mem(void *opaque, uint64_t va, void *buf, unsigned len)
{
    struct fake *f = opaque;

    CHECK(len >= 1 && len <= 64); /* ref8..ref64, printf's string pieces */
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

static void fake_print(void *opaque, const char *text)
{
    struct fake *f = opaque;
    size_t n = strlen(text);

    CHECK(n < AX_PRINTF_MAX);
    f->prints++;
    for (size_t i = 0; i < n; i++)
        f->text_hash = (f->text_hash ^ (uint8_t)text[i]) * 16777619u;
    f->text_hash = (f->text_hash ^ 0xff) * 16777619u; /* the end of one text */
}

static void fake_init(struct fake *f, struct ax_env *env, uint8_t cfg)
{
    for (unsigned i = 0; i < FMEM_SIZE; i++)
        f->mem[i] = (uint8_t)(i * 7);
    for (unsigned i = 0; i < NTSV; i++)
        f->tsv[i] = (int64_t)i - 1;
    f->reads = 0;
    f->prints = 0;
    f->text_hash = 2166136261u;
    *env = (struct ax_env){
        .opaque = f,
        .read_mem = (cfg & 2) ? NULL : fake_read_mem,
        .read_reg = (cfg & 4) ? NULL : fake_read_reg,
        .tsv = (cfg & 8) ? NULL : f->tsv,
        .ntsv = (cfg & 8) ? 0 : NTSV,
        .print = (cfg & 16) ? NULL : fake_print,
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

static int run(const uint8_t *code, size_t len, const struct ax_env *env, struct ax_result *r,
               bool exec)
{
    return exec ? ax_exec(code, len, env, r) : ax_eval(code, len, env, r);
}

/* one evaluation (ax_eval, or ax_exec if exec) with its checks; returns its rc, *r its result */
static int eval_one(const uint8_t *code, size_t len, uint8_t cfg, bool exec, struct ax_result *r)
{
    struct fake f, f2;
    struct ax_env env;
    struct ax_result r2;
    char msg[160], small[8];

    fake_init(&f, &env, cfg);
    int rc = run(code, len, &env, r, exec);
    CHECK(rc == expected_errno(r->error));
    CHECK(r->insns <= AX_INSN_MAX);
    CHECK(r->mem_reads <= AX_MEM_READS_MAX);
    if (env.read_mem)
        CHECK(f.reads == r->mem_reads);
    /* each printf prints at most once per executed bytecode */
    CHECK(f.prints <= r->insns);
    if (!env.print)
        CHECK(f.prints == 0);
    if (rc == 0) {
        CHECK(r->insns >= 1);
    } else {
        CHECK(r->pc <= len);
        if (r->pc < len)
            CHECK(r->op == code[r->pc]);
        if (r->error == AX_ERR_NO_END)
            CHECK(r->pc >= len);
        else
            CHECK(r->pc < len);
        if (r->error == AX_ERR_MEM && env.read_mem && r->op != AX_OP_PRINTF)
            CHECK(r->addr < FMEM_BASE || r->addr > FMEM_BASE + FMEM_SIZE - 8);
        if (r->error == AX_ERR_MEM && env.read_mem && r->op == AX_OP_PRINTF)
            CHECK(r->addr < FMEM_BASE || r->addr >= FMEM_BASE + FMEM_SIZE);
        if (r->error == AX_ERR_JUMP)
            CHECK(r->addr >= len);
        if (r->error == AX_ERR_INSN_LIMIT)
            CHECK(r->insns == AX_INSN_MAX);
        if (r->error == AX_ERR_MEM_LIMIT)
            CHECK(r->mem_reads == AX_MEM_READS_MAX);
    }
    ax_result_format(r, msg, sizeof(msg));
    CHECK(strlen(msg) < sizeof(msg));
    ax_result_format(r, small, sizeof(small));
    CHECK(strlen(small) < sizeof(small));

    /* the same again from the same state */
    fake_init(&f2, &env, cfg);
    CHECK(run(code, len, &env, &r2, exec) == rc);
    CHECK(r2.error == r->error && r2.insns == r->insns && r2.mem_reads == r->mem_reads);
    CHECK(f2.prints == f.prints && f2.text_hash == f.text_hash);
    if (rc == 0)
        CHECK(r2.value == r->value);
    else
        CHECK(r2.pc == r->pc && r2.addr == r->addr);
    return rc;
}

/* ax_eval and ax_exec: the same run, except that ax_exec also ends on an empty stack */
static void eval_checked(const uint8_t *code, size_t len, uint8_t cfg)
{
    struct ax_result re, rx;
    int rc_eval = eval_one(code, len, cfg, false, &re);
    int rc_exec = eval_one(code, len, cfg, true, &rx);

    if (rc_eval == 0) {
        CHECK(rc_exec == 0 && rx.value == re.value && rx.insns == re.insns);
    } else if (rc_exec != 0) {
        CHECK(rc_exec == rc_eval && rx.error == re.error && rx.pc == re.pc);
    } else {
        CHECK(re.error == AX_ERR_UNDERFLOW && re.op == AX_OP_END && rx.value == 0);
        CHECK(rx.insns == re.insns);
    }
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
        CHECK(end == s + n || *end == ';' || *end == 'X');
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

static void parse_cmds_checked(const char *s, size_t n, uint8_t cfg)
{
    uint8_t code[AX_CODE_MAX];
    struct ax_span cmds[8];
    unsigned count = 99;
    bool persist = false;
    const char *end = NULL;
    int rc = ax_parse_cmds(s, n, &persist, code, sizeof(code), cmds, 8, &count, &end);

    CHECK(rc == 0 || rc == -EINVAL || rc == -ENOSPC);
    if (rc) {
        CHECK(count == 99 && end == NULL && !persist);
        return;
    }
    CHECK(count >= 1 && count <= 8);
    CHECK(end > s && end <= s + n);
    CHECK(end == s + n || *end == ';');
    /* "cmds:P," then at least "X<len>,<hex>" per command */
    size_t off = 0, lead = s[0] == ';';
    CHECK(persist == (s[lead + 5] == '1'));
    size_t hex = 0;
    for (unsigned i = 0; i < count; i++) {
        CHECK(cmds[i].off == off && cmds[i].len >= 1);
        off += cmds[i].len;
        hex += 2 * cmds[i].len + 3;
    }
    CHECK(off <= sizeof(code));
    CHECK((size_t)(end - s) >= lead + 7 + hex);
    for (unsigned i = 0; i < count; i++)
        eval_checked(code + cmds[i].off, cmds[i].len, cfg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t cfg = data[0];
    if ((cfg & 0x21) == 0x21)
        parse_cmds_checked((const char *)data + 1, size - 1, cfg);
    else if (cfg & 1)
        parse_checked((const char *)data + 1, size - 1, cfg);
    else
        eval_checked(data + 1, size - 1, cfg);
    return 0;
}
