/* store_redis_ops.c - the Redis backend's keys and scripts, and the
 * operations that are one round trip: a greylist decision is one Lua
 * script run atomically by the server (EVALSHA), as is an allowance.
 *
 * Keys: PREFIX "g:" ORIGIN NUL SENDER NUL RCPT, a hash per triplet, and
 * PREFIX "n:" NET, a hash per net; the fields are the SQLite backend's
 * columns, integers in decimal. Each key carries a TTL: its row's expiry
 * (expires - now + 1 s, taken relative to the caller's now so that the
 * hosts' clocks, not the server's, decide), none when it lives for good.
 * Housekeeping is thus Redis's own, but for the DMARC history's days (see
 * store_redis_dmarc.c for its keys). */
#include "store_redis.h"

#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The Lua helpers both scripts use. Numbers are doubles in Redis's Lua:
 * exact for times, and INT64_MAX ("for good") is told by its size. */
#define LUA_COMMON                                                       \
    "local FOREVER = 9.2e18\n"                                           \
    "local function int(v) return tonumber(v) or 0 end\n"                \
    "local function max(a, b) if a > b then return a end return b end\n" \
    "local function fmt(v)\n"                                            \
    "  if v >= FOREVER then return '9223372036854775807' end\n"          \
    "  return string.format('%.0f', v)\n"                                \
    "end\n"                                                              \
    "local function ttl(key, exp, now, floor)\n"                         \
    "  if exp >= FOREVER then redis.call('PERSIST', key)\n"              \
    "  else redis.call('EXPIRE', key, max(exp - now, floor) + 1) end\n"  \
    "end\n"

/* The five cases of store_grey_decide() in store.c, which this script must
 * agree with line for line (t/unit/test_store.c runs on both backends and
 * its differential case compares them). KEYS: the triplet, the net. ARGV:
 * now, delay, retry_window, lifetime, auto_allow. Returns {state,
 * first_seen, pass_at}. */
#define LUA_GREYLIST                                                                         \
    LUA_COMMON                                                                               \
    "local now, delay, window = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])\n"   \
    "local life, auto = tonumber(ARGV[4]), tonumber(ARGV[5])\n"                              \
    "local g = redis.call('HMGET', KEYS[1], 'first_seen', 'last_seen', 'passed', 'expires'," \
    " 'attempts')\n"                                                                         \
    "local n = redis.call('HMGET', KEYS[2], 'passes', 'allowed_until', 'by_operator', "      \
    "'expires')\n"                                                                           \
    "local gfound, nfound = g[1] ~= false, n[1] ~= false\n"                                  \
    "local first, last, passed, gexp, att = int(g[1]), int(g[2]), int(g[3]), int(g[4]), "    \
    "int(g[5])\n"                                                                            \
    "local passes, allowed, op, nexp = int(n[1]), int(n[2]), int(n[3]) ~= 0, int(n[4])\n"    \
    "local function stale(exp)\n" /* REFRESH_SLACK is 3600 in store.c */                     \
    "  return exp < now + life - math.min(math.floor(life / 4), 3600)\n"                     \
    "end\n"                                                                                  \
    "local function put_grey()\n"                                                            \
    "  redis.call('HSET', KEYS[1], 'first_seen', fmt(first), 'last_seen', fmt(last),"        \
    " 'passed', fmt(passed), 'expires', fmt(gexp), 'attempts', fmt(att))\n"                  \
    "  ttl(KEYS[1], gexp, now, 0)\n"                                                         \
    "end\n"                                                                                  \
    "local function put_net()\n"                                                             \
    "  redis.call('HSET', KEYS[2], 'passes', fmt(passes), 'allowed_until', fmt(allowed),"    \
    " 'by_operator', op and '1' or '0', 'expires', fmt(nexp))\n"                             \
    "  ttl(KEYS[2], nexp, now, 0)\n"                                                         \
    "end\n"                                                                                  \
    "if nfound and allowed > now then\n" /* 1: allowed; auto-allowed nets slide */           \
    "  if not op and stale(allowed) then\n"                                                  \
    "    allowed = now + life; nexp = max(nexp, allowed); put_net()\n"                       \
    "  end\n"                                                                                \
    "  return {4, 0, 0}\n"                                                                   \
    "end\n"                                                                                  \
    "if not gfound or now > gexp then\n" /* 2: first attempt */                              \
    "  first, last, passed, gexp, att = now, now, 0, now + window, 1\n"                      \
    "  put_grey()\n"                                                                         \
    "  return {0, now, now + delay}\n"                                                       \
    "end\n"                                                                                  \
    "if passed == 0 and now < first + delay then\n" /* 3: early */                           \
    "  last = max(last, now); att = att + 1; put_grey()\n"                                   \
    "  return {1, first, first + delay}\n"                                                   \
    "end\n"                                                                                  \
    "if passed == 0 then\n" /* 4: retried; the net counts a pass */                          \
    "  passed = now; last = max(last, now); gexp = now + life; att = att + 1\n"              \
    "  passes = passes + 1\n"                                                                \
    "  if auto > 0 and passes >= auto then allowed = now + life; op = false end\n"           \
    "  nexp = max(nexp, max(allowed, now + life))\n"                                         \
    "  put_grey(); put_net()\n"                                                              \
    "  return {2, first, 0}\n"                                                               \
    "end\n"                                                                                  \
    "if stale(gexp) then\n" /* 5: known; written back when due */                            \
    "  last = max(last, now); att = att + 1; gexp = now + life; put_grey()\n"                \
    "end\n"                                                                                  \
    "return {3, first, 0}\n"

/* store_net_allow. KEYS: the net. ARGV: until, by_operator (0 or 1), now
 * (this host's clock), floor: an allowance that ended already is kept this
 * long, as SQLite keeps it until its next housekeeping. */
#define LUA_NET_ALLOW                                                                   \
    LUA_COMMON                                                                          \
    "local exp = max(int(redis.call('HGET', KEYS[1], 'expires')), tonumber(ARGV[1]))\n" \
    "redis.call('HSETNX', KEYS[1], 'passes', '0')\n"                                    \
    "redis.call('HSET', KEYS[1], 'allowed_until', ARGV[1], 'by_operator', ARGV[2],"     \
    " 'expires', fmt(exp))\n"                                                           \
    "ttl(KEYS[1], exp, tonumber(ARGV[3]), tonumber(ARGV[4]))\n"                         \
    "return 1\n"

/* store_dmarc_record. KEYS: the day's hash, the index of days. ARGV: the
 * day, the row's field, the day's TTL (seconds). Returns the row's count;
 * the index lives as long as its longest-lived day. */
#define LUA_DMARC_RECORD                                                                \
    "local n = redis.call('HINCRBY', KEYS[1], ARGV[2], 1)\n"                            \
    "local ttl = tonumber(ARGV[3])\n"                                                   \
    "redis.call('EXPIRE', KEYS[1], ttl)\n"                                              \
    "redis.call('ZADD', KEYS[2], ARGV[1], ARGV[1])\n"                                   \
    "if redis.call('TTL', KEYS[2]) < ttl then redis.call('EXPIRE', KEYS[2], ttl) end\n" \
    "return n\n"

/* Housekeeping of one DMARC day. KEYS: the day's hash, the index of days.
 * ARGV: the day. Returns how many rows went. */
#define LUA_DMARC_DROP                        \
    "local n = redis.call('HLEN', KEYS[1])\n" \
    "redis.call('UNLINK', KEYS[1])\n"         \
    "redis.call('ZREM', KEYS[2], ARGV[1])\n"  \
    "return n\n"

const char *const rd_script_text[RD_SCRIPTS] = {
    [RD_GREYLIST] = LUA_GREYLIST,
    [RD_NET_ALLOW] = LUA_NET_ALLOW,
    [RD_DMARC_RECORD] = LUA_DMARC_RECORD,
    [RD_DMARC_DROP] = LUA_DMARC_DROP,
};

/* An allowance that already ended stays listed this long (seconds): the
 * daemon's housekeeping interval. */
#define ENDED_FLOOR_TEXT "600"

/* rd_key - PREFIX KIND and the n parts separated by NUL bytes; *len
 * without the final NUL. The caller frees it. */
char *rd_key(const struct rd *r, const char *kind, const char *const *parts, int n, size_t *len)
{
    size_t total = strlen(r->conf.prefix) + strlen(kind) + (size_t)n;
    for (int i = 0; i < n; i++)
        total += strlen(parts[i]);
    char *key = xmalloc(total), *p = stpcpy(stpcpy(key, r->conf.prefix), kind);
    for (int i = 0; i < n; i++)
        p = stpcpy(p, parts[i]) + 1;
    *len = total - 1;
    return key;
}

/* rd_load_scripts - SCRIPT LOAD each script; its SHA1 for EVALSHA */
int rd_load_scripts(struct rd *r, struct rd_conn *c)
{
    bool bad;
    for (int i = 0; i < RD_SCRIPTS; i++) {
        const char *argv[] = {"SCRIPT", "LOAD", rd_script_text[i]};
        redisReply *rep = rd_command(r, c, 3, argv, NULL, &bad);
        bool good = rep && rep->type == REDIS_REPLY_STRING && rep->len == 40;
        if (good)
            memcpy(c->sha[i], rep->str, 41);
        freeReplyObject(rep);
        if (!good)
            return -1;
    }
    return 0;
}

/* rd_eval - EVALSHA, or EVAL when the server lost the script; args are the
 * keys then the arguments */
redisReply *rd_eval(struct rd *r, struct rd_conn *c, enum rd_script id, int nkeys, int nargs,
                    const char **args, const size_t *lens, bool *bad)
{
    const char *argv[16];
    size_t len[16];
    char nk[8];
    snprintf(nk, sizeof(nk), "%d", nkeys);
    argv[0] = "EVALSHA", argv[1] = c->sha[id], argv[2] = nk;
    for (int i = 0; i < 3; i++)
        len[i] = strlen(argv[i]);
    memcpy(argv + 3, args, (size_t)nargs * sizeof(*args));
    memcpy(len + 3, lens, (size_t)nargs * sizeof(*lens));
    redisReply *rep = redisCommandArgv(c->ctx, 3 + nargs, argv, len);
    if (rep && rep->type == REDIS_REPLY_ERROR && strncmp(rep->str, "NOSCRIPT", 8) == 0) {
        freeReplyObject(rep);
        argv[0] = "EVAL", len[0] = 4;
        argv[1] = rd_script_text[id], len[1] = strlen(argv[1]);
        rep = redisCommandArgv(c->ctx, 3 + nargs, argv, len);
    }
    return rd_reply(r, c, argv[0], rep, bad);
}

/* answer - the greylist script's {state, first_seen, pass_at} into *out */
static enum store_status answer(struct rd *r, const redisReply *rep, struct grey_answer *out)
{
    if (rep == NULL)
        return STORE_TRYLATER;
    if (rep->type != REDIS_REPLY_ARRAY || rep->elements != 3 ||
        rep->element[0]->type != REDIS_REPLY_INTEGER || rep->element[0]->integer < GREY_NEW ||
        rep->element[0]->integer > GREY_ALLOWED) {
        rd_log(r, "the greylist script gave an unexpected reply");
        return STORE_TRYLATER;
    }
    *out = (struct grey_answer){.state = (enum grey_state)rep->element[0]->integer,
                                .first_seen = rep->element[1]->integer,
                                .pass_at = rep->element[2]->integer};
    return STORE_FOUND;
}

/* run - one script on a pooled connection; a greylist answer into *out */
static enum store_status run(struct rd *r, enum rd_script id, int nkeys, int nargs,
                             const char **args, const size_t *lens, struct grey_answer *out)
{
    bool bad = false;
    struct rd_conn *c = rd_borrow(r);
    if (c == NULL)
        return STORE_TRYLATER;
    redisReply *rep = rd_eval(r, c, id, nkeys, nargs, args, lens, &bad);
    enum store_status s = out ? answer(r, rep, out) : rep ? STORE_FOUND : STORE_TRYLATER;
    freeReplyObject(rep);
    rd_return(r, c, !bad);
    return s;
}

/* rd_greylist - the five cases, decided by the server in one script */
static enum store_status rd_greylist(void *h, const struct grey_key *k, const struct grey_policy *p,
                                     struct grey_answer *out)
{
    struct rd *r = h;
    char num[5][24];
    const char *args[7];
    size_t lens[7];
    args[0] = rd_key(r, "g:", (const char *[]){k->origin, k->sender, k->rcpt}, 3, &lens[0]);
    args[1] = rd_key(r, "n:", (const char *[]){k->net}, 1, &lens[1]);
    snprintf(num[0], sizeof(num[0]), "%lld", (long long)p->now);
    snprintf(num[1], sizeof(num[1]), "%u", p->delay);
    snprintf(num[2], sizeof(num[2]), "%u", p->retry_window);
    snprintf(num[3], sizeof(num[3]), "%u", p->lifetime);
    snprintf(num[4], sizeof(num[4]), "%u", p->auto_allow);
    for (int i = 0; i < 5; i++) {
        args[2 + i] = num[i];
        lens[2 + i] = strlen(num[i]);
    }
    enum store_status s = run(r, RD_GREYLIST, 2, 7, args, lens, out);
    free((char *)args[0]);
    free((char *)args[1]);
    return s;
}

/* rd_net_allow - the allowance, set by the server in one script */
static enum store_status rd_net_allow(void *h, const char *net, int64_t until, bool by_operator)
{
    struct rd *r = h;
    char num[3][24];
    const char *args[5];
    size_t lens[5];
    args[0] = rd_key(r, "n:", (const char *[]){net}, 1, &lens[0]);
    snprintf(num[0], sizeof(num[0]), "%lld", (long long)until);
    snprintf(num[1], sizeof(num[1]), "%d", by_operator ? 1 : 0);
    snprintf(num[2], sizeof(num[2]), "%lld", (long long)time(NULL));
    for (int i = 0; i < 3; i++) {
        args[1 + i] = num[i];
        lens[1 + i] = strlen(num[i]);
    }
    args[4] = ENDED_FLOOR_TEXT;
    lens[4] = strlen(args[4]);
    enum store_status s = run(r, RD_NET_ALLOW, 1, 5, args, lens, NULL);
    free((char *)args[0]);
    return s;
}

const struct store_backend store_backend_redis = {
    .type = "redis",
    .check = rd_check,
    .path = NULL,
    .open = rd_open,
    .close = rd_close,
    .greylist = rd_greylist,
    .grey_each = rd_grey_each,
    .net_each = rd_net_each,
    .net_allow = rd_net_allow,
    .grey_drop = rd_grey_drop,
    .grey_stats = rd_grey_stats,
    .expire = rd_dmarc_expire,
    .rcpt_get = rd_rcpt_get,
    .rcpt_put = rd_rcpt_put,
    .dmarc_record = rd_dmarc_record,
    .dmarc_each = rd_dmarc_each,
};
