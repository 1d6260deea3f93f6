/* test_agent_expr.c - gdb agent-expression bytecode: every opcode against values worked out by
 * hand, the bounds (stack, instruction count, memory reads, operands past the end, jumps), and
 * the "X<len>,<hex>" condition parser */
#include <brkvm/agent_expr.h>

#include <errno.h>
#include <glib.h>
#include <string.h>

/* ---- fake target: 64 bytes of memory at 0x1000, 8 registers (reg i = 0x100 + i, except
 * reg 7 unreadable), 3 trace state variables ---- */

#define MEM_BASE 0x1000u
#define MEM_SIZE 64u

struct fake {
    uint8_t mem[MEM_SIZE];
    int64_t tsv[3];
    unsigned reads;
};

static int fake_read_mem(void *opaque, uint64_t va, void *buf, unsigned len)
{
    struct fake *f = opaque;

    f->reads++;
    if (va < MEM_BASE || va - MEM_BASE > MEM_SIZE - len)
        return -EFAULT;
    memcpy(buf, f->mem + (va - MEM_BASE), len);
    return 0;
}

static int fake_read_reg(void *opaque, unsigned regno, uint64_t *val)
{
    (void)opaque;
    if (regno >= 7)
        return -EINVAL;
    *val = 0x100 + regno;
    return 0;
}

static struct fake fk;
static struct ax_env env;

static void fake_reset(void)
{
    memset(&fk, 0, sizeof(fk));
    for (unsigned i = 0; i < MEM_SIZE; i++)
        fk.mem[i] = (uint8_t)(0x80 + i); /* 0x1000: 80 81 82 83 84 85 86 87 ... */
    fk.tsv[0] = 10;
    fk.tsv[1] = -2;
    fk.tsv[2] = 0;
    env = (struct ax_env){ .opaque = &fk, .read_mem = fake_read_mem, .read_reg = fake_read_reg,
                           .tsv = fk.tsv, .ntsv = 3 };
}

/* evaluate, expect success, return the value */
static uint64_t ok_len(const uint8_t *code, size_t len)
{
    struct ax_result r;
    int rc = ax_eval(code, len, &env, &r);
    if (rc != 0) {
        char msg[128];
        ax_result_format(&r, msg, sizeof(msg));
        g_error("ax_eval failed: %d: %s", rc, msg);
    }
    g_assert_cmpint(r.error, ==, AX_OK);
    return r.value;
}
#define CODE(...) ((const uint8_t[]){ __VA_ARGS__ })
#define OK(...) ok_len(CODE(__VA_ARGS__), sizeof(CODE(__VA_ARGS__)))

/* evaluate, expect failure with error e and errno rc, return the result */
static struct ax_result fail_len(const uint8_t *code, size_t len, enum ax_error e, int rc)
{
    struct ax_result r;
    g_assert_cmpint(ax_eval(code, len, &env, &r), ==, rc);
    g_assert_cmpint(r.error, ==, e);
    return r;
}
#define FAIL(e, rc, ...) fail_len(CODE(__VA_ARGS__), sizeof(CODE(__VA_ARGS__)), e, rc)

/* shorthands: const8 v, const64 v (big-endian as gdb emits) */
#define C8(v) AX_OP_CONST8, (v)
#define C64(v)                                                                                     \
    AX_OP_CONST64, (uint8_t)((uint64_t)(v) >> 56), (uint8_t)((uint64_t)(v) >> 48),                 \
        (uint8_t)((uint64_t)(v) >> 40), (uint8_t)((uint64_t)(v) >> 32),                            \
        (uint8_t)((uint64_t)(v) >> 24), (uint8_t)((uint64_t)(v) >> 16),                            \
        (uint8_t)((uint64_t)(v) >> 8), (uint8_t)(uint64_t)(v)
#define END AX_OP_END

static void test_consts(void)
{
    fake_reset();
    g_assert_cmphex(OK(C8(0xff), END), ==, 0xff); /* no sign extension */
    g_assert_cmphex(OK(AX_OP_CONST16, 0x12, 0x34, END), ==, 0x1234);
    g_assert_cmphex(OK(AX_OP_CONST32, 0xde, 0xad, 0xbe, 0xef, END), ==, 0xdeadbeef);
    g_assert_cmphex(OK(C64(0x0102030405060708ull), END), ==, 0x0102030405060708ull);
    /* the result is the top, whatever lies below */
    g_assert_cmphex(OK(C8(1), C8(2), C8(3), END), ==, 3);
}

static void test_arith(void)
{
    fake_reset();
    g_assert_cmphex(OK(C8(7), C8(5), AX_OP_ADD, END), ==, 12);
    g_assert_cmphex(OK(C8(5), C8(7), AX_OP_SUB, END), ==, (uint64_t)-2); /* a - b, b on top */
    g_assert_cmphex(OK(C64(UINT64_MAX), C8(1), AX_OP_ADD, END), ==, 0); /* wraps */
    g_assert_cmphex(OK(C8(6), C8(7), AX_OP_MUL, END), ==, 42);
    g_assert_cmphex(OK(C64(0x100000000ull), C64(0x100000000ull), AX_OP_MUL, END), ==, 0);
}

static void test_div_rem(void)
{
    fake_reset();
    /* -7 / 2 = -3 (truncation), -7 % 2 = -1 */
    g_assert_cmphex(OK(C64(-7), C8(2), AX_OP_DIV_SIGNED, END), ==, (uint64_t)-3);
    g_assert_cmphex(OK(C64(-7), C8(2), AX_OP_REM_SIGNED, END), ==, (uint64_t)-1);
    g_assert_cmphex(OK(C8(7), C64(-2), AX_OP_DIV_SIGNED, END), ==, (uint64_t)-3);
    g_assert_cmphex(OK(C8(7), C64(-2), AX_OP_REM_SIGNED, END), ==, 1);
    /* the same bits unsigned: 0xfff...f9 / 2 = 0x7fff...fc, remainder 1 */
    g_assert_cmphex(OK(C64(-7), C8(2), AX_OP_DIV_UNSIGNED, END), ==, 0x7ffffffffffffffcull);
    g_assert_cmphex(OK(C64(-7), C8(2), AX_OP_REM_UNSIGNED, END), ==, 1);
    g_assert_cmphex(OK(C8(100), C8(7), AX_OP_DIV_UNSIGNED, END), ==, 14);
    g_assert_cmphex(OK(C8(100), C8(7), AX_OP_REM_UNSIGNED, END), ==, 2);
    /* INT64_MIN / -1 wraps instead of trapping */
    g_assert_cmphex(OK(C64(INT64_MIN), C64(-1), AX_OP_DIV_SIGNED, END), ==, 0x8000000000000000ull);
    g_assert_cmphex(OK(C64(INT64_MIN), C64(-1), AX_OP_REM_SIGNED, END), ==, 0);
    /* by zero: all four fail, at the dividing bytecode */
    static const uint8_t ops[] = { AX_OP_DIV_SIGNED, AX_OP_DIV_UNSIGNED, AX_OP_REM_SIGNED,
                                   AX_OP_REM_UNSIGNED };
    for (unsigned i = 0; i < G_N_ELEMENTS(ops); i++) {
        uint8_t code[] = { C8(5), C8(0), ops[i], END };
        struct ax_result r = fail_len(code, sizeof(code), AX_ERR_DIV_ZERO, -EDOM);
        g_assert_cmpuint(r.pc, ==, 4);
        g_assert_cmphex(r.op, ==, ops[i]);
    }
}

static void test_shifts(void)
{
    fake_reset();
    g_assert_cmphex(OK(C8(1), C8(4), AX_OP_LSH, END), ==, 16);
    g_assert_cmphex(OK(C8(1), C8(63), AX_OP_LSH, END), ==, 0x8000000000000000ull);
    g_assert_cmphex(OK(C8(1), C8(64), AX_OP_LSH, END), ==, 0);
    g_assert_cmphex(OK(C8(1), C8(200), AX_OP_LSH, END), ==, 0);
    g_assert_cmphex(OK(C64(-16), C8(2), AX_OP_RSH_SIGNED, END), ==, (uint64_t)-4);
    g_assert_cmphex(OK(C64(-16), C8(2), AX_OP_RSH_UNSIGNED, END), ==, 0x3ffffffffffffffcull);
    g_assert_cmphex(OK(C8(0x40), C8(3), AX_OP_RSH_SIGNED, END), ==, 8);
    g_assert_cmphex(OK(C64(-16), C8(64), AX_OP_RSH_SIGNED, END), ==, UINT64_MAX);
    g_assert_cmphex(OK(C8(16), C8(64), AX_OP_RSH_SIGNED, END), ==, 0);
    g_assert_cmphex(OK(C64(-16), C8(64), AX_OP_RSH_UNSIGNED, END), ==, 0);
    g_assert_cmphex(OK(C64(-1), C8(63), AX_OP_RSH_UNSIGNED, END), ==, 1);
    g_assert_cmphex(OK(C64(INT64_MIN), C8(63), AX_OP_RSH_SIGNED, END), ==, UINT64_MAX);
    /* a shift count of 2^64 - 1 */
    g_assert_cmphex(OK(C8(5), C64(-1), AX_OP_LSH, END), ==, 0);
}

static void test_logic_compare(void)
{
    fake_reset();
    g_assert_cmphex(OK(C8(0), AX_OP_LOG_NOT, END), ==, 1);
    g_assert_cmphex(OK(C8(9), AX_OP_LOG_NOT, END), ==, 0);
    g_assert_cmphex(OK(C8(0xcc), C8(0xaa), AX_OP_BIT_AND, END), ==, 0x88);
    g_assert_cmphex(OK(C8(0xcc), C8(0xaa), AX_OP_BIT_OR, END), ==, 0xee);
    g_assert_cmphex(OK(C8(0xcc), C8(0xaa), AX_OP_BIT_XOR, END), ==, 0x66);
    g_assert_cmphex(OK(C8(0x0f), AX_OP_BIT_NOT, END), ==, 0xfffffffffffffff0ull);
    g_assert_cmphex(OK(C8(3), C8(3), AX_OP_EQUAL, END), ==, 1);
    g_assert_cmphex(OK(C8(3), C8(4), AX_OP_EQUAL, END), ==, 0);
    /* -1 < 1 signed, not unsigned; a < b with b on top */
    g_assert_cmphex(OK(C64(-1), C8(1), AX_OP_LESS_SIGNED, END), ==, 1);
    g_assert_cmphex(OK(C64(-1), C8(1), AX_OP_LESS_UNSIGNED, END), ==, 0);
    g_assert_cmphex(OK(C8(1), C64(-1), AX_OP_LESS_UNSIGNED, END), ==, 1);
    g_assert_cmphex(OK(C8(2), C8(2), AX_OP_LESS_SIGNED, END), ==, 0);
}

static void test_ext(void)
{
    fake_reset();
    g_assert_cmphex(OK(C8(0x80), AX_OP_EXT, 8, END), ==, 0xffffffffffffff80ull);
    g_assert_cmphex(OK(C8(0x7f), AX_OP_EXT, 8, END), ==, 0x7f);
    g_assert_cmphex(OK(C64(0x1234ff80), AX_OP_EXT, 8, END), ==, 0xffffffffffffff80ull);
    g_assert_cmphex(OK(AX_OP_CONST16, 0x80, 0x00, AX_OP_EXT, 16, END), ==, 0xffffffffffff8000ull);
    g_assert_cmphex(OK(AX_OP_CONST32, 0x80, 0, 0, 1, AX_OP_EXT, 32, END), ==,
                    0xffffffff80000001ull);
    g_assert_cmphex(OK(C8(1), AX_OP_EXT, 1, END), ==, UINT64_MAX);
    g_assert_cmphex(OK(C8(2), AX_OP_EXT, 1, END), ==, 0);
    g_assert_cmphex(OK(C64(0x8000000000000000ull), AX_OP_EXT, 64, END), ==,
                    0x8000000000000000ull);
    FAIL(AX_ERR_BAD_OPERAND, -EINVAL, C8(1), AX_OP_EXT, 0, END);
    g_assert_cmphex(OK(C64(-1), AX_OP_ZERO_EXT, 8, END), ==, 0xff);
    g_assert_cmphex(OK(C64(-1), AX_OP_ZERO_EXT, 32, END), ==, 0xffffffff);
    g_assert_cmphex(OK(C64(-1), AX_OP_ZERO_EXT, 64, END), ==, UINT64_MAX);
    g_assert_cmphex(OK(C64(-1), AX_OP_ZERO_EXT, 0, END), ==, 0);
    g_assert_cmphex(OK(C64(-1), AX_OP_ZERO_EXT, 1, END), ==, 1);
}

static void test_ref(void)
{
    fake_reset();
    /* little-endian guest memory, zero-extended */
    g_assert_cmphex(OK(AX_OP_CONST16, 0x10, 0x00, AX_OP_REF8, END), ==, 0x80);
    g_assert_cmphex(OK(AX_OP_CONST16, 0x10, 0x01, AX_OP_REF16, END), ==, 0x8281);
    g_assert_cmphex(OK(AX_OP_CONST16, 0x10, 0x04, AX_OP_REF32, END), ==, 0x87868584);
    g_assert_cmphex(OK(AX_OP_CONST16, 0x10, 0x08, AX_OP_REF64, END), ==, 0x8f8e8d8c8b8a8988ull);
    /* the last 8 bytes of the window are readable, one more is not */
    g_assert_cmphex(OK(AX_OP_CONST16, 0x10, 0x38, AX_OP_REF64, END), ==, 0xbfbebdbcbbbab9b8ull);
    struct ax_result r = FAIL(AX_ERR_MEM, -EFAULT, AX_OP_CONST16, 0x10, 0x39, AX_OP_REF64, END);
    g_assert_cmphex(r.addr, ==, 0x1039);
    g_assert_cmpuint(r.pc, ==, 3);
    g_assert_cmphex(r.op, ==, AX_OP_REF64);
    char msg[128];
    ax_result_format(&r, msg, sizeof(msg));
    g_assert_cmpstr(msg, ==, "cannot read memory at 0x1039 (pc 3, op 0x1a)");
    r = FAIL(AX_ERR_MEM, -EFAULT, C64(0xffffffff00000000ull), AX_OP_REF8, END);
    g_assert_cmphex(r.addr, ==, 0xffffffff00000000ull);
    /* a condition "*(char *)p == 0x83" with p in register 0 offset: reg 0 = 0x100 */
    g_assert_cmphex(OK(AX_OP_REG, 0, 0, AX_OP_CONST16, 0x0f, 0x03, AX_OP_ADD, AX_OP_REF8,
                       AX_OP_EXT, 8, C64(-125), AX_OP_EQUAL, END),
                    ==, 1);
    /* no read_mem: fails like an unreadable address */
    env.read_mem = NULL;
    FAIL(AX_ERR_MEM, -EFAULT, AX_OP_CONST16, 0x10, 0x00, AX_OP_REF8, END);
}

static void test_mem_read_limit(void)
{
    /* loop: ref8 of 0x1000 forever: the read limit stops it before the instruction limit */
    fake_reset();
    static const uint8_t code[] = { AX_OP_CONST16, 0x10, 0x00, AX_OP_REF8, AX_OP_POP,
                                    AX_OP_GOTO, 0x00, 0x00 };
    struct ax_result r = fail_len(code, sizeof(code), AX_ERR_MEM_LIMIT, -E2BIG);
    g_assert_cmpuint(r.mem_reads, ==, AX_MEM_READS_MAX);
    g_assert_cmpuint(fk.reads, ==, AX_MEM_READS_MAX);
    g_assert_cmpuint(r.pc, ==, 3);
}

static void test_reg(void)
{
    fake_reset();
    g_assert_cmphex(OK(AX_OP_REG, 0x00, 0x03, END), ==, 0x103);
    g_assert_cmphex(OK(AX_OP_REG, 0x00, 0x01, AX_OP_REG, 0x00, 0x02, AX_OP_ADD, END), ==, 0x203);
    struct ax_result r = FAIL(AX_ERR_REG, -EIO, AX_OP_REG, 0x00, 0x07, END);
    g_assert_cmpuint(r.addr, ==, 7);
    r = FAIL(AX_ERR_REG, -EIO, AX_OP_REG, 0x01, 0x00, END);
    g_assert_cmpuint(r.addr, ==, 256);
    env.read_reg = NULL;
    FAIL(AX_ERR_REG, -EIO, AX_OP_REG, 0x00, 0x00, END);
}

static void test_tsv(void)
{
    fake_reset();
    g_assert_cmphex(OK(AX_OP_GETV, 0, 0, END), ==, 10);
    g_assert_cmphex(OK(AX_OP_GETV, 0, 1, END), ==, (uint64_t)-2);
    /* setv keeps its value on the stack: $v2 = 5 + 1, result 6 */
    g_assert_cmphex(OK(C8(5), C8(1), AX_OP_ADD, AX_OP_SETV, 0, 2, END), ==, 6);
    g_assert_cmpint(fk.tsv[2], ==, 6);
    /* $v0++ twice in one expression */
    g_assert_cmphex(OK(AX_OP_GETV, 0, 0, C8(1), AX_OP_ADD, AX_OP_SETV, 0, 0, AX_OP_POP,
                       AX_OP_GETV, 0, 0, C8(1), AX_OP_ADD, AX_OP_SETV, 0, 0, END),
                    ==, 12);
    g_assert_cmpint(fk.tsv[0], ==, 12);
    struct ax_result r = FAIL(AX_ERR_TSV, -ENOENT, AX_OP_GETV, 0, 3, END);
    g_assert_cmpuint(r.addr, ==, 3);
    FAIL(AX_ERR_TSV, -ENOENT, C8(1), AX_OP_SETV, 0x12, 0x34, END);
    FAIL(AX_ERR_UNDERFLOW, -EINVAL, AX_OP_SETV, 0, 0, END);
    g_assert_cmpint(fk.tsv[0], ==, 12);
    env.tsv = NULL;
    env.ntsv = 0;
    FAIL(AX_ERR_TSV, -ENOENT, AX_OP_GETV, 0, 0, END);
}

static void test_stack_ops(void)
{
    fake_reset();
    g_assert_cmphex(OK(C8(4), AX_OP_DUP, AX_OP_MUL, END), ==, 16);
    g_assert_cmphex(OK(C8(4), C8(9), AX_OP_POP, END), ==, 4);
    g_assert_cmphex(OK(C8(1), C8(2), AX_OP_SWAP, END), ==, 1);
    g_assert_cmphex(OK(C8(1), C8(2), AX_OP_SWAP, AX_OP_POP, END), ==, 2);
    g_assert_cmphex(OK(C8(10), C8(3), AX_OP_SWAP, AX_OP_SUB, END), ==, (uint64_t)-7);
    /* pick 0 = dup; pick 2 copies the third from the top */
    g_assert_cmphex(OK(C8(7), AX_OP_PICK, 0, AX_OP_ADD, END), ==, 14);
    g_assert_cmphex(OK(C8(1), C8(2), C8(3), AX_OP_PICK, 2, END), ==, 1);
    g_assert_cmphex(OK(C8(1), C8(2), C8(3), AX_OP_PICK, 1, END), ==, 2);
    FAIL(AX_ERR_UNDERFLOW, -EINVAL, C8(1), C8(2), AX_OP_PICK, 2, END);
    /* rot: a b c => c a b: with 1 2 3 the stack becomes 3 1 2 (2 on top) */
    g_assert_cmphex(OK(C8(1), C8(2), C8(3), AX_OP_ROT, END), ==, 2);
    g_assert_cmphex(OK(C8(1), C8(2), C8(3), AX_OP_ROT, AX_OP_POP, END), ==, 1);
    g_assert_cmphex(OK(C8(1), C8(2), C8(3), AX_OP_ROT, AX_OP_POP, AX_OP_POP, END), ==, 3);
    /* three rots are the identity */
    g_assert_cmphex(OK(C8(1), C8(2), C8(3), AX_OP_ROT, AX_OP_ROT, AX_OP_ROT, END), ==, 3);
    FAIL(AX_ERR_UNDERFLOW, -EINVAL, C8(1), C8(2), AX_OP_ROT, END);
}

static void test_trace_ops(void)
{
    fake_reset();
    /* trace: addr size => ; trace_quick/trace16: addr => addr; tracev: no stack effect;
     * tracenz: addr size => */
    g_assert_cmphex(OK(C8(9), C8(1), C8(2), AX_OP_TRACE, END), ==, 9);
    g_assert_cmphex(OK(C8(9), AX_OP_TRACE_QUICK, 4, END), ==, 9);
    g_assert_cmphex(OK(C8(9), AX_OP_TRACE16, 0x01, 0x00, END), ==, 9);
    g_assert_cmphex(OK(C8(9), AX_OP_TRACEV, 0, 0, END), ==, 9);
    g_assert_cmphex(OK(C8(9), C8(1), C8(2), AX_OP_TRACENZ, END), ==, 9);
    FAIL(AX_ERR_UNDERFLOW, -EINVAL, C8(1), AX_OP_TRACE, END);
    FAIL(AX_ERR_UNDERFLOW, -EINVAL, AX_OP_TRACE_QUICK, 4, END);
    FAIL(AX_ERR_UNDERFLOW, -EINVAL, C8(1), AX_OP_TRACENZ, END);
    /* tracing touches no memory */
    g_assert_cmpuint(fk.reads, ==, 0);
}

static void test_printf(void)
{
    fake_reset();
    /* 42 "x=%d\n" with function 0, channel 0: checked and skipped, pops 3 */
    g_assert_cmphex(OK(C8(7), C8(42), C8(0), C8(0), AX_OP_PRINTF, 1, 0, 6, 'x', '=', '%', 'd',
                       '\n', 0, END),
                    ==, 7);
    /* format not NUL-terminated */
    FAIL(AX_ERR_BAD_OPERAND, -EINVAL, C8(7), C8(0), C8(0), AX_OP_PRINTF, 0, 0, 2, 'a', 'b',
         END);
    /* empty format */
    FAIL(AX_ERR_BAD_OPERAND, -EINVAL, C8(0), C8(0), AX_OP_PRINTF, 0, 0, 0, END);
    /* format past the end */
    FAIL(AX_ERR_TRUNCATED, -EINVAL, C8(0), C8(0), AX_OP_PRINTF, 0, 0, 9, 'a', 0);
    /* two arguments declared, one given */
    FAIL(AX_ERR_UNDERFLOW, -EINVAL, C8(42), C8(0), C8(0), AX_OP_PRINTF, 2, 0, 1, 0, END);
}

static void test_goto(void)
{
    fake_reset();
    /* if x (1) then 0x11 else 0x22 */
    static const uint8_t sel[] = {
        C8(1), AX_OP_IF_GOTO, 0, 8, /* 0..4 */
        C8(0x22), AX_OP_END,        /* 5..7 */
        C8(0x11), AX_OP_END,        /* 8..10 */
    };
    g_assert_cmphex(ok_len(sel, sizeof(sel)), ==, 0x11);
    uint8_t sel0[sizeof(sel)];
    memcpy(sel0, sel, sizeof(sel));
    sel0[1] = 0;
    g_assert_cmphex(ok_len(sel0, sizeof(sel0)), ==, 0x22);
    /* if_goto pops its condition */
    g_assert_cmphex(OK(C8(5), C8(0), AX_OP_IF_GOTO, 0, 0, END), ==, 5);

    /* count down from 10 to 0 using tsv 2 as the counter: 10 iterations */
    static const uint8_t loop[] = {
        C8(10), AX_OP_SETV, 0, 2, AX_OP_POP,                    /* 0..5 */
        AX_OP_GETV, 0, 2, C8(1), AX_OP_SUB, AX_OP_SETV, 0, 2,   /* 6..14: v2 = v2 - 1 */
        AX_OP_IF_GOTO, 0, 6,                                    /* 15..17: loop while != 0 */
        AX_OP_GETV, 0, 0, AX_OP_END,                            /* 18..21 */
    };
    g_assert_cmphex(ok_len(loop, sizeof(loop)), ==, 10);
    g_assert_cmpint(fk.tsv[2], ==, 0);
    struct ax_result r;
    g_assert_cmpint(ax_eval(loop, sizeof(loop), &env, &r), ==, 0);
    /* 3 before the loop, 5 per iteration times 10, 2 after */
    g_assert_cmpuint(r.insns, ==, 3 + 5 * 10 + 2);

    /* goto to itself: the instruction limit */
    r = FAIL(AX_ERR_INSN_LIMIT, -ELOOP, AX_OP_GOTO, 0, 0);
    g_assert_cmpuint(r.insns, ==, AX_INSN_MAX);
    /* an if_goto loop that never ends: 3 bytecodes per iteration */
    r = FAIL(AX_ERR_INSN_LIMIT, -ELOOP, C8(1), AX_OP_DUP, AX_OP_IF_GOTO, 0, 2);
    g_assert_cmpuint(r.insns, ==, AX_INSN_MAX);
    /* and one whose stack grows: overflow comes first */
    r = FAIL(AX_ERR_OVERFLOW, -E2BIG, C8(1), AX_OP_DUP, AX_OP_GOTO, 0, 2);
    g_assert_cmpuint(r.pc, ==, 2);

    /* targets outside the code */
    r = FAIL(AX_ERR_JUMP, -ERANGE, AX_OP_GOTO, 0, 4, END);
    g_assert_cmpuint(r.addr, ==, 4);
    g_assert_cmpuint(r.pc, ==, 0);
    r = FAIL(AX_ERR_JUMP, -ERANGE, C8(1), AX_OP_IF_GOTO, 0xff, 0xff, END);
    g_assert_cmpuint(r.addr, ==, 0xffff);
    /* not taken: the bad target does not matter */
    g_assert_cmphex(OK(C8(3), C8(0), AX_OP_IF_GOTO, 0xff, 0xff, END), ==, 3);
    /* last byte as a target is fine */
    g_assert_cmphex(OK(C8(3), AX_OP_GOTO, 0, 6, AX_OP_POP, AX_OP_END), ==, 3);
}

static void test_stack_bounds(void)
{
    uint8_t code[2 * AX_STACK_MAX + 3];
    size_t n = 0;

    fake_reset();
    for (unsigned i = 0; i < AX_STACK_MAX; i++) {
        code[n++] = AX_OP_CONST8;
        code[n++] = (uint8_t)i;
    }
    code[n++] = AX_OP_END;
    g_assert_cmphex(ok_len(code, n), ==, (AX_STACK_MAX - 1) & 0xff);
    /* one more push overflows */
    code[n - 1] = AX_OP_DUP;
    code[n++] = AX_OP_END;
    struct ax_result r = fail_len(code, n, AX_ERR_OVERFLOW, -E2BIG);
    g_assert_cmpuint(r.pc, ==, 2 * AX_STACK_MAX);

    /* underflow of every popping opcode on an empty stack */
    static const uint8_t pop1[] = { AX_OP_ADD, AX_OP_SUB, AX_OP_MUL, AX_OP_DIV_SIGNED,
                                    AX_OP_LSH, AX_OP_BIT_AND, AX_OP_EQUAL, AX_OP_LESS_UNSIGNED,
                                    AX_OP_LOG_NOT, AX_OP_BIT_NOT, AX_OP_REF8, AX_OP_REF64,
                                    AX_OP_DUP, AX_OP_POP, AX_OP_SWAP, AX_OP_END };
    for (unsigned i = 0; i < G_N_ELEMENTS(pop1); i++) {
        uint8_t c[] = { pop1[i], AX_OP_END };
        fail_len(c, sizeof(c), AX_ERR_UNDERFLOW, -EINVAL);
    }
    /* binary ops with one value */
    FAIL(AX_ERR_UNDERFLOW, -EINVAL, C8(1), AX_OP_ADD, END);
    FAIL(AX_ERR_UNDERFLOW, -EINVAL, C8(1), AX_OP_SWAP, END);
    FAIL(AX_ERR_UNDERFLOW, -EINVAL, AX_OP_EXT, 8, END);
    FAIL(AX_ERR_UNDERFLOW, -EINVAL, AX_OP_IF_GOTO, 0, 0, END);
}

static void test_bad_code(void)
{
    fake_reset();
    /* floating point */
    static const uint8_t fl[] = { AX_OP_FLOAT, AX_OP_REF_FLOAT, AX_OP_REF_DOUBLE,
                                  AX_OP_REF_LONG_DOUBLE, AX_OP_L_TO_D, AX_OP_D_TO_L };
    for (unsigned i = 0; i < G_N_ELEMENTS(fl); i++) {
        uint8_t c[] = { C8(0x10), fl[i], END };
        struct ax_result r = fail_len(c, sizeof(c), AX_ERR_FLOAT, -EOPNOTSUPP);
        g_assert_cmpuint(r.pc, ==, 2);
        g_assert_cmphex(r.op, ==, fl[i]);
    }
    /* not opcodes: 0x00, the placeholder 0x31, 0x35 and up */
    static const uint8_t bad[] = { 0x00, 0x31, 0x35, 0x80, 0xff };
    for (unsigned i = 0; i < G_N_ELEMENTS(bad); i++) {
        uint8_t c[] = { C8(1), bad[i], END };
        struct ax_result r = fail_len(c, sizeof(c), AX_ERR_BAD_OPCODE, -EINVAL);
        g_assert_cmpuint(r.pc, ==, 2);
        g_assert_cmphex(r.op, ==, bad[i]);
    }
    /* every operand cut short */
    FAIL(AX_ERR_TRUNCATED, -EINVAL, AX_OP_CONST8);
    FAIL(AX_ERR_TRUNCATED, -EINVAL, AX_OP_CONST16, 1);
    FAIL(AX_ERR_TRUNCATED, -EINVAL, AX_OP_CONST32, 1, 2, 3);
    FAIL(AX_ERR_TRUNCATED, -EINVAL, AX_OP_CONST64, 1, 2, 3, 4, 5, 6, 7);
    FAIL(AX_ERR_TRUNCATED, -EINVAL, AX_OP_REG, 0);
    FAIL(AX_ERR_TRUNCATED, -EINVAL, AX_OP_GOTO, 0);
    FAIL(AX_ERR_TRUNCATED, -EINVAL, C8(1), AX_OP_IF_GOTO, 0);
    FAIL(AX_ERR_TRUNCATED, -EINVAL, AX_OP_GETV, 0);
    FAIL(AX_ERR_TRUNCATED, -EINVAL, C8(1), AX_OP_SETV);
    FAIL(AX_ERR_TRUNCATED, -EINVAL, AX_OP_TRACEV, 0);
    FAIL(AX_ERR_TRUNCATED, -EINVAL, C8(1), AX_OP_TRACE16, 0);
    FAIL(AX_ERR_TRUNCATED, -EINVAL, C8(1), AX_OP_TRACE_QUICK);
    FAIL(AX_ERR_TRUNCATED, -EINVAL, C8(1), AX_OP_EXT);
    FAIL(AX_ERR_TRUNCATED, -EINVAL, C8(1), AX_OP_ZERO_EXT);
    FAIL(AX_ERR_TRUNCATED, -EINVAL, C8(1), AX_OP_PICK);
    FAIL(AX_ERR_TRUNCATED, -EINVAL, AX_OP_PRINTF, 0, 0);
    /* no end */
    struct ax_result r = FAIL(AX_ERR_NO_END, -EINVAL, C8(1), C8(2), AX_OP_ADD);
    g_assert_cmpuint(r.pc, ==, 5);
    g_assert_cmpuint(r.insns, ==, 3);
    r = fail_len(NULL, 0, AX_ERR_NO_END, -EINVAL);
    g_assert_cmpuint(r.pc, ==, 0);
    /* the error text */
    char msg[128];
    r = FAIL(AX_ERR_DIV_ZERO, -EDOM, C8(1), C8(0), AX_OP_DIV_UNSIGNED, END);
    ax_result_format(&r, msg, sizeof(msg));
    g_assert_cmpstr(msg, ==, "division by zero (pc 4, op 0x06)");
    ax_result_format(&r, msg, 10);
    g_assert_cmpstr(msg, ==, "division ");
    g_assert_cmpstr(ax_error_str(AX_ERR_INSN_LIMIT), ==, "too many instructions");
}

/* ---- the condition parser ---- */

static int parse(const char *s, uint8_t *code, size_t cap, size_t *len, const char **end)
{
    return ax_parse_cond(s, strlen(s), code, cap, len, end);
}

static void test_parse_ok(void)
{
    uint8_t code[16];
    size_t len = 99;
    const char *end = NULL;
    /* what gdb sends for "cond 1": const8 1, end */
    const char *s = "X3,220127";

    g_assert_cmpint(parse(s, code, sizeof(code), &len, &end), ==, 0);
    g_assert_cmpuint(len, ==, 3);
    g_assert_cmphex(code[0], ==, 0x22);
    g_assert_cmphex(code[1], ==, 0x01);
    g_assert_cmphex(code[2], ==, 0x27);
    g_assert_true(end == s + strlen(s));
    fake_reset();
    g_assert_cmphex(ok_len(code, len), ==, 1);

    /* leading ';', a following condition, upper-case hex and a multi-digit length */
    s = ";X0B,2300FF2400000101162027;X3,220027";
    g_assert_cmpint(parse(s, code, sizeof(code), &len, &end), ==, 0);
    g_assert_cmpuint(len, ==, 11);
    g_assert_cmpstr(end, ==, ";X3,220027");
    g_assert_cmphex(code[2], ==, 0xff);
    g_assert_cmphex(ok_len(code, len), ==, 0x101); /* const16 0xff, const32 0x101, ext 32 */
    g_assert_cmpint(parse(end, code, sizeof(code), &len, &end), ==, 0);
    g_assert_cmpuint(len, ==, 3);
    g_assert_cmpstr(end, ==, "");
    g_assert_cmpint(parse("X2,ABcd", code, sizeof(code), &len, NULL), ==, 0);
    g_assert_cmphex(code[0], ==, 0xab);
    g_assert_cmphex(code[1], ==, 0xcd);
    /* followed by the commands part of a Z packet */
    s = "X1,27;cmds:0,X1,27";
    g_assert_cmpint(parse(s, code, sizeof(code), &len, &end), ==, 0);
    g_assert_true(end == s + 5);
    /* exactly cap bytes, and n limits the input (not the NUL) */
    g_assert_cmpint(parse("X2,2727", code, 2, &len, NULL), ==, 0);
    g_assert_cmpint(ax_parse_cond("X1,27ff", 5, code, sizeof(code), &len, &end), ==, 0);
    g_assert_cmpuint(len, ==, 1);
}

static void test_parse_bad(void)
{
    uint8_t code[16];
    size_t len = 99;
    const char *end = NULL;
    static const char *const bad[] = {
        "",          ";",          "Y3,220127",  "x3,220127", "X,220127",  "X3220127",
        "X3,2201",   "X3,22012",   "X3,2201277", "X3,22012727", "X3,22g127", "X0,",
        "X3,22 127", "Xg,22",      "X3;220127",  "X2,220127",  "X1,2",       "X-1,22",
        "X3,220127X", "X3,220127,",
        "X1111111111111111111,22", /* length overflows */
        "Xffffffffffffffff,22",
    };

    for (unsigned i = 0; i < G_N_ELEMENTS(bad); i++) {
        if (parse(bad[i], code, sizeof(code), &len, &end) != -EINVAL)
            g_error("\"%s\" accepted or wrong error", bad[i]);
        g_assert_cmpuint(len, ==, 99);
        g_assert_null(end);
    }
    /* longer than the buffer */
    g_assert_cmpint(parse("X3,220127", code, 2, &len, &end), ==, -ENOSPC);
    /* n cuts the hex short */
    g_assert_cmpint(ax_parse_cond("X3,220127", 8, code, sizeof(code), &len, &end), ==, -EINVAL);
    g_assert_cmpint(ax_parse_cond("X3,220127", 0, code, sizeof(code), &len, &end), ==, -EINVAL);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/agent_expr/consts", test_consts);
    g_test_add_func("/agent_expr/arith", test_arith);
    g_test_add_func("/agent_expr/div-rem", test_div_rem);
    g_test_add_func("/agent_expr/shifts", test_shifts);
    g_test_add_func("/agent_expr/logic-compare", test_logic_compare);
    g_test_add_func("/agent_expr/ext", test_ext);
    g_test_add_func("/agent_expr/ref", test_ref);
    g_test_add_func("/agent_expr/mem-read-limit", test_mem_read_limit);
    g_test_add_func("/agent_expr/reg", test_reg);
    g_test_add_func("/agent_expr/tsv", test_tsv);
    g_test_add_func("/agent_expr/stack-ops", test_stack_ops);
    g_test_add_func("/agent_expr/trace-ops", test_trace_ops);
    g_test_add_func("/agent_expr/printf", test_printf);
    g_test_add_func("/agent_expr/goto", test_goto);
    g_test_add_func("/agent_expr/stack-bounds", test_stack_bounds);
    g_test_add_func("/agent_expr/bad-code", test_bad_code);
    g_test_add_func("/agent_expr/parse-ok", test_parse_ok);
    g_test_add_func("/agent_expr/parse-bad", test_parse_bad);
    return g_test_run();
}
