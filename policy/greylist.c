/* greylist.c - check greylist and the greylist action: defer the first
 * attempt of a (client network, sender, recipient) triplet, pass its retry
 * after the delay. When SPF passed, the sender's domain stands in for the
 * network, so that a retry from another address of a big sender's pool
 * passes. The store answers; a store that cannot answer never delays mail
 * unless checks.greylist.on_error says "defer". */
#include "greylist.h"

#include "arena.h"
#include "conn.h"
#include "greylist_key.h"
#include "settings.h"
#include "log.h"
#include "spf.h"
#include "store.h"
#include "util.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

struct greylist_settings {
    unsigned delay, retry_window, lifetime, net4, net6, auto_allow;
    bool defer_on_error;
};

static const char *const greylist_words[] = {
    [GW_NONE] = "none",
    [GW_NEW] = "new",
    [GW_EARLY] = "early",
    [GW_RETRIED] = "retried",
    [GW_KNOWN] = "known",
    [GW_ALLOWED] = "allowed",
    [GW_POSTPONED] = "postponed",
    [GW_SKIPPED] = "skipped",
    [GW_UNAVAILABLE] = "unavailable",
    NULL,
};

static const struct {
    const char *name;
    size_t offset;
    unsigned min, max;
} numbers[] = {
    {"delay", offsetof(struct greylist_settings, delay), 0, 86400},
    {"retry_window", offsetof(struct greylist_settings, retry_window), 1, 30 * 86400},
    {"lifetime", offsetof(struct greylist_settings, lifetime), 1, 366 * 86400},
    {"net4", offsetof(struct greylist_settings, net4), 8, 32},
    {"net6", offsetof(struct greylist_settings, net6), 16, 128},
    {"auto_allow", offsetof(struct greylist_settings, auto_allow), 0, 1000},
};

static atomic_llong last_warning; /* when the store's failure was last logged */

/* read_number - one of the numeric settings, or 1 if g is not one */
static int read_number(const config_setting_t *g, struct greylist_settings *s, char *err,
                       size_t errlen)
{
    for (size_t i = 0; i < ARRAY_LEN(numbers); i++) {
        if (strcmp(config_setting_name(g), numbers[i].name) != 0)
            continue;
        return settings_uint(g, numbers[i].min, numbers[i].max,
                             (unsigned *)((char *)s + numbers[i].offset), err, errlen);
    }
    return 1;
}

/* read_on_error - on_error = "continue" | "defer" */
static int read_on_error(const config_setting_t *g, struct greylist_settings *s, char *err,
                         size_t errlen)
{
    const char *v = config_setting_get_string(g);
    if (v && (strcmp(v, "continue") == 0 || strcmp(v, "defer") == 0)) {
        s->defer_on_error = v[0] == 'd';
        return 0;
    }
    snprintf(err, errlen, "on_error must be \"continue\" or \"defer\"");
    return -1;
}

/* greylist_configure - checks.greylist = { delay; retry_window; lifetime;
 * net4; net6; auto_allow; on_error; } */
static int greylist_configure(const config_setting_t *group, struct arena *arena, void **settings,
                              char *err, size_t errlen)
{
    struct greylist_settings *s = arena_alloc(arena, sizeof(*s));
    *s = (struct greylist_settings){.delay = 300,
                                    .retry_window = 2 * 86400,
                                    .lifetime = 35 * 86400,
                                    .net4 = 24,
                                    .net6 = 64,
                                    .auto_allow = 5};
    *settings = s;
    for (int i = 0; group && i < config_setting_length(group); i++) {
        const config_setting_t *g = config_setting_get_elem(group, (unsigned)i);
        int r = strcmp(config_setting_name(g), "on_error") == 0 ? read_on_error(g, s, err, errlen)
                                                                : read_number(g, s, err, errlen);
        if (r > 0)
            snprintf(err, errlen, "unknown setting \"%s\"", config_setting_name(g));
        if (r != 0)
            return -1;
    }
    if (s->delay >= s->retry_window) {
        snprintf(err, errlen, "delay must be shorter than retry_window");
        return -1;
    }
    return 0;
}

/* greylist_finish - the outcome so far; the action sets it */
static struct check_result greylist_finish(struct conn *c, const void *settings, void *state)
{
    (void)c, (void)settings, (void)state;
    return (struct check_result){.word = GW_NONE, .reason = "the greylist action has not run"};
}

/* set_result - record the check's word and reason */
static void set_result(struct conn *c, enum grey_word w, const char *reason)
{
    struct check_slot *slot = &c->slots[CHECK_ID_greylist];
    slot->state = SLOT_DONE;
    slot->result = (struct check_result){.word = w, .reason = reason};
}

/* origin_of - "spf:DOMAIN" when SPF passes, else the network. The SPF
 * check is a need of this one: its query went out at MAIL. */
static const char *origin_of(struct conn *c, const char *net)
{
    conn_check_word(c, CHECK_ID_spf);
    const struct spf_state *spf = spf_mailfrom_state(c);
    if (spf && spf->answer.result == SPF_PASS && spf->in.domain)
        return str_lower(arena_printf(c->msg, "spf:%s", spf->in.domain));
    return net;
}

/* store_down - the store could not answer: say so at most once a minute */
static enum grey_outcome store_down(struct conn *c, const struct greylist_settings *s)
{
    long long now = time(NULL), last = atomic_load(&last_warning);
    set_result(c, GW_UNAVAILABLE, "the state store could not answer");
    if (now - last >= 60 && atomic_compare_exchange_strong(&last_warning, &last, now))
        log_warn("greylisting %s: the state store %s cannot answer (logged at most once a "
                 "minute)",
                 s->defer_on_error ? "defers mail" : "is skipped",
                 c->cfg->store ? store_spec(c->cfg->store) : "(none)");
    return s->defer_on_error ? GREYLIST_UNAVAILABLE : GREYLIST_PASS;
}

/* outcome_of - the store's answer as an outcome, recorded in the check */
static enum grey_outcome outcome_of(struct conn *c, const struct grey_answer *a, int64_t now)
{
    static const enum grey_word words[] = {[GREY_NEW] = GW_NEW,
                                           [GREY_EARLY] = GW_EARLY,
                                           [GREY_RETRIED] = GW_RETRIED,
                                           [GREY_KNOWN] = GW_KNOWN,
                                           [GREY_ALLOWED] = GW_ALLOWED};
    const char *why = NULL;
    if (a->state == GREY_NEW || a->state == GREY_EARLY) {
        int64_t wait = a->pass_at > now ? a->pass_at - now : 0;
        c->grey_retry_in = wait > c->grey_retry_in ? wait : c->grey_retry_in;
        why = arena_printf(c->msg, "%s attempt, a retry passes in %lld s",
                           a->state == GREY_NEW ? "first" : "early", (long long)wait);
    } else if (a->state == GREY_RETRIED) {
        why = arena_printf(c->msg, "retried after %lld s", (long long)(now - a->first_seen));
    }
    set_result(c, words[a->state], why);
    if (a->state == GREY_NEW || a->state == GREY_EARLY)
        return GREYLIST_DEFER;
    return a->state == GREY_RETRIED ? GREYLIST_RETRIED : GREYLIST_PASS;
}

/* greylist_net - an address's network under the configuration */
void greylist_net(const struct config *cfg, const struct ipaddr *a, char *out, size_t len)
{
    const struct greylist_settings *s = cfg->check_settings[CHECK_ID_greylist];
    grey_net(a, s->net4, s->net6, out, len);
}

/* one - greylist one recipient */
static enum grey_outcome one(struct conn *c, const char *rcpt)
{
    const struct greylist_settings *s = c->cfg->check_settings[CHECK_ID_greylist];
    char net[GREY_NET_LEN], sender[512], to[512];
    greylist_net(c->cfg, &c->addr, net, sizeof(net));
    grey_sender(c->sender, sender, sizeof(sender));
    strlcpy_(to, rcpt, sizeof(to));
    str_lower(to);
    struct grey_key key = {.net = net, .origin = origin_of(c, net), .sender = sender, .rcpt = to};
    struct grey_policy p = {.now = time(NULL),
                            .delay = s->delay,
                            .retry_window = s->retry_window,
                            .lifetime = s->lifetime,
                            .auto_allow = s->auto_allow};
    struct grey_answer a;
    if (c->cfg->store == NULL || store_greylist(c->cfg->store, &key, &p, &a) == STORE_TRYLATER)
        return store_down(c, s);
    return outcome_of(c, &a, p.now);
}

/* worse - the outcome that decides when several recipients are greylisted */
static enum grey_outcome worse(enum grey_outcome a, enum grey_outcome b)
{
    return a > b ? a : b;
}

/* every_rcpt - greylist the message's recipients (those postponed only, or all) */
static enum grey_outcome every_rcpt(struct conn *c, bool postponed_only)
{
    enum grey_outcome out = GREYLIST_PASS;
    enum grey_word w = GW_NONE;
    const char *why = NULL;
    for (unsigned i = 0; i < c->nrcpts; i++) {
        const struct conn_rcpt *r = &c->rcpts[i];
        if (r->exempt || (postponed_only && !r->grey_later))
            continue;
        enum grey_outcome o = one(c, r->addr);
        if (o >= out && conn_check_result(c, CHECK_ID_greylist)) {
            w = c->slots[CHECK_ID_greylist].result.word;
            why = c->slots[CHECK_ID_greylist].result.reason;
        }
        out = worse(out, o);
    }
    if (w != GW_NONE)
        set_result(c, w, why);
    return out;
}

/* greylist_run - the greylist action at a stage */
enum grey_outcome greylist_run(struct conn *c, enum stage stage)
{
    if (c->addr.family == 0) {
        set_result(c, GW_SKIPPED, "no IP client");
        return GREYLIST_PASS;
    }
    if (stage != STAGE_RCPT)
        return every_rcpt(c, false);
    if (list_match(lists_find(&c->cfg->lists, "exempt_rcpt"), c->rcpt)) {
        set_result(c, GW_SKIPPED, "exempt recipient");
        return GREYLIST_PASS;
    }
    if (c->sender == NULL || c->sender[0] == '\0') {
        c->grey_later = true;
        set_result(c, GW_POSTPONED, "null sender: greylisted at end of message");
        return GREYLIST_POSTPONED;
    }
    return one(c, c->rcpt);
}

/* greylist_postponed - the null sender's recipients, at end of message */
enum grey_outcome greylist_postponed(struct conn *c)
{
    if (c->addr.family == 0 || c->rcpts_exempt > 0)
        return GREYLIST_PASS;
    return every_rcpt(c, true);
}

static const char *const greylist_needs[] = {"spf", NULL};

const struct check_def check_greylist = {
    .name = "greylist",
    .stage = STAGE_RCPT,
    .words = greylist_words,
    .needs = greylist_needs,
    .configure = greylist_configure,
    .finish = greylist_finish,
};
