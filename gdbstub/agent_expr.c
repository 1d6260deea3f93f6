/* agent_expr.c - gdb's agent-expression bytecode interpreter (breakpoint conditions) and the
 * parser for the hex form gdb sends conditions in.  Semantics follow gdb's manual, "Agent
 * Expressions": a stack of 64-bit values, operands big-endian in the bytecode, goto targets
 * absolute offsets into the code, the result the top of the stack at `end`. */
#include <brkvm/agent_expr.h>
#include <brkvm/gdb_packet.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

struct ax_vm {
    const uint8_t *code;
    size_t len;
    size_t pc;  /* start of the current bytecode */
    size_t at;  /* next byte to fetch (operands) */
    const struct ax_env *env;
    struct ax_result *out;
    uint64_t stack[AX_STACK_MAX];
    unsigned sp; /* entries in use */
    bool cmd;    /* a command (ax_exec): `end` may find an empty stack */
};

static int ax_errno(enum ax_error e)
{
    switch (e) {
    case AX_OK:
        return 0;
    case AX_ERR_FLOAT:
        return -EOPNOTSUPP;
    case AX_ERR_OVERFLOW:
    case AX_ERR_MEM_LIMIT:
        return -E2BIG;
    case AX_ERR_MEM:
        return -EFAULT;
    case AX_ERR_REG:
        return -EIO;
    case AX_ERR_TSV:
        return -ENOENT;
    case AX_ERR_DIV_ZERO:
        return -EDOM;
    case AX_ERR_INSN_LIMIT:
        return -ELOOP;
    case AX_ERR_JUMP:
        return -ERANGE;
    case AX_ERR_BAD_OPCODE:
    case AX_ERR_TRUNCATED:
    case AX_ERR_BAD_OPERAND:
    case AX_ERR_UNDERFLOW:
    case AX_ERR_NO_END:
        break;
    }
    return -EINVAL;
}

static int ax_fail(struct ax_vm *vm, enum ax_error e, uint64_t addr)
{
    vm->out->error = e;
    vm->out->pc = vm->pc;
    vm->out->op = vm->pc < vm->len ? vm->code[vm->pc] : 0;
    vm->out->addr = addr;
    return ax_errno(e);
}

/* n-byte big-endian operand */
static int ax_fetch(struct ax_vm *vm, unsigned n, uint64_t *v)
{
    if (vm->len - vm->at < n)
        return ax_fail(vm, AX_ERR_TRUNCATED, 0);
    *v = 0;
    for (unsigned i = 0; i < n; i++)
        *v = (*v << 8) | vm->code[vm->at++];
    return 0;
}

/* the failure path returns a constant so the compiler sees sp >= n after a 0 */
static int ax_need(struct ax_vm *vm, unsigned n)
{
    if (vm->sp >= n)
        return 0;
    ax_fail(vm, AX_ERR_UNDERFLOW, 0);
    return -EINVAL;
}

static int ax_push(struct ax_vm *vm, uint64_t v)
{
    if (vm->sp >= AX_STACK_MAX)
        return ax_fail(vm, AX_ERR_OVERFLOW, 0);
    vm->stack[vm->sp++] = v;
    return 0;
}

/* n: a ... b => a ... b a, a being n below the top */
static int ax_pick(struct ax_vm *vm, unsigned n)
{
    if (vm->sp <= n) {
        ax_fail(vm, AX_ERR_UNDERFLOW, 0);
        return -EINVAL;
    }
    return ax_push(vm, vm->stack[vm->sp - 1 - n]);
}

static int ax_jump(struct ax_vm *vm, uint64_t target)
{
    if (target >= vm->len)
        return ax_fail(vm, AX_ERR_JUMP, target);
    vm->at = (size_t)target;
    return 0;
}

static int ax_ref(struct ax_vm *vm, unsigned bytes)
{
    const struct ax_env *env = vm->env;
    uint64_t va = vm->stack[vm->sp - 1], v = 0;
    uint8_t buf[8];

    if (vm->out->mem_reads >= AX_MEM_READS_MAX)
        return ax_fail(vm, AX_ERR_MEM_LIMIT, va);
    vm->out->mem_reads++;
    if (!env->read_mem || env->read_mem(env->opaque, va, buf, bytes) < 0)
        return ax_fail(vm, AX_ERR_MEM, va);
    for (unsigned i = bytes; i-- > 0;)
        v = (v << 8) | buf[i];
    vm->stack[vm->sp - 1] = v;
    return 0;
}

/* printf: nargs[1] slen[2] format[slen]; pops function and channel (gdb sends 0, 0: unused)
 * and nargs arguments, the first one on top, and prints them through env->print */
static int ax_printf(struct ax_vm *vm)
{
    const struct ax_env *env = vm->env;
    uint64_t nargs, slen, args[255], addr = 0;
    char text[AX_PRINTF_MAX];
    const char *format;
    enum ax_error e;
    int rc;

    if ((rc = ax_fetch(vm, 1, &nargs)) || (rc = ax_fetch(vm, 2, &slen)))
        return rc;
    if (vm->len - vm->at < slen)
        return ax_fail(vm, AX_ERR_TRUNCATED, 0);
    if (slen == 0 || vm->code[vm->at + slen - 1] != 0)
        return ax_fail(vm, AX_ERR_BAD_OPERAND, slen);
    format = (const char *)vm->code + vm->at;
    vm->at += (size_t)slen;
    if ((rc = ax_need(vm, 2 + (unsigned)nargs)))
        return rc;
    vm->sp -= 2;
    for (unsigned i = 0; i < nargs; i++)
        args[i] = vm->stack[vm->sp - 1 - i];
    vm->sp -= (unsigned)nargs;
    if (!env->print)
        return 0;
    e = ax_printf_format(format, args, (unsigned)nargs, env, &vm->out->mem_reads, text, &addr);
    if (e != AX_OK)
        return ax_fail(vm, e, addr);
    env->print(env->opaque, text);
    return 0;
}

/* two operands a (below) and b (top) -> one result */
static int ax_binary(struct ax_vm *vm, uint8_t op)
{
    uint64_t a = vm->stack[vm->sp - 2], b = vm->stack[vm->sp - 1], r;
    int64_t sa = (int64_t)a, sb = (int64_t)b;

    switch (op) {
    case AX_OP_ADD: r = a + b; break;
    case AX_OP_SUB: r = a - b; break;
    case AX_OP_MUL: r = a * b; break;
    case AX_OP_DIV_SIGNED:
    case AX_OP_REM_SIGNED:
        if (b == 0)
            return ax_fail(vm, AX_ERR_DIV_ZERO, 0);
        if (sa == INT64_MIN && sb == -1)
            r = op == AX_OP_DIV_SIGNED ? a : 0;
        else
            r = (uint64_t)(op == AX_OP_DIV_SIGNED ? sa / sb : sa % sb);
        break;
    case AX_OP_DIV_UNSIGNED:
    case AX_OP_REM_UNSIGNED:
        if (b == 0)
            return ax_fail(vm, AX_ERR_DIV_ZERO, 0);
        r = op == AX_OP_DIV_UNSIGNED ? a / b : a % b;
        break;
    case AX_OP_LSH: r = b >= 64 ? 0 : a << b; break;
    case AX_OP_RSH_UNSIGNED: r = b >= 64 ? 0 : a >> b; break;
    case AX_OP_RSH_SIGNED:
        /* arithmetic shift without relying on >> of a negative value */
        if (b >= 64)
            r = sa < 0 ? UINT64_MAX : 0;
        else if (sa < 0)
            r = ~(~a >> b);
        else
            r = a >> b;
        break;
    case AX_OP_BIT_AND: r = a & b; break;
    case AX_OP_BIT_OR: r = a | b; break;
    case AX_OP_BIT_XOR: r = a ^ b; break;
    case AX_OP_EQUAL: r = a == b; break;
    case AX_OP_LESS_SIGNED: r = sa < sb; break;
    default: /* AX_OP_LESS_UNSIGNED */ r = a < b; break;
    }
    vm->sp--;
    vm->stack[vm->sp - 1] = r;
    return 0;
}

static bool ax_is_binary(uint8_t op)
{
    return (op >= AX_OP_ADD && op <= AX_OP_RSH_UNSIGNED) ||
           (op >= AX_OP_BIT_AND && op <= AX_OP_BIT_XOR) ||
           (op >= AX_OP_EQUAL && op <= AX_OP_LESS_UNSIGNED);
}

/* one bytecode at vm->pc; *done at `end` */
static int ax_step(struct ax_vm *vm, bool *done)
{
    const struct ax_env *env = vm->env;
    uint8_t op = vm->code[vm->pc];
    uint64_t n, t;
    int rc;

    vm->at = vm->pc + 1;
    if (ax_is_binary(op)) {
        if ((rc = ax_need(vm, 2)))
            return rc;
        return ax_binary(vm, op);
    }
    switch (op) {
    case AX_OP_FLOAT:
    case AX_OP_REF_FLOAT:
    case AX_OP_REF_DOUBLE:
    case AX_OP_REF_LONG_DOUBLE:
    case AX_OP_L_TO_D:
    case AX_OP_D_TO_L:
        return ax_fail(vm, AX_ERR_FLOAT, 0);
    case AX_OP_TRACE:   /* addr size => */
    case AX_OP_TRACENZ: /* addr size => */
        if ((rc = ax_need(vm, 2)))
            return rc;
        vm->sp -= 2;
        return 0;
    case AX_OP_TRACE_QUICK: /* n: addr => addr */
    case AX_OP_TRACE16:
        if ((rc = ax_fetch(vm, op == AX_OP_TRACE16 ? 2 : 1, &n)))
            return rc;
        return ax_need(vm, 1);
    case AX_OP_TRACEV: /* n: => (records variable n) */
        return ax_fetch(vm, 2, &n);
    case AX_OP_LOG_NOT:
    case AX_OP_BIT_NOT:
        if ((rc = ax_need(vm, 1)))
            return rc;
        t = vm->stack[vm->sp - 1];
        vm->stack[vm->sp - 1] = op == AX_OP_LOG_NOT ? (t == 0) : ~t;
        return 0;
    case AX_OP_EXT:
    case AX_OP_ZERO_EXT:
        if ((rc = ax_fetch(vm, 1, &n)) || (rc = ax_need(vm, 1)))
            return rc;
        if (op == AX_OP_EXT && n == 0)
            return ax_fail(vm, AX_ERR_BAD_OPERAND, n);
        if (n < 64) {
            uint64_t mask = ((uint64_t)1 << n) - 1;
            t = vm->stack[vm->sp - 1] & mask;
            if (op == AX_OP_EXT && (t >> (n - 1)) & 1)
                t |= ~mask;
            vm->stack[vm->sp - 1] = t;
        }
        return 0;
    case AX_OP_REF8:
    case AX_OP_REF16:
    case AX_OP_REF32:
    case AX_OP_REF64:
        if ((rc = ax_need(vm, 1)))
            return rc;
        return ax_ref(vm, 1u << (op - AX_OP_REF8));
    case AX_OP_IF_GOTO:
        if ((rc = ax_fetch(vm, 2, &n)) || (rc = ax_need(vm, 1)))
            return rc;
        if (vm->stack[--vm->sp] != 0)
            return ax_jump(vm, n);
        return 0;
    case AX_OP_GOTO:
        if ((rc = ax_fetch(vm, 2, &n)))
            return rc;
        return ax_jump(vm, n);
    case AX_OP_CONST8:
    case AX_OP_CONST16:
    case AX_OP_CONST32:
    case AX_OP_CONST64:
        if ((rc = ax_fetch(vm, 1u << (op - AX_OP_CONST8), &n)))
            return rc;
        return ax_push(vm, n);
    case AX_OP_REG:
        if ((rc = ax_fetch(vm, 2, &n)))
            return rc;
        if (!env->read_reg || env->read_reg(env->opaque, (unsigned)n, &t) < 0)
            return ax_fail(vm, AX_ERR_REG, n);
        return ax_push(vm, t);
    case AX_OP_END:
        if (vm->cmd && vm->sp == 0) {
            *done = true;
            return 0;
        }
        if ((rc = ax_need(vm, 1)))
            return rc;
        vm->out->value = vm->stack[vm->sp - 1];
        *done = true;
        return 0;
    case AX_OP_DUP: /* pick 0 */
        return ax_pick(vm, 0);
    case AX_OP_POP:
        if ((rc = ax_need(vm, 1)))
            return rc;
        vm->sp--;
        return 0;
    case AX_OP_SWAP:
        if ((rc = ax_need(vm, 2)))
            return rc;
        t = vm->stack[vm->sp - 1];
        vm->stack[vm->sp - 1] = vm->stack[vm->sp - 2];
        vm->stack[vm->sp - 2] = t;
        return 0;
    case AX_OP_GETV:
    case AX_OP_SETV:
        if ((rc = ax_fetch(vm, 2, &n)))
            return rc;
        if (n >= env->ntsv || !env->tsv)
            return ax_fail(vm, AX_ERR_TSV, n);
        if (op == AX_OP_GETV)
            return ax_push(vm, (uint64_t)env->tsv[n]);
        if ((rc = ax_need(vm, 1)))
            return rc;
        env->tsv[n] = (int64_t)vm->stack[vm->sp - 1];
        return 0;
    case AX_OP_PICK:
        if ((rc = ax_fetch(vm, 1, &n)))
            return rc;
        return ax_pick(vm, (unsigned)n);
    case AX_OP_ROT: /* a b c => c a b */
        if ((rc = ax_need(vm, 3)))
            return rc;
        t = vm->stack[vm->sp - 1];
        vm->stack[vm->sp - 1] = vm->stack[vm->sp - 2];
        vm->stack[vm->sp - 2] = vm->stack[vm->sp - 3];
        vm->stack[vm->sp - 3] = t;
        return 0;
    case AX_OP_PRINTF:
        return ax_printf(vm);
    default:
        return ax_fail(vm, AX_ERR_BAD_OPCODE, 0);
    }
}

static int ax_run(const uint8_t *code, size_t len, const struct ax_env *env,
                  struct ax_result *out, bool cmd)
{
    struct ax_vm vm = { .code = code, .len = len, .env = env, .out = out, .cmd = cmd };
    bool done = false;
    int rc;

    memset(out, 0, sizeof(*out));
    while (!done) {
        if (vm.pc >= len)
            return ax_fail(&vm, AX_ERR_NO_END, 0);
        if (out->insns >= AX_INSN_MAX)
            return ax_fail(&vm, AX_ERR_INSN_LIMIT, 0);
        out->insns++;
        if ((rc = ax_step(&vm, &done)))
            return rc;
        vm.pc = vm.at;
    }
    return 0;
}

int ax_eval(const uint8_t *code, size_t len, const struct ax_env *env, struct ax_result *out)
{
    return ax_run(code, len, env, out, false);
}

int ax_exec(const uint8_t *code, size_t len, const struct ax_env *env, struct ax_result *out)
{
    return ax_run(code, len, env, out, true);
}

const char *ax_error_str(enum ax_error e)
{
    switch (e) {
    case AX_OK: return "success";
    case AX_ERR_BAD_OPCODE: return "invalid opcode";
    case AX_ERR_FLOAT: return "floating point not supported";
    case AX_ERR_TRUNCATED: return "operand past the end of the code";
    case AX_ERR_BAD_OPERAND: return "invalid operand";
    case AX_ERR_UNDERFLOW: return "stack underflow";
    case AX_ERR_OVERFLOW: return "stack overflow";
    case AX_ERR_MEM: return "cannot read memory";
    case AX_ERR_REG: return "cannot read register";
    case AX_ERR_TSV: return "no such trace state variable";
    case AX_ERR_DIV_ZERO: return "division by zero";
    case AX_ERR_INSN_LIMIT: return "too many instructions";
    case AX_ERR_MEM_LIMIT: return "too many memory reads";
    case AX_ERR_JUMP: return "jump out of range";
    case AX_ERR_NO_END: return "ran off the end of the code";
    }
    return "unknown error";
}

void ax_result_format(const struct ax_result *r, char *buf, size_t size)
{
    if (!size)
        return;
    switch (r->error) {
    case AX_OK:
        snprintf(buf, size, "value 0x%llx", (unsigned long long)r->value);
        return;
    case AX_ERR_MEM:
        snprintf(buf, size, "%s at 0x%llx (pc %zu, op 0x%02x)", ax_error_str(r->error),
                 (unsigned long long)r->addr, r->pc, r->op);
        return;
    case AX_ERR_REG:
    case AX_ERR_TSV:
    case AX_ERR_JUMP:
        snprintf(buf, size, "%s %llu (pc %zu, op 0x%02x)", ax_error_str(r->error),
                 (unsigned long long)r->addr, r->pc, r->op);
        return;
    default:
        snprintf(buf, size, "%s (pc %zu, op 0x%02x)", ax_error_str(r->error), r->pc, r->op);
        return;
    }
}

int ax_parse_cond(const char *s, size_t n, uint8_t *code, size_t cap, size_t *len,
                  const char **end)
{
    size_t i = 0, want = 0, digits = 0;

    if (i < n && s[i] == ';')
        i++;
    if (i >= n || s[i] != 'X')
        return -EINVAL;
    i++;
    for (; i < n && gdb_hex_digit((uint8_t)s[i]) >= 0; i++, digits++) {
        if (want > (SIZE_MAX >> 5)) /* keeps 2 * want + the shift below from overflowing */
            return -EINVAL;
        want = want << 4 | (size_t)gdb_hex_digit((uint8_t)s[i]);
    }
    if (!digits || want == 0 || i >= n || s[i] != ',')
        return -EINVAL;
    i++;
    if (n - i < 2 * want)
        return -EINVAL;
    /* the declared length must end the hex: more digits after it is a mismatch; the next
     * condition (gdb puts no ';' between them) or the next field may follow */
    if (n - i > 2 * want && s[i + 2 * want] != ';' && s[i + 2 * want] != 'X')
        return -EINVAL;
    if (want > cap)
        return -ENOSPC;
    if (gdb_hex_decode(s + i, 2 * want, code, cap) < 0)
        return -EINVAL;
    *len = want;
    if (end)
        *end = s + i + 2 * want;
    return 0;
}

int ax_parse_cmds(const char *s, size_t n, bool *persist, uint8_t *code, size_t cap,
                  struct ax_span *cmds, unsigned max, unsigned *count, const char **end)
{
    static const char tag[] = "cmds:";
    const size_t tl = sizeof(tag) - 1;
    size_t i = 0, used = 0;
    unsigned k = 0;
    bool p;
    int rc;

    if (i < n && s[i] == ';')
        i++;
    if (n - i < tl + 2 || memcmp(s + i, tag, tl) != 0)
        return -EINVAL;
    i += tl;
    if ((s[i] != '0' && s[i] != '1') || s[i + 1] != ',')
        return -EINVAL;
    p = s[i] == '1';
    i += 2;
    /* one or more X<len>,<hex>, back to back */
    do {
        const char *next;
        size_t len;

        if (i >= n || s[i] != 'X')
            return -EINVAL;
        rc = ax_parse_cond(s + i, n - i, code + used, cap - used, &len, &next);
        if (rc < 0)
            return rc;
        if (k >= max)
            return -ENOSPC;
        cmds[k].off = used;
        cmds[k].len = len;
        k++;
        used += len;
        i = (size_t)(next - s);
    } while (i < n && s[i] == 'X');
    *persist = p;
    *count = k;
    if (end)
        *end = s + i;
    return 0;
}
