/* expr.h - rule conditions: a small grammar that reads like a sentence
 *
 *   expr   := term { "or" term }
 *   term   := factor { "and" factor }
 *   factor := "not" factor | "(" expr ")" | CHECK "is" ["not"] WORD
 *           | CHECK ["not"] "in" "(" WORD { "," WORD } ")"
 *           | VALUE ["not"] "in" LIST
 *           | VALUE ["not"] "in" "(" PATTERN { "," PATTERN } ")"
 *           | VALUE "is" ["not"] PATTERN
 *           | "score" CMP NUMBER                   CMP: >= > <= < = !=
 *   VALUE  := FACT | "macro" MACRO                 MACRO: {name} or one letter
 *
 * CHECK is a registered check and WORD one of its result words; FACT is an
 * envelope fact (rcpt, sender, rcpt_domain, sender_domain, client_addr,
 * client_name, helo_name, auth_user, from_domain, dkim_domain, list_id,
 * dnsbl_zone, dnswl_zone, rhsbl_zone, rhsbl_helo_zone), LIST a configured
 * list name and PATTERN a glob, address or network, bare or in quotes ('...'
 * or "..."); anything else is an error at load time. "and" binds tighter
 * than "or"; "not" tighter than both. */
#ifndef MXGATE_EXPR_H
#define MXGATE_EXPR_H

#include "check.h"

#include <stdbool.h>
#include <stddef.h>

struct arena;
struct expr;
struct lists;
struct rule;

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
    FACT_HELO_NAME,   /* the HELO/EHLO argument */
    FACT_AUTH_USER,   /* the SMTP AUTH identity ({auth_authen}) */
    FACT_MACRO,       /* an MTA macro (expr_env.macro) */
    FACT_DNSBL_ZONE,  /* each listing zone of a DNS list check: "ZONE", "ZONE=CODE" */
    FACT_DNSWL_ZONE,
    FACT_RHSBL_ZONE,
    FACT_RHSBL_HELO_ZONE,
};

/* What evaluation asks: a check's result word (0 = no opinion), started and
 * waited for on demand, an envelope fact (NULL when unknown), an MTA macro
 * (NULL when not sent) and the transaction's score so far. macro and score
 * may be NULL (no macros; score 0). */
struct expr_env {
    unsigned (*words)(void *arg, int check_id);              /* bit per word the check answered */
    const char *(*fact)(void *arg, enum fact f, unsigned i); /* i-th value, or NULL */
    const char *(*macro)(void *arg, const char *name);       /* "{name}" or "i" */
    double (*score)(void *arg);
    void *arg;
    /* trace - if set, told of each rule evaluated (for mxgatectl explain) */
    void (*trace)(void *arg, const struct rule *r, bool matched);
};

/* What a condition needs: bit per check named, the latest stage of its facts
 * and checks, whether it reads the score, and the macros it names ("{a} {b}",
 * in arena; NULL: none). */
struct expr_needs {
    unsigned checks;
    enum stage stage;
    bool score;
    const char *macros;
};

/* expr_compile - parse text into a tree in arena, filling *needs. On error
 * returns NULL with the problem and the column in err. */
struct expr *expr_compile(const char *text, const struct lists *lists, struct arena *arena,
                          struct expr_needs *needs, char *err, size_t errlen);

/* expr_macros_add - the blank-separated list of macro names with those of
 * names it lacks appended (in arena; list may be NULL). */
const char *expr_macros_add(struct arena *arena, const char *list, const char *names);

/* expr_eval - evaluate with short-circuit: env->words is called only for the
 * checks that decide the outcome. */
bool expr_eval(const struct expr *e, const struct expr_env *env);

#endif
