/* rcptverify_cache.c - what the primaries said, remembered in the state
 * store; probes for the same address coalesced in process (one probe, the
 * others wait for its answer), and bounded process-wide: at most
 * max_connections in flight and max_rate started per second. Beyond the
 * bounds, and when no primary can tell, the answer is temperror: a backup
 * MX that cannot know defers, it never accepts and bounces later. */
#include "rcptverify.h"

#include "arena.h"
#include "conn.h"
#include "log.h"
#include "store.h"
#include "util.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* A probe in flight, and those waiting for its answer. */
struct flight {
    char *addr;
    unsigned refs; /* the leader and the waiters */
    bool done;
    enum rcptverify_word word;
    char why[400];
    struct flight *next;
};

static pthread_once_t once = PTHREAD_ONCE_INIT;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER; /* all below: */
static pthread_cond_t landed;
static struct flight *flights;
static unsigned active;  /* probes holding a connection slot */
static int64_t window;   /* the second max_rate counts in (monotonic) */
static unsigned started; /* probes started in it */
static atomic_llong last_store_warning;

/* init - the condition variable on the monotonic clock */
static void init(void)
{
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&landed, &attr);
    pthread_condattr_destroy(&attr);
}

/* board - join the flight for addr, or start one: true for its leader */
static bool board(const char *addr, struct flight **out)
{
    pthread_mutex_lock(&lock);
    struct flight *f = flights;
    while (f && strcmp(f->addr, addr) != 0)
        f = f->next;
    bool leader = f == NULL;
    if (leader) {
        f = xcalloc(1, sizeof(*f));
        f->addr = xstrdup(addr);
        f->next = flights;
        flights = f;
    }
    f->refs++;
    *out = f;
    pthread_mutex_unlock(&lock);
    return leader;
}

/* land - the leader's answer, for everyone on board */
static void land(struct flight *f, enum rcptverify_word w, const char *why)
{
    pthread_mutex_lock(&lock);
    f->word = w;
    strlcpy_(f->why, why, sizeof(f->why));
    f->done = true;
    for (struct flight **p = &flights; *p; p = &(*p)->next)
        if (*p == f) {
            *p = f->next; /* a later lookup starts a new flight (or finds the store) */
            break;
        }
    pthread_cond_broadcast(&landed);
    pthread_mutex_unlock(&lock);
}

/* await - the flight's answer, or temperror at the deadline; the
 * reference is dropped and the last one frees the flight */
static enum rcptverify_word await(struct conn *c, struct flight *f, int64_t deadline,
                                  const char **reason)
{
    struct timespec ts = deadline_to_timespec(deadline);
    pthread_mutex_lock(&lock);
    while (!f->done && pthread_cond_timedwait(&landed, &lock, &ts) == 0)
        ;
    enum rcptverify_word w = f->done ? f->word : RV_TEMPERROR;
    *reason = arena_strdup(c->msg, f->done ? f->why
                                           : "the probe in flight for this address did "
                                             "not finish within the time budget");
    bool last = --f->refs == 0 && f->done;
    pthread_mutex_unlock(&lock);
    if (last) {
        free(f->addr);
        free(f);
    }
    return w;
}

/* take_slot - a connection within max_connections and max_rate, or false
 * with why */
static bool take_slot(const struct rcptverify_settings *s, char *why, size_t len)
{
    int64_t sec = now_mono_ms() / 1000;
    bool ok = false;
    pthread_mutex_lock(&lock);
    if (sec != window)
        window = sec, started = 0;
    if (active >= s->max_connections)
        snprintf(why, len, "%u probes in flight already (max_connections)", active);
    else if (started >= s->max_rate)
        snprintf(why, len, "%u probes started this second already (max_rate)", started);
    else
        ok = true, active++, started++;
    pthread_mutex_unlock(&lock);
    return ok;
}

/* give_slot - the connection is closed */
static void give_slot(void)
{
    pthread_mutex_lock(&lock);
    active--;
    pthread_mutex_unlock(&lock);
}

/* helo_name - what we say in EHLO: our first hostname, or the system's */
static const char *helo_name(const struct conn *c, char *buf, size_t len)
{
    if (c->cfg->nhostnames > 0)
        return c->cfg->hostnames[0];
    if (gethostname(buf, len) < 0 || buf[0] == '\0')
        strlcpy_(buf, "localhost", len);
    buf[len - 1] = '\0';
    return buf;
}

/* probe_all - the primaries in order until one can tell; a log line each */
static enum rcptverify_word probe_all(struct conn *c, const struct rcptverify_settings *s,
                                      const char *addr, int64_t deadline, char *why, size_t len)
{
    static const char *const answers[] = {"trylater", "known", "refused"};
    char host[256], what[300] = "no time left in the transaction's budget";
    const char *helo = helo_name(c, host, sizeof(host));
    for (unsigned i = 0; i < s->nprimaries && now_mono_ms() < deadline; i++) {
        int64_t t0 = now_mono_ms(), end = t0 + s->timeout_ms;
        enum rv_answer a = rv_probe(&s->primaries[i], helo, addr, end < deadline ? end : deadline,
                                    what, sizeof(what));
        log_info("%s: rcptverify: probe to=<%s> primary=%s answer=%s reply=\"%s\" ms=%lld",
                 conn_queue_id(c), addr, s->primaries[i].name, answers[a], what,
                 (long long)(now_mono_ms() - t0));
        snprintf(why, len, "primary %s said: %s", s->primaries[i].name, what);
        if (a != RV_ANSWER_TRYLATER)
            return a == RV_ANSWER_KNOWN ? RV_OK : RV_UNKNOWN;
    }
    snprintf(why, len, "no primary could tell (last: %s)", what);
    return RV_TEMPERROR;
}

/* store_down - say at most once a minute that answers are not remembered */
static void store_down(const struct conn *c)
{
    long long now = time(NULL), last = atomic_load(&last_store_warning);
    if (now - last >= 60 && atomic_compare_exchange_strong(&last_store_warning, &last, now))
        log_warn("rcptverify: the state store %s cannot answer: every recipient is probed and "
                 "nothing is remembered (logged at most once a minute)",
                 c->cfg->store ? store_spec(c->cfg->store) : "(none configured)");
}

/* remember - keep a probe's answer for its lifetime */
static void remember(const struct conn *c, const struct rcptverify_settings *s, const char *addr,
                     enum rcptverify_word w)
{
    int64_t now = time(NULL);
    unsigned ttl = w == RV_OK ? s->positive_ttl : s->negative_ttl;
    struct rcpt_entry e = {.known = w == RV_OK, .expires = now + ttl};
    if (ttl > 0 &&
        (c->cfg->store == NULL || store_rcpt_put(c->cfg->store, addr, &e, now) != STORE_FOUND))
        store_down(c);
}

/* fly - the leader's work: a slot, the probes, the answer remembered */
static void fly(struct conn *c, const struct rcptverify_settings *s, const char *addr,
                struct flight *f, int64_t deadline)
{
    char why[400];
    enum rcptverify_word w = RV_TEMPERROR;
    if (!take_slot(s, why, sizeof(why))) {
        log_warn("%s: rcptverify: probe to=<%s> not made: %s", conn_queue_id(c), addr, why);
    } else {
        w = probe_all(c, s, addr, deadline, why, sizeof(why));
        give_slot();
        if (w != RV_TEMPERROR)
            remember(c, s, addr, w);
    }
    land(f, w, why);
}

/* cached - the store's answer: RV_OK, RV_UNKNOWN, or RV_NONE when it has none */
static enum rcptverify_word cached(struct conn *c, const char *addr, const char **reason)
{
    struct rcpt_entry e;
    int64_t now = time(NULL);
    enum store_status st =
        c->cfg->store ? store_rcpt_get(c->cfg->store, addr, now, &e) : STORE_TRYLATER;
    if (st == STORE_TRYLATER)
        store_down(c);
    if (st != STORE_FOUND)
        return RV_NONE;
    *reason = arena_printf(c->msg, "a primary %s it (remembered for %lld s more)",
                           e.known ? "accepted" : "refused", (long long)(e.expires - now));
    log_debug("%s: rcptverify: cached to=<%s> known=%d", conn_queue_id(c), addr, e.known);
    return e.known ? RV_OK : RV_UNKNOWN;
}

/* rv_verify - remembered, or probed (coalesced) within the budget */
enum rcptverify_word rv_verify(struct conn *c, const struct rcptverify_settings *s,
                               const char *addr, const char **reason)
{
    pthread_once(&once, init);
    enum rcptverify_word w = cached(c, addr, reason);
    if (w != RV_NONE)
        return w;
    if (c->budget_ms <= 0) {
        *reason = "no time left in the transaction's budget";
        return RV_TEMPERROR;
    }
    int64_t start = now_mono_ms(), deadline = start + c->budget_ms;
    struct flight *f;
    if (board(addr, &f))
        fly(c, s, addr, f, deadline);
    w = await(c, f, deadline, reason);
    c->budget_ms -= now_mono_ms() - start;
    return w;
}
