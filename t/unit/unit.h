/* unit.h - the smallest test harness that says what failed and where.
 * A test file defines cases with UNIT_CASE(name) and lists them in
 * UNIT_MAIN(case, ...). Each case runs in order; the program prints one
 * "ok NAME" or "FAIL NAME" line per case and exits 1 if any failed. */
#ifndef MXGATE_UNIT_H
#define MXGATE_UNIT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int unit_case_failed;

#define UNIT_CASE(name) static void name(void)

#define EXPECT(cond)                                                            \
    do {                                                                        \
        if (!(cond)) {                                                          \
            fprintf(stderr, "%s:%d: expected %s\n", __FILE__, __LINE__, #cond); \
            unit_case_failed = 1;                                               \
        }                                                                       \
    } while (0)

#define EXPECT_STR(got, want)                                                                   \
    do {                                                                                        \
        const char *g_ = (got), *w_ = (want);                                                   \
        if (g_ == NULL || strcmp(g_, w_) != 0) {                                                \
            fprintf(stderr, "%s:%d: %s is \"%s\", expected \"%s\"\n", __FILE__, __LINE__, #got, \
                    g_ ? g_ : "(null)", w_);                                                    \
            unit_case_failed = 1;                                                               \
        }                                                                                       \
    } while (0)

#define EXPECT_CONTAINS(got, want)                                                            \
    do {                                                                                      \
        const char *g_ = (got), *w_ = (want);                                                 \
        if (g_ == NULL || strstr(g_, w_) == NULL) {                                           \
            fprintf(stderr, "%s:%d: %s is \"%s\", expected it to contain \"%s\"\n", __FILE__, \
                    __LINE__, #got, g_ ? g_ : "(null)", w_);                                  \
            unit_case_failed = 1;                                                             \
        }                                                                                     \
    } while (0)

typedef void (*unit_fn)(void);

/* unit_run - run the cases, report, return the exit status */
static inline int unit_run(const unit_fn *fns, const char *names, size_t n)
{
    int failed = 0;
    char buf[4096];
    snprintf(buf, sizeof(buf), "%s", names);
    char *save = NULL, *name = strtok_r(buf, ", ", &save);
    for (size_t i = 0; i < n; i++, name = strtok_r(NULL, ", ", &save)) {
        unit_case_failed = 0;
        fns[i]();
        printf("%s %s\n", unit_case_failed ? "FAIL" : "ok", name ? name : "?");
        failed += unit_case_failed;
    }
    printf("%zu passed, %d failed\n", n - (size_t)failed, failed);
    return failed ? 1 : 0;
}

#define UNIT_MAIN(...)                                                       \
    int main(void)                                                           \
    {                                                                        \
        static const unit_fn fns_[] = {__VA_ARGS__};                         \
        return unit_run(fns_, #__VA_ARGS__, sizeof(fns_) / sizeof(fns_[0])); \
    }

#endif
