/* expr.h - rule conditions: a small grammar that reads like a sentence
 *
 *   expr   := term { "or" term }
 *   term   := factor { "and" factor }
 *   factor := "not" factor | "(" expr ")" | CHECK "is" ["not"] WORD
 *           | CHECK ["not"] "in" "(" WORD { "," WORD } ")"
 *
 * CHECK is a registered check and WORD one of its result words; anything else
 * is an error at load time. */
#ifndef MXGATE_EXPR_H
#define MXGATE_EXPR_H

#include "check.h"

#include <stdbool.h>
#include <stddef.h>

struct arena;
struct expr;

/* expr_compile - parse text into a tree in arena. On success returns the tree
 * and sets *checks (bit per check named) and *stage (the latest check stage).
 * On error returns NULL with the problem and the column in err. */
struct expr *expr_compile(const char *text, struct arena *arena, unsigned *checks,
                          enum stage *stage, char *err, size_t errlen);

/* expr_eval - evaluate with short-circuit: word(arg, id) is called only for
 * the checks that decide the outcome. */
bool expr_eval(const struct expr *e, int (*word)(void *arg, int check_id), void *arg);

#endif
