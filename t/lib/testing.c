/* testing.c - the named-test runner */
#include "testing.h"

/* test_run - one case by name, or all of them */
int test_run(int argc, char **argv, const struct test_case *cases, size_t n)
{
    int found = 0;
    for (size_t i = 0; i < n; i++) {
        if (argc > 1 && strcmp(argv[1], cases[i].name) != 0)
            continue;
        cases[i].fn();
        printf("ok %s\n", cases[i].name);
        found = 1;
    }
    if (!found) {
        fprintf(stderr, "no test case named %s\n", argc > 1 ? argv[1] : "(none)");
        return 1;
    }
    return 0;
}
