/* store_redis_dmarc.c - the Redis backend's DMARC history.
 *
 * Keys: PREFIX "dmarc:" DAY (the day number in decimal), a hash per UTC day
 * whose fields are a row's nine strings in struct order joined by NUL bytes
 * (a C string cannot hold one, so nothing needs escaping) and whose values
 * are the counts, raised by HINCRBY; PREFIX "dmarc:days", a sorted set of
 * the days recorded (score and member the day), so that listing and
 * housekeeping never SCAN. A day's hash carries a TTL that ends with its
 * retention (taken from this host's clock); store_expire drops it and its
 * member at the same time, and a member whose hash expired first. */
#include "store_redis.h"

#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NFIELDS 9             /* the strings of struct dmarc_row */
#define TTL_FLOOR 600         /* a day recorded after its retention: kept until housekeeping */
#define DAY_LIMIT (1LL << 40) /* days beyond +/- this are clamped for the TTL */

/* One hash field of a day. */
struct field {
    char *text; /* the field, NUL-terminated copy */
    size_t len;
    unsigned long count;
};

/* fields_of - the row's strings in struct order */
static void fields_of(const struct dmarc_row *r, const char *f[NFIELDS])
{
    const char *const all[NFIELDS] = {r->source_ip,        r->header_from, r->envelope_from,
                                      r->spf_domain,       r->spf_result,  r->dkim,
                                      r->policy_published, r->disposition, r->dmarc_result};
    memcpy(f, all, sizeof(all));
}

/* join - the row's strings joined by NUL bytes; *len bytes. The caller frees it. */
static char *join(const struct dmarc_row *row, size_t *len)
{
    const char *f[NFIELDS];
    size_t total = 0;
    fields_of(row, f);
    for (int i = 0; i < NFIELDS; i++)
        total += strlen(f[i]) + 1;
    char *out = xmalloc(total), *p = out;
    for (int i = 0; i < NFIELDS; i++)
        p = stpcpy(p, f[i]) + 1;
    *len = total - 1;
    return out;
}

/* split - a field's nine strings into row; false when it is not nine */
static bool split(const struct field *f, struct dmarc_row *row)
{
    const char *part[NFIELDS], *p = f->text, *end = f->text + f->len;
    for (int i = 0; i < NFIELDS; i++) {
        if (p > end)
            return false;
        part[i] = p;
        p += strlen(p) + 1;
    }
    if (p != end + 1)
        return false;
    row->source_ip = part[0], row->header_from = part[1], row->envelope_from = part[2];
    row->spf_domain = part[3], row->spf_result = part[4], row->dkim = part[5];
    row->policy_published = part[6], row->disposition = part[7], row->dmarc_result = part[8];
    return true;
}

/* day_key - PREFIX "dmarc:" NAME (a day number, or "days"). The caller frees it. */
static char *day_key(const struct rd *r, const char *name, size_t *len)
{
    return rd_key(r, "dmarc:", &name, 1, len);
}

/* ttl_of - seconds until day's retention ends, at least TTL_FLOOR */
static long long ttl_of(int64_t day)
{
    long long d = day > DAY_LIMIT ? DAY_LIMIT : day < -DAY_LIMIT ? -DAY_LIMIT : day;
    long long ttl = (d + STORE_DMARC_RETENTION_DAYS + 1) * 86400 - (long long)time(NULL);
    return ttl < TTL_FLOOR ? TTL_FLOOR : ttl;
}

/* day_script - run script id with day's hash and the index as keys, the
 * day and the nmore arguments after it (binary-safe); its integer reply
 * into *out */
static enum store_status day_script(struct rd *r, enum rd_script id, int64_t day,
                                    const char *const *more, const size_t *mlens, int nmore,
                                    long long *out)
{
    char num[24];
    const char *args[5];
    size_t lens[5];
    bool bad = false;
    snprintf(num, sizeof(num), "%lld", (long long)day);
    args[0] = day_key(r, num, &lens[0]);
    args[1] = day_key(r, "days", &lens[1]);
    args[2] = num, lens[2] = strlen(num);
    for (int i = 0; i < nmore; i++)
        args[3 + i] = more[i], lens[3 + i] = mlens[i];
    enum store_status s = STORE_TRYLATER;
    struct rd_conn *c = rd_borrow(r);
    redisReply *rep = c ? rd_eval(r, c, id, 2, 3 + nmore, args, lens, &bad) : NULL;
    if (rep && rep->type == REDIS_REPLY_INTEGER) {
        *out = rep->integer;
        s = STORE_FOUND;
    } else if (rep) {
        rd_log(r, "a DMARC history script gave an unexpected reply");
    }
    freeReplyObject(rep);
    if (c)
        rd_return(r, c, !bad);
    free((char *)args[0]);
    free((char *)args[1]);
    return s;
}

/* rd_dmarc_record - HINCRBY, the day's TTL and its index, in one script */
enum store_status rd_dmarc_record(void *h, const struct dmarc_row *row)
{
    char ttl[24];
    size_t lens[2];
    long long n = 0;
    snprintf(ttl, sizeof(ttl), "%lld", ttl_of(row->day));
    const char *more[2] = {join(row, &lens[0]), ttl};
    lens[1] = strlen(ttl);
    enum store_status s = day_script(h, RD_DMARC_RECORD, row->day, more, lens, 2, &n);
    free((char *)more[0]);
    if (s != STORE_FOUND)
        return s;
    return n > 1 ? STORE_FOUND : STORE_MISSING;
}

/* days_in - the recorded days with min <= day <= max (ZRANGEBYSCORE
 * bounds, "(" for exclusive) into *days, lowest first; the caller frees it */
static enum store_status days_in(struct rd *r, const char *min, const char *max, int64_t **days,
                                 size_t *n)
{
    size_t klen;
    bool bad = false;
    char *key = day_key(r, "days", &klen);
    const char *argv[] = {"ZRANGEBYSCORE", key, min, max};
    size_t lens[] = {strlen(argv[0]), klen, strlen(min), strlen(max)};
    enum store_status s = STORE_TRYLATER;
    struct rd_conn *c = rd_borrow(r);
    redisReply *rep = c ? rd_command(r, c, 4, argv, lens, &bad) : NULL;
    *days = NULL, *n = 0;
    if (rep && rep->type == REDIS_REPLY_ARRAY) {
        *days = xmalloc((rep->elements ? rep->elements : 1) * sizeof(**days));
        for (size_t i = 0; i < rep->elements; i++)
            if (rep->element[i]->type == REDIS_REPLY_STRING)
                (*days)[(*n)++] = strtoll(rep->element[i]->str, NULL, 10);
        s = STORE_FOUND;
    }
    freeReplyObject(rep);
    if (c)
        rd_return(r, c, !bad);
    free(key);
    return s;
}

/* fields_free - the copies and the array */
static void fields_free(struct field *f, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(f[i].text);
    free(f);
}

/* by_bytes - qsort: a field's bytes (the strings in order, as SQLite sorts) */
static int by_bytes(const void *a, const void *b)
{
    const struct field *x = a, *y = b;
    int c = memcmp(x->text, y->text, x->len < y->len ? x->len : y->len);
    return c ? c : (x->len > y->len) - (x->len < y->len);
}

/* copy_pairs - an HGETALL reply's field/count pairs into a sorted array */
static struct field *copy_pairs(const redisReply *rep, size_t *n)
{
    struct field *f = xmalloc((rep->elements / 2 + 1) * sizeof(*f));
    *n = 0;
    for (size_t i = 0; i + 1 < rep->elements; i += 2) {
        const redisReply *k = rep->element[i], *v = rep->element[i + 1];
        if (k->type != REDIS_REPLY_STRING || v->type != REDIS_REPLY_STRING)
            continue;
        f[*n] = (struct field){
            .text = xmalloc(k->len + 1), .len = k->len, .count = strtoul(v->str, NULL, 10)};
        memcpy(f[*n].text, k->str, k->len);
        f[(*n)++].text[k->len] = '\0';
    }
    qsort(f, *n, sizeof(*f), by_bytes);
    return f;
}

/* day_rows - a day's fields and counts, sorted; the caller frees them */
static enum store_status day_rows(struct rd *r, int64_t day, struct field **f, size_t *n)
{
    char num[24];
    size_t klen;
    bool bad = false;
    snprintf(num, sizeof(num), "%lld", (long long)day);
    char *key = day_key(r, num, &klen);
    const char *argv[] = {"HGETALL", key};
    size_t lens[] = {7, klen};
    enum store_status s = STORE_TRYLATER;
    struct rd_conn *c = rd_borrow(r);
    redisReply *rep = c ? rd_command(r, c, 2, argv, lens, &bad) : NULL;
    if (rep && rep->type == REDIS_REPLY_ARRAY) {
        *f = copy_pairs(rep, n);
        s = STORE_FOUND;
    }
    freeReplyObject(rep);
    if (c)
        rd_return(r, c, !bad);
    free(key);
    return s;
}

/* emit_day - call fn with each well-formed row of day; *stop when it asks */
static enum store_status emit_day(struct rd *r, int64_t day,
                                  int (*fn)(void *arg, const struct dmarc_row *row,
                                            unsigned long count),
                                  void *arg, bool *any, bool *stop)
{
    struct field *f = NULL;
    size_t n = 0;
    enum store_status s = day_rows(r, day, &f, &n);
    for (size_t i = 0; s == STORE_FOUND && i < n && !*stop; i++) {
        struct dmarc_row row = {.day = day};
        if (f[i].count == 0 || !split(&f[i], &row))
            continue;
        *any = true;
        *stop = fn(arg, &row, f[i].count) != 0;
    }
    fields_free(f, n);
    return s;
}

/* rd_dmarc_each - the index's days in range, then each day's hash */
enum store_status
rd_dmarc_each(void *h, int64_t day_from, int64_t day_to,
              int (*fn)(void *arg, const struct dmarc_row *row, unsigned long count), void *arg)
{
    char min[24], max[24];
    int64_t *days;
    size_t n;
    bool any = false, stop = false;
    snprintf(min, sizeof(min), "%lld", (long long)day_from);
    snprintf(max, sizeof(max), "%lld", (long long)day_to);
    enum store_status s = days_in(h, min, max, &days, &n);
    for (size_t i = 0; s == STORE_FOUND && i < n && !stop; i++)
        s = emit_day(h, days[i], fn, arg, &any, &stop);
    free(days);
    return s == STORE_FOUND && !any ? STORE_MISSING : s;
}

/* rd_dmarc_expire - drop each day before the retention, one script a day */
enum store_status rd_dmarc_expire(void *h, int64_t now, unsigned long *removed)
{
    char max[24];
    int64_t *days;
    size_t n;
    snprintf(max, sizeof(max), "(%lld", (long long)store_dmarc_oldest(now));
    enum store_status s = days_in(h, "-inf", max, &days, &n);
    for (size_t i = 0; s == STORE_FOUND && i < n; i++) {
        long long rows = 0;
        s = day_script(h, RD_DMARC_DROP, days[i], NULL, NULL, 0, &rows);
        if (s == STORE_FOUND)
            *removed += (unsigned long)rows;
    }
    free(days);
    return s;
}
