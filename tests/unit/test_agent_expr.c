/* test_agent_expr.c - gdb agent-expression bytecode: every opcode against values worked out by
 * hand, the bounds (stack, instruction count, memory reads, operands past the end, jumps), the
 * printf bytecode's text per conversion, the "X<len>,<hex>" condition and "cmds:" parsers, and
 * the bytecodes gdb 13.1 really sends (captured with tests/unit/ax_capture) */
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
    /* conditions back to back, as gdb sends two at one address: the next 'X' ends the first */
    s = "X1,27X2,2227";
    g_assert_cmpint(parse(s, code, sizeof(code), &len, &end), ==, 0);
    g_assert_cmpuint(len, ==, 1);
    g_assert_cmpstr(end, ==, "X2,2227");
    g_assert_cmpint(parse(end, code, sizeof(code), &len, &end), ==, 0);
    g_assert_cmpuint(len, ==, 2);
    g_assert_cmpstr(end, ==, "");
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
        "X3,220127,", "X3,220127Y",
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

/* ---- printf: the text per conversion ---- */

static char printed[2 * AX_PRINTF_MAX];
static unsigned nprints;

static void fake_print(void *opaque, const char *text)
{
    (void)opaque;
    nprints++;
    g_assert_cmpuint(strlen(text), <, AX_PRINTF_MAX);
    g_strlcat(printed, text, sizeof(printed));
}

/* printf's bytecode as gdb emits it (the arguments pushed last first, function 0, channel 0,
 * printf nargs len format, end) run as a command (ax_exec) */
static int run_printf(const char *fmt, const uint64_t *args, unsigned nargs,
                      struct ax_result *r)
{
    static uint8_t code[8192];
    size_t n = 0, flen = strlen(fmt) + 1;

    g_assert_cmpuint(flen + 9 * nargs + 16, <, sizeof(code));
    for (unsigned i = nargs; i-- > 0;) {
        code[n++] = AX_OP_CONST64;
        for (int b = 56; b >= 0; b -= 8)
            code[n++] = (uint8_t)(args[i] >> b);
    }
    code[n++] = AX_OP_CONST8;
    code[n++] = 0;
    code[n++] = AX_OP_CONST8;
    code[n++] = 0;
    code[n++] = AX_OP_PRINTF;
    code[n++] = (uint8_t)nargs;
    code[n++] = (uint8_t)(flen >> 8);
    code[n++] = (uint8_t)flen;
    memcpy(code + n, fmt, flen);
    n += flen;
    code[n++] = AX_OP_END;
    printed[0] = 0;
    nprints = 0;
    env.print = fake_print;
    return ax_exec(code, n, &env, r);
}

static const char *pf_args(const char *fmt, const uint64_t *args, unsigned nargs)
{
    struct ax_result r;

    if (run_printf(fmt, args, nargs, &r) != 0) {
        char msg[128];
        ax_result_format(&r, msg, sizeof(msg));
        g_error("printf \"%s\" failed: %s", fmt, msg);
    }
    g_assert_cmpuint(nprints, ==, 1);
    return printed;
}
#define ARGS(...) (const uint64_t[]){ __VA_ARGS__ }
#define NARGS(...) (unsigned)(sizeof(ARGS(__VA_ARGS__)) / sizeof(uint64_t))
#define PF(fmt, ...) pf_args(fmt, ARGS(__VA_ARGS__), NARGS(__VA_ARGS__))
#define PF0(fmt) pf_args(fmt, NULL, 0)

/* expect error e (errno rc) with r.addr addr, and nothing printed */
static void pf_fail_args(const char *fmt, const uint64_t *args, unsigned nargs, enum ax_error e,
                         int rc, uint64_t addr)
{
    struct ax_result r;

    if (run_printf(fmt, args, nargs, &r) != rc || r.error != e || r.addr != addr)
        g_error("printf \"%s\": error %d (%s) addr 0x%llx, expected %d addr 0x%llx", fmt,
                r.error, ax_error_str(r.error), (unsigned long long)r.addr, e,
                (unsigned long long)addr);
    g_assert_cmphex(r.op, ==, AX_OP_PRINTF);
    g_assert_cmpuint(nprints, ==, 0);
}
#define PF_FAIL(fmt, e, rc, addr, ...)                                                             \
    pf_fail_args(fmt, ARGS(__VA_ARGS__), NARGS(__VA_ARGS__), e, rc, addr)
#define PF0_FAIL(fmt, e, rc, addr) pf_fail_args(fmt, NULL, 0, e, rc, addr)

static void test_printf_int(void)
{
    fake_reset();
    g_assert_cmpstr(PF0("plain text\n"), ==, "plain text\n");
    g_assert_cmpstr(PF("%d", (uint64_t)-5), ==, "-5");
    g_assert_cmpstr(PF("%i", 0x100000005ull), ==, "5"); /* int: the low 32 bits */
    g_assert_cmpstr(PF("%u", (uint64_t)-1), ==, "4294967295");
    g_assert_cmpstr(PF("%x", 0xdeadbeefcafeull), ==, "beefcafe");
    g_assert_cmpstr(PF("%#X", 255), ==, "0XFF");
    g_assert_cmpstr(PF("%o %#o", 8, 8), ==, "10 010");
    g_assert_cmpstr(PF("%hd", 65533), ==, "-3"); /* h: as short */
    g_assert_cmpstr(PF("%hu", 0x12345), ==, "9029"); /* 0x2345 */
    g_assert_cmpstr(PF("%5d|%-5d|%05d", 42, 42, 42), ==, "   42|42   |00042");
    g_assert_cmpstr(PF("%+d % d %+d", 7, 7, (uint64_t)-7), ==, "+7  7 -7");
    g_assert_cmpstr(PF("%.3d|%6.3x", 7, 0xab), ==, "007|   0ab");
    g_assert_cmpstr(PF("%%d %d%%", 1), ==, "%d 1%");
}

static void test_printf_long(void)
{
    fake_reset();
    g_assert_cmpstr(PF("%lx", 0xdeadbeefcafeull), ==, "deadbeefcafe");
    g_assert_cmpstr(PF("%ld", 0x8000000000000000ull), ==, "-9223372036854775808");
    g_assert_cmpstr(PF("%lld", (uint64_t)-7), ==, "-7");
    g_assert_cmpstr(PF("%llu", UINT64_MAX), ==, "18446744073709551615");
    g_assert_cmpstr(PF("%zu %zx", 1ull << 40, 1ull << 40), ==, "1099511627776 10000000000");
    g_assert_cmpstr(PF("%#018lx", 0x1234), ==, "0x0000000000001234");
}

static void test_printf_char_ptr(void)
{
    fake_reset();
    g_assert_cmpstr(PF("%c", 'A'), ==, "A");
    g_assert_cmpstr(PF("%c", 0x141), ==, "A"); /* an int printed as unsigned char */
    g_assert_cmpstr(PF("%3c|%-3c|", 'B', 'B'), ==, "  B|B  |");
    g_assert_cmpstr(PF("a%cb", 0), ==, "ab"); /* the NUL is dropped */
    g_assert_cmpstr(PF("%p", 0x1000), ==, "0x1000");
    g_assert_cmpstr(PF("%p", 0xffff800012345678ull), ==, "0xffff800012345678");
    g_assert_cmpstr(PF("%p", 0), ==, "(nil)");
    g_assert_cmpstr(PF("%10p|%-10p|", 0x1000, 0), ==, "    0x1000|(nil)     |");
}

/* the fake memory without its last 3 bytes */
static int short_read_mem(void *opaque, uint64_t va, void *buf, unsigned len)
{
    if (va + len > MEM_BASE + MEM_SIZE - 3)
        return -EFAULT;
    return fake_read_mem(opaque, va, buf, len);
}

static void test_printf_string(void)
{
    struct ax_result r;

    fake_reset();
    memcpy(fk.mem, "hello", 6);
    memcpy(fk.mem + 60, "abc", 4); /* the last 4 bytes of the fake memory */
    g_assert_cmpstr(PF("%s", MEM_BASE), ==, "hello");
    g_assert_cmpstr(PF("[%.3s|%8s|%-8s]", MEM_BASE, MEM_BASE, MEM_BASE), ==,
                    "[hel|   hello|hello   ]");
    g_assert_cmpstr(PF("%s|%.3s|%8s", 0, 0, 0), ==, "(null)|(nu|  (null)");
    g_assert_cmpstr(PF("%s", MEM_BASE + 2), ==, "llo");
    /* one read up to the 64-byte boundary: nothing past the string's NUL is touched */
    fk.reads = 0;
    g_assert_cmpstr(PF("%s", MEM_BASE + 60), ==, "abc");
    g_assert_cmpuint(fk.reads, ==, 1);
    /* an empty string */
    fk.mem[10] = 0;
    g_assert_cmpstr(PF("<%s>", MEM_BASE + 10), ==, "<>");
    /* unreadable: the string's address, or where it runs out of memory */
    PF_FAIL("%s", AX_ERR_MEM, -EFAULT, 0x5000, 0x5000);
    memset(fk.mem, 'x', MEM_SIZE);
    PF_FAIL("%s", AX_ERR_MEM, -EFAULT, MEM_BASE + MEM_SIZE, MEM_BASE + 8);
    g_assert_cmpuint(run_printf("%s", ARGS(MEM_BASE), 1, &r), ==, -EFAULT);
    /* 0x1000..0x103f, then 0x1040..0x107f, then 0x1040 alone */
    g_assert_cmpuint(r.mem_reads, ==, 3);
    /* memory that ends inside a 64-byte piece: read byte by byte up to the NUL */
    memcpy(fk.mem + 56, "tail", 5); /* 0x1038..0x103c; the piece is 0x1038..0x103f */
    env.read_mem = short_read_mem;
    g_assert_cmpstr(PF("%s", MEM_BASE + 56), ==, "tail");
    memcpy(fk.mem + 56, "tailtail", 8); /* now the first unreadable byte is 0x103d */
    PF_FAIL("%s", AX_ERR_MEM, -EFAULT, MEM_BASE + 61, MEM_BASE + 56);
    /* no read_mem */
    fake_reset();
    env.read_mem = NULL;
    PF_FAIL("%s", AX_ERR_MEM, -EFAULT, MEM_BASE, MEM_BASE);
    g_assert_cmpstr(PF("%s", 0), ==, "(null)");
}

/* every address above 0x100000 reads as 'x': a string without end */
static int endless_read_mem(void *opaque, uint64_t va, void *buf, unsigned len)
{
    (void)opaque;
    if (va < 0x100000)
        return -EFAULT;
    memset(buf, 'x', len);
    return 0;
}

static void test_printf_bounds(void)
{
    const size_t tl = strlen(AX_PRINTF_TRUNCATED);
    struct ax_result r;
    const char *t;
    char want[AX_PRINTF_MAX];
    uint64_t addr = 0;
    unsigned reads;

    fake_reset();
    /* 1023 bytes fit exactly */
    t = PF("%1023d", 7);
    g_assert_cmpuint(strlen(t), ==, AX_PRINTF_MAX - 1);
    g_assert_cmpint(t[AX_PRINTF_MAX - 2], ==, '7');
    g_assert_cmpint(t[0], ==, ' ');
    /* one more is cut: 1023 bytes ending in the marker */
    t = PF("%1023d\n", 7);
    g_assert_cmpuint(strlen(t), ==, AX_PRINTF_MAX - 1);
    g_assert_cmpstr(t + AX_PRINTF_MAX - 1 - tl, ==, AX_PRINTF_TRUNCATED);
    g_assert_cmpint(t[AX_PRINTF_MAX - 2 - tl], ==, ' ');
    /* "%1000d%1000d": 999 spaces, "1", then spaces up to the marker */
    t = PF("%1000d%1000d", 1, 2);
    memset(want, ' ', sizeof(want));
    want[999] = '1';
    memcpy(want + AX_PRINTF_MAX - 1 - tl, AX_PRINTF_TRUNCATED, tl + 1);
    g_assert_cmpstr(t, ==, want);
    /* width and precision up to AX_PRINTF_MAX */
    g_assert_cmpuint(strlen(PF("%1024d", 7)), ==, AX_PRINTF_MAX - 1);
    g_assert_cmpuint(strlen(PF("%.1024d", 7)), ==, AX_PRINTF_MAX - 1);
    PF_FAIL("ab%1025d", AX_ERR_BAD_OPERAND, -EINVAL, 2, 7);
    PF_FAIL("%.99999999999d", AX_ERR_BAD_OPERAND, -EINVAL, 0, 7);
    /* a string without end: AX_PRINTF_MAX - 1 bytes of it, cut */
    env.read_mem = endless_read_mem;
    g_assert_cmpint(run_printf("%s", ARGS(0x100000), 1, &r), ==, 0);
    g_assert_cmpuint(strlen(printed), ==, AX_PRINTF_MAX - 1);
    g_assert_cmpstr(printed + AX_PRINTF_MAX - 1 - tl, ==, AX_PRINTF_TRUNCATED);
    g_assert_cmpint(printed[0], ==, 'x');
    g_assert_cmpuint(r.mem_reads, ==, 16); /* 1023 bytes in 64-byte reads */
    /* ... unless a precision prints less of it */
    g_assert_cmpstr(PF("%.4s!", 0x100000), ==, "xxxx!");
    /* the string reads count against AX_MEM_READS_MAX */
    reads = AX_MEM_READS_MAX - 1;
    g_assert_cmpint(ax_printf_format("%s", ARGS(0x100000), 1, &env, &reads, want, &addr), ==,
                    AX_ERR_MEM_LIMIT);
    g_assert_cmphex(addr, ==, 0x100040);
    g_assert_cmpstr(want, ==, "");
    reads = 0;
    g_assert_cmpint(ax_printf_format("%d-%s", ARGS(4, 0), 2, &env, &reads, want, &addr), ==,
                    AX_OK);
    g_assert_cmpstr(want, ==, "4-(null)");
    g_assert_cmpuint(reads, ==, 0);
}

static void test_printf_escapes(void)
{
    fake_reset();
    /* gdb sends the format as typed: its escapes are decoded here */
    g_assert_cmpstr(PF0("a\\tb\\n"), ==, "a\tb\n");
    g_assert_cmpstr(PF0("\\\\ \\\" \\a\\b\\e\\f\\r\\v"), ==, "\\ \" \a\b\x1b\f\r\v");
    g_assert_cmpstr(PF0("ab\"cd"), ==, "ab"); /* an unescaped '"' ends the format */
    g_assert_cmpstr(PF("%d\"%d", 1), ==, "1");
    PF0_FAIL("ab\\q", AX_ERR_BAD_OPERAND, -EINVAL, 2);
    PF0_FAIL("ab\\", AX_ERR_BAD_OPERAND, -EINVAL, 2);
    PF_FAIL("%\\n", AX_ERR_BAD_OPERAND, -EINVAL, 0, 1);
}

static void test_printf_errors(void)
{
    static const char *const bad[] = {
        "%n", "%*d", "%", "x%", "%hhd", "%ls", "%lc", "%#u", "%+x", "% o", "%05s", "%.3c",
        "%.3p", "%#p", "%lp", "%y", "%5%", "%Ld", "%Hd", "%lf", "%hf", "%zs", "%-",
    };
    struct ax_result r;

    fake_reset();
    for (unsigned i = 0; i < G_N_ELEMENTS(bad); i++) {
        if (run_printf(bad[i], ARGS(1), 1, &r) != -EINVAL || r.error != AX_ERR_BAD_OPERAND)
            g_error("\"%s\": error %s, expected invalid operand", bad[i], ax_error_str(r.error));
        g_assert_cmpuint(nprints, ==, 0);
    }
    /* floating point, decimal float included */
    PF_FAIL("%f", AX_ERR_FLOAT, -EOPNOTSUPP, 0, 1);
    PF_FAIL("x=%g", AX_ERR_FLOAT, -EOPNOTSUPP, 2, 1);
    PF_FAIL("%d %Le", AX_ERR_FLOAT, -EOPNOTSUPP, 3, 1, 2);
    PF_FAIL("%DDf", AX_ERR_FLOAT, -EOPNOTSUPP, 0, 1);
    PF_FAIL("%Hf", AX_ERR_FLOAT, -EOPNOTSUPP, 0, 1);
    /* the number of arguments must match the conversions */
    PF_FAIL("%d %d", AX_ERR_BAD_OPERAND, -EINVAL, 3, 1);
    PF_FAIL("%d\\n", AX_ERR_BAD_OPERAND, -EINVAL, 4, 1, 2);
    PF0_FAIL("%d", AX_ERR_BAD_OPERAND, -EINVAL, 0);
    /* an error after some text prints nothing at all */
    PF_FAIL("text %s", AX_ERR_MEM, -EFAULT, 8, 8);
    /* without env->print nothing is formatted: a bad format is not looked at */
    fake_reset();
    g_assert_cmphex(OK(C8(7), C8(1), C8(0), C8(0), AX_OP_PRINTF, 1, 0, 3, '%', 'f', 0, END), ==,
                    7);
}

/* ax_exec: a command may end on an empty stack; a condition (ax_eval) may not */
static void test_exec(void)
{
    static const uint8_t code[] = { C8(0), C8(0), AX_OP_PRINTF, 0, 0, 4, 'h', 'i', '\n', 0, END };
    struct ax_result r;

    fake_reset();
    env.print = fake_print;
    printed[0] = 0;
    nprints = 0;
    g_assert_cmpint(ax_eval(code, sizeof(code), &env, &r), ==, -EINVAL);
    g_assert_cmpint(r.error, ==, AX_ERR_UNDERFLOW);
    g_assert_cmpuint(r.pc, ==, sizeof(code) - 1);
    g_assert_cmpint(ax_exec(code, sizeof(code), &env, &r), ==, 0);
    g_assert_cmphex(r.value, ==, 0);
    g_assert_cmpuint(nprints, ==, 2); /* once per run: ax_eval printed before failing at end */
    g_assert_cmpstr(printed, ==, "hi\nhi\n");
    /* a value left on the stack is the result, as in ax_eval */
    g_assert_cmpint(ax_exec(CODE(C8(3), END), 2 + 1, &env, &r), ==, 0);
    g_assert_cmphex(r.value, ==, 3);
    /* the other errors stay errors */
    g_assert_cmpint(ax_exec(CODE(AX_OP_POP, END), 2, &env, &r), ==, -EINVAL);
    g_assert_cmpint(r.error, ==, AX_ERR_UNDERFLOW);
    g_assert_cmpint(ax_exec(CODE(C8(1)), 2, &env, &r), ==, -EINVAL);
    g_assert_cmpint(r.error, ==, AX_ERR_NO_END);
}

/* ---- the "cmds:" parser ---- */

static void test_parse_cmds(void)
{
    uint8_t code[16];
    struct ax_span cmds[4];
    unsigned count = 99;
    bool persist = false;
    const char *end = NULL, *s;

    s = "cmds:1,X3,220127";
    g_assert_cmpint(ax_parse_cmds(s, strlen(s), &persist, code, sizeof(code), cmds, 4, &count,
                                  &end), ==, 0);
    g_assert_true(persist);
    g_assert_cmpuint(count, ==, 1);
    g_assert_cmpuint(cmds[0].off, ==, 0);
    g_assert_cmpuint(cmds[0].len, ==, 3);
    g_assert_cmphex(code[2], ==, 0x27);
    g_assert_true(end == s + strlen(s));
    /* leading ';', persist 0, two commands back to back, a field after them */
    s = ";cmds:0,X1,27X2,2227;more";
    g_assert_cmpint(ax_parse_cmds(s, strlen(s), &persist, code, sizeof(code), cmds, 4, &count,
                                  &end), ==, 0);
    g_assert_false(persist);
    g_assert_cmpuint(count, ==, 2);
    g_assert_cmpuint(cmds[1].off, ==, 1);
    g_assert_cmpuint(cmds[1].len, ==, 2);
    g_assert_cmphex(code[1], ==, 0x22);
    g_assert_cmpstr(end, ==, ";more");
    /* bounds: cap and max */
    g_assert_cmpint(ax_parse_cmds(s, strlen(s), &persist, code, 2, cmds, 4, &count, &end), ==,
                    -ENOSPC);
    g_assert_cmpint(ax_parse_cmds(s, strlen(s), &persist, code, 3, cmds, 4, &count, &end), ==, 0);
    g_assert_cmpint(ax_parse_cmds(s, strlen(s), &persist, code, sizeof(code), cmds, 1, &count,
                                  &end), ==, -ENOSPC);
    /* a ';' ends the commands: what follows is another field */
    s = "cmds:1,X1,27;X1,27";
    g_assert_cmpint(ax_parse_cmds(s, strlen(s), &persist, code, sizeof(code), cmds, 4, &count,
                                  &end), ==, 0);
    g_assert_cmpuint(count, ==, 1);
    g_assert_cmpstr(end, ==, ";X1,27");

    static const char *const bad[] = {
        "", ";", "cmds:", "cmds:1", "cmds:1,", "cmds:2,X1,27", "cmds:11,X1,27", "cmds:1X1,27",
        "cmd:1,X1,27", "CMDS:1,X1,27", "cmds:1,;X1,27", "cmds:1,X2,27", "cmds:1,X1,27X", "cmds:1,X1,27X1,", "cmds:1,x1,27", "X1,27",
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(bad); i++) {
        int rc;
        count = 99;
        end = NULL;
        persist = true;
        rc = ax_parse_cmds(bad[i], strlen(bad[i]), &persist, code, sizeof(code), cmds, 4,
                           &count, &end);
        if (rc != -EINVAL)
            g_error("\"%s\" accepted or wrong error (%d)", bad[i], rc);
        g_assert_cmpuint(count, ==, 99);
        g_assert_null(end);
        g_assert_true(persist);
    }
    /* n cuts the input */
    s = "cmds:1,X3,220127";
    g_assert_cmpint(ax_parse_cmds(s, strlen(s) - 1, &persist, code, sizeof(code), cmds, 4,
                                  &count, &end), ==, -EINVAL);
    g_assert_cmpint(ax_parse_cmds(s, 6, &persist, code, sizeof(code), cmds, 4, &count, &end), ==,
                    -EINVAL);
}

/* ---- what gdb 13.1 sends ----
 * Captured by tests/unit/ax_capture/capture.sh: gdb-multiarch 13.1 against a fake remote stub
 * (qSupported: ConditionalBreakpoints+;BreakpointCommands+) on ax_capture/target.c (built with
 * aarch64-linux-gnu-gcc -static -g -O0), with `set breakpoint condition-evaluation target`,
 * `set dprintf-style agent` and `set breakpoint always-inserted on`: the Z0 packets' text after
 * "Z0,4006d4,4" (f's address).  The expected texts are worked out by hand from target.c's
 * initial values, laid out below at the addresses `nm` gave. */

#define IMG_BASE 0x490050u
#define IMG_SIZE 0x60u
static uint8_t img[IMG_SIZE];

static void img_put(uint64_t va, uint64_t v, unsigned size)
{
    for (unsigned i = 0; i < size; i++)
        img[va - IMG_BASE + i] = (uint8_t)(v >> (8 * i)); /* little-endian */
}

static int img_read_mem(void *opaque, uint64_t va, void *buf, unsigned len)
{
    (void)opaque;
    if (va < IMG_BASE || va - IMG_BASE > IMG_SIZE - len)
        return -EFAULT;
    memcpy(buf, img + (va - IMG_BASE), len);
    return 0;
}

static void img_reset(void)
{
    memset(img, 0, sizeof(img));
    img_put(0x490050, 5, 4);                        /* int counter = 5 */
    for (unsigned i = 0; i < 8; i++)                /* short x[8] = { 1, ..., 8 } */
        img_put(0x490058 + 2 * i, i + 1, 2);
    img_put(0x490068, 200, 1);                      /* unsigned char uc = 200 */
    img_put(0x490070, (uint64_t)-7, 8);             /* long long ll = -7 */
    img_put(0x490078, 3000000000u, 4);              /* unsigned ui = 3000000000 */
    memcpy(img + 0x30, "hello", 6);                 /* char name[] at 0x490080 */
    img_put(0x490086, 'A', 1);                      /* char ch = 'A' */
    img_put(0x490088, 0x123456789abcdef0ull, 8);    /* unsigned long big */
    img_put(0x490090, (uint16_t)-3, 2);             /* short sx = -3 */
    img_put(0x490098, UINT64_MAX, 8);               /* unsigned long long ull */
    img_put(0x4900a0, 0x490050, 8);                 /* void *ptr = &counter */
    img_put(0x4900a8, 0x490080, 8);                 /* const char *pname = name */
    env = (struct ax_env){ .read_mem = img_read_mem, .print = fake_print };
    printed[0] = 0;
    nprints = 0;
}

/* the conditions of one Z packet's text (";X..X.." up to the next ';'): 1 if any is true */
static uint64_t gdb_conds(const char *s, const char **end)
{
    uint8_t code[AX_CODE_MAX];
    size_t len;
    uint64_t any = 0;
    struct ax_result r;

    g_assert_true(*s == ';');
    do {
        g_assert_cmpint(ax_parse_cond(s, strlen(s), code, sizeof(code), &len, &s), ==, 0);
        g_assert_cmpint(ax_eval(code, len, &env, &r), ==, 0);
        any |= r.value != 0;
    } while (*s == 'X');
    *end = s;
    return any;
}

/* the commands (";cmds:...") run in order; returns how many */
static unsigned gdb_cmds(const char *s, bool want_persist)
{
    uint8_t code[AX_CODE_MAX];
    struct ax_span cmds[8];
    unsigned count = 0;
    bool persist;
    const char *end;
    struct ax_result r;

    g_assert_cmpint(ax_parse_cmds(s, strlen(s), &persist, code, sizeof(code), cmds, 8, &count,
                                  &end), ==, 0);
    g_assert_cmpstr(end, ==, "");
    g_assert_true(persist == want_persist);
    for (unsigned i = 0; i < count; i++) {
        int rc = ax_exec(code + cmds[i].off, cmds[i].len, &env, &r);
        if (rc) {
            char msg[128];
            ax_result_format(&r, msg, sizeof(msg));
            g_error("command %u: %s", i, msg);
        }
    }
    return count;
}

static void test_gdb_conditions(void)
{
    const char *end;

    img_reset();
    /* break f if counter == 5 */
    g_assert_cmpuint(gdb_conds(";Xc,240049005019162022051327", &end), ==, 1);
    /* break f if counter == 5 || x[3] > 2 (x[3] is 4) */
    g_assert_cmpuint(gdb_conds(";X2d,240049005019162022051320002a24004900582203220204022a401816"
                               "1022022b1420002a220021002c220127", &end), ==, 1);
    /* break f if uc > 100 && ll < -1 && ui > 5 && ch == 65 */
    static const char both[] =
        ";X66,24004900681722642b1420001021002824004900701a164022ff160814200023210028220121002a22"
        "0020003021004724004900781922052a202b152000422100472201210049220020004f2100632400490086"
        "1722411320005e2100632201210065220027";
    g_assert_cmpuint(gdb_conds(both, &end), ==, 1);
    img_put(0x490070, 0, 8); /* ll = 0: false */
    g_assert_cmpuint(gdb_conds(both, &end), ==, 0);
    img_reset();
    /* two breakpoints at f: "if counter == 5" and "if sx < 0", back to back */
    static const char two[] = ";Xc,240049005019162022051327Xc,240049009018161022001427";
    g_assert_cmpuint(gdb_conds(two, &end), ==, 1);
    g_assert_cmpstr(end, ==, "");
    img_put(0x490050, 6, 4);
    g_assert_cmpuint(gdb_conds(two, &end), ==, 1); /* sx < 0 still */
    img_put(0x490090, 3, 2);
    g_assert_cmpuint(gdb_conds(two, &end), ==, 0);
}

static void test_gdb_dprintf(void)
{
    const char *end;

    img_reset();
    /* dprintf f,"%d %s %c %lx %p %u%%\n",counter,pname,ch,big,ptr,counter */
    g_assert_cmpuint(gdb_cmds(";cmds:1,X48,240049005019162024004900a01a24004900881a2400490086172400"
                              "4900a81a24004900501916202200220034060017256420257320256320256c78"
                              "20257020257525255c6e0027", true), ==, 1);
    g_assert_cmpstr(printed, ==, "5 hello A 123456789abcdef0 0x490050 5%\n");

    /* dprintf f,"c=%d\n",counter then `condition 2 counter == 5`: both in one packet */
    static const char z[] = ";Xc,240049005019162022051327;cmds:1,X18,2400490050191620220022003401"
                            "0007633d25645c6e0027";
    img_reset();
    g_assert_cmpuint(gdb_conds(z, &end), ==, 1);
    g_assert_cmpuint(gdb_cmds(end, true), ==, 1);
    g_assert_cmpstr(printed, ==, "c=5\n");

    /* two dprintfs at f with `set disconnected-dprintf off`: dprintf f,"a%d\n",counter and
     * dprintf f,"b%hd %llu %lld %hu %x %o %#x %5d|%-5d|%05d %.3s %zu %%\n",sx,ull,ll,uc,ui,ui,
     * ui,counter,counter,counter,pname,big */
    img_reset();
    g_assert_cmpuint(
        gdb_cmds(";cmds:0,X17,240049005019162022002200340100066125645c6e0027X94,24004900881a240049"
                 "00a81a2400490050191620240049005019162024004900501916202400490078192400490078192400"
                 "4900781924004900681724004900701a164024004900981a240049009018161022002200340c0039"
                 "6225686420256c6c7520256c6c642025687520257820256f20252378202535647c252d35647c2530"
                 "356420252e337320257a752025255c6e0027", false), ==, 2);
    g_assert_cmpstr(printed, ==,
                    "a5\n"
                    "b-3 18446744073709551615 -7 200 b2d05e00 26264057000 0xb2d05e00     5|5    "
                    "|00005 hel 1311768467463790320 %\n");

    /* dprintf f,"%f\n",counter: gdb sends it, the agent refuses it */
    img_reset();
    {
        uint8_t code[64];
        struct ax_span cmds[1];
        unsigned count;
        bool persist;
        struct ax_result r;
        static const char s[] = "cmds:1,X16,2400490050191620220022003401000525665c6e0027";

        g_assert_cmpint(ax_parse_cmds(s, strlen(s), &persist, code, sizeof(code), cmds, 1,
                                      &count, NULL), ==, 0);
        g_assert_cmpint(ax_exec(code, cmds[0].len, &env, &r), ==, -EOPNOTSUPP);
        g_assert_cmpint(r.error, ==, AX_ERR_FLOAT);
        g_assert_cmpuint(r.pc, ==, 12);
        g_assert_cmpuint(nprints, ==, 0);
    }

    /* dprintf f,"hi\t\"q\"\\\n": the escapes as typed */
    img_reset();
    gdb_cmds(";cmds:1,X17,220022003400000e68695c745c22715c225c5c5c6e0027", true);
    g_assert_cmpstr(printed, ==, "hi\t\"q\"\\\n");

    /* dprintf f,"%p %c %s\n",ptr,ch+1,pname+1 */
    img_reset();
    gdb_cmds(";cmds:1,X30,24004900a81a2201022a40240049008617220102162024004900a01a22002200340300"
             "0b25702025632025735c6e0027", true);
    g_assert_cmpstr(printed, ==, "0x490050 B ello\n");
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
    g_test_add_func("/agent_expr/printf-int", test_printf_int);
    g_test_add_func("/agent_expr/printf-long", test_printf_long);
    g_test_add_func("/agent_expr/printf-char-ptr", test_printf_char_ptr);
    g_test_add_func("/agent_expr/printf-string", test_printf_string);
    g_test_add_func("/agent_expr/printf-bounds", test_printf_bounds);
    g_test_add_func("/agent_expr/printf-escapes", test_printf_escapes);
    g_test_add_func("/agent_expr/printf-errors", test_printf_errors);
    g_test_add_func("/agent_expr/exec", test_exec);
    g_test_add_func("/agent_expr/parse-cmds", test_parse_cmds);
    g_test_add_func("/agent_expr/gdb-conditions", test_gdb_conditions);
    g_test_add_func("/agent_expr/gdb-dprintf", test_gdb_dprintf);
    return g_test_run();
}
