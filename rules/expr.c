/* expr.c - rule conditions: parse once, evaluate with short-circuit */
#include "expr.h"

#include "arena.h"
#include "lists.h"
#include "registry.h"
#include "util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define INLINE_MAX 64 /* entries of an inline list; beyond, name a list */

enum expr_op { OP_NONE = 0, OP_OR, OP_AND, OP_NOT, OP_IS, OP_FACT_IN, OP_SCORE };

enum cmp { CMP_GE = 0, CMP_GT, CMP_LE, CMP_LT, CMP_EQ, CMP_NE };

static const char *const cmp_names[] = {
    [CMP_GE] = ">=", [CMP_GT] = ">", [CMP_LE] = "<=",
    [CMP_LT] = "<",  [CMP_EQ] = "=", [CMP_NE] = "!=",
};

struct expr {
    enum expr_op op;
    struct expr *left, *right; /* OR, AND; NOT uses left */
    int check;                 /* IS */
    unsigned words;            /* IS: bit per matching word */
    enum fact fact;            /* FACT_IN */
    const char *macro;         /* FACT_IN of FACT_MACRO: "{name}" */
    const struct list *list;   /* FACT_IN: named or inline */
    enum cmp cmp;              /* SCORE */
    double number;             /* SCORE */
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
    {"helo_name", FACT_HELO_NAME, STAGE_HELO, NULL},
    {"auth_user", FACT_AUTH_USER, STAGE_MAIL, NULL},
    {"from_domain", FACT_FROM_DOMAIN, STAGE_EOM, "dmarc"},
    {"dkim_domain", FACT_DKIM_DOMAIN, STAGE_EOM, "dkim"},
    {"list_id", FACT_LIST_ID, STAGE_EOH, NULL},
    {"macro", FACT_MACRO, STAGE_MAIL, NULL},
    {"dnsbl_zone", FACT_DNSBL_ZONE, STAGE_CONNECT, "dnsbl"},
    {"dnswl_zone", FACT_DNSWL_ZONE, STAGE_CONNECT, "dnswl"},
    {"rhsbl_zone", FACT_RHSBL_ZONE, STAGE_MAIL, "rhsbl"},
    {"rhsbl_helo_zone", FACT_RHSBL_HELO_ZONE, STAGE_HELO, "rhsbl_helo"},
};

struct parser {
    const char *text, *p, *start; /* start: where the current token begins */
    const struct lists *lists;
    char tok[256];
    bool quoted; /* tok was in quotes: never a keyword */
    struct arena *arena;
    struct expr_needs needs;
    char *err;
    size_t errlen;
    bool failed;
};

/* fail - record the first error with its column */
static struct expr *fail(struct parser *ps, const char *what)
{
    if (!ps->failed)
        snprintf(ps->err, ps->errlen, "condition \"%s\", column %d: %s", ps->text,
                 (int)(ps->start - ps->text) + 1, what);
    ps->failed = true;
    return NULL;
}

/* in_set - c is one of the characters of set (never NUL) */
static bool in_set(char c, const char *set)
{
    return c != '\0' && strchr(set, c) != NULL;
}

/* quoted - a '...' or "..." token, without its quotes */
static void quoted(struct parser *ps)
{
    const char *end = strchr(ps->p + 1, *ps->p);
    size_t n = end ? (size_t)(end - ps->p - 1) : 0;
    ps->quoted = true;
    if (end == NULL || n >= sizeof(ps->tok)) {
        ps->tok[0] = '\0';
        fail(ps, end ? "quoted text is too long" : "quote without its end");
        ps->p += strlen(ps->p);
        return;
    }
    memcpy(ps->tok, ps->p + 1, n);
    ps->tok[n] = '\0';
    ps->p = end + 1;
}

/* next - read the next token into ps->tok ("" at the end) */
static void next(struct parser *ps)
{
    while (isspace((unsigned char)*ps->p))
        ps->p++;
    const char *s = ps->start = ps->p;
    ps->quoted = false;
    if (*s == '\'' || *s == '"') {
        quoted(ps);
        return;
    }
    if (*s == '{')
        ps->p += strcspn(s, "}") + (s[strcspn(s, "}")] == '}');
    else if (in_set(*s, "(),"))
        ps->p++;
    else if (in_set(*s, "<>=!"))
        ps->p += strspn(s, "<>=!");
    else
        while (isalnum((unsigned char)*ps->p) || in_set(*ps->p, "_.-*?@:/+"))
            ps->p++;
    if (ps->p == s && *s)
        ps->p++; /* a stray character is a token of its own, rejected later */
    size_t n = (size_t)(ps->p - s) < sizeof(ps->tok) ? (size_t)(ps->p - s) : sizeof(ps->tok) - 1;
    memcpy(ps->tok, s, n);
    ps->tok[n] = '\0';
}

/* accept_tok - consume the token if it is the keyword word */
static bool accept_tok(struct parser *ps, const char *word)
{
    if (ps->quoted || strcmp(ps->tok, word) != 0)
        return false;
    next(ps);
    return true;
}

/* is_tok - the current token is the keyword word */
static bool is_tok(const struct parser *ps, const char *word)
{
    return !ps->quoted && strcmp(ps->tok, word) == 0;
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
    int w = ps->quoted ? -1 : check_word_find(id, ps->tok);
    if (w < 0) {
        char msg[400];
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
    if (!accept_tok(ps, "(")) { /* "helo in LIST" is a common slip for helo_name */
        fail(ps, id == CHECK_ID_helo
                     ? "expected ( after in (a list of HELO names: helo_name in LIST)"
                     : "expected ( after in");
        return 0;
    }
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
    if (stage > ps->needs.stage)
        ps->needs.stage = stage;
}

/* pattern - the current token as a list entry, consumed; NULL if it is none */
static const char *pattern(struct parser *ps)
{
    if (ps->tok[0] == '\0' || is_tok(ps, "(") || is_tok(ps, ")") || is_tok(ps, ","))
        return fail(ps, "expected a pattern (a glob, an address or a network)"), NULL;
    const char *p = arena_strdup(ps->arena, ps->tok);
    next(ps);
    return p;
}

/* inline_list - PATTERN, or "(" PATTERN { "," PATTERN } ")", as a list */
static const struct list *inline_list(struct parser *ps, bool paren)
{
    struct list *l = arena_alloc(ps->arena, sizeof(*l));
    const char *start = ps->start;
    l->name = "(inline)";
    l->patterns = arena_alloc(ps->arena, (INLINE_MAX + 1) * sizeof(char *));
    if (paren)
        accept_tok(ps, "(");
    do {
        if (l->count == INLINE_MAX)
            return fail(ps, "more than 64 entries: make it a list in lists = { ... }"), NULL;
        l->patterns[l->count++] = pattern(ps);
    } while (!ps->failed && paren && accept_tok(ps, ","));
    if (!ps->failed && paren && !accept_tok(ps, ")"))
        return fail(ps, "expected , or )"), NULL;
    char why[300];
    if (!ps->failed && list_compile(l, ps->arena, why, sizeof(why)) != 0) {
        ps->start = start;
        return fail(ps, why), NULL;
    }
    return ps->failed ? NULL : l;
}

/* named_list - a list defined in lists = { ... } */
static const struct list *named_list(struct parser *ps)
{
    const struct list *l = ps->quoted ? NULL : lists_find(ps->lists, ps->tok);
    if (l == NULL)
        return fail(ps, ps->tok[0] ? "unknown list (define it in lists = { ... })"
                                   : "expected a list name"),
               NULL;
    next(ps);
    return l;
}

/* has_word - the blank-separated words of list include word */
static bool has_word(const char *list, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = list; p && *p; p += strcspn(p, " "), p += *p == ' ')
        if (strncmp(p, word, n) == 0 && (p[n] == ' ' || p[n] == '\0'))
            return true;
    return false;
}

/* expr_macros_add - list with the words of names it lacks */
const char *expr_macros_add(struct arena *arena, const char *list, const char *names)
{
    char word[256];
    for (const char *p = names; p && *p; p += strspn(p, " ")) {
        size_t n = strcspn(p, " ");
        snprintf(word, sizeof(word), "%.*s", (int)n, p);
        p += n;
        if (word[0] && !has_word(list, word))
            list = list ? arena_printf(arena, "%s %s", list, word) : arena_strdup(arena, word);
    }
    return list;
}

/* macro_name - "macro {name}" or "macro i": the name, noted in needs */
static const char *macro_name(struct parser *ps)
{
    size_t n = strlen(ps->tok);
    bool braced = n > 2 && ps->tok[0] == '{' && ps->tok[n - 1] == '}' &&
                  strspn(ps->tok + 1, "abcdefghijklmnopqrstuvwxyz_0123456789") == n - 2;
    if (ps->quoted || !(braced || (n == 1 && isalpha((unsigned char)ps->tok[0]))))
        return fail(ps, "expected a macro name such as {tls_version} or i"), NULL;
    const char *name = arena_strdup(ps->arena, ps->tok);
    ps->needs.macros = expr_macros_add(ps->arena, ps->needs.macros, name);
    next(ps);
    return name;
}

/* fact_in - VALUE [not] in LIST | VALUE [not] in (...) | VALUE is [not] PATTERN */
static struct expr *fact_in(struct parser *ps, size_t f)
{
    struct expr *e = node(ps, OP_FACT_IN, NULL, NULL);
    e->fact = facts[f].fact;
    need_stage(ps, facts[f].stage);
    if (facts[f].check)
        ps->needs.checks |= 1u << check_find(facts[f].check);
    next(ps);
    if (e->fact == FACT_MACRO && (e->macro = macro_name(ps)) == NULL)
        return NULL;
    bool negate = accept_tok(ps, "not");
    if (!negate && accept_tok(ps, "is")) {
        negate = accept_tok(ps, "not");
        e->list = inline_list(ps, false);
    } else if (accept_tok(ps, "in")) {
        e->list = is_tok(ps, "(") ? inline_list(ps, true) : named_list(ps);
    } else {
        return fail(ps, "expected is PATTERN, in LIST or in (PATTERN, ...)");
    }
    if (e->list == NULL)
        return NULL;
    return negate ? node(ps, OP_NOT, e, NULL) : e;
}

/* score_test - score CMP NUMBER */
static struct expr *score_test(struct parser *ps)
{
    struct expr *e = node(ps, OP_SCORE, NULL, NULL);
    char *end;
    next(ps);
    size_t k = 0;
    while (k < ARRAY_LEN(cmp_names) && !is_tok(ps, cmp_names[k]))
        k++;
    if (k == ARRAY_LEN(cmp_names))
        return fail(ps, "expected >=, >, <=, <, = or != after score");
    e->cmp = (enum cmp)k;
    next(ps);
    e->number = strtod(ps->tok, &end);
    if (ps->quoted || ps->tok[0] == '\0' || *end != '\0')
        return fail(ps, "expected a number");
    next(ps);
    ps->needs.score = true;
    need_stage(ps, STAGE_MAIL);
    return e;
}

/* check_test - CHECK is [not] WORD | CHECK [not] in (WORD, ...) */
static struct expr *check_test(struct parser *ps, int id)
{
    ps->needs.checks |= 1u << id;
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

/* comparison - a fact, the score or a check compared */
static struct expr *comparison(struct parser *ps)
{
    for (size_t f = 0; f < ARRAY_LEN(facts) && !ps->quoted; f++)
        if (strcmp(ps->tok, facts[f].name) == 0)
            return fact_in(ps, f);
    if (is_tok(ps, "score"))
        return score_test(ps);
    int id = ps->quoted ? -1 : check_find(ps->tok);
    if (id < 0)
        return fail(ps, ps->tok[0] ? "unknown check or fact" : "unexpected end of condition");
    return check_test(ps, id);
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
                          struct expr_needs *needs, char *err, size_t errlen)
{
    struct parser ps = {
        .text = text, .p = text, .lists = lists, .arena = arena, .err = err, .errlen = errlen};
    next(&ps);
    struct expr *e = disjunction(&ps);
    if (!ps.failed && ps.tok[0])
        fail(&ps, "expected and, or, or the end of the condition");
    if (ps.failed)
        return NULL;
    *needs = ps.needs;
    return e;
}

/* score_holds - the score compared */
static bool score_holds(const struct expr *e, const struct expr_env *env)
{
    double s = env->score ? env->score(env->arg) : 0;
    switch (e->cmp) {
    case CMP_GE:
        return s >= e->number;
    case CMP_GT:
        return s > e->number;
    case CMP_LE:
        return s <= e->number;
    case CMP_LT:
        return s < e->number;
    case CMP_EQ:
        return s == e->number;
    case CMP_NE:
        break;
    }
    return s != e->number;
}

/* fact_holds - some value of the fact matches the list */
static bool fact_holds(const struct expr *e, const struct expr_env *env)
{
    if (e->fact == FACT_MACRO)
        return list_match(e->list, env->macro ? env->macro(env->arg, e->macro) : NULL);
    for (unsigned i = 0;; i++) {
        const char *v = env->fact(env->arg, e->fact, i);
        if (v == NULL)
            return false;
        if (list_match(e->list, v))
            return true;
    }
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
        return fact_holds(e, env);
    case OP_SCORE:
        return score_holds(e, env);
    case OP_NONE:
        break;
    }
    return false;
}
