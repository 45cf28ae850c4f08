/* check.h - the dns tests' assertions and a named-test runner */
#ifndef MXGATE_T_CHECK_H
#define MXGATE_T_CHECK_H

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* CHECK - fail the test (exit 1) with the location if cond is false */
#define CHECK(cond)                                                                  \
    do {                                                                             \
        if (!(cond)) {                                                               \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
            exit(1);                                                                 \
        }                                                                            \
    } while (0)

/* CHECK_INT - integers equal, both printed on failure */
#define CHECK_INT(got, want)                                                                     \
    do {                                                                                         \
        long long g_ = (long long)(got), w_ = (long long)(want);                                 \
        if (g_ != w_) {                                                                          \
            fprintf(stderr, "%s:%d: %s is %lld, want %lld\n", __FILE__, __LINE__, #got, g_, w_); \
            exit(1);                                                                             \
        }                                                                                        \
    } while (0)

/* CHECK_STR - strings equal (NULL allowed), both printed on failure */
#define CHECK_STR(got, want)                                                                \
    do {                                                                                    \
        const char *g_ = (got), *w_ = (want);                                               \
        if (!(g_ == w_ || (g_ && w_ && strcmp(g_, w_) == 0))) {                             \
            fprintf(stderr, "%s:%d: %s is \"%s\", want \"%s\"\n", __FILE__, __LINE__, #got, \
                    g_ ? g_ : "(null)", w_ ? w_ : "(null)");                                \
            exit(1);                                                                        \
        }                                                                                   \
    } while (0)

/* One named test case. */
struct test_case {
    const char *name;
    void (*fn)(void);
};

/* test_run - run the case named argv[1], or every case without argument */
int test_run(int argc, char **argv, const struct test_case *cases, size_t n);

#endif
