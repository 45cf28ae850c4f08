/* dns_cache.h - the TTL cache and in-flight table of DNS answers: one
 * refcounted entry per (name, type) is first the in-flight marker that
 * identical lookups join, then the cached answer. */
#ifndef MXGATE_DNS_CACHE_H
#define MXGATE_DNS_CACHE_H

#include "dns.h"
#include "dns_msg.h"

#include <stddef.h>
#include <stdint.h>

struct dns_cache;
struct dns_entry;

/* How long and how many answers are kept. */
struct dns_cache_limits {
    size_t entries;        /* bound on cached answers; 0 keeps none (in-flight still joins) */
    uint32_t max_ttl;      /* cap on positive TTLs, seconds */
    uint32_t max_neg_ttl;  /* cap on NXDOMAIN/NODATA TTLs, seconds */
    uint32_t trylater_ttl; /* how long a try-later answer is kept, seconds (0: never) */
};

/* What dns_cache_get found. */
enum dns_cache_how {
    DNS_CACHE_MISS = 0, /* a new pending entry: the caller must resolve and publish it */
    DNS_CACHE_HIT,      /* a fresh cached answer: no packet */
    DNS_CACHE_JOINED,   /* the same lookup was already in flight */
};

/* dns_cache_create - an empty cache. Never NULL. */
struct dns_cache *dns_cache_create(const struct dns_cache_limits *lim);

/* dns_cache_set_limits - new limits (reload); evicts down to the new bound. Any thread. */
void dns_cache_set_limits(struct dns_cache *c, const struct dns_cache_limits *lim, int64_t now_ms);

/* dns_cache_destroy - drop every entry from the table and free the cache;
 * entries still referenced live on until released. Every pending entry must
 * have been published first. Sets *cp NULL; accepts NULL. */
void dns_cache_destroy(struct dns_cache **cp);

/* dns_cache_get - the entry for (name, type) with a reference for the caller
 * (dns_entry_release it). name must be lowercase without trailing dot. An
 * expired answer is dropped and counts as a miss. now_ms is now_mono_ms()
 * (tests pass their own clock). Any thread. */
struct dns_entry *dns_cache_get(struct dns_cache *c, const char *name, uint16_t type,
                                int64_t now_ms, enum dns_cache_how *how);

/* dns_cache_publish - give entry e its answer (ownership of rep->result
 * passes to the entry), wake its waiters, then keep it for the TTL: FOUND
 * min(rep->ttl, max_ttl); NXDOMAIN/NODATA min(rep->ttl, max_neg_ttl), not at
 * all without SOA; try-later trylater_ttl. A TTL of 0 is not kept. Once per
 * entry; any thread. */
void dns_cache_publish(struct dns_cache *c, struct dns_entry *e, const struct dns_reply *rep,
                       int64_t now_ms);

/* dns_cache_count - answers kept now (in-flight entries not counted). */
size_t dns_cache_count(struct dns_cache *c);

/* dns_entry_detached - an answered entry that belongs to no cache (for
 * answers known without asking); takes ownership of res. One reference. */
struct dns_entry *dns_entry_detached(const char *name, uint16_t type, struct dns_result *res);

/* dns_entry_ref - one more reference. Any thread. */
void dns_entry_ref(struct dns_entry *e);

/* dns_entry_release - drop a reference, free on the last; clears *ep. Needs
 * no cache: works after dns_cache_destroy. Accepts NULL. */
void dns_entry_release(struct dns_entry **ep);

/* dns_entry_refs - current reference count (tests). */
unsigned dns_entry_refs(struct dns_entry *e);

/* dns_entry_name, dns_entry_type - the key; valid while referenced. */
const char *dns_entry_name(const struct dns_entry *e);
uint16_t dns_entry_type(const struct dns_entry *e);

/* dns_entry_result - the answer, or NULL while pending. Lock-free. */
const struct dns_result *dns_entry_result(struct dns_entry *e);

/* dns_entry_wait - block on the entry's own condition variable until it is
 * answered or deadline_ms (monotonic) passes; the answer or NULL. */
const struct dns_result *dns_entry_wait(struct dns_entry *e, int64_t deadline_ms);

#endif
