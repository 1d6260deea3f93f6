/* breakpoints.h - gdb's software breakpoints, keyed by guest-physical address (pure).
 * A breakpoint set while the guest's MMU is off still guards the same instruction after the
 * MMU is on, since the key is the GPA.  Guest memory is reached through a host pointer to the
 * instruction word.  The table also holds brkvm's own breakpoints (e.g. on the kernel's panic(),
 * --on-panic): the same BRK #0, hidden from gdb like gdb's, but never counted, removed or
 * cleared as gdb's (a gdb Z0 at the same word shares it).  gdb's insert is idempotent, as in
 * gdbserver: gdb sends Z0 again for a breakpoint whose conditions changed, and one z0 removes it. */
#ifndef BRKVM_BREAKPOINTS_H
#define BRKVM_BREAKPOINTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bp_agent;

#define A64_BRK0 0xd4200000U /* BRK #0: the instruction gdb's breakpoints are made of */
/* gdb's software breakpoints at most (brkvm's own are not counted): a client cannot grow the
 * table without bound; gdb removes and re-inserts every breakpoint at each stop, so far fewer
 * are usable in practice.  One more is refused with -ENOSPC (gdb: "Cannot insert breakpoint"). */
#define BP_GDB_MAX 4096

struct sw_bp {
    uint64_t gpa;
    uint32_t orig; /* the instruction the BRK replaced */
    bool gdb;      /* gdb's (inserted by Z0, not yet removed) */
    uint64_t hits; /* BRKs taken here (a false condition's too) */
    uint64_t passes; /* of those, hits whose conditions were all false (not reported) */
    struct bp_agent *agent; /* gdb's conditions and commands (NULL: none); freed with the entry */
    uint64_t va; /* the address gdb set it at, to find it if that stops translating */
    unsigned own; /* brkvm's own uses of this word (a caller-defined tag, 0: gdb's only) */
};

struct bp_table {
    void *map;      /* GHashTable: gpa -> struct sw_bp */
    unsigned ngdb;  /* entries with gdb set */
    unsigned nown;  /* entries with own != 0 */
};

void bp_table_init(struct bp_table *t);
void bp_table_destroy(struct bp_table *t);

/* gdb's breakpoint at gpa; insn points at the guest's instruction word.  Writes BRK #0 on the
 * first insert; inserting again changes nothing (but guards a new instruction found there).
 * 0, -EINVAL (not 4-aligned) or -ENOSPC (BP_GDB_MAX of gdb's already, memory unchanged). */
int bp_insert(struct bp_table *t, uint64_t gpa, uint32_t *insn);
/* Remove gdb's breakpoint: the original comes back, but only if our BRK is still there (the
 * guest may have rewritten its text since), and only if brkvm has no use of its own for it.
 * Its agent goes with it.  0, or -ENOENT if gdb has none at gpa. */
int bp_remove(struct bp_table *t, uint64_t gpa, uint32_t *insn);
/* brkvm's own breakpoint at gpa, tagged tag (non-zero; tags of one word are or-ed): BRK #0
 * written as by bp_insert; bp_remove and bp_clear leave it.  0 or -EINVAL. */
int bp_insert_own(struct bp_table *t, uint64_t gpa, uint32_t *insn, unsigned tag);
struct sw_bp *bp_find(struct bp_table *t, uint64_t gpa);
/* gdb's breakpoint at gpa takes agent a (owned from now on; NULL: none), freeing the one it
 * had.  0, or -ENOENT (a is freed) if gdb has none at gpa. */
int bp_set_agent(struct bp_table *t, uint64_t gpa, struct bp_agent *a);
/* gdb's breakpoints (brkvm's own ones not counted) */
unsigned bp_count(const struct bp_table *t);
/* brkvm's own breakpoints */
unsigned bp_own_count(const struct bp_table *t);

/* Visit every breakpoint (e.g. to remove them all on detach); fn may not change the table. */
void bp_foreach(struct bp_table *t, void (*fn)(struct sw_bp *bp, void *opaque), void *opaque);
/* Remove all of gdb's (gdb detached): for each, insn_of(gpa) gives the word (NULL if gone);
 * originals restored if BRK.  brkvm's own stay, planted. */
void bp_clear(struct bp_table *t, uint32_t *(*insn_of)(void *opaque, uint64_t gpa), void *opaque);

/* The guest may rewrite its own text (alternatives, jump labels, static calls, ftrace, a JIT)
 * over a planted BRK.  For each breakpoint whose word is no longer our BRK: the new instruction
 * is what the breakpoint guards now, so it becomes the original and the BRK goes back.  Call with
 * every vCPU stopped, before they run.  Returns how many were planted again. */
unsigned bp_replant(struct bp_table *t, uint32_t *(*insn_of)(void *opaque, uint64_t gpa),
                    void *opaque);

/* Memory as gdb should see it: in buf (bytes of guest-physical [gpa, gpa+len)), put back the
 * original bytes of each breakpoint whose BRK is there.  Returns how many were patched. */
unsigned bp_shadow_read(struct bp_table *t, uint64_t gpa, uint8_t *buf, size_t len);
/* gdb writes [gpa, gpa+len) from data: where a breakpoint's word is overwritten, the new bytes
 * become its original and the BRK stays in memory.  Call before copying; patches data_out
 * (a copy of data) so the caller writes data_out to memory. */
void bp_shadow_write(struct bp_table *t, uint64_t gpa, const uint8_t *data, uint8_t *data_out,
                     size_t len, const uint8_t *mem_now);

#endif
