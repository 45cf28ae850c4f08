/* dnsl_run.c - a DNS list check on a connection: every zone is asked at
 * once when the check starts (through the shared resolver, so identical
 * queries from other connections are coalesced and answers cached), and the
 * answers are waited for, within the transaction's DNS budget, when a rule
 * first needs the result. */
#include "dnsl.h"

#include "arena.h"
#include "conn.h"

#include <string.h>

#define DNSL_REASON_MAX 400 /* it goes into SMTP replies: lines of at most 512 */

struct dnsl_state {
    struct arena *arena;  /* where the reason goes: the check's arena */
    const char *subject;  /* "192.0.2.1", "sender domain example.com"; NULL: not checked */
    const char *why;      /* why not checked */
    struct dns_query **q; /* one per zone; NULL where the name did not fit */
    const char **values;  /* once finished: "ZONE" and "ZONE=CODE" of each listing zone */
};

/* new_state - a state for the check, with why until a subject is set */
static struct dnsl_state *new_state(const struct dnsl_settings *s, struct arena *arena,
                                    const char *why)
{
    struct dnsl_state *st = arena_alloc(arena, sizeof(*st));
    st->arena = arena;
    st->why = s->nzones == 0 ? "no zones configured" : why;
    st->q = arena_alloc(arena, (s->nzones + 1) * sizeof(*st->q));
    return st;
}

/* dnsl_start_ip - the client address in every zone */
void dnsl_start_ip(struct conn *c, const void *settings, struct arena *arena, void **state)
{
    const struct dnsl_settings *s = settings;
    struct dnsl_state *st = new_state(s, arena, "no IP client");
    char name[300];
    *state = st;
    if (c->addr.family == 0 || s->nzones == 0)
        return;
    st->subject = arena_strdup(arena, c->client_addr);
    for (size_t i = 0; i < s->nzones; i++)
        if (dnsl_ip_name(&c->addr, s->zones[i].zone, name, sizeof(name)) == 0)
            st->q[i] = conn_dns_submit(c, arena, name, DNS_T_A);
}

/* dnsl_start_domain - a domain in every zone; what names it for the reason */
void dnsl_start_domain(struct conn *c, const void *settings, struct arena *arena, void **state,
                       const char *what, const char *domain, const char *why)
{
    const struct dnsl_settings *s = settings;
    struct dnsl_state *st = new_state(s, arena, why);
    char name[300];
    *state = st;
    if (domain == NULL || s->nzones == 0)
        return;
    for (size_t i = 0; i < s->nzones; i++)
        if (dnsl_domain_name(domain, s->zones[i].zone, name, sizeof(name)) == 0)
            st->q[i] = conn_dns_submit(c, arena, name, DNS_T_A);
    for (size_t i = 0; i < s->nzones && st->subject == NULL; i++)
        if (st->q[i] != NULL)
            st->subject = arena_printf(arena, "%s %s", what, domain);
    if (st->subject == NULL)
        st->why = arena_printf(arena, "%s \"%s\" is not a usable domain name", what, domain);
}

/* zone_values - "ZONE", then "ZONE=CODE" per listing code, of each zone
 * that listed the subject (bit in listed), NULL-terminated, in arena */
static const char **zone_values(const struct dnsl_settings *s, const struct dnsl_answer *ans,
                                uint32_t listed, struct arena *arena)
{
    size_t n = 0;
    for (size_t i = 0; i < s->nzones && i < 32; i++)
        n += (listed >> i & 1) ? 1 + ans[i].r->count : 0;
    const char **v = arena_alloc(arena, (n + 1) * sizeof(*v)), **o = v;
    for (size_t i = 0; i < s->nzones && i < 32; i++) {
        if (!(listed >> i & 1))
            continue;
        *o++ = s->zones[i].zone;
        for (size_t k = 0; k < ans[i].r->count; k++) {
            const unsigned char *a = ans[i].r->rr[k].u.a;
            if (dnsl_code(&s->zones[i], a) == DNSL_CODE_LISTED)
                *o++ =
                    arena_printf(arena, "%s=%u.%u.%u.%u", s->zones[i].zone, a[0], a[1], a[2], a[3]);
        }
    }
    return v;
}

/* ask_txt - the TXT records of the listing zones that want them: all
 * queries out before the first wait; a TXT that fails is only left out */
static void ask_txt(struct conn *c, const struct dnsl_settings *s, const struct dnsl_state *st,
                    struct dnsl_answer *ans)
{
    struct dns_query **t = arena_alloc(st->arena, (s->nzones + 1) * sizeof(*t));
    for (size_t i = 0; i < s->nzones; i++)
        if (s->zones[i].txt && dnsl_lists(&s->zones[i], ans[i].r))
            t[i] = conn_dns_submit(c, st->arena, ans[i].r->name, DNS_T_TXT);
    for (size_t i = 0; i < s->nzones; i++)
        if (t[i] != NULL)
            ans[i].txt = conn_dns_wait(c, t[i]);
}

/* dnsl_finish - wait for the zones and decide */
struct check_result dnsl_finish(struct conn *c, const void *settings, void *state)
{
    const struct dnsl_settings *s = settings;
    struct dnsl_state *st = state;
    char reason[DNSL_REASON_MAX];
    uint32_t listed;
    if (st == NULL || st->subject == NULL)
        return (struct check_result){DNSL_NONE, st ? st->why : "not checked"};
    struct dnsl_answer *ans = arena_alloc(st->arena, s->nzones * sizeof(*ans));
    for (size_t i = 0; i < s->nzones; i++)
        ans[i] = (struct dnsl_answer){.zone = &s->zones[i],
                                      .r = st->q[i] ? conn_dns_wait(c, st->q[i]) : NULL};
    ask_txt(c, s, st, ans);
    enum dnsl_word w = dnsl_decide(s, ans, st->subject, reason, sizeof(reason), &listed);
    st->values = zone_values(s, ans, listed, st->arena);
    return (struct check_result){(int)w, arena_strdup(st->arena, reason)};
}

/* dnsl_zone_value - the i-th value of a finished check */
const char *dnsl_zone_value(const void *state, unsigned i)
{
    const struct dnsl_state *st = state;
    for (unsigned k = 0; st && st->values && st->values[k]; k++)
        if (k == i)
            return st->values[k];
    return NULL;
}
