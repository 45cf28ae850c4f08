/* expr.c - rule conditions: parse once, evaluate with short-circuit */
#include "expr.h"

#include "arena.h"
#include "lists.h"
#include "registry.h"
#include "util.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

enum expr_op { OP_NONE = 0, OP_OR, OP_AND, OP_NOT, OP_IS, OP_FACT_IN };

struct expr {
    enum expr_op op;
    struct expr *left, *right; /* OR, AND; NOT uses left */
    int check;                 /* IS */
    unsigned words;            /* IS: bit per matching word */
    enum fact fact;            /* FACT_IN */
    const struct list *list;   /* FACT_IN */
};

static const struct {
    const char *name;
    enum fact fact;
    enum stage stage;
    const char *check; /* the check whose work the fact needs, or NULL */
} facts[] = {
    {"rcpt", FACT_RCPT, STAGE_RCPT, NULL},
    {"sender", FACT_SENDER, STAGE_MAIL, NULL},
    {"rcpt_domain", FACT_RCPT_DOMAIN, STAGE_RCPT, NULL},
    {"sender_domain", FACT_SENDER_DOMAIN, STAGE_MAIL, NULL},
    {"client_addr", FACT_CLIENT_ADDR, STAGE_CONNECT, NULL},
    {"client_name", FACT_CLIENT_NAME, STAGE_CONNECT, NULL},
    {"from_domain", FACT_FROM_DOMAIN, STAGE_EOM, "dmarc"},
    {"dkim_domain", FACT_DKIM_DOMAIN, STAGE_EOM, "dkim"},
    {"list_id", FACT_LIST_ID, STAGE_EOH, NULL},
    {"dnsbl_zone", FACT_DNSBL_ZONE, STAGE_CONNECT, "dnsbl"},
    {"dnswl_zone", FACT_DNSWL_ZONE, STAGE_CONNECT, "dnswl"},
    {"rhsbl_zone", FACT_RHSBL_ZONE, STAGE_MAIL, "rhsbl"},
    {"rhsbl_helo_zone", FACT_RHSBL_HELO_ZONE, STAGE_HELO, "rhsbl_helo"},
};

struct parser {
    const char *text, *p;
    const struct lists *lists;
    char tok[64];
    size_t toklen;
    struct arena *arena;
    unsigned checks;
    enum stage stage;
    char *err;
    size_t errlen;
    bool failed;
};

/* fail - record the first error with its column */
static struct expr *fail(struct parser *ps, const char *what)
{
    if (!ps->failed)
        snprintf(ps->err, ps->errlen, "condition \"%s\", column %d: %s", ps->text,
                 (int)(ps->p - ps->text) - (int)ps->toklen + 1, what);
    ps->failed = true;
    return NULL;
}

/* next - read the next token into ps->tok ("" at the end) */
static void next(struct parser *ps)
{
    while (isspace((unsigned char)*ps->p))
        ps->p++;
    const char *s = ps->p;
    if (*s == '(' || *s == ')' || *s == ',')
        ps->p++;
    else
        while (isalnum((unsigned char)*ps->p) || (*ps->p && strchr("_.-", *ps->p)))
            ps->p++;
    if (ps->p == s && *s)
        ps->p++; /* a stray character is a token of its own, rejected later */
    ps->toklen = (size_t)(ps->p - s) < sizeof(ps->tok) ? (size_t)(ps->p - s) : sizeof(ps->tok) - 1;
    memcpy(ps->tok, s, ps->toklen);
    ps->tok[ps->toklen] = '\0';
}

/* accept_tok - consume the token if it is word */
static bool accept_tok(struct parser *ps, const char *word)
{
    if (strcmp(ps->tok, word) != 0)
        return false;
    next(ps);
    return true;
}

/* node - a new node */
static struct expr *node(struct parser *ps, enum expr_op op, struct expr *l, struct expr *r)
{
    struct expr *e = arena_alloc(ps->arena, sizeof(*e));
    e->op = op;
    e->left = l;
    e->right = r;
    return e;
}

/* word_bit - the bit of the current token as a result word of check id */
static unsigned word_bit(struct parser *ps, int id)
{
    int w = check_word_find(id, ps->tok);
    if (w < 0) {
        char msg[160];
        snprintf(msg, sizeof(msg), "check %s has no result \"%s\"", check_table[id]->name, ps->tok);
        fail(ps, msg);
        return 0;
    }
    next(ps);
    return 1u << w;
}

/* word_list - "(" WORD { "," WORD } ")" */
static unsigned word_list(struct parser *ps, int id)
{
    unsigned bits = 0;
    if (!accept_tok(ps, "("))
        return fail(ps, "expected ( after in"), 0;
    do
        bits |= word_bit(ps, id);
    while (!ps->failed && accept_tok(ps, ","));
    if (!ps->failed && !accept_tok(ps, ")"))
        fail(ps, "expected , or )");
    return bits;
}

/* need_stage - the condition needs facts of stage */
static void need_stage(struct parser *ps, enum stage stage)
{
    if (stage > ps->stage)
        ps->stage = stage;
}

/* fact_in - FACT [not] in LIST */
static struct expr *fact_in(struct parser *ps, size_t f)
{
    struct expr *e = node(ps, OP_FACT_IN, NULL, NULL);
    e->fact = facts[f].fact;
    need_stage(ps, facts[f].stage);
    if (facts[f].check)
        ps->checks |= 1u << check_find(facts[f].check);
    next(ps);
    bool negate = accept_tok(ps, "not");
    if (!accept_tok(ps, "in"))
        return fail(ps, "expected in LIST after an envelope fact");
    e->list = lists_find(ps->lists, ps->tok);
    if (e->list == NULL)
        return fail(ps, ps->tok[0] ? "unknown list (define it in lists = { ... })"
                                   : "expected a list name");
    next(ps);
    return negate ? node(ps, OP_NOT, e, NULL) : e;
}

/* comparison - a fact or a check compared */
static struct expr *comparison(struct parser *ps)
{
    for (size_t f = 0; f < ARRAY_LEN(facts); f++)
        if (strcmp(ps->tok, facts[f].name) == 0)
            return fact_in(ps, f);
    int id = check_find(ps->tok);
    if (id < 0)
        return fail(ps, ps->tok[0] ? "unknown check" : "unexpected end of condition");
    ps->checks |= 1u << id;
    need_stage(ps, check_table[id]->stage);
    next(ps);
    struct expr *e = node(ps, OP_IS, NULL, NULL);
    e->check = id;
    bool negate = accept_tok(ps, "not");
    if (!negate && accept_tok(ps, "is")) {
        negate = accept_tok(ps, "not");
        e->words = word_bit(ps, id);
    } else if (accept_tok(ps, "in")) {
        e->words = word_list(ps, id);
    } else {
        return fail(ps, "expected is or in after the check name");
    }
    return negate ? node(ps, OP_NOT, e, NULL) : e;
}

static struct expr *disjunction(struct parser *ps);

/* factor - not, parentheses, or a comparison */
static struct expr *factor(struct parser *ps)
{
    if (accept_tok(ps, "not"))
        return node(ps, OP_NOT, factor(ps), NULL);
    if (accept_tok(ps, "(")) {
        struct expr *e = disjunction(ps);
        if (!ps->failed && !accept_tok(ps, ")"))
            return fail(ps, "expected )");
        return e;
    }
    return comparison(ps);
}

/* conjunction - factor { and factor } */
static struct expr *conjunction(struct parser *ps)
{
    struct expr *e = factor(ps);
    while (!ps->failed && accept_tok(ps, "and"))
        e = node(ps, OP_AND, e, factor(ps));
    return e;
}

/* disjunction - term { or term } */
static struct expr *disjunction(struct parser *ps)
{
    struct expr *e = conjunction(ps);
    while (!ps->failed && accept_tok(ps, "or"))
        e = node(ps, OP_OR, e, conjunction(ps));
    return e;
}

/* expr_compile - parse a whole condition */
struct expr *expr_compile(const char *text, const struct lists *lists, struct arena *arena,
                          unsigned *checks, enum stage *stage, char *err, size_t errlen)
{
    struct parser ps = {
        .text = text, .p = text, .lists = lists, .arena = arena, .err = err, .errlen = errlen};
    next(&ps);
    struct expr *e = disjunction(&ps);
    if (!ps.failed && ps.tok[0])
        fail(&ps, "expected and, or, or the end of the condition");
    if (ps.failed)
        return NULL;
    *checks = ps.checks;
    *stage = ps.stage;
    return e;
}

/* expr_eval - evaluate a tree */
bool expr_eval(const struct expr *e, const struct expr_env *env)
{
    switch (e->op) {
    case OP_OR:
        return expr_eval(e->left, env) || expr_eval(e->right, env);
    case OP_AND:
        return expr_eval(e->left, env) && expr_eval(e->right, env);
    case OP_NOT:
        return !expr_eval(e->left, env);
    case OP_IS:
        return (e->words & env->words(env->arg, e->check)) != 0;
    case OP_FACT_IN:
        for (unsigned i = 0;; i++) {
            const char *v = env->fact(env->arg, e->fact, i);
            if (v == NULL)
                return false;
            if (list_match(e->list, v))
                return true;
        }
    case OP_NONE:
        break;
    }
    return false;
}
