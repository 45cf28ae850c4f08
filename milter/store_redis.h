/* store_redis.h - internals of the Redis backend, shared by its files:
 * store_redis.c owns the connection pool and the faults,
 * store_redis_spec.c the spec, store_redis_ops.c the keys, the scripts and
 * the greylisting operations, store_redis_scan.c the operator calls,
 * store_redis_dmarc.c the DMARC history, store_redis_rcpt.c rcptverify's
 * cache. Nothing else includes this
 * header. */
#ifndef MXGATE_STORE_REDIS_H
#define MXGATE_STORE_REDIS_H

#include "store_backend.h"

#include <hiredis/hiredis.h>
#include <pthread.h>
#include <stdatomic.h>

#define RD_POOL_MAX 16 /* the largest connections= */

/* The Lua scripts every connection loads (texts in store_redis_ops.c). */
enum rd_script { RD_GREYLIST, RD_NET_ALLOW, RD_DMARC_RECORD, RD_DMARC_DROP, RD_SCRIPTS };

extern const char *const rd_script_text[RD_SCRIPTS];

/* What a spec says (see rd_conf_parse for the grammar). */
struct rd_conf {
    char *host;   /* tcp: the host; NULL for a unix socket */
    char *socket; /* unix: the socket's absolute path; NULL for tcp */
    int port, db;
    char *prefix;          /* of every key; "mxgate:" */
    char *user, *password; /* AUTH; NULL when not given */
    int timeout_ms;        /* connect, each command, a wait for a free connection */
    int conns;             /* the pool's size */
};

/* One pooled connection: used by one thread at a time. */
struct rd_conn {
    redisContext *ctx; /* NULL: down, connected again on a later use */
    bool busy;
    unsigned gen;             /* the pool's generation when connected */
    char sha[RD_SCRIPTS][41]; /* the scripts' SHA1 as the server gave them */
};

/* The backend's handle. */
struct rd {
    struct rd_conf conf;
    char where[300]; /* the server, for log lines (no password) */
    pthread_mutex_t lock;
    pthread_cond_t returned;
    struct rd_conn slot[RD_POOL_MAX];
    unsigned gen;           /* a fault closes every connection of older generations */
    int64_t retry_after_ms; /* no new connection before this (monotonic) */
    unsigned backoff_ms;    /* the next wait after a fault: 100 ms doubling to 5 s */
    atomic_llong last_log_ms;
};

/* rd_conf_parse - read arg ("tcp://HOST[:PORT][/DB][?OPTS]" or
 * "unix:/PATH[?OPTS]", OPTS being key=value pairs joined by '&' with
 * %XX escapes: db, prefix, user, password, timeout, connections) into *c,
 * which the caller frees with rd_conf_free. No I/O. 0, or -1 with the
 * problem in err (and *c freed). */
int rd_conf_parse(const char *arg, struct rd_conf *c, char *err, size_t errlen);
void rd_conf_free(struct rd_conf *c);

/* rd_check, rd_open, rd_close - the backend's life cycle (see struct
 * store_backend); rd_open connects one connection at once. */
int rd_check(const char *arg, char *err, size_t errlen);
void *rd_open(const char *arg);
void rd_close(void *h);

/* rd_borrow - a connected connection for this thread, or NULL: try later
 * (the server is down and in backoff, or no connection was free within the
 * timeout; the cause is logged). Give it back with rd_return. */
struct rd_conn *rd_borrow(struct rd *r);

/* rd_return - give c back. ok false: the connection failed (I/O error or
 * timeout, told by c->ctx->err): it and every other of its generation are
 * closed, and no new one is made before the backoff. */
void rd_return(struct rd *r, struct rd_conn *c, bool ok);

/* rd_log - a warning about the store, at most one a minute. */
__attribute__((format(printf, 2, 3))) void rd_log(struct rd *r, const char *fmt, ...);

/* rd_command - run one command (argv, binary-safe): the reply, or NULL
 * after an I/O error or timeout (c is then bad: rd_return it with false).
 * An error reply is logged and freed and gives NULL too, with *bad false. */
redisReply *rd_command(struct rd *r, struct rd_conn *c, int argc, const char **argv,
                       const size_t *lens, bool *bad);

/* rd_reply - check a reply: rep, or NULL when it is missing (I/O error or
 * timeout: *bad) or an error reply (logged and freed). */
redisReply *rd_reply(struct rd *r, struct rd_conn *c, const char *what, redisReply *rep, bool *bad);

/* rd_load_scripts - SCRIPT LOAD every script on a new connection: 0 or -1. */
int rd_load_scripts(struct rd *r, struct rd_conn *c);

/* rd_key - PREFIX KIND PART NUL PART ... (NUL-terminated; *len without
 * the final NUL); n >= 1. The caller frees it. */
char *rd_key(const struct rd *r, const char *kind, const char *const *parts, int n, size_t *len);

/* rd_eval - run script id (EVALSHA, or EVAL when the server lost it) with
 * args: nkeys keys, then the arguments (nargs in all, at most 13). The
 * reply as rd_command gives it. */
redisReply *rd_eval(struct rd *r, struct rd_conn *c, enum rd_script id, int nkeys, int nargs,
                    const char **args, const size_t *lens, bool *bad);

/* The operator calls that scan the prefix (store_redis_scan.c). */
enum store_status rd_grey_each(void *h, const char *match,
                               int (*fn)(void *arg, const struct grey_row *row), void *arg);
enum store_status rd_net_each(void *h, int (*fn)(void *arg, const struct net_row *row), void *arg);
enum store_status rd_grey_drop(void *h, const char *match, unsigned long *dropped);
enum store_status rd_grey_stats(void *h, int64_t now, struct grey_stats *out);

/* The DMARC history (store_redis_dmarc.c); rd_dmarc_expire is the
 * backend's whole housekeeping: greylisting's keys expire by their TTL. */
enum store_status rd_dmarc_record(void *h, const struct dmarc_row *row);
enum store_status
rd_dmarc_each(void *h, int64_t day_from, int64_t day_to,
              int (*fn)(void *arg, const struct dmarc_row *row, unsigned long count), void *arg);
enum store_status rd_dmarc_expire(void *h, int64_t now, unsigned long *removed);

/* rcptverify's cache (store_redis_rcpt.c): keys with a TTL, no housekeeping. */
enum store_status rd_rcpt_get(void *h, const char *addr, int64_t now, struct rcpt_entry *out);
enum store_status rd_rcpt_put(void *h, const char *addr, const struct rcpt_entry *e, int64_t now);

#endif
