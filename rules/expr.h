/* expr.h - rule conditions: a small grammar that reads like a sentence
 *
 *   expr   := term { "or" term }
 *   term   := factor { "and" factor }
 *   factor := "not" factor | "(" expr ")" | CHECK "is" ["not"] WORD
 *           | CHECK ["not"] "in" "(" WORD { "," WORD } ")"
 *           | FACT ["not"] "in" LIST
 *
 * CHECK is a registered check and WORD one of its result words; FACT is an
 * fact (rcpt, sender, rcpt_domain, sender_domain, client_addr, client_name,
 * from_domain, dkim_domain, list_id, dnsbl_zone, dnswl_zone, rhsbl_zone,
 * rhsbl_helo_zone) and LIST a configured list name;
 * anything else is an error at load time. */
#ifndef MXGATE_EXPR_H
#define MXGATE_EXPR_H

#include "check.h"

#include <stdbool.h>
#include <stddef.h>

struct arena;
struct expr;
struct lists;

/* Envelope facts a condition can test against a list. */
enum fact {
    FACT_NONE = 0,
    FACT_RCPT,
    FACT_SENDER,
    FACT_RCPT_DOMAIN,
    FACT_SENDER_DOMAIN,
    FACT_CLIENT_ADDR,
    FACT_CLIENT_NAME,
    FACT_FROM_DOMAIN, /* the From header's domain (read by the dmarc check) */
    FACT_DKIM_DOMAIN, /* each passing DKIM signature's d= (several values) */
    FACT_LIST_ID,     /* the List-Id header's identifier (RFC 2919) */
    FACT_DNSBL_ZONE,  /* each listing zone of a DNS list check: "ZONE", "ZONE=CODE" */
    FACT_DNSWL_ZONE,
    FACT_RHSBL_ZONE,
    FACT_RHSBL_HELO_ZONE,
};

/* What evaluation asks: a check's result word (0 = no opinion), started and
 * waited for on demand, and an envelope fact (NULL when unknown). */
struct expr_env {
    unsigned (*words)(void *arg, int check_id);              /* bit per word the check answered */
    const char *(*fact)(void *arg, enum fact f, unsigned i); /* i-th value, or NULL */
    void *arg;
};

/* expr_compile - parse text into a tree in arena. On success returns the tree
 * and sets *checks (bit per check named) and *stage (the latest check stage).
 * On error returns NULL with the problem and the column in err. */
struct expr *expr_compile(const char *text, const struct lists *lists, struct arena *arena,
                          unsigned *checks, enum stage *stage, char *err, size_t errlen);

/* expr_eval - evaluate with short-circuit: env->words is called only for the
 * checks that decide the outcome. */
bool expr_eval(const struct expr *e, const struct expr_env *env);

#endif
