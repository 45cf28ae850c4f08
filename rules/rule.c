/* rule.c - rules: compile conditions and actions, evaluate in order */
#include "rule.h"

#include "arena.h"
#include "expr.h"
#include "registry.h"
#include "util.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define TARPIT_MAX 60

const struct action rule_tarpit_full = {
    .kind = ACTION_DEFER,
    .code = "451",
    .ecode = "4.7.1",
    .text = "Too many slow clients at the moment, try again later",
};

static const char *const action_names[] = {
    [ACTION_CONTINUE] = "continue",     [ACTION_ACCEPT] = "accept",
    [ACTION_REJECT] = "reject",         [ACTION_DEFER] = "defer",
    [ACTION_TARPIT] = "tarpit",         [ACTION_LOG] = "log",
    [ACTION_GREYLIST] = "greylist",     [ACTION_QUARANTINE] = "quarantine",
    [ACTION_ADD_HEADER] = "add_header", [ACTION_SCORE] = "score",
};

/* Placeholders a reply text may use; the glue supplies their values. */
static const char *const placeholders[] = {
    "client_addr", "client_name", "helo",   "sender",   "rcpt",        "queue_id",
    "check",       "result",      "reason", "retry_in", "from_domain", "score",
};

/* Headers mxgate writes itself: a rule may not add them. */
static const char *const own_headers[] = {"Authentication-Results", "Received-SPF",
                                          "DKIM-Signature"};

/* action_name - text of an action kind */
const char *action_name(enum action_kind kind)
{
    return action_names[kind];
}

/* is_code - three digits starting with class */
static bool is_code(const char *w, char cls)
{
    return strlen(w) == 3 && w[0] == cls && isdigit((unsigned char)w[1]) &&
           isdigit((unsigned char)w[2]);
}

/* is_ecode - RFC 3463 class.subject.detail with the given class */
static bool is_ecode(const char *w, char cls)
{
    int a, b, n = 0;
    if (w[0] != cls || w[1] != '.' || sscanf(w + 2, "%3d.%3d%n", &a, &b, &n) != 2)
        return false;
    return w[2 + n] == '\0' && a >= 0 && b >= 0;
}

/* check_placeholders - every {name} in text is known and closed */
static int check_placeholders(const char *text, char *err, size_t errlen)
{
    for (const char *p = strchr(text, '{'); p; p = strchr(p + 1, '{')) {
        const char *end = strchr(p, '}');
        size_t n = end ? (size_t)(end - p - 1) : 0;
        bool known = false;
        for (size_t i = 0; end && i < ARRAY_LEN(placeholders); i++)
            known |= strlen(placeholders[i]) == n && strncmp(p + 1, placeholders[i], n) == 0;
        if (!known) {
            snprintf(err, errlen, "unknown placeholder \"%.*s\" in reply text",
                     end ? (int)(end - p + 1) : (int)strlen(p), p);
            return -1;
        }
    }
    return 0;
}

/* check_text - printable ASCII of a sensible length */
static int check_text(const char *text, char *err, size_t errlen)
{
    size_t n = strlen(text);
    if (n > 400) {
        snprintf(err, errlen, "reply text is longer than 400 characters");
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)text[i] < 0x20 || (unsigned char)text[i] > 0x7e) {
            snprintf(err, errlen, "reply text has a character that is not printable ASCII");
            return -1;
        }
    return check_placeholders(text, err, errlen);
}

/* next_word - copy the next blank-separated word of *p into w */
static bool next_word(const char **p, char *w, size_t len)
{
    while (**p == ' ' || **p == '\t')
        (*p)++;
    size_t n = strcspn(*p, " \t");
    if (n == 0 || n >= len)
        return false;
    memcpy(w, *p, n);
    w[n] = '\0';
    *p += n;
    return true;
}

/* default_text - the reply text of an action written without one */
static const char *default_text(enum action_kind kind)
{
    if (kind == ACTION_GREYLIST)
        return "Greylisted, please try again in {retry_in} seconds";
    return kind == ACTION_REJECT ? "Message refused by policy" : "Try again later";
}

/* parse_reply - [CODE [ECODE]] [TEXT] for reject, defer and greylist */
static int parse_reply(const char *p, char cls, struct arena *arena, struct action *out, char *err,
                       size_t errlen)
{
    char w[32];
    const char *q = p;
    strcpy(out->code, cls == '5' ? "550" : "451");
    snprintf(out->ecode, sizeof(out->ecode), "%c.7.1", cls);
    if (next_word(&q, w, sizeof(w)) && isdigit((unsigned char)w[0])) {
        if (!is_code(w, cls)) {
            snprintf(err, errlen, "\"%s\" is not a %cxx reply code", w, cls);
            return -1;
        }
        memcpy(out->code, w, 4);
        p = q;
        if (next_word(&q, w, sizeof(w)) && isdigit((unsigned char)w[0])) {
            if (!is_ecode(w, cls)) {
                snprintf(err, errlen, "\"%s\" is not an enhanced status code %c.X.Y", w, cls);
                return -1;
            }
            strlcpy_(out->ecode, w, sizeof(out->ecode));
            p = q;
        }
    }
    p += strspn(p, " \t");
    out->text = arena_strdup(arena, *p ? p : default_text(out->kind));
    return check_text(out->text, err, errlen);
}

/* parse_tarpit - tarpit [SECONDS] */
static int parse_tarpit(const char *p, struct action *out, char *err, size_t errlen)
{
    char *end;
    if (p[strspn(p, " \t")] == '\0')
        return 0;
    long v = strtol(p, &end, 10);
    while (*end == ' ')
        end++;
    if (end == p || *end != '\0' || v < 1 || v > TARPIT_MAX) {
        snprintf(err, errlen, "tarpit needs a number of seconds from 1 to %d", TARPIT_MAX);
        return -1;
    }
    out->seconds = (unsigned)v;
    return 0;
}

/* parse_header - add_header NAME: TEXT */
static int parse_header(const char *p, struct arena *arena, struct action *out, char *err,
                        size_t errlen)
{
    p += strspn(p, " \t");
    size_t n = strcspn(p, ":");
    if (p[n] != ':' || n == 0 || n > 64) {
        snprintf(err, errlen, "add_header needs NAME: TEXT (a name of at most 64 characters)");
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)p[i] <= ' ' || (unsigned char)p[i] > '~') {
            snprintf(err, errlen, "header name \"%.*s\" must be printable ASCII without blanks",
                     (int)n, p);
            return -1;
        }
    out->header = arena_strndup(arena, p, n);
    for (size_t i = 0; i < ARRAY_LEN(own_headers); i++)
        if (strcasecmp(out->header, own_headers[i]) == 0) {
            snprintf(err, errlen, "%s is written by mxgate itself", own_headers[i]);
            return -1;
        }
    p += n + 1 + strspn(p + n + 1, " \t");
    out->text = arena_strdup(arena, p);
    if (*p == '\0') {
        snprintf(err, errlen, "add_header %s: needs a value", out->header);
        return -1;
    }
    return check_text(out->text, err, errlen);
}

/* parse_score - score POINTS (-1000 to 1000, fractions allowed) */
static int parse_score(const char *p, struct action *out, char *err, size_t errlen)
{
    char *end;
    p += strspn(p, " \t");
    out->points = strtod(p, &end);
    end += strspn(end, " \t");
    if (end == p || *end != '\0' || !isfinite(out->points) || fabs(out->points) > 1000) {
        snprintf(err, errlen, "score needs a number of points from -1000 to 1000");
        return -1;
    }
    return 0;
}

/* parse_plain - continue, accept, log: a known name and no arguments */
static int parse_plain(const char *w, const char *p, const struct action *out, char *err,
                       size_t errlen)
{
    if (strcmp(w, "continue") != 0 && out->kind == ACTION_CONTINUE) {
        snprintf(err, errlen,
                 "unknown action \"%s\" (continue, accept, reject, defer, greylist, tarpit, log, "
                 "quarantine, add_header, score)",
                 w);
        return -1;
    }
    if (p[strspn(p, " \t")] != '\0') {
        snprintf(err, errlen, "action %s takes no arguments", w);
        return -1;
    }
    return 0;
}

/* action_parse - action text to struct */
int action_parse(const char *text, struct arena *arena, struct action *out, char *err,
                 size_t errlen)
{
    char w[16];
    const char *p = text;
    memset(out, 0, sizeof(*out));
    if (!next_word(&p, w, sizeof(w)))
        w[0] = '\0';
    for (size_t k = 0; k < ARRAY_LEN(action_names); k++)
        if (strcmp(w, action_names[k]) == 0)
            out->kind = (enum action_kind)k;
    if (out->kind == ACTION_REJECT || out->kind == ACTION_DEFER || out->kind == ACTION_GREYLIST)
        return parse_reply(p, out->kind == ACTION_REJECT ? '5' : '4', arena, out, err, errlen);
    if (out->kind == ACTION_TARPIT)
        return parse_tarpit(p, out, err, errlen);
    if (out->kind == ACTION_ADD_HEADER)
        return parse_header(p, arena, out, err, errlen);
    if (out->kind == ACTION_SCORE)
        return parse_score(p, out, err, errlen);
    if (out->kind == ACTION_QUARANTINE) {
        p += strspn(p, " \t");
        out->text = arena_strdup(arena, *p ? p : "held by policy ({check}={result})");
        return check_text(out->text, err, errlen);
    }
    return parse_plain(w, p, out, err, errlen);
}

/* action_stage - the earliest stage an action can be applied at */
static enum stage action_stage(enum action_kind kind)
{
    if (kind == ACTION_GREYLIST) /* a triplet needs a recipient */
        return STAGE_RCPT;
    if (kind == ACTION_QUARANTINE || kind == ACTION_ADD_HEADER) /* only at end of message */
        return STAGE_EOM;
    return kind == ACTION_SCORE ? STAGE_MAIL : STAGE_CONNECT; /* a score is per transaction */
}

/* rule_compile - condition and action into a rule */
int rule_compile(const char *cond, const char *action, const struct lists *lists,
                 struct arena *arena, struct rule *out, char *err, size_t errlen)
{
    struct expr_needs needs = {.stage = STAGE_CONNECT};
    memset(out, 0, sizeof(*out));
    if (cond) {
        out->cond_text = arena_strdup(arena, cond);
        out->cond = expr_compile(cond, lists, arena, &needs, err, errlen);
        if (out->cond == NULL)
            return -1;
    }
    if (action_parse(action, arena, &out->action, err, errlen) < 0)
        return -1;
    out->checks = needs.checks;
    out->reads_score = needs.score;
    out->macros = needs.macros;
    out->stage = needs.stage < STAGE_CONNECT ? STAGE_CONNECT : needs.stage;
    if (out->action.kind == ACTION_GREYLIST)
        out->checks |= 1u << CHECK_ID_greylist;
    if (out->action.kind == ACTION_QUARANTINE || out->stage < action_stage(out->action.kind))
        out->stage = action_stage(out->action.kind);
    return 0;
}

/* rule_goes_on - actions that do not end evaluation by themselves */
bool rule_goes_on(enum action_kind kind)
{
    return kind == ACTION_TARPIT || kind == ACTION_LOG || kind == ACTION_GREYLIST ||
           kind == ACTION_ADD_HEADER || kind == ACTION_SCORE;
}

/* count - one more match of r, applied or in shadow */
static void count(const struct rule *r, bool shadow)
{
    if (r->count)
        atomic_fetch_add_explicit(shadow ? &r->count->shadowed : &r->count->enforced, 1,
                                  memory_order_relaxed);
}

/* rules_eval - first decisive rule among those of stages lo..hi */
struct verdict rules_eval(const struct ruleset *rs, enum stage lo, enum stage hi,
                          const struct expr_env *env, const struct rule_calls *calls)
{
    for (size_t i = 0; i < rs->count; i++) {
        const struct rule *r = &rs->rules[i];
        if (r->stage < lo || r->stage > hi || r->action.kind == ACTION_CONTINUE)
            continue;
        bool matched = r->cond == NULL || expr_eval(r->cond, env);
        if (env->trace)
            env->trace(env->arg, r, matched);
        if (!matched)
            continue;
        count(r, r->shadow);
        if (r->shadow) {
            if (calls->shadow)
                calls->shadow(env->arg, r);
            continue;
        }
        if (!rule_goes_on(r->action.kind))
            return (struct verdict){.kind = r->action.kind, .rule = r, .action = &r->action};
        struct verdict v = calls->interim(env->arg, r);
        if (v.kind != ACTION_CONTINUE)
            return v;
    }
    return (struct verdict){0};
}

/* blocks_early - a rule a later stage decides whose outcome may differ from
 * accepting: evaluation at an earlier stage cannot go past it */
static bool blocks_early(const struct rule *r, enum stage stage)
{
    return r->stage > stage && !r->shadow && r->action.kind != ACTION_ACCEPT &&
           r->action.kind != ACTION_CONTINUE;
}

/* early_end - one past the last accept rule of a stage up to stage that
 * comes before the first blocker; 0 when there is none */
static size_t early_end(const struct ruleset *rs, enum stage stage)
{
    size_t end = 0;
    for (size_t i = 0; i < rs->count && !blocks_early(&rs->rules[i], stage); i++)
        if (rs->rules[i].stage <= stage && rs->rules[i].action.kind == ACTION_ACCEPT)
            end = i + 1;
    return end;
}

/* rules_accept_early - an accept decided at stage, or NULL; counted like a
 * match in rules_eval. A rule in shadow mode never accepts early: it is
 * counted and logged when rules_eval reaches it. */
const struct rule *rules_accept_early(const struct ruleset *rs, enum stage stage,
                                      const struct expr_env *env)
{
    size_t end = early_end(rs, stage);
    for (size_t i = 0; i < end; i++) {
        const struct rule *r = &rs->rules[i];
        if (r->stage > stage || r->shadow || r->action.kind == ACTION_CONTINUE ||
            (r->cond && !expr_eval(r->cond, env)))
            continue;
        if (r->action.kind != ACTION_ACCEPT)
            return NULL;
        count(r, false);
        return r;
    }
    return NULL;
}

/* append - add n bytes of s to the buffer being built */
static void append(char **buf, size_t *len, size_t *cap, const char *s, size_t n)
{
    if (*len + n + 1 > *cap) {
        *cap = (*len + n + 1) * 2;
        *buf = xrealloc(*buf, *cap);
    }
    memcpy(*buf + *len, s, n);
    *len += n;
    (*buf)[*len] = '\0';
}

/* append_clean - add a value, doubling % (for replies) and dropping control
 * characters */
static void append_clean(char **buf, size_t *len, size_t *cap, const char *v, bool percent)
{
    for (; v && *v; v++) {
        if ((unsigned char)*v < 0x20 || *v == 0x7f)
            continue;
        append(buf, len, cap, v, 1);
        if (*v == '%' && percent)
            append(buf, len, cap, "%", 1);
    }
}

/* expand - a template with placeholders filled, at most max bytes */
static char *expand(const char *tmpl, const char *(*value)(void *arg, const char *name), void *arg,
                    struct arena *arena, bool percent, size_t max)
{
    size_t len = 0, cap = 128;
    char *buf = xmalloc(cap), name[32];
    buf[0] = '\0';
    for (const char *p = tmpl; *p; p++) {
        const char *end = *p == '{' ? strchr(p, '}') : NULL;
        if (end && (size_t)(end - p) < sizeof(name)) {
            memcpy(name, p + 1, (size_t)(end - p - 1));
            name[end - p - 1] = '\0';
            append_clean(&buf, &len, &cap, value(arg, name), percent);
            p = end;
        } else {
            append_clean(&buf, &len, &cap, (char[]){*p, '\0'}, percent);
        }
    }
    char *out = arena_strndup(arena, buf, len < max ? len : max);
    free(buf);
    return out;
}

/* rule_expand - reply text with placeholders filled */
char *rule_expand(const char *tmpl, const char *(*value)(void *arg, const char *name), void *arg,
                  struct arena *arena)
{
    return expand(tmpl, value, arg, arena, true, (size_t)-1);
}

/* rule_expand_header - header value with placeholders filled */
char *rule_expand_header(const char *tmpl, const char *(*value)(void *arg, const char *name),
                         void *arg, struct arena *arena)
{
    return expand(tmpl, value, arg, arena, false, 900);
}
