/* agent_expr.h - gdb's agent-expression bytecode: an interpreter for breakpoint conditions and
 * commands (gdb's dprintf with `set dprintf-style agent`: the printf bytecode), and parsers for
 * the forms gdb sends them in (Z packets: ";X<len>,<hex>" conditions, "cmds:" commands).  Pure
 * code: guest memory, registers, trace state variables and printf's text go through struct
 * ax_env. */
#ifndef BRKVM_AGENT_EXPR_H
#define BRKVM_AGENT_EXPR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bounds of one evaluation */
#define AX_STACK_MAX 256     /* stack entries */
#define AX_INSN_MAX 100000   /* executed bytecodes */
#define AX_MEM_READS_MAX 1024 /* ref8..ref64 */
#define AX_CODE_MAX 4096     /* bytes of bytecode accepted by ax_parse_cond's callers */
#define AX_PRINTF_MAX 1024   /* bytes of one printf's text, its NUL included */
/* the end of a printf text cut at AX_PRINTF_MAX */
#define AX_PRINTF_TRUNCATED "[...]\n"

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
    AX_ERR_FLOAT,         /* -EOPNOTSUPP: floating point opcodes, printf's %f %e %g */
    AX_ERR_TRUNCATED,     /* -EINVAL: an operand runs past the end of the code */
    AX_ERR_BAD_OPERAND,   /* -EINVAL: ext 0; printf: format not NUL-terminated, bad or
                           * unsupported conversion, escape, argument count (addr: the offset
                           * of the fault in the format) */
    AX_ERR_UNDERFLOW,     /* -EINVAL: popped or picked below the bottom of the stack */
    AX_ERR_OVERFLOW,      /* -E2BIG: more than AX_STACK_MAX entries */
    AX_ERR_MEM,           /* -EFAULT: read_mem failed (or is NULL) at addr (printf's %s too) */
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
    /* printf's text (at most AX_PRINTF_MAX - 1 bytes; NULL: printf is checked and skipped) */
    void (*print)(void *opaque, const char *text);
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
 * printf (0x34: nargs[1] len[2] format[len]) pops function and channel (ignored) and nargs
 * arguments, the first on top, formats them (ax_printf_format) and hands the text to
 * env->print; with env->print NULL it only checks its operands and the stack.
 * trace, trace_quick, trace16, tracev and tracenz do their stack effect and record nothing.
 * Shifts by 64 or more give 0 (lsh, rsh_unsigned) or the sign (rsh_signed); INT64_MIN / -1
 * wraps to INT64_MIN (remainder 0). */
int ax_eval(const uint8_t *code, size_t len, const struct ax_env *env, struct ax_result *out);

/* ax_eval for a breakpoint command (gdb's dprintf): gdb ends those with `end` on an empty
 * stack, which is fine here (out->value 0); a condition needs a value (ax_eval). */
int ax_exec(const uint8_t *code, size_t len, const struct ax_env *env, struct ax_result *out);

/* printf's formatting, as gdbserver's agent does it (gdb's format rules): format (a C string)
 * with args[0..nargs) into text[AX_PRINTF_MAX] (always NUL-terminated; longer text is cut and
 * ends with AX_PRINTF_TRUNCATED).  Escapes \\ \a \b \e \f \n \r \t \v \" are decoded first (an
 * unescaped '"' ends the format).  Conversions: flags "-+ #0", a width and a precision (each at
 * most AX_PRINTF_MAX), then d i u o x X c (int, or with h: short; l, ll, z: 64 bits), s (a
 * NUL-terminated string read from guest memory through env->read_mem, at most AX_PRINTF_MAX - 1
 * bytes of it; address 0 prints "(null)"), p (as glibc: 0x... or "(nil)"; gdbserver refuses
 * it), %%.  A NUL printed by %c is dropped.  Floating point conversions give AX_ERR_FLOAT; a
 * bad conversion or escape, %ls, %lc, or nargs not the number of conversions give
 * AX_ERR_BAD_OPERAND with *addr the offset in format; an unreadable string AX_ERR_MEM with *addr
 * its address.  Memory reads count in *mem_reads (AX_ERR_MEM_LIMIT past AX_MEM_READS_MAX). */
enum ax_error ax_printf_format(const char *format, const uint64_t *args, unsigned nargs,
                               const struct ax_env *env, unsigned *mem_reads, char *text,
                               uint64_t *addr);

/* Name of an error, e.g. "division by zero" */
const char *ax_error_str(enum ax_error e);

/* "division by zero at pc 7 (op 0x05)" and the like, into buf (always NUL-terminated) */
void ax_result_format(const struct ax_result *r, char *buf, size_t size);

/* Parse one condition "X<len-hex>,<2*len hex digits>" (an optional leading ';' is skipped) from
 * s[0..n) into code[0..cap).  0 with *len bytes and *end just after the hex (at the next ';',
 * at the next condition's 'X' or at s + n: gdb 13 sends a breakpoint's conditions as
 * ";X<len>,<hex>X<len>,<hex>..."); -EINVAL on bad syntax, bad hex, a zero length or a length
 * that does not match the digits; -ENOSPC if len > cap.  On failure *len and *end are
 * untouched (code may be). */
int ax_parse_cond(const char *s, size_t n, uint8_t *code, size_t cap, size_t *len,
                  const char **end);

/* One bytecode in a caller's buffer */
struct ax_span {
    size_t off, len;
};

/* Parse a Z packet's commands part "cmds:<persist>,X<len>,<hex>[X<len>,<hex>]..." (an optional
 * leading ';' is skipped) as gdb 13 sends it (persist 0 or 1: `set disconnected-dprintf`; one
 * bytecode per dprintf at the address, back to back) from s[0..n).  The bytecodes are decoded
 * one after the other into code[0..cap): command i is code[cmds[i].off] .. + cmds[i].len.
 * 0 with *persist, *count (>= 1) and *end just after the last hex (at the next ';' or s + n);
 * -EINVAL on bad syntax (as ax_parse_cond; persist not 0 or 1; no command); -ENOSPC if the
 * bytecodes do not fit in cap bytes or there are more than max.  On failure *persist, *count
 * and *end are untouched (code and cmds may be). */
int ax_parse_cmds(const char *s, size_t n, bool *persist, uint8_t *code, size_t cap,
                  struct ax_span *cmds, unsigned max, unsigned *count, const char **end);

#endif
