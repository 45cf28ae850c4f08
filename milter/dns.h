/* dns.h - the shared asynchronous resolver: one thread owns c-ares, any
 * thread submits and waits with a deadline; TTL cache with negative caching
 * (RFC 2308), identical in-flight queries coalesced into one packet. */
#ifndef MXGATE_DNS_H
#define MXGATE_DNS_H

#include <stddef.h>
#include <stdint.h>

/* Record types we ask for (values are the RR type numbers). */
enum dns_type {
    DNS_T_A = 1,
    DNS_T_NS = 2,
    DNS_T_CNAME = 5,
    DNS_T_SOA = 6,
    DNS_T_PTR = 12,
    DNS_T_MX = 15,
    DNS_T_TXT = 16,
    DNS_T_AAAA = 28,
};

/* Every answer is exactly one of these; zero is "try later" so that an
 * unset status never reads as an answer. */
enum dns_status {
    DNS_TRYLATER = 0, /* timeout, SERVFAIL, REFUSED, malformed, no server: ask again later */
    DNS_FOUND,        /* NOERROR with at least one record of the asked type */
    DNS_NXDOMAIN,     /* the name does not exist (RCODE 3) */
    DNS_NODATA,       /* the name exists, no record of the asked type */
};

/* One record of the asked type, after CNAMEs were followed. */
struct dns_rr {
    uint32_t ttl;
    union {
        unsigned char a[4];     /* A */
        unsigned char aaaa[16]; /* AAAA */
        struct {
            uint16_t pref;    /* MX preference; 0 otherwise */
            const char *name; /* PTR, MX, CNAME, NS target, lowercase, no trailing dot */
        } host;
        struct {
            const char *data; /* TXT: the character-strings concatenated (RFC 7208 §3.3) */
            size_t len;       /* may contain NUL bytes */
        } txt;
    } u;
};

/* An answer: immutable once published, shared by every waiter and the cache. */
struct dns_result {
    enum dns_status status;
    const char
        *why; /* for try-later: "timeout", "SERVFAIL", "REFUSED", "malformed", ...; else NULL */
    uint16_t type;    /* the asked type */
    const char *name; /* the asked name, lowercase, no trailing dot */
    size_t count;     /* records in rr[] (0 unless DNS_FOUND) */
    const struct dns_rr *rr;
};

struct dns_resolver;
struct dns_query;

struct dns_settings {
    const char *const *servers; /* "ip", "ip:port", "[v6]:port"; NULL/0 = /etc/resolv.conf */
    size_t nservers;
    unsigned timeout_ms;   /* per try, per server (c-ares timeout) */
    unsigned tries;        /* c-ares tries */
    size_t cache_entries;  /* bound on cached answers; 0 disables the cache */
    uint32_t max_ttl;      /* cap on positive TTLs, seconds (e.g. 86400) */
    uint32_t max_neg_ttl;  /* cap on negative TTLs, seconds (RFC 2308: <= 10800) */
    uint32_t trylater_ttl; /* how long a try-later answer is reused, seconds (0: never) */
};

/* dns_create - start the resolver thread. Returns NULL and fills err on
 * failure (bad server spec, c-ares init). Call once from the main thread. */
struct dns_resolver *dns_create(const struct dns_settings *s, char *err, size_t errlen);

/* dns_destroy - stop the thread, fail every pending query with try-later,
 * free the cache; waiters still holding queries must release them first or
 * after (queries are refcounted and outlive the resolver safely). Sets *rp NULL. */
void dns_destroy(struct dns_resolver **rp);

/* dns_reconfigure - replace servers and timeouts (reload). 0, or -1 and err. */
int dns_reconfigure(struct dns_resolver *r, const struct dns_settings *s, char *err, size_t errlen);

/* dns_submit - start a lookup of (name, type) and return a handle at once.
 * A fresh cache entry answers without a packet; an identical query already in
 * flight is joined. name may have a trailing dot and any case. Never NULL.
 * Any thread. The caller must dns_release() the handle. */
struct dns_query *dns_submit(struct dns_resolver *r, const char *name, enum dns_type type);

/* dns_wait - block until the answer is there or deadline_ms (now_mono_ms()
 * scale) passes; returns the answer, which stays valid until dns_release().
 * On deadline returns a result with status DNS_TRYLATER and why "deadline";
 * the lookup continues in the background and its answer is cached. Never NULL.
 * No lock of the caller's may be held. */
const struct dns_result *dns_wait(struct dns_query *q, int64_t deadline_ms);

/* dns_ready - non-blocking: the answer if there is one yet, else NULL. */
const struct dns_result *dns_ready(struct dns_query *q);

/* dns_release - drop the handle; clears *qp. Accepts NULL. */
void dns_release(struct dns_query **qp);

/* dns_status_name - "found", "nxdomain", "nodata", "try-later". */
const char *dns_status_name(enum dns_status s);

/* Counters for tests and (later) metrics; read without locks, approximate. */
struct dns_stats {
    uint64_t submitted;  /* dns_submit calls */
    uint64_t cache_hits; /* answered from cache without a packet */
    uint64_t coalesced;  /* joined an in-flight query */
    uint64_t sent;       /* queries handed to c-ares */
    uint64_t trylater;   /* answers that were try-later */
};
void dns_get_stats(struct dns_resolver *r, struct dns_stats *out);

/* dns_reverse_name - the in-addr.arpa / ip6.arpa name for a textual IPv4 or
 * IPv6 address (IPv4-mapped IPv6 is treated as IPv4) into buf. 0 or -1. */
int dns_reverse_name(const char *addr, char *buf, size_t len);

#endif
