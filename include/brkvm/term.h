/* term.h - the host terminal behind the guest console */
#ifndef BRKVM_TERM_H
#define BRKVM_TERM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TERM_ESCAPE 0x01 /* Ctrl-A */

/* Put stdin in raw mode when it is a terminal; restored by term_restore, at exit and on
 * fatal signals.  Returns whether stdin is a terminal. */
bool term_init(void);
void term_restore(void);

/* Escape-key filter: Ctrl-A x quits, Ctrl-A Ctrl-A sends one Ctrl-A.  Copies the bytes meant
 * for the guest from in[] to out[] (at most n), returns their number; sets *quit. */
struct term_escape {
    bool pending;
};
size_t term_filter(struct term_escape *st, const uint8_t *in, size_t n, uint8_t *out, bool *quit);

#endif
