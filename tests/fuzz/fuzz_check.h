/* fuzz_check.h - CHECK(x): a fuzz target's own invariant; a failure prints where and aborts, which
 * libFuzzer reports as a crash with the input saved (and the replay programs fail on it). */
#ifndef BRKVM_FUZZ_CHECK_H
#define BRKVM_FUZZ_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#define CHECK(x)                                                                                   \
    do {                                                                                           \
        if (!(x)) {                                                                                \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #x);                 \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

#endif
