/* store_redis.c - the Redis backend's connections: a small pool connected
 * lazily, each connection used by one thread at a time, every command
 * bounded by the timeout; a fault closes the connections and the server
 * is tried again after a backoff (100 ms doubling to 5 s), answering
 * try-later meanwhile without waiting */
#include "store_redis.h"

#include "log.h"
#include "util.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 5000
#define LOG_INTERVAL_MS 60000 /* one warning a minute per store */

/* rd_log - a warning about the store, at most one a minute */
void rd_log(struct rd *r, const char *fmt, ...)
{
    long long now = now_mono_ms(), last = atomic_load(&r->last_log_ms);
    if (now - last < LOG_INTERVAL_MS ||
        !atomic_compare_exchange_strong(&r->last_log_ms, &last, now))
        return;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    log_warn("state store %s: %s; answering try-later", r->where, msg);
}

/* timeval_ms - a timeout for hiredis */
static struct timeval timeval_ms(int ms)
{
    return (struct timeval){.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000};
}

/* rd_reply - rep, or NULL (freed) when it is an error: logged; *bad after
 * an I/O error or a timeout (rep NULL) */
redisReply *rd_reply(struct rd *r, struct rd_conn *c, const char *what, redisReply *rep, bool *bad)
{
    *bad = rep == NULL;
    if (rep == NULL && c->ctx->err == REDIS_ERR_IO &&
        strcmp(c->ctx->errstr, strerror(EAGAIN)) == 0) {
        rd_log(r, "%s: no answer within %d ms", what, r->conf.timeout_ms);
    } else if (rep == NULL) {
        rd_log(r, "%s: %s", what, c->ctx->errstr[0] ? c->ctx->errstr : "I/O error");
    } else if (rep->type == REDIS_REPLY_ERROR) {
        rd_log(r, "%s: %s", what, rep->str);
        freeReplyObject(rep);
        rep = NULL;
    }
    return rep;
}

/* rd_command - one command; an error reply is logged and counts as no answer */
redisReply *rd_command(struct rd *r, struct rd_conn *c, int argc, const char **argv,
                       const size_t *lens, bool *bad)
{
    return rd_reply(r, c, argv[0], redisCommandArgv(c->ctx, argc, argv, lens), bad);
}

/* simple - a command of plain strings that must not answer an error: 0 or -1 */
static int simple(struct rd *r, struct rd_conn *c, int argc, const char **argv)
{
    bool bad;
    redisReply *rep = rd_command(r, c, argc, argv, NULL, &bad);
    freeReplyObject(rep);
    return rep ? 0 : -1;
}

/* hello - AUTH and SELECT on a new connection, and the scripts: 0 or -1 */
static int hello(struct rd *r, struct rd_conn *c)
{
    const struct rd_conf *f = &r->conf;
    char db[16];
    snprintf(db, sizeof(db), "%d", f->db);
    if (f->user && simple(r, c, 3, (const char *[]){"AUTH", f->user, f->password}) < 0)
        return -1;
    if (!f->user && f->password && simple(r, c, 2, (const char *[]){"AUTH", f->password}) < 0)
        return -1;
    if (f->db != 0 && simple(r, c, 2, (const char *[]){"SELECT", db}) < 0)
        return -1;
    return rd_load_scripts(r, c);
}

/* connect_one - a ready context in c, or -1 with the cause logged */
static int connect_one(struct rd *r, struct rd_conn *c)
{
    struct timeval tv = timeval_ms(r->conf.timeout_ms);
    c->ctx = r->conf.socket ? redisConnectUnixWithTimeout(r->conf.socket, tv)
                            : redisConnectWithTimeout(r->conf.host, r->conf.port, tv);
    if (c->ctx == NULL) {
        rd_log(r, "cannot connect: out of memory");
        return -1;
    }
    if (c->ctx->err) {
        rd_log(r, "cannot connect: %s", c->ctx->errstr);
    } else if (redisSetTimeout(c->ctx, tv) != REDIS_OK) {
        rd_log(r, "cannot set the timeout: %s", c->ctx->errstr);
    } else if (hello(r, c) == 0) {
        return 0;
    }
    redisFree(c->ctx);
    c->ctx = NULL;
    return -1;
}

/* fault - under the lock: every connection of this generation goes, and no
 * new one before the backoff, which doubles */
static void fault(struct rd *r)
{
    r->gen++;
    r->retry_after_ms = now_mono_ms() + r->backoff_ms;
    r->backoff_ms = r->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : r->backoff_ms * 2;
}

/* grow - under the lock: connect free slot c (the lock is released meanwhile) */
static struct rd_conn *grow(struct rd *r, struct rd_conn *c)
{
    c->busy = true;
    pthread_mutex_unlock(&r->lock);
    int rc = connect_one(r, c);
    pthread_mutex_lock(&r->lock);
    if (rc == 0) {
        c->gen = r->gen;
        return c;
    }
    c->busy = false;
    fault(r);
    pthread_cond_signal(&r->returned);
    return NULL;
}

/* pick - under the lock: an idle connected slot of this generation, else a
 * free unconnected one in *free; idle ones of older generations are
 * disconnected into old[] */
static struct rd_conn *pick(struct rd *r, struct rd_conn **free_slot, redisContext **old, int *nold)
{
    *free_slot = NULL;
    for (int i = 0; i < r->conf.conns; i++) {
        struct rd_conn *c = &r->slot[i];
        if (c->busy)
            continue;
        if (c->ctx && c->gen != r->gen) {
            old[(*nold)++] = c->ctx;
            c->ctx = NULL;
        }
        if (c->ctx)
            return c;
        if (*free_slot == NULL)
            *free_slot = c;
    }
    return NULL;
}

/* rd_borrow - an idle connection, a new one, or wait for one to be returned */
struct rd_conn *rd_borrow(struct rd *r)
{
    struct timespec deadline = deadline_to_timespec(now_mono_ms() + r->conf.timeout_ms);
    redisContext *old[RD_POOL_MAX];
    int nold = 0;
    struct rd_conn *c = NULL, *free_slot;
    pthread_mutex_lock(&r->lock);
    for (;;) {
        if ((c = pick(r, &free_slot, old, &nold)) != NULL) {
            c->busy = true;
            break;
        }
        if (free_slot) {
            if (now_mono_ms() >= r->retry_after_ms)
                c = grow(r, free_slot);
            break;
        }
        if (pthread_cond_timedwait(&r->returned, &r->lock, &deadline) == ETIMEDOUT) {
            rd_log(r, "no free connection within %d ms", r->conf.timeout_ms);
            break;
        }
    }
    pthread_mutex_unlock(&r->lock);
    for (int i = 0; i < nold; i++)
        redisFree(old[i]);
    return c;
}

/* rd_return - back to the pool; after a fault, disconnected with its generation */
void rd_return(struct rd *r, struct rd_conn *c, bool ok)
{
    redisContext *drop = NULL;
    pthread_mutex_lock(&r->lock);
    if (!ok && c->gen == r->gen)
        fault(r);
    else if (ok)
        r->backoff_ms = BACKOFF_MIN_MS;
    if (c->gen != r->gen) {
        drop = c->ctx;
        c->ctx = NULL;
    }
    c->busy = false;
    pthread_cond_signal(&r->returned);
    pthread_mutex_unlock(&r->lock);
    if (drop)
        redisFree(drop);
}

/* ignore_sigpipe - a server closing its end must not kill the process with
 * SIGPIPE on the next write (hiredis uses write(2)); the daemon ignores it
 * already, tools and tests may not */
static void ignore_sigpipe(void)
{
    struct sigaction sa;
    if (sigaction(SIGPIPE, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL) {
        sa.sa_handler = SIG_IGN;
        sigaction(SIGPIPE, &sa, NULL);
    }
}

/* describe - where the server is, for log lines */
static void describe(struct rd *r)
{
    const struct rd_conf *f = &r->conf;
    if (f->socket)
        snprintf(r->where, sizeof(r->where), "redis:unix:%s db %d", f->socket, f->db);
    else
        snprintf(r->where, sizeof(r->where), "redis:tcp://%s:%d db %d", f->host, f->port, f->db);
}

/* rd_open - the pool, with a first connection tried at once */
void *rd_open(const char *arg)
{
    char err[256];
    struct rd *r = xcalloc(1, sizeof(*r));
    if (rd_conf_parse(arg, &r->conf, err, sizeof(err)) < 0)
        abort(); /* checked by store_open */
    describe(r);
    ignore_sigpipe();
    pthread_mutex_init(&r->lock, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&r->returned, &attr);
    pthread_condattr_destroy(&attr);
    atomic_init(&r->last_log_ms, now_mono_ms() - LOG_INTERVAL_MS);
    r->retry_after_ms = now_mono_ms();
    r->backoff_ms = BACKOFF_MIN_MS;
    struct rd_conn *c = rd_borrow(r);
    if (c)
        rd_return(r, c, true);
    return r;
}

/* rd_close - disconnect every connection (all returned by now) and free */
void rd_close(void *h)
{
    struct rd *r = h;
    for (int i = 0; i < RD_POOL_MAX; i++)
        if (r->slot[i].ctx)
            redisFree(r->slot[i].ctx);
    pthread_cond_destroy(&r->returned);
    pthread_mutex_destroy(&r->lock);
    rd_conf_free(&r->conf);
    free(r);
}
