/* sendermx.c - check sendermx: can the envelope sender's domain receive mail
 * at all (a bounce, a reply)? Postfix's reject_unknown_sender_domain, plus
 * RFC 7505 null MX and two MX mistakes for rules.
 *
 * Words: none ok nomx_noaddr nullmx mx_literal mx_cname temperror (see
 * sendermx.h and sendermx_decide.c). The null sender, an address without a
 * domain or with an address-literal domain, and a client without IP are none.
 *
 * The MX, A and AAAA queries go out at MAIL, in parallel. When MX answers,
 * the CNAME queries of its usable targets (at most SENDERMX_MAX_TARGETS) go
 * out at once; A and AAAA are then not waited for. The check only asks DNS:
 * it never connects to the sender's servers (sender callouts make us a tool
 * against third parties). */
#include "arena.h"
#include "check.h"
#include "conn.h"
#include "dns.h"
#include "sendermx.h"

#include <string.h>

#define SENDERMX_MAX_TARGETS 10
#define SENDERMX_REASON_MAX 600

enum { Q_MX, Q_A, Q_AAAA, Q_COUNT };

struct sendermx_state {
    const char *domain; /* NULL: not checked, for the reason in why */
    const char *why;    /* why not checked */
    struct dns_query *q[Q_COUNT];
};

/* domain_of - the sender's domain, or NULL with why */
static const char *domain_of(const struct conn *c, const char **why)
{
    const char *at = c->sender ? strrchr(c->sender, '@') : NULL;
    if (c->addr.family == 0)
        *why = "no IP client";
    else if (c->sender == NULL || c->sender[0] == '\0')
        *why = "null sender";
    else if (at == NULL || at[1] == '\0')
        *why = "sender address without a domain";
    else if (at[1] == '[')
        *why = "sender domain is an address literal";
    else
        return at + 1;
    return NULL;
}

/* sendermx_start - send MX, A and AAAA for the sender's domain */
static void sendermx_start(struct conn *c, const void *settings, struct arena *arena, void **state)
{
    static const enum dns_type types[Q_COUNT] = {DNS_T_MX, DNS_T_A, DNS_T_AAAA};
    struct sendermx_state *st = arena_alloc(arena, sizeof(*st));
    (void)settings;
    memset(st, 0, sizeof(*st));
    *state = st;
    st->domain = domain_of(c, &st->why);
    if (st->domain == NULL)
        return;
    st->domain = arena_strdup(arena, st->domain);
    for (int i = 0; i < Q_COUNT; i++)
        st->q[i] = conn_dns_submit(c, arena, st->domain, types[i]);
}

/* cname_of - what a CNAME answer says about a target */
static enum sendermx_cname cname_of(const struct dns_result *r)
{
    switch (r->status) {
    case DNS_FOUND:
        return SENDERMX_CNAME_YES;
    case DNS_NXDOMAIN:
    case DNS_NODATA:
        return SENDERMX_CNAME_NO;
    case DNS_TRYLATER:
        break;
    }
    return SENDERMX_CNAME_TRYLATER;
}

/* targets_of - the MX records, each usable one's CNAME looked up, all
 * queries out before the first wait */
static struct sendermx_target *targets_of(struct conn *c, const struct dns_result *mx, size_t *n)
{
    struct dns_query *q[SENDERMX_MAX_TARGETS] = {0};
    struct sendermx_target *t = arena_alloc(c->msg, (mx->count + 1) * sizeof(*t));
    for (size_t i = 0; i < mx->count; i++) {
        t[i] = (struct sendermx_target){mx->rr[i].u.host.name, mx->rr[i].u.host.pref,
                                        SENDERMX_CNAME_UNKNOWN};
        if (i < SENDERMX_MAX_TARGETS && sendermx_usable(t[i].name))
            q[i] = dns_submit(c->dns, t[i].name, DNS_T_CNAME);
    }
    for (size_t i = 0; i < SENDERMX_MAX_TARGETS; i++)
        if (q[i] != NULL) {
            t[i].cname = cname_of(conn_dns_wait(c, q[i]));
            dns_release(&q[i]);
        }
    *n = mx->count;
    return t;
}

/* gather - the answers the decision needs: MX, and A/AAAA only without MX */
static void gather(struct conn *c, struct sendermx_state *st, struct sendermx_facts *f)
{
    const struct dns_result *mx = conn_dns_wait(c, st->q[Q_MX]);
    f->mx = mx->status;
    f->mx_why = mx->why;
    if (mx->status == DNS_FOUND) {
        f->targets = targets_of(c, mx, &f->ntargets);
        return;
    }
    if (mx->status == DNS_TRYLATER)
        return;
    const struct dns_result *a = conn_dns_wait(c, st->q[Q_A]);
    f->a = a->status;
    f->a_why = a->why;
    if (a->status == DNS_FOUND)
        return;
    const struct dns_result *aaaa = conn_dns_wait(c, st->q[Q_AAAA]);
    f->aaaa = aaaa->status;
    f->aaaa_why = aaaa->why;
}

/* sendermx_finish - wait for what the outcome depends on and decide */
static struct check_result sendermx_finish(struct conn *c, const void *settings, void *state)
{
    struct sendermx_state *st = state;
    char reason[SENDERMX_REASON_MAX];
    (void)settings;
    if (st == NULL || st->domain == NULL)
        return (struct check_result){SENDERMX_NONE, st ? st->why : "not checked"};
    struct sendermx_facts f = {.domain = st->domain};
    gather(c, st, &f);
    enum sendermx_word w = sendermx_decide(&f, reason, sizeof(reason));
    return (struct check_result){w, arena_strdup(c->msg, reason)};
}

const struct check_def check_sendermx = {
    .name = "sendermx",
    .stage = STAGE_MAIL,
    .words = sendermx_words,
    .start = sendermx_start,
    .finish = sendermx_finish,
};
