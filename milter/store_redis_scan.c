/* store_redis_scan.c - the Redis backend's operator calls (mxgatectl, not
 * the hot path): SCAN the prefix, read the hashes in pipelined batches,
 * and sort client-side as the SQLite backend orders its rows */
#include "store_redis.h"

#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCAN_COUNT "1000" /* keys SCAN looks at per call */
#define BATCH 500         /* HMGET or DEL commands per pipelined batch */

/* A key SCAN found, and the hash fields read for it. */
struct item {
    char *key; /* NUL-terminated copy */
    size_t len;
    const char *part[3]; /* into key: origin, sender, rcpt; or the net */
    bool found;          /* the hash was still there when read */
    int64_t v[5];        /* the fields asked for, in order */
};

struct items {
    struct item *it;
    size_t n, cap;
};

/* items_free - every copy and the array */
static void items_free(struct items *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->it[i].key);
    free(s->it);
}

/* split - the nparts NUL-separated parts of item after off; false if malformed */
static bool split(struct item *t, size_t off, int nparts)
{
    const char *p = t->key + off, *end = t->key + t->len;
    for (int i = 0; i < nparts; i++) {
        if (p > end)
            return false;
        t->part[i] = p;
        p += strlen(p) + 1;
    }
    return p == end + 1;
}

/* matches - match is NULL or one of the parts */
static bool matches(const struct item *t, int nparts, const char *match)
{
    for (int i = 0; match && i < nparts; i++)
        if (strcmp(t->part[i], match) == 0)
            return true;
    return match == NULL;
}

/* add - keep a key SCAN returned when it is well formed and matches */
static void add(struct items *s, const redisReply *k, size_t off, int nparts, const char *match)
{
    if (k->type != REDIS_REPLY_STRING || k->len < off)
        return;
    struct item t = {.key = xmalloc(k->len + 1), .len = k->len};
    memcpy(t.key, k->str, k->len);
    t.key[k->len] = '\0';
    if (!split(&t, off, nparts) || !matches(&t, nparts, match)) {
        free(t.key);
        return;
    }
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 64;
        s->it = xrealloc(s->it, s->cap * sizeof(*s->it));
    }
    s->it[s->n++] = t;
}

/* by_key - qsort: key bytes */
static int by_key(const void *a, const void *b)
{
    const struct item *x = a, *y = b;
    int c = memcmp(x->key, y->key, x->len < y->len ? x->len : y->len);
    return c ? c : (x->len > y->len) - (x->len < y->len);
}

/* dedup - sort by key and drop the repeats SCAN may return */
static void dedup(struct items *s)
{
    size_t out = 0;
    if (s->n > 1)
        qsort(s->it, s->n, sizeof(*s->it), by_key);
    for (size_t i = 0; i < s->n; i++) {
        if (out > 0 && by_key(&s->it[out - 1], &s->it[i]) == 0)
            free(s->it[i].key);
        else
            s->it[out++] = s->it[i];
    }
    s->n = out;
}

/* pattern - the glob for PREFIX KIND *, with the prefix's glob characters escaped */
static char *pattern(const struct rd *r, const char *kind)
{
    const char *p = r->conf.prefix;
    char *out = xmalloc(2 * strlen(p) + strlen(kind) + 2), *o = out;
    for (; *p; p++) {
        if (strchr("*?[]\\", *p))
            *o++ = '\\';
        *o++ = *p;
    }
    strcpy(stpcpy(o, kind), "*");
    return out;
}

/* scan - every key under PREFIX KIND that matches, without repeats: 0 or -1 */
static int scan(struct rd *r, struct rd_conn *c, const char *kind, int nparts, const char *match,
                struct items *s, bool *bad)
{
    char cursor[32] = "0", *glob = pattern(r, kind);
    size_t off = strlen(r->conf.prefix) + strlen(kind);
    int rc = 0;
    do {
        const char *argv[] = {"SCAN", cursor, "MATCH", glob, "COUNT", SCAN_COUNT};
        redisReply *rep = rd_command(r, c, 6, argv, NULL, bad);
        if (rep == NULL || rep->type != REDIS_REPLY_ARRAY || rep->elements != 2 ||
            rep->element[0]->type != REDIS_REPLY_STRING ||
            rep->element[1]->type != REDIS_REPLY_ARRAY) {
            rc = -1;
        } else {
            snprintf(cursor, sizeof(cursor), "%s", rep->element[0]->str);
            for (size_t i = 0; i < rep->element[1]->elements; i++)
                add(s, rep->element[1]->element[i], off, nparts, match);
        }
        freeReplyObject(rep);
    } while (rc == 0 && strcmp(cursor, "0") != 0);
    free(glob);
    if (rc == 0)
        dedup(s);
    return rc;
}

/* values - an HMGET reply into t */
static void values(struct item *t, const redisReply *rep, int nfields)
{
    t->found = false;
    for (int j = 0; j < nfields && (size_t)j < rep->elements; j++) {
        const redisReply *e = rep->element[j];
        if (e->type == REDIS_REPLY_STRING) {
            t->found = true;
            t->v[j] = strtoll(e->str, NULL, 10);
        }
    }
}

/* pipeline - send cmd (HMGET fields, or DEL) for items [from, to) and read
 * the replies; HMGET values into the items, DEL counts into *deleted */
static int pipeline(struct rd *r, struct rd_conn *c, struct items *s, size_t from, size_t to,
                    const char *const *cmd, int ncmd, unsigned long *deleted, bool *bad)
{
    const char *argv[8];
    size_t lens[8];
    argv[0] = cmd[0], lens[0] = strlen(cmd[0]);
    for (int j = 1; j < ncmd; j++)
        argv[j + 1] = cmd[j], lens[j + 1] = strlen(cmd[j]);
    for (size_t i = from; i < to; i++) {
        argv[1] = s->it[i].key, lens[1] = s->it[i].len;
        redisAppendCommandArgv(c->ctx, ncmd + 1, argv, lens);
    }
    int rc = 0;
    for (size_t i = from; i < to; i++) {
        void *v = NULL;
        redisGetReply(c->ctx, &v);
        redisReply *rep = rd_reply(r, c, cmd[0], v, bad);
        if (rep == NULL && *bad)
            return -1;
        if (rep && rep->type == REDIS_REPLY_ARRAY)
            values(&s->it[i], rep, ncmd - 1);
        else if (rep && rep->type == REDIS_REPLY_INTEGER && deleted)
            *deleted += (unsigned long)rep->integer;
        else
            rc = -1;
        freeReplyObject(rep);
    }
    return rc;
}

/* each_batch - pipeline over every item, BATCH at a time */
static int each_batch(struct rd *r, struct rd_conn *c, struct items *s, const char *const *cmd,
                      int ncmd, unsigned long *deleted, bool *bad)
{
    int rc = 0;
    for (size_t i = 0; i < s->n && rc == 0; i += BATCH)
        rc = pipeline(r, c, s, i, i + BATCH < s->n ? i + BATCH : s->n, cmd, ncmd, deleted, bad);
    return rc;
}

/* collect - the matching keys of kind and their fields (cmd: HMGET and the
 * field names; NULL: keys only), on a pooled connection */
static enum store_status collect(struct rd *r, const char *kind, int nparts, const char *match,
                                 const char *const *cmd, int ncmd, struct items *s)
{
    bool bad = false;
    struct rd_conn *c = rd_borrow(r);
    if (c == NULL)
        return STORE_TRYLATER;
    int rc = scan(r, c, kind, nparts, match, s, &bad);
    if (rc == 0 && cmd)
        rc = each_batch(r, c, s, cmd, ncmd, NULL, &bad);
    rd_return(r, c, !bad);
    return rc == 0 ? STORE_FOUND : STORE_TRYLATER;
}

static const char *const grey_fields[] = {"HMGET",  "first_seen", "last_seen",
                                          "passed", "expires",    "attempts"};
static const char *const net_fields[] = {"HMGET", "passes", "allowed_until", "by_operator"};

/* by_age - qsort: first_seen, origin, sender, rcpt (SQLite's order) */
static int by_age(const void *a, const void *b)
{
    const struct item *x = a, *y = b;
    if (x->v[0] != y->v[0])
        return x->v[0] < y->v[0] ? -1 : 1;
    for (int i = 0; i < 3; i++) {
        int c = strcmp(x->part[i], y->part[i]);
        if (c)
            return c;
    }
    return 0;
}

/* rd_grey_each - the matching triplets, oldest first */
enum store_status rd_grey_each(void *h, const char *match,
                               int (*fn)(void *arg, const struct grey_row *row), void *arg)
{
    struct items s = {0};
    enum store_status st = collect(h, "g:", 3, match, grey_fields, 6, &s);
    if (st == STORE_FOUND && s.n > 1)
        qsort(s.it, s.n, sizeof(*s.it), by_age);
    bool any = false;
    for (size_t i = 0; st == STORE_FOUND && i < s.n; i++) {
        const struct item *t = &s.it[i];
        struct grey_row row = {.origin = t->part[0],
                               .sender = t->part[1],
                               .rcpt = t->part[2],
                               .first_seen = t->v[0],
                               .last_seen = t->v[1],
                               .passed = t->v[2],
                               .expires = t->v[3],
                               .attempts = (unsigned)t->v[4]};
        if (!t->found)
            continue;
        any = true;
        if (fn(arg, &row) != 0)
            break;
    }
    items_free(&s);
    return st == STORE_FOUND && !any ? STORE_MISSING : st;
}

/* rd_net_each - every net row, by name */
enum store_status rd_net_each(void *h, int (*fn)(void *arg, const struct net_row *row), void *arg)
{
    struct items s = {0};
    enum store_status st = collect(h, "n:", 1, NULL, net_fields, 4, &s);
    bool any = false;
    for (size_t i = 0; st == STORE_FOUND && i < s.n; i++) {
        const struct item *t = &s.it[i];
        struct net_row row = {.net = t->part[0],
                              .passes = (unsigned)t->v[0],
                              .allowed_until = t->v[1],
                              .by_operator = t->v[2] != 0};
        if (!t->found)
            continue;
        any = true;
        if (fn(arg, &row) != 0)
            break;
    }
    items_free(&s);
    return st == STORE_FOUND && !any ? STORE_MISSING : st;
}

/* drop - DEL the collected triplets and the net named match */
static enum store_status drop(struct rd *r, struct items *s, const char *match, unsigned long *n)
{
    static const char *const del[] = {"DEL"};
    bool bad = false;
    struct rd_conn *c = rd_borrow(r);
    if (c == NULL)
        return STORE_TRYLATER;
    size_t len;
    char *net = rd_key(r, "n:", &match, 1, &len);
    add(s, &(redisReply){.type = REDIS_REPLY_STRING, .str = net, .len = len},
        strlen(r->conf.prefix) + 2, 1, NULL);
    free(net);
    int rc = each_batch(r, c, s, del, 1, n, &bad);
    rd_return(r, c, !bad);
    return rc == 0 ? STORE_FOUND : STORE_TRYLATER;
}

/* rd_grey_drop - the matching triplets and the net row named match */
enum store_status rd_grey_drop(void *h, const char *match, unsigned long *dropped)
{
    struct items s = {0};
    unsigned long n = 0;
    enum store_status st = collect(h, "g:", 3, match, NULL, 0, &s);
    if (st == STORE_FOUND)
        st = drop(h, &s, match, &n);
    items_free(&s);
    if (st == STORE_FOUND)
        *dropped = n;
    return st == STORE_FOUND && n == 0 ? STORE_MISSING : st;
}

/* grey_counts - pending, passed and expired triplets as of now */
static enum store_status grey_counts(struct rd *r, int64_t now, struct grey_stats *out)
{
    static const char *const fields[] = {"HMGET", "passed", "expires"};
    struct items s = {0};
    enum store_status st = collect(r, "g:", 3, NULL, fields, 3, &s);
    for (size_t i = 0; st == STORE_FOUND && i < s.n; i++) {
        const struct item *t = &s.it[i];
        if (!t->found)
            continue;
        if (t->v[1] < now)
            out->expired++;
        else if (t->v[0] == 0)
            out->pending++;
        else
            out->passed++;
    }
    items_free(&s);
    return st;
}

/* rd_grey_stats - the counts, from a scan of each kind */
enum store_status rd_grey_stats(void *h, int64_t now, struct grey_stats *out)
{
    static const char *const fields[] = {"HMGET", "allowed_until", "by_operator"};
    struct items s = {0};
    enum store_status st = grey_counts(h, now, out);
    if (st == STORE_FOUND)
        st = collect(h, "n:", 1, NULL, fields, 3, &s);
    for (size_t i = 0; st == STORE_FOUND && i < s.n; i++) {
        const struct item *t = &s.it[i];
        if (t->found && t->v[0] > now && t->v[1] != 0)
            out->nets_operator++;
        else if (t->found && t->v[0] > now)
            out->nets_auto++;
    }
    items_free(&s);
    return st;
}
