/* store_backend.h - what a state store backend implements (internal to the
 * store: store.c chooses a backend by the type of a "type:spec" string and
 * delegates every operation to its ops table), the greylisting rules that
 * every backend shares, and the DMARC history's retention. */
#ifndef MXGATE_STORE_BACKEND_H
#define MXGATE_STORE_BACKEND_H

#include "store.h"

/* A backend's operations. arg is the part of the spec after "type:"; h is
 * what open returned. Every operation is called from any thread at any time
 * and answers as in store.h; store.c has checked the arguments and cleared
 * the counters, and copies a greylist answer out only when it is not
 * try-later. */
struct store_backend {
    const char *type; /* "sqlite", "redis" */
    /* check - arg is well formed: 0, or -1 with the problem. No I/O. */
    int (*check)(const char *arg, char *err, size_t errlen);
    /* path - the local file arg names, pointing into arg, or NULL. */
    const char *(*path)(const char *arg);
    /* open - a handle for a checked arg; never NULL: a backend that cannot
     * be reached now answers try-later until it is back. */
    void *(*open)(const char *arg);
    /* close - release everything open made. */
    void (*close)(void *h);
    enum store_status (*greylist)(void *h, const struct grey_key *key, const struct grey_policy *p,
                                  struct grey_answer *out);
    enum store_status (*grey_each)(void *h, const char *match,
                                   int (*fn)(void *arg, const struct grey_row *row), void *arg);
    enum store_status (*net_each)(void *h, int (*fn)(void *arg, const struct net_row *row),
                                  void *arg);
    enum store_status (*net_allow)(void *h, const char *net, int64_t until, bool by_operator);
    enum store_status (*grey_drop)(void *h, const char *match, unsigned long *dropped);
    enum store_status (*grey_stats)(void *h, int64_t now, struct grey_stats *out);
    /* expire - greylisting's and rcptverify's expired rows and the DMARC
     * days before store_dmarc_oldest(now). */
    enum store_status (*expire)(void *h, int64_t now, unsigned long *removed);
    /* rcpt_get, rcpt_put - as in store.h. */
    enum store_status (*rcpt_get)(void *h, const char *addr, int64_t now, struct rcpt_entry *out);
    enum store_status (*rcpt_put)(void *h, const char *addr, const struct rcpt_entry *e,
                                  int64_t now);
    /* dmarc_record, dmarc_each - as in store.h; the row's strings are never NULL. */
    enum store_status (*dmarc_record)(void *h, const struct dmarc_row *row);
    enum store_status (*dmarc_each)(void *h, int64_t day_from, int64_t day_to,
                                    int (*fn)(void *arg, const struct dmarc_row *row,
                                              unsigned long count),
                                    void *arg);
};

extern const struct store_backend store_backend_sqlite;
extern const struct store_backend store_backend_redis;

/* store_dmarc_oldest - the oldest DMARC day kept at now: store_dmarc_day(now)
 * - STORE_DMARC_RETENTION_DAYS. */
int64_t store_dmarc_oldest(int64_t now);

/* --- the greylisting rules (store.c), for backends ----------------------- */

/* A triplet's stored fields; found false: no row (the rest is zero). */
struct grey_rec {
    bool found;
    int64_t first_seen, last_seen, passed, expires;
    unsigned attempts;
};

/* A net's stored fields; found false: no row (the rest is zero). */
struct net_rec {
    bool found, by_operator;
    unsigned passes;
    int64_t allowed_until, expires; /* expires: when housekeeping may drop the row */
};

/* What store_grey_decide asks the backend to write back. */
enum grey_write {
    GREY_WRITE_NONE = 0,
    GREY_WRITE_TRIPLET = 1 << 0, /* *g: insert or replace the triplet's row */
    GREY_WRITE_NET = 1 << 1,     /* *n: insert or replace the net's row */
};

/* store_grey_decide - the five cases of store_greylist applied to what the
 * backend read of one key (triplet and net, read together): fills *out,
 * updates *g and *n in place, and returns which of them the backend must
 * write back in the same transaction (GREY_WRITE_NONE: the answer needs no
 * write, e.g. a known triplet refreshed less than an hour ago). Pure. */
unsigned store_grey_decide(const struct grey_policy *p, struct grey_rec *g, struct net_rec *n,
                           struct grey_answer *out);

#endif
