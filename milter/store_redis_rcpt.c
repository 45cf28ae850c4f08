/* store_redis_rcpt.c - the Redis backend's rcptverify cache.
 *
 * Keys: PREFIX "r:" ADDRESS, a string "K EXPIRES" (K: 1 known, 0 refused;
 * EXPIRES: unix time) set with a TTL that ends then, so Redis drops it by
 * itself and store_expire has nothing to do. The time in the value guards
 * against hosts whose clocks disagree with the server's TTL. */
#include "store_redis.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* parse - "K EXPIRES" into *e; false when the value is not that */
static bool parse(const redisReply *rep, struct rcpt_entry *e)
{
    char buf[48], *end;
    if (rep->type != REDIS_REPLY_STRING || rep->len < 3 || rep->len >= sizeof(buf))
        return false;
    memcpy(buf, rep->str, rep->len);
    buf[rep->len] = '\0';
    if ((buf[0] != '0' && buf[0] != '1') || buf[1] != ' ')
        return false;
    long long exp = strtoll(buf + 2, &end, 10);
    if (*end != '\0')
        return false;
    *e = (struct rcpt_entry){.known = buf[0] == '1', .expires = exp};
    return true;
}

/* rd_rcpt_get - GET */
enum store_status rd_rcpt_get(void *h, const char *addr, int64_t now, struct rcpt_entry *out)
{
    struct rd *r = h;
    size_t len[2] = {3, 0};
    const char *argv[2] = {"GET", rd_key(r, "r:", &addr, 1, &len[1])};
    bool bad = false;
    enum store_status s = STORE_TRYLATER;
    struct rcpt_entry e;
    struct rd_conn *c = rd_borrow(r);
    redisReply *rep = c ? rd_command(r, c, 2, argv, len, &bad) : NULL;
    if (rep && rep->type == REDIS_REPLY_NIL)
        s = STORE_MISSING;
    else if (rep && parse(rep, &e))
        s = e.expires >= now ? (*out = e, STORE_FOUND) : STORE_MISSING;
    else if (rep)
        rd_log(r, "a recipient entry in Redis is not \"K EXPIRES\"");
    freeReplyObject(rep);
    if (c)
        rd_return(r, c, !bad);
    free((char *)argv[1]);
    return s;
}

/* rd_rcpt_put - SET with EX */
enum store_status rd_rcpt_put(void *h, const char *addr, const struct rcpt_entry *e, int64_t now)
{
    struct rd *r = h;
    char value[48], ttl[24];
    snprintf(value, sizeof(value), "%d %" PRId64, e->known ? 1 : 0, e->expires);
    snprintf(ttl, sizeof(ttl), "%" PRId64, e->expires > now ? e->expires - now : 1);
    size_t len[5] = {3, 0, strlen(value), 2, strlen(ttl)};
    const char *argv[5] = {"SET", rd_key(r, "r:", &addr, 1, &len[1]), value, "EX", ttl};
    bool bad = false;
    struct rd_conn *c = rd_borrow(r);
    redisReply *rep = c ? rd_command(r, c, 5, argv, len, &bad) : NULL;
    enum store_status s = rep ? STORE_FOUND : STORE_TRYLATER;
    freeReplyObject(rep);
    if (c)
        rd_return(r, c, !bad);
    free((char *)argv[1]);
    return s;
}
