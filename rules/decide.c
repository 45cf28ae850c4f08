/* decide.c - apply the rules at a stage, log the decision, build the reply */
#include "decide.h"

#include "facts.h"

#include "arena.h"
#include "greylist.h"
#include "log.h"
#include "metrics.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

static const char *const stage_names[] = {
    [STAGE_NONE] = "NONE",          [STAGE_CONNECT] = "CONNECT", [STAGE_HELO] = "HELO",
    [STAGE_MAIL] = "MAIL",          [STAGE_RCPT] = "RCPT",       [STAGE_EOH] = "END-OF-HEADERS",
    [STAGE_EOM] = "END-OF-MESSAGE",
};

struct eval {
    struct conn *c;
    enum stage stage;
    const struct rule *rule;      /* the deciding rule, for {check}, {result}, {reason} */
    struct reply_header *headers; /* add_header rules that matched (at most one each) */
    unsigned nheaders;
};

/* words_of - a check's result words for the rules: its word, and the
 * others it reported too (a check with several findings) */
static unsigned words_of(void *arg, int check_id)
{
    return conn_check_words(((struct eval *)arg)->c, check_id);
}

/* fact_of - a fact's i-th value for the rules */
static const char *fact_of(void *arg, enum fact f, unsigned i)
{
    return fact_value(((struct eval *)arg)->c, f, i);
}

/* macro_of - an MTA macro for the rules */
static const char *macro_of(void *arg, const char *name)
{
    return conn_macro(((struct eval *)arg)->c, name);
}

/* score_of - the transaction's score for the rules */
static double score_of(void *arg)
{
    return ((struct eval *)arg)->c->score;
}

/* rule_checks - "iprev:fail,spf:pass" for the checks a rule names that ran */
static void rule_checks(const struct conn *c, const struct rule *r, char *buf, size_t len)
{
    size_t n = 0;
    buf[0] = '\0';
    for (int id = 0; id < CHECK_COUNT && n < len; id++) {
        const struct check_result *res = conn_check_result(c, id);
        if ((r->checks & (1u << id)) && res)
            n += (size_t)snprintf(buf + n, len - n, "%s%s:%s", n ? "," : "", check_table[id]->name,
                                  check_word_name(id, res->word));
    }
    if (n == 0)
        snprintf(buf, len, "-");
}

/* log_decision - "QID: reject: RCPT from name[addr]: 550 5.7.1 text; from=<> to=<> ..." */
static void log_decision(const struct conn *c, enum stage stage, const struct rule *r,
                         const char *what, const char *reply)
{
    metrics_rule_action(r->origin, action_name(r->action.kind), r->shadow);
    if (!log_enabled(LOG_LVL_INFO) && c->trace == NULL)
        return;
    char checks[256], score[48] = "", line[4096]; /* as long as a log line can be */
    rule_checks(c, r, checks, sizeof(checks));
    if (c->cfg->rules.scores)
        snprintf(score, sizeof(score), " score=%g", c->score);
    snprintf(line, sizeof(line),
             "%s: %s: %s from %s[%s]: %s; from=<%s> to=<%s> helo=<%s> check=%s rule=%d (%s)%s",
             conn_queue_id(c), what, stage_names[stage], c->client_name, c->client_addr, reply,
             c->sender ? c->sender : "", c->rcpt ? c->rcpt : "", c->helo ? c->helo : "", checks,
             r->index, r->origin, score);
    log_info("%s", line);
    if (c->trace)
        c->trace->decision(c->trace->arg, stage, r, what, reply, line);
}

/* trace_rule - tell explain that a rule was evaluated */
static void trace_rule(void *arg, const struct rule *r, bool matched)
{
    const struct eval *ev = arg;
    ev->c->trace->rule(ev->c->trace->arg, ev->stage, r, matched);
}

/* rule_check - the first check the deciding rule names that has a result, or -1 */
static int rule_check(const struct eval *ev)
{
    for (int id = 0; ev->rule && id < CHECK_COUNT; id++)
        if ((ev->rule->checks & (1u << id)) && conn_check_result(ev->c, id))
            return id;
    return -1;
}

/* check_placeholder - {check}, {result} or {reason} of that check, or NULL */
static const char *check_placeholder(const struct eval *ev, const char *name)
{
    int id = rule_check(ev);
    if (id < 0)
        return NULL;
    const struct check_result *r = conn_check_result(ev->c, id);
    if (strcmp(name, "check") == 0)
        return check_table[id]->name;
    if (strcmp(name, "result") == 0)
        return check_word_name(id, r->word);
    return strcmp(name, "reason") == 0 ? r->reason : NULL;
}

/* placeholder - value of a {placeholder} for the reply text */
static const char *placeholder(void *arg, const char *name)
{
    const struct eval *ev = arg;
    const struct conn *c = ev->c;
    if (strcmp(name, "client_addr") == 0)
        return c->client_addr;
    if (strcmp(name, "client_name") == 0)
        return c->client_name;
    if (strcmp(name, "helo") == 0)
        return c->helo;
    if (strcmp(name, "sender") == 0)
        return c->sender;
    if (strcmp(name, "rcpt") == 0)
        return c->rcpt;
    if (strcmp(name, "queue_id") == 0)
        return conn_queue_id(c);
    if (strcmp(name, "retry_in") == 0)
        return arena_printf(c->msg, "%lld", (long long)c->grey_retry_in);
    if (strcmp(name, "from_domain") == 0)
        return c->from_domain;
    if (strcmp(name, "score") == 0)
        return arena_printf(c->msg, "%g", c->score);
    return check_placeholder(ev, name);
}

/* tarpit - a tarpit rule slows the client down from this reply on, if
 * there is room; else the client is told to come back later */
static struct verdict tarpit(struct eval *ev, const struct rule *r)
{
    const struct config *cfg = ev->c->cfg;
    unsigned ms = r->action.seconds ? r->action.seconds * 1000 : cfg->tarpit.delay_ms;
    bool was = ev->c->tarpit_ms != 0;
    if (!conn_tarpit(ev->c, ms, cfg->tarpit.max_connections))
        return (struct verdict){.kind = ACTION_DEFER, .rule = r, .action = &rule_tarpit_full};
    if (!was) {
        char what[48];
        snprintf(what, sizeof(what), "tarpit %u.%03us", ms / 1000, ms % 1000);
        log_decision(ev->c, ev->stage, r, what, "every reply to this client is delayed");
    }
    return (struct verdict){0};
}

static const char *const grey_outcome_names[] = {
    [GREYLIST_PASS] = "pass",
    [GREYLIST_RETRIED] = "retried",
    [GREYLIST_POSTPONED] = "postponed",
    [GREYLIST_DEFER] = "defer",
    [GREYLIST_UNAVAILABLE] = "unavailable",
};

static const struct action greylist_unavailable = {
    .kind = ACTION_DEFER,
    .code = "451",
    .ecode = "4.3.0",
    .text = "Temporary local problem, please try again later",
};

/* greylist - a greylist rule: defer a first attempt, log a passing retry */
static struct verdict greylist(struct eval *ev, const struct rule *r, enum grey_outcome o)
{
    metrics_add(METRIC_GREYLIST, 1, METRIC_LABELS(grey_outcome_names[o]));
    if (o == GREYLIST_DEFER)
        return (struct verdict){.kind = ACTION_DEFER, .rule = r, .action = &r->action};
    if (o == GREYLIST_UNAVAILABLE)
        return (struct verdict){.kind = ACTION_DEFER, .rule = r, .action = &greylist_unavailable};
    if (o == GREYLIST_RETRIED)
        log_decision(ev->c, ev->stage, r, "greylist pass",
                     conn_check_result(ev->c, CHECK_ID_greylist)->reason);
    return (struct verdict){0};
}

/* add_header - an add_header rule: its header, once per message */
static struct verdict add_header(struct eval *ev, const struct rule *r)
{
    struct conn *c = ev->c;
    const struct rule *saved = ev->rule;
    if (ev->headers == NULL)
        ev->headers = arena_alloc(c->msg, c->cfg->rules.count * sizeof(*ev->headers));
    ev->rule = r;
    struct reply_header *h = &ev->headers[ev->nheaders++];
    h->name = r->action.header;
    h->value = rule_expand_header(r->action.text, placeholder, ev, c->msg);
    ev->rule = saved;
    log_decision(c, ev->stage, r, "add_header", arena_printf(c->msg, "%s: %s", h->name, h->value));
    return (struct verdict){0};
}

/* add_score - a score rule: its points count once per transaction */
static struct verdict add_score(struct eval *ev, const struct rule *r)
{
    struct conn *c = ev->c;
    size_t i = (size_t)(r - c->cfg->rules.rules);
    if (i >= c->cfg->rules.count) /* not a rule of this snapshot */
        return (struct verdict){0};
    if (c->scored == NULL)
        c->scored = arena_alloc(c->msg, c->cfg->rules.count / 8 + 1);
    if (c->scored[i / 8] & (1u << (i % 8)))
        return (struct verdict){0};
    c->scored[i / 8] |= (unsigned char)(1u << (i % 8));
    c->score += r->action.points;
    log_decision(c, ev->stage, r, arena_printf(c->msg, "score %+g", r->action.points),
                 "the score goes on");
    return (struct verdict){0};
}

/* interim - a rule whose action goes on: log, tarpit, greylist, add_header, score */
static struct verdict interim(void *arg, const struct rule *r)
{
    struct eval *ev = arg;
    if (r->action.kind == ACTION_LOG) {
        log_decision(ev->c, ev->stage, r, "log", "no action taken");
        return (struct verdict){0};
    }
    if (r->action.kind == ACTION_TARPIT)
        return tarpit(ev, r);
    if (r->action.kind == ACTION_ADD_HEADER)
        return add_header(ev, r);
    if (r->action.kind == ACTION_SCORE)
        return add_score(ev, r);
    enum grey_outcome o = greylist_run(ev->c, ev->stage);
    if (o == GREYLIST_POSTPONED && ev->c->grey_rule == NULL)
        ev->c->grey_rule = r;
    return greylist(ev, r, o);
}

/* shadow_text - what a rule in shadow mode would have done, for its log line */
static const char *shadow_text(struct eval *ev, const struct action *a)
{
    struct arena *m = ev->c->msg;
    switch (a->kind) {
    case ACTION_REJECT:
    case ACTION_DEFER:
    case ACTION_GREYLIST:
        return arena_printf(m, "%s %s %s", a->code, a->ecode,
                            rule_expand(a->text, placeholder, ev, m));
    case ACTION_QUARANTINE:
        return rule_expand(a->text, placeholder, ev, m);
    case ACTION_ADD_HEADER:
        return arena_printf(m, "%s: %s", a->header,
                            rule_expand_header(a->text, placeholder, ev, m));
    case ACTION_TARPIT:
        return "every reply to this client would be delayed";
    case ACTION_SCORE:
        return arena_printf(m, "%+g points", a->points);
    case ACTION_ACCEPT:
        return "the rules after it would not be evaluated";
    case ACTION_CONTINUE:
    case ACTION_LOG:
        break;
    }
    return "no action taken";
}

/* shadow - a rule in shadow mode matched: log "would ACTION", change nothing */
static void shadow(void *arg, const struct rule *r)
{
    struct eval *ev = arg;
    const struct rule *saved = ev->rule;
    ev->rule = r;
    const char *text = shadow_text(ev, &r->action);
    ev->rule = saved;
    log_decision(ev->c, ev->stage, r,
                 arena_printf(ev->c->msg, "would %s", action_name(r->action.kind)), text);
}

/* stage_range - which rules are decided at stage */
static int stage_range(const struct conn *c, enum stage stage, enum stage *lo, enum stage *hi)
{
    *hi = stage;
    if (stage == STAGE_EOM || stage == STAGE_EOH)
        *lo = STAGE_EOH;
    else if (c->cfg->delay_reject)
        *lo = stage == STAGE_RCPT ? STAGE_NONE : STAGE_COUNT;
    else
        *lo = stage == STAGE_CONNECT ? STAGE_NONE : stage;
    return *lo <= *hi;
}

/* make_reply - the reply for a verdict, logged */
static struct reply make_reply(struct eval *ev, struct verdict v)
{
    const struct action *a = v.action;
    ev->rule = v.rule;
    conn_tally_decision(ev->c, stage_names[ev->stage], v.kind);
    struct reply rep = {.kind = v.kind};
    if (v.kind == ACTION_QUARANTINE) {
        rep.text = rule_expand(a->text, placeholder, ev, ev->c->msg);
        log_decision(ev->c, ev->stage, v.rule, action_name(v.kind), rep.text);
    } else if (v.kind == ACTION_REJECT || v.kind == ACTION_DEFER) {
        rep.code = a->code;
        rep.ecode = a->ecode;
        rep.text = rule_expand(a->text, placeholder, ev, ev->c->msg);
        char line[600];
        snprintf(line, sizeof(line), "%s %s %s", rep.code, rep.ecode, rep.text);
        log_decision(ev->c, ev->stage, v.rule, action_name(a->kind), line);
    } else {
        log_decision(ev->c, ev->stage, v.rule, action_name(v.kind), "no further rules");
    }
    return rep;
}

/* postponed - at end of message, the greylisting postponed at RCPT */
static struct verdict postponed(struct eval *ev, enum stage stage)
{
    for (unsigned i = 0; stage == STAGE_EOM && i < ev->c->nrcpts; i++)
        if (ev->c->rcpts[i].grey_later)
            return greylist(ev, ev->c->grey_rule, greylist_postponed(ev->c));
    return (struct verdict){0};
}

/* accept_early - with delay_reject, an accept rule that connect already
 * decides (an allow list) allows the connection now: no later check starts */
static struct reply accept_early(struct eval *ev)
{
    struct expr_env env = {
        .words = words_of, .fact = fact_of, .macro = macro_of, .score = score_of, .arg = ev};
    const struct rule *r = rules_accept_early(&ev->c->cfg->rules, STAGE_CONNECT, &env);
    if (r == NULL)
        return (struct reply){0};
    ev->c->allowed = true;
    return make_reply(ev, (struct verdict){.kind = ACTION_ACCEPT, .rule = r, .action = &r->action});
}

/* decide_rules - rules at a stage to a reply */
static struct reply decide_rules(struct conn *c, enum stage stage)
{
    enum stage lo, hi;
    struct eval ev = {.c = c, .stage = stage};
    if (conn_trusted(c))
        return (struct reply){0};
    if (stage == STAGE_CONNECT && c->cfg->delay_reject)
        return accept_early(&ev);
    if (!stage_range(c, stage, &lo, &hi))
        return (struct reply){0};
    if (stage >= STAGE_EOH && c->nrcpts > 0 && c->rcpts_exempt == c->nrcpts)
        return (struct reply){0};
    struct expr_env env = {.words = words_of,
                           .fact = fact_of,
                           .macro = macro_of,
                           .score = score_of,
                           .arg = &ev,
                           .trace = c->trace ? trace_rule : NULL};
    static const struct rule_calls calls = {.interim = interim, .shadow = shadow};
    struct verdict v = postponed(&ev, stage);
    if (v.kind == ACTION_CONTINUE)
        v = rules_eval(&c->cfg->rules, lo, hi, &env, &calls);
    struct reply rep = {0};
    if (v.kind == ACTION_ACCEPT && stage == STAGE_RCPT)
        c->rcpt_exempt = true;
    if (v.kind == ACTION_ACCEPT && stage == STAGE_CONNECT)
        c->allowed = true; /* the whole connection */
    if (v.kind != ACTION_CONTINUE)
        rep = make_reply(&ev, v);
    rep.headers = ev.headers;
    rep.nheaders = ev.nheaders;
    return rep;
}

/* decide - the rules' reply, timed */
struct reply decide(struct conn *c, enum stage stage)
{
    int64_t t0 = metrics_now_us();
    struct reply rep = decide_rules(c, stage);
    metrics_since(METRIC_STAGE_SECONDS, t0, stage_names[stage]);
    return rep;
}
