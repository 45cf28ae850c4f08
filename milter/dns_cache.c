/* dns_cache.c - TTL cache and in-flight table: hash chains plus an LRU list */
#include "dns_cache.h"

#include "util.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define BUCKETS_MIN 64
#define SWEEP_INTERVAL_MS 1000

enum entry_state {
    ENTRY_PENDING = 0,
    ENTRY_DONE,
};

/* The table holds one reference while in_table; every handle holds one. The
 * count is atomic so that the last release frees without the cache lock: an
 * entry reaching zero is in no table, so nobody can find it any more. */
struct dns_entry {
    atomic_uint refs;
    char *name;
    uint16_t type;
    uint32_t hash;
    struct dns_result *_Atomic result; /* NULL while pending; set once */
    pthread_mutex_t mu;                /* with cond: waiting for result */
    pthread_cond_t cond;
    /* under the cache lock: */
    enum entry_state state;
    int in_table;
    int64_t expires_ms;
    struct dns_entry *hnext;
    struct dns_entry *prev, *next; /* LRU list of answered entries, newest first */
};

struct dns_cache {
    pthread_mutex_t lock;
    struct dns_cache_limits lim;
    struct dns_entry **buckets;
    size_t nbuckets;
    size_t nentries; /* in the table: pending and answered */
    size_t ndone;    /* answered, on the LRU list */
    struct dns_entry *newest, *oldest;
    int64_t next_sweep_ms;
};

/* key_hash - FNV-1a over name and type */
static uint32_t key_hash(const char *name, uint16_t type)
{
    uint32_t h = 2166136261u;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        h = (h ^ *p) * 16777619u;
    h = (h ^ (type & 0xff)) * 16777619u;
    return (h ^ (type >> 8)) * 16777619u;
}

/* entry_new - a pending entry with one reference */
static struct dns_entry *entry_new(const char *name, uint16_t type)
{
    struct dns_entry *e = xcalloc(1, sizeof(*e));
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&e->cond, &attr);
    pthread_condattr_destroy(&attr);
    pthread_mutex_init(&e->mu, NULL);
    atomic_init(&e->refs, 1);
    atomic_init(&e->result, NULL);
    e->name = xstrdup(name);
    e->type = type;
    e->hash = key_hash(name, type);
    return e;
}

/* entry_free - the entry, its answer and its synchronisation */
static void entry_free(struct dns_entry *e)
{
    pthread_cond_destroy(&e->cond);
    pthread_mutex_destroy(&e->mu);
    free(atomic_load(&e->result));
    free(e->name);
    free(e);
}

/* dns_entry_ref - one more reference */
void dns_entry_ref(struct dns_entry *e)
{
    atomic_fetch_add_explicit(&e->refs, 1, memory_order_relaxed);
}

/* dns_entry_release - drop a reference; the last one frees */
void dns_entry_release(struct dns_entry **ep)
{
    if (ep == NULL || *ep == NULL)
        return;
    struct dns_entry *e = *ep;
    *ep = NULL;
    if (atomic_fetch_sub_explicit(&e->refs, 1, memory_order_acq_rel) == 1)
        entry_free(e);
}

/* dns_entry_refs - reference count */
unsigned dns_entry_refs(struct dns_entry *e)
{
    return atomic_load(&e->refs);
}

/* dns_entry_name - the key's name */
const char *dns_entry_name(const struct dns_entry *e)
{
    return e->name;
}

/* dns_entry_type - the key's type */
uint16_t dns_entry_type(const struct dns_entry *e)
{
    return e->type;
}

/* dns_entry_result - the answer or NULL */
const struct dns_result *dns_entry_result(struct dns_entry *e)
{
    return atomic_load_explicit(&e->result, memory_order_acquire);
}

/* dns_entry_wait - sleep on the entry's condvar until answered or deadline */
const struct dns_result *dns_entry_wait(struct dns_entry *e, int64_t deadline_ms)
{
    const struct dns_result *res = dns_entry_result(e);
    if (res)
        return res;
    struct timespec ts = deadline_to_timespec(deadline_ms < 0 ? 0 : deadline_ms);
    pthread_mutex_lock(&e->mu);
    while ((res = dns_entry_result(e)) == NULL) {
        if (pthread_cond_timedwait(&e->cond, &e->mu, &ts) != 0) {
            res = dns_entry_result(e); /* ETIMEDOUT (or EINVAL): last look */
            break;
        }
    }
    pthread_mutex_unlock(&e->mu);
    return res;
}

/* entry_answer - store the answer once and wake everyone waiting on it */
static void entry_answer(struct dns_entry *e, struct dns_result *res)
{
    pthread_mutex_lock(&e->mu);
    struct dns_result *old = NULL;
    if (!atomic_compare_exchange_strong(&e->result, &old, res))
        free(res); /* answered twice: the first answer stands */
    pthread_cond_broadcast(&e->cond);
    pthread_mutex_unlock(&e->mu);
}

/* dns_entry_detached - an answered entry outside any cache */
struct dns_entry *dns_entry_detached(const char *name, uint16_t type, struct dns_result *res)
{
    struct dns_entry *e = entry_new(name, type);
    e->state = ENTRY_DONE;
    atomic_store(&e->result, res);
    return e;
}

/* dns_cache_create - empty cache */
struct dns_cache *dns_cache_create(const struct dns_cache_limits *lim)
{
    struct dns_cache *c = xcalloc(1, sizeof(*c));
    pthread_mutex_init(&c->lock, NULL);
    c->lim = *lim;
    c->nbuckets = BUCKETS_MIN;
    while (c->nbuckets < lim->entries && c->nbuckets < ((size_t)1 << 24))
        c->nbuckets *= 2;
    c->buckets = xcalloc(c->nbuckets, sizeof(*c->buckets));
    return c;
}

/* lru_unlink - take e off the LRU list */
static void lru_unlink(struct dns_cache *c, struct dns_entry *e)
{
    if (e->prev)
        e->prev->next = e->next;
    else
        c->newest = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else
        c->oldest = e->prev;
    e->prev = e->next = NULL;
}

/* lru_push - put e at the newest end */
static void lru_push(struct dns_cache *c, struct dns_entry *e)
{
    e->prev = NULL;
    e->next = c->newest;
    if (c->newest)
        c->newest->prev = e;
    else
        c->oldest = e;
    c->newest = e;
}

/* table_find - the entry for the key, or NULL */
static struct dns_entry *table_find(struct dns_cache *c, const char *name, uint16_t type,
                                    uint32_t hash)
{
    struct dns_entry *e = c->buckets[hash & (c->nbuckets - 1)];
    while (e && !(e->hash == hash && e->type == type && strcmp(e->name, name) == 0))
        e = e->hnext;
    return e;
}

/* table_grow - double the buckets when chains get long */
static void table_grow(struct dns_cache *c)
{
    size_t n = c->nbuckets * 2;
    struct dns_entry **b = xcalloc(n, sizeof(*b));
    for (size_t i = 0; i < c->nbuckets; i++) {
        while (c->buckets[i]) {
            struct dns_entry *e = c->buckets[i];
            c->buckets[i] = e->hnext;
            e->hnext = b[e->hash & (n - 1)];
            b[e->hash & (n - 1)] = e;
        }
    }
    free(c->buckets);
    c->buckets = b;
    c->nbuckets = n;
}

/* table_insert - add e; the table takes a reference */
static void table_insert(struct dns_cache *c, struct dns_entry *e)
{
    if (c->nentries >= c->nbuckets * 2)
        table_grow(c);
    struct dns_entry **slot = &c->buckets[e->hash & (c->nbuckets - 1)];
    e->hnext = *slot;
    *slot = e;
    e->in_table = 1;
    c->nentries++;
    dns_entry_ref(e);
}

/* table_remove - drop e from the table (and LRU) and the table's reference */
static void table_remove(struct dns_cache *c, struct dns_entry *e)
{
    struct dns_entry **pp = &c->buckets[e->hash & (c->nbuckets - 1)];
    while (*pp != e)
        pp = &(*pp)->hnext;
    *pp = e->hnext;
    e->hnext = NULL;
    e->in_table = 0;
    c->nentries--;
    if (e->state == ENTRY_DONE) {
        lru_unlink(c, e);
        c->ndone--;
    }
    dns_entry_release(&e);
}

/* sweep_expired - drop every expired answer */
static void sweep_expired(struct dns_cache *c, int64_t now_ms)
{
    struct dns_entry *e = c->oldest;
    while (e) {
        struct dns_entry *newer = e->prev;
        if (now_ms >= e->expires_ms)
            table_remove(c, e);
        e = newer;
    }
}

/* trim - back under the bound: expired answers first (at most once a second
 * scanned), then the least recently used */
static void trim(struct dns_cache *c, int64_t now_ms)
{
    if (c->ndone <= c->lim.entries)
        return;
    if (now_ms >= c->next_sweep_ms) {
        sweep_expired(c, now_ms);
        c->next_sweep_ms = now_ms + SWEEP_INTERVAL_MS;
    }
    while (c->ndone > c->lim.entries)
        table_remove(c, c->oldest);
}

/* dns_cache_set_limits - new limits, applied at once */
void dns_cache_set_limits(struct dns_cache *c, const struct dns_cache_limits *lim, int64_t now_ms)
{
    pthread_mutex_lock(&c->lock);
    c->lim = *lim;
    c->next_sweep_ms = 0;
    trim(c, now_ms);
    pthread_mutex_unlock(&c->lock);
}

/* dns_cache_destroy - empty the table and free it */
void dns_cache_destroy(struct dns_cache **cp)
{
    if (cp == NULL || *cp == NULL)
        return;
    struct dns_cache *c = *cp;
    *cp = NULL;
    for (size_t i = 0; i < c->nbuckets; i++)
        while (c->buckets[i])
            table_remove(c, c->buckets[i]);
    free(c->buckets);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

/* dns_cache_get - hit, join or start the lookup of (name, type) */
struct dns_entry *dns_cache_get(struct dns_cache *c, const char *name, uint16_t type,
                                int64_t now_ms, enum dns_cache_how *how)
{
    uint32_t hash = key_hash(name, type);
    pthread_mutex_lock(&c->lock);
    struct dns_entry *e = table_find(c, name, type, hash);
    if (e && e->state == ENTRY_DONE && now_ms >= e->expires_ms) {
        table_remove(c, e);
        e = NULL;
    }
    if (e) {
        *how = e->state == ENTRY_DONE ? DNS_CACHE_HIT : DNS_CACHE_JOINED;
        if (e->state == ENTRY_DONE) {
            lru_unlink(c, e);
            lru_push(c, e);
        }
        dns_entry_ref(e);
    } else {
        *how = DNS_CACHE_MISS;
        e = entry_new(name, type);
        table_insert(c, e);
    }
    pthread_mutex_unlock(&c->lock);
    return e;
}

/* keep_seconds - how long an answer is kept, by its kind */
static uint32_t keep_seconds(const struct dns_cache_limits *lim, const struct dns_reply *rep)
{
    switch (rep->result->status) {
    case DNS_FOUND:
        return rep->ttl < lim->max_ttl ? rep->ttl : lim->max_ttl;
    case DNS_NXDOMAIN:
    case DNS_NODATA:
        if (!rep->has_ttl)
            return 0;
        return rep->ttl < lim->max_neg_ttl ? rep->ttl : lim->max_neg_ttl;
    default:
        return lim->trylater_ttl;
    }
}

/* dns_cache_publish - answer the waiters, then cache by TTL or forget */
void dns_cache_publish(struct dns_cache *c, struct dns_entry *e, const struct dns_reply *rep,
                       int64_t now_ms)
{
    entry_answer(e, rep->result);
    pthread_mutex_lock(&c->lock);
    if (e->in_table && e->state == ENTRY_PENDING) {
        uint32_t keep = keep_seconds(&c->lim, rep);
        if (keep == 0 || c->lim.entries == 0) {
            table_remove(c, e);
        } else {
            e->state = ENTRY_DONE;
            e->expires_ms = now_ms + (int64_t)keep * 1000;
            lru_push(c, e);
            c->ndone++;
            trim(c, now_ms);
        }
    }
    pthread_mutex_unlock(&c->lock);
}

/* dns_cache_count - answers kept */
size_t dns_cache_count(struct dns_cache *c)
{
    pthread_mutex_lock(&c->lock);
    size_t n = c->ndone;
    pthread_mutex_unlock(&c->lock);
    return n;
}
