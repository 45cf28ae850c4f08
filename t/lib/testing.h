/* testing.h - the unit tests' assertions and a named-test runner. A test file
 * lists its cases once, as T(name) lines in an X-macro; CMake's unit_tests()
 * registers each case as its own CTest test, run as "PROGRAM NAME". */
#ifndef MXGATE_T_TESTING_H
#define MXGATE_T_TESTING_H

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

/* CHECK_CONTAINS - got is a string containing want */
#define CHECK_CONTAINS(got, want)                                                         \
    do {                                                                                  \
        const char *g_ = (got), *w_ = (want);                                             \
        if (g_ == NULL || strstr(g_, w_) == NULL) {                                       \
            fprintf(stderr, "%s:%d: %s is \"%s\", want it to contain \"%s\"\n", __FILE__, \
                    __LINE__, #got, g_ ? g_ : "(null)", w_);                              \
            exit(1);                                                                      \
        }                                                                                 \
    } while (0)

/* One named test case. */
struct test_case {
    const char *name;
    void (*fn)(void);
};

/* test_run - run the case named argv[1], or every case without argument */
int test_run(int argc, char **argv, const struct test_case *cases, size_t n);

/* TEST_MAIN(LIST) - main() over the cases of an X-macro LIST of T(name) */
#define TEST_AS_CASE(fn_) {.name = #fn_, .fn = fn_},
#define TEST_MAIN(list)                                                          \
    int main(int argc, char **argv)                                              \
    {                                                                            \
        static const struct test_case cases_[] = {list(TEST_AS_CASE)};           \
        return test_run(argc, argv, cases_, sizeof(cases_) / sizeof(cases_[0])); \
    }

#endif
