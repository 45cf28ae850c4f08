/* store.c - the state store's front: "type:spec" to a backend, reference
 * counting, delegation, the greylisting rules every backend applies, and
 * the DMARC history's days */
#include "store.h"

#include "metrics.h"
#include "store_backend.h"
#include "util.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A used entry's expiry is written back at most this often (seconds), so
 * that steady-state lookups of known triplets and allowed nets are reads.
 * The Redis backend's script (store_redis_ops.c) repeats it. */
#define REFRESH_SLACK 3600

static const struct store_backend *const backends[] = {
    &store_backend_sqlite,
    &store_backend_redis,
};

struct store {
    atomic_uint refs;
    char *spec, *shown; /* shown: for logs, the password masked */
    const struct store_backend *be;
    void *h;
    bool dry; /* store_open_dry: reads only */
};

/* backend_of - the backend spec names and where its argument starts */
static const struct store_backend *backend_of(const char *spec, const char **arg, char *err,
                                              size_t errlen)
{
    const char *colon = strchr(spec, ':');
    if (colon == NULL) {
        snprintf(err, errlen, "store \"%s\" is not type:spec (e.g. sqlite:/path/state.db)", spec);
        return NULL;
    }
    size_t len = (size_t)(colon - spec);
    for (size_t i = 0; i < ARRAY_LEN(backends); i++) {
        if (strlen(backends[i]->type) == len && strncmp(spec, backends[i]->type, len) == 0) {
            *arg = colon + 1;
            return backends[i];
        }
    }
    snprintf(err, errlen, "unknown store type \"%.*s\"", (int)len, spec);
    return NULL;
}

/* store_spec_check - known type and well-formed argument */
int store_spec_check(const char *spec, char *err, size_t errlen)
{
    const char *arg;
    const struct store_backend *be = backend_of(spec, &arg, err, errlen);
    return be ? be->check(arg, err, errlen) : -1;
}

/* store_path - the local file of a good spec, or NULL */
const char *store_path(const char *spec)
{
    char err[256];
    const char *arg;
    const struct store_backend *be = backend_of(spec, &arg, err, sizeof(err));
    if (be == NULL || be->path == NULL || be->check(arg, err, sizeof(err)) < 0)
        return NULL;
    return be->path(arg);
}

/* store_spec_redact - spec for logs: a password= option's value masked */
void store_spec_redact(const char *spec, char *out, size_t len)
{
    const char *pw = strstr(spec, "password=");
    if (pw == NULL || (pw != spec && pw[-1] != '?' && pw[-1] != '&')) {
        strlcpy_(out, spec, len);
        return;
    }
    const char *rest = pw + strlen("password=") + strcspn(pw, "&") - strlen("password=");
    snprintf(out, len, "%.*spassword=*****%s", (int)(pw - spec), spec, rest);
}

/* store_open - check the spec and open its backend */
struct store *store_open(const char *spec, char *err, size_t errlen)
{
    const char *arg;
    const struct store_backend *be = backend_of(spec, &arg, err, errlen);
    if (be == NULL || be->check(arg, err, errlen) < 0)
        return NULL;
    struct store *st = xcalloc(1, sizeof(*st));
    atomic_init(&st->refs, 1);
    st->spec = xstrdup(spec);
    char shown[1024];
    store_spec_redact(spec, shown, sizeof(shown));
    st->shown = xstrdup(shown);
    st->be = be;
    st->h = be->open(st->spec + (arg - spec));
    return st;
}

/* store_open_dry - a store that reads spec's backend and writes nothing */
struct store *store_open_dry(const char *spec, char *err, size_t errlen)
{
    struct store *st = store_open(spec, err, errlen);
    if (st)
        st->dry = true;
    return st;
}

/* store_ref - one more reference */
struct store *store_ref(struct store *st)
{
    atomic_fetch_add_explicit(&st->refs, 1, memory_order_relaxed);
    return st;
}

/* store_unref - drop a reference; the last one closes the backend */
void store_unref(struct store **stp)
{
    if (stp == NULL || *stp == NULL)
        return;
    struct store *st = *stp;
    *stp = NULL;
    if (atomic_fetch_sub_explicit(&st->refs, 1, memory_order_acq_rel) != 1)
        return;
    st->be->close(st->h);
    free(st->spec);
    free(st->shown);
    free(st);
}

/* store_spec - the spec as opened */
const char *store_spec(const struct store *st)
{
    return st->shown;
}

/* A dry store's read of one greylist key. */
struct peek {
    const struct grey_key *key;
    struct grey_rec g;
    struct net_rec n;
};

/* peek_triplet - the key's triplet row, if this is it */
static int peek_triplet(void *arg, const struct grey_row *row)
{
    struct peek *pk = arg;
    if (strcmp(row->origin, pk->key->origin) != 0 || strcmp(row->sender, pk->key->sender) != 0 ||
        strcmp(row->rcpt, pk->key->rcpt) != 0)
        return 0;
    pk->g = (struct grey_rec){.found = true,
                              .first_seen = row->first_seen,
                              .last_seen = row->last_seen,
                              .passed = row->passed,
                              .expires = row->expires,
                              .attempts = row->attempts};
    return 1;
}

/* peek_net - the key's net row, if this is it */
static int peek_net(void *arg, const struct net_row *row)
{
    struct peek *pk = arg;
    if (strcmp(row->net, pk->key->net) != 0)
        return 0;
    pk->n = (struct net_rec){.found = true,
                             .by_operator = row->by_operator,
                             .passes = row->passes,
                             .allowed_until = row->allowed_until};
    return 1;
}

/* grey_peek - what the backend would answer, from reads only: the same
 * rules applied to copies of the rows, nothing written back */
static enum store_status grey_peek(struct store *st, const struct grey_key *key,
                                   const struct grey_policy *p, struct grey_answer *out)
{
    struct peek pk = {.key = key};
    if (st->be->grey_each(st->h, key->rcpt, peek_triplet, &pk) == STORE_TRYLATER ||
        st->be->net_each(st->h, peek_net, &pk) == STORE_TRYLATER)
        return STORE_TRYLATER;
    store_grey_decide(p, &pk.g, &pk.n, out);
    return STORE_FOUND;
}

/* store_greylist - the backend's answer; *out only when there is one */
enum store_status store_greylist(struct store *st, const struct grey_key *key,
                                 const struct grey_policy *p, struct grey_answer *out)
{
    struct grey_answer a = {0};
    int64_t t0 = metrics_now_us();
    enum store_status s = st->dry ? grey_peek(st, key, p, &a) : st->be->greylist(st->h, key, p, &a);
    metrics_store_op("greylist", s, t0);
    if (s == STORE_TRYLATER)
        return s;
    *out = a;
    return a.state == GREY_NEW ? STORE_MISSING : STORE_FOUND;
}

/* store_grey_each - delegate */
enum store_status store_grey_each(struct store *st, const char *match,
                                  int (*fn)(void *arg, const struct grey_row *row), void *arg)
{
    return st->be->grey_each(st->h, match, fn, arg);
}

/* store_net_each - delegate */
enum store_status store_net_each(struct store *st, int (*fn)(void *arg, const struct net_row *row),
                                 void *arg)
{
    return st->be->net_each(st->h, fn, arg);
}

/* store_net_allow - delegate */
enum store_status store_net_allow(struct store *st, const char *net, int64_t until,
                                  bool by_operator)
{
    if (st->dry)
        return STORE_TRYLATER;
    return st->be->net_allow(st->h, net, until, by_operator);
}

/* store_grey_drop - delegate with the count cleared */
enum store_status store_grey_drop(struct store *st, const char *match, unsigned long *dropped)
{
    *dropped = 0;
    if (st->dry)
        return STORE_TRYLATER;
    return st->be->grey_drop(st->h, match, dropped);
}

/* store_grey_stats - delegate with the counts cleared */
enum store_status store_grey_stats(struct store *st, int64_t now, struct grey_stats *out)
{
    memset(out, 0, sizeof(*out));
    return st->be->grey_stats(st->h, now, out);
}

/* store_expire - delegate with the count cleared */
enum store_status store_expire(struct store *st, int64_t now, unsigned long *removed)
{
    *removed = 0;
    if (st->dry)
        return STORE_TRYLATER;
    int64_t t0 = metrics_now_us();
    enum store_status s = st->be->expire(st->h, now, removed);
    metrics_store_op("expire", s, t0);
    return s;
}

/* store_rcpt_get - delegate, counted */
enum store_status store_rcpt_get(struct store *st, const char *addr, int64_t now,
                                 struct rcpt_entry *out)
{
    int64_t t0 = metrics_now_us();
    enum store_status s = st->be->rcpt_get(st->h, addr, now, out);
    metrics_store_op("rcpt_get", s, t0);
    return s;
}

/* store_rcpt_put - delegate, counted */
enum store_status store_rcpt_put(struct store *st, const char *addr, const struct rcpt_entry *e,
                                 int64_t now)
{
    int64_t t0 = metrics_now_us();
    enum store_status s = st->be->rcpt_put(st->h, addr, e, now);
    metrics_store_op("rcpt_put", s, t0);
    return s;
}

/* store_dmarc_day - the UTC day of t, rounded down */
int64_t store_dmarc_day(int64_t t)
{
    return (t < 0 ? t - 86399 : t) / 86400;
}

/* store_dmarc_oldest - the first day the retention keeps */
int64_t store_dmarc_oldest(int64_t now)
{
    return store_dmarc_day(now) - STORE_DMARC_RETENTION_DAYS;
}

/* or_empty - s, or "" for NULL */
static const char *or_empty(const char *s)
{
    return s ? s : "";
}

/* store_dmarc_record - delegate with every NULL string made "" */
enum store_status store_dmarc_record(struct store *st, const struct dmarc_row *row)
{
    struct dmarc_row r = {.day = row->day,
                          .source_ip = or_empty(row->source_ip),
                          .header_from = or_empty(row->header_from),
                          .envelope_from = or_empty(row->envelope_from),
                          .spf_domain = or_empty(row->spf_domain),
                          .spf_result = or_empty(row->spf_result),
                          .dkim = or_empty(row->dkim),
                          .policy_published = or_empty(row->policy_published),
                          .disposition = or_empty(row->disposition),
                          .dmarc_result = or_empty(row->dmarc_result)};
    if (st->dry)
        return STORE_FOUND; /* counted nowhere */
    int64_t t0 = metrics_now_us();
    enum store_status s = st->be->dmarc_record(st->h, &r);
    metrics_store_op("dmarc_record", s, t0);
    return s;
}

/* store_dmarc_each - delegate */
enum store_status
store_dmarc_each(struct store *st, int64_t day_from, int64_t day_to,
                 int (*fn)(void *arg, const struct dmarc_row *row, unsigned long count), void *arg)
{
    return st->be->dmarc_each(st->h, day_from, day_to, fn, arg);
}

/* max64 - the larger of two times */
static int64_t max64(int64_t a, int64_t b)
{
    return a > b ? a : b;
}

/* stale - whether an expiry of a used entry is due for a write-back */
static bool stale(int64_t expires, const struct grey_policy *p)
{
    int64_t slack = p->lifetime / 4 < REFRESH_SLACK ? p->lifetime / 4 : REFRESH_SLACK;
    return expires < p->now + (int64_t)p->lifetime - slack;
}

/* allowed - case 1: the net is allowed; an auto-allowed one slides on use */
static unsigned allowed(const struct grey_policy *p, struct net_rec *n, struct grey_answer *out)
{
    *out = (struct grey_answer){.state = GREY_ALLOWED};
    if (n->by_operator || !stale(n->allowed_until, p))
        return GREY_WRITE_NONE;
    n->allowed_until = p->now + p->lifetime;
    n->expires = max64(n->expires, n->allowed_until);
    return GREY_WRITE_NET;
}

/* retried - case 4: the triplet passes and the net counts a pass */
static unsigned retried(const struct grey_policy *p, struct grey_rec *g, struct net_rec *n,
                        struct grey_answer *out)
{
    *out = (struct grey_answer){.state = GREY_RETRIED, .first_seen = g->first_seen};
    g->passed = p->now;
    g->last_seen = max64(g->last_seen, p->now);
    g->expires = p->now + p->lifetime;
    g->attempts++;
    n->found = true;
    n->passes++;
    if (p->auto_allow > 0 && n->passes >= p->auto_allow) {
        n->allowed_until = p->now + p->lifetime;
        n->by_operator = false;
    }
    n->expires = max64(n->expires, max64(n->allowed_until, p->now + p->lifetime));
    return GREY_WRITE_TRIPLET | GREY_WRITE_NET;
}

/* first_attempt - case 2: record the triplet pending */
static unsigned first_attempt(const struct grey_policy *p, struct grey_rec *g,
                              struct grey_answer *out)
{
    int64_t now = p->now;
    *g = (struct grey_rec){.found = true,
                           .first_seen = now,
                           .last_seen = now,
                           .expires = now + p->retry_window,
                           .attempts = 1};
    *out = (struct grey_answer){.state = GREY_NEW, .first_seen = now, .pass_at = now + p->delay};
    return GREY_WRITE_TRIPLET;
}

/* store_grey_decide - cases 1 to 5 of store_greylist. The Redis backend
 * runs the same rules in Lua on its server (LUA_GREYLIST in
 * store_redis_ops.c): the two must agree, which the store's tests prove by
 * running on both backends and comparing them */
unsigned store_grey_decide(const struct grey_policy *p, struct grey_rec *g, struct net_rec *n,
                           struct grey_answer *out)
{
    int64_t now = p->now;
    if (n->found && n->allowed_until > now)
        return allowed(p, n, out);
    if (!g->found || now > g->expires)
        return first_attempt(p, g, out);
    if (g->passed == 0 && now < g->first_seen + (int64_t)p->delay) {
        *out = (struct grey_answer){
            .state = GREY_EARLY, .first_seen = g->first_seen, .pass_at = g->first_seen + p->delay};
        g->last_seen = max64(g->last_seen, now); /* callers' clocks may be a second apart */
        g->attempts++;
        return GREY_WRITE_TRIPLET;
    }
    if (g->passed == 0)
        return retried(p, g, n, out);
    *out = (struct grey_answer){.state = GREY_KNOWN, .first_seen = g->first_seen};
    if (!stale(g->expires, p))
        return GREY_WRITE_NONE;
    g->last_seen = max64(g->last_seen, now);
    g->attempts++;
    g->expires = now + p->lifetime;
    return GREY_WRITE_TRIPLET;
}
