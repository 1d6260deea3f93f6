/* agent_expr.h - gdb's agent-expression bytecode: an interpreter for breakpoint conditions and a
 * parser for the "X<len>,<hex>" form gdb sends them in (Z packets).  Pure code: guest memory,
 * registers and trace state variables come through callbacks in struct ax_env. */
#ifndef BRKVM_AGENT_EXPR_H
#define BRKVM_AGENT_EXPR_H

#include <stddef.h>
#include <stdint.h>

/* Bounds of one evaluation */
#define AX_STACK_MAX 256     /* stack entries */
#define AX_INSN_MAX 100000   /* executed bytecodes */
#define AX_MEM_READS_MAX 1024 /* ref8..ref64 */
#define AX_CODE_MAX 4096     /* bytes of bytecode accepted by ax_parse_cond's callers */

/* Opcodes (gdb's numbering: gdbsupport/ax.def) */
enum ax_op {
    AX_OP_FLOAT = 0x01,
    AX_OP_ADD = 0x02,
    AX_OP_SUB = 0x03,
    AX_OP_MUL = 0x04,
    AX_OP_DIV_SIGNED = 0x05,
    AX_OP_DIV_UNSIGNED = 0x06,
    AX_OP_REM_SIGNED = 0x07,
    AX_OP_REM_UNSIGNED = 0x08,
    AX_OP_LSH = 0x09,
    AX_OP_RSH_SIGNED = 0x0a,
    AX_OP_RSH_UNSIGNED = 0x0b,
    AX_OP_TRACE = 0x0c,
    AX_OP_TRACE_QUICK = 0x0d,
    AX_OP_LOG_NOT = 0x0e,
    AX_OP_BIT_AND = 0x0f,
    AX_OP_BIT_OR = 0x10,
    AX_OP_BIT_XOR = 0x11,
    AX_OP_BIT_NOT = 0x12,
    AX_OP_EQUAL = 0x13,
    AX_OP_LESS_SIGNED = 0x14,
    AX_OP_LESS_UNSIGNED = 0x15,
    AX_OP_EXT = 0x16,
    AX_OP_REF8 = 0x17,
    AX_OP_REF16 = 0x18,
    AX_OP_REF32 = 0x19,
    AX_OP_REF64 = 0x1a,
    AX_OP_REF_FLOAT = 0x1b,
    AX_OP_REF_DOUBLE = 0x1c,
    AX_OP_REF_LONG_DOUBLE = 0x1d,
    AX_OP_L_TO_D = 0x1e,
    AX_OP_D_TO_L = 0x1f,
    AX_OP_IF_GOTO = 0x20,
    AX_OP_GOTO = 0x21,
    AX_OP_CONST8 = 0x22,
    AX_OP_CONST16 = 0x23,
    AX_OP_CONST32 = 0x24,
    AX_OP_CONST64 = 0x25,
    AX_OP_REG = 0x26,
    AX_OP_END = 0x27,
    AX_OP_DUP = 0x28,
    AX_OP_POP = 0x29,
    AX_OP_ZERO_EXT = 0x2a,
    AX_OP_SWAP = 0x2b,
    AX_OP_GETV = 0x2c,
    AX_OP_SETV = 0x2d,
    AX_OP_TRACEV = 0x2e,
    AX_OP_TRACENZ = 0x2f,
    AX_OP_TRACE16 = 0x30,
    /* 0x31 is a placeholder in gdb's table: invalid */
    AX_OP_PICK = 0x32,
    AX_OP_ROT = 0x33,
    AX_OP_PRINTF = 0x34,
};

/* What went wrong (struct ax_result.error); ax_eval returns the matching -errno */
enum ax_error {
    AX_OK = 0,
    AX_ERR_BAD_OPCODE,    /* -EINVAL: not an opcode */
    AX_ERR_FLOAT,         /* -EOPNOTSUPP: floating point opcodes */
    AX_ERR_TRUNCATED,     /* -EINVAL: an operand runs past the end of the code */
    AX_ERR_BAD_OPERAND,   /* -EINVAL: ext 0, printf's format string not NUL-terminated */
    AX_ERR_UNDERFLOW,     /* -EINVAL: popped or picked below the bottom of the stack */
    AX_ERR_OVERFLOW,      /* -E2BIG: more than AX_STACK_MAX entries */
    AX_ERR_MEM,           /* -EFAULT: read_mem failed (or is NULL) at addr */
    AX_ERR_REG,           /* -EIO: read_reg failed (or is NULL) for register addr */
    AX_ERR_TSV,           /* -ENOENT: trace state variable addr >= ntsv */
    AX_ERR_DIV_ZERO,      /* -EDOM: division or remainder by zero */
    AX_ERR_INSN_LIMIT,    /* -ELOOP: more than AX_INSN_MAX bytecodes executed */
    AX_ERR_MEM_LIMIT,     /* -E2BIG: more than AX_MEM_READS_MAX memory reads */
    AX_ERR_JUMP,          /* -ERANGE: goto/if_goto target addr outside the code */
    AX_ERR_NO_END,        /* -EINVAL: ran off the end of the code without `end` */
};

struct ax_env {
    void *opaque;
    /* 0 or -errno; fills len bytes at guest virtual address va */
    int (*read_mem)(void *opaque, uint64_t va, void *buf, unsigned len);
    /* 0 or -errno; regno is gdb's register number */
    int (*read_reg)(void *opaque, unsigned regno, uint64_t *val);
    int64_t *tsv; /* trace state variables 0..ntsv-1 (setv writes them) */
    unsigned ntsv;
};

struct ax_result {
    uint64_t value;       /* top of the stack at `end` (on success) */
    enum ax_error error;  /* AX_OK on success */
    size_t pc;            /* offset of the failing bytecode */
    uint8_t op;           /* the failing bytecode */
    uint64_t addr;        /* AX_ERR_MEM: VA; AX_ERR_REG/TSV: number; AX_ERR_JUMP: target */
    unsigned insns;       /* bytecodes executed */
    unsigned mem_reads;   /* memory reads done */
};

/* Run code[0..len) until `end`.  0 with out->value, or -errno with out->error, pc, op and addr.
 * printf (0x34) is checked (operands, stack) and skipped: it pops 2 + nargs and prints nothing.
 * trace, trace_quick, trace16, tracev and tracenz do their stack effect and record nothing.
 * Shifts by 64 or more give 0 (lsh, rsh_unsigned) or the sign (rsh_signed); INT64_MIN / -1
 * wraps to INT64_MIN (remainder 0). */
int ax_eval(const uint8_t *code, size_t len, const struct ax_env *env, struct ax_result *out);

/* Name of an error, e.g. "division by zero" */
const char *ax_error_str(enum ax_error e);

/* "division by zero at pc 7 (op 0x05)" and the like, into buf (always NUL-terminated) */
void ax_result_format(const struct ax_result *r, char *buf, size_t size);

/* Parse one condition "X<len-hex>,<2*len hex digits>" (an optional leading ';' is skipped) from
 * s[0..n) into code[0..cap).  0 with *len bytes and *end just after the hex (at the next ';' or
 * s + n); -EINVAL on bad syntax, bad hex, a zero length or a length that does not match the
 * digits; -ENOSPC if len > cap.  On failure *len and *end are untouched (code may be). */
int ax_parse_cond(const char *s, size_t n, uint8_t *code, size_t cap, size_t *len,
                  const char **end);

#endif
