/* registry.h - the table of known checks, built from checks.def */
#ifndef MXGATE_REGISTRY_H
#define MXGATE_REGISTRY_H

#include "check.h"

enum check_id {
#define CHECK_DEF(n) CHECK_ID_##n,
#include "checks.def"
#undef CHECK_DEF
    CHECK_COUNT
};

/* check_table - every check, indexed by enum check_id. Immutable. */
extern const struct check_def *const check_table[CHECK_COUNT];

/* check_find - id of the check called name, or -1. */
int check_find(const char *name);

#endif
