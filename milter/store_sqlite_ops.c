/* store_sqlite_ops.c - the SQLite backend's statements and its greylisting
 * and housekeeping operations: a greylist lookup is one read, and only when
 * the answer changes something a write transaction that reads again and
 * writes */
#include "store_sqlite.h"

/* The DMARC table's key (its UNIQUE constraint): every column but count,
 * in struct dmarc_row's order. */
#define DMARC_KEY                                                               \
    "day, source_ip, header_from, envelope_from, spf_domain, spf_result, dkim," \
    " policy_published, disposition, dmarc_result"

const char *const sq_sql[SQ_COUNT] = {
    [SQ_BEGIN] = "BEGIN IMMEDIATE",
    [SQ_COMMIT] = "COMMIT",
    [SQ_ROLLBACK] = "ROLLBACK",
    [SQ_LOOKUP] = "SELECT n.net IS NOT NULL, n.passes, n.allowed_until, n.by_operator, n.expires,"
                  " g.origin IS NOT NULL, g.first_seen, g.last_seen, g.passed, g.expires,"
                  " g.attempts FROM (SELECT 1) LEFT JOIN net AS n ON n.net = ?1"
                  " LEFT JOIN grey AS g ON g.origin = ?2 AND g.sender = ?3 AND g.rcpt = ?4",
    [SQ_GREY_PUT] = "INSERT INTO grey (origin, sender, rcpt, first_seen, last_seen, passed,"
                    " expires, attempts) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
                    " ON CONFLICT (origin, sender, rcpt) DO UPDATE SET"
                    " first_seen = excluded.first_seen, last_seen = excluded.last_seen,"
                    " passed = excluded.passed, expires = excluded.expires,"
                    " attempts = excluded.attempts",
    [SQ_NET_PUT] = "INSERT INTO net (net, passes, allowed_until, by_operator, expires)"
                   " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (net) DO UPDATE SET"
                   " passes = excluded.passes, allowed_until = excluded.allowed_until,"
                   " by_operator = excluded.by_operator, expires = excluded.expires",
    [SQ_NET_ALLOW] = "INSERT INTO net (net, passes, allowed_until, by_operator, expires)"
                     " VALUES (?1, 0, ?2, ?3, ?2) ON CONFLICT (net) DO UPDATE SET"
                     " allowed_until = excluded.allowed_until,"
                     " by_operator = excluded.by_operator,"
                     " expires = MAX(expires, excluded.expires)",
    [SQ_GREY_EACH] = "SELECT origin, sender, rcpt, first_seen, last_seen, passed, expires,"
                     " attempts FROM grey"
                     " WHERE ?1 IS NULL OR origin = ?1 OR sender = ?1 OR rcpt = ?1"
                     " ORDER BY first_seen, origin, sender, rcpt",
    [SQ_NET_EACH] = "SELECT net, passes, allowed_until, by_operator FROM net ORDER BY net",
    [SQ_DROP_GREY] = "DELETE FROM grey WHERE origin = ?1 OR sender = ?1 OR rcpt = ?1",
    [SQ_DROP_NET] = "DELETE FROM net WHERE net = ?1",
    [SQ_STATS] = "SELECT g.pending, g.passed, g.expired, n.auto, n.operator FROM"
                 " (SELECT COUNT(*) FILTER (WHERE passed = 0 AND expires >= ?1) AS pending,"
                 " COUNT(*) FILTER (WHERE passed <> 0 AND expires >= ?1) AS passed,"
                 " COUNT(*) FILTER (WHERE expires < ?1) AS expired FROM grey) AS g,"
                 " (SELECT COUNT(*) FILTER (WHERE allowed_until > ?1 AND NOT by_operator) AS auto,"
                 " COUNT(*) FILTER (WHERE allowed_until > ?1 AND by_operator) AS operator"
                 " FROM net) AS n",
    [SQ_EXPIRE_GREY] = "DELETE FROM grey WHERE (origin, sender, rcpt) IN"
                       " (SELECT origin, sender, rcpt FROM grey WHERE expires < ?1 LIMIT ?2)",
    [SQ_EXPIRE_NET] = "DELETE FROM net WHERE net IN"
                      " (SELECT net FROM net WHERE expires < ?1 LIMIT ?2)",
    [SQ_DMARC_RECORD] = "INSERT INTO dmarc (" DMARC_KEY ", count)"
                        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 1)"
                        " ON CONFLICT (" DMARC_KEY ") DO UPDATE SET count = count + 1"
                        " RETURNING count",
    [SQ_DMARC_EACH] = "SELECT " DMARC_KEY ", count FROM dmarc WHERE day BETWEEN ?1 AND ?2"
                      " ORDER BY " DMARC_KEY,
    [SQ_EXPIRE_DMARC] = "DELETE FROM dmarc WHERE rowid IN"
                        " (SELECT rowid FROM dmarc WHERE day < ?1 LIMIT ?2)",
    [SQ_RCPT_GET] = "SELECT known, expires FROM rcpt WHERE addr = ?1 AND expires >= ?2",
    [SQ_RCPT_PUT] = "INSERT INTO rcpt (addr, known, expires) VALUES (?1, ?2, ?3)"
                    " ON CONFLICT (addr) DO UPDATE SET known = excluded.known,"
                    " expires = excluded.expires",
    [SQ_EXPIRE_RCPT] = "DELETE FROM rcpt WHERE addr IN"
                       " (SELECT addr FROM rcpt WHERE expires < ?1 LIMIT ?2)",
};

/* sq_text - bind a string that outlives the statement's use */
void sq_text(sqlite3_stmt *st, int i, const char *s)
{
    sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
}

/* sq_done - reset a statement after its last step */
void sq_done(sqlite3_stmt *st)
{
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
}

/* lookup - the net's and the triplet's rows, read in one statement */
static int lookup(struct sq_conn *c, const struct grey_key *k, struct grey_rec *g,
                  struct net_rec *n)
{
    sqlite3_stmt *st = c->stmt[SQ_LOOKUP];
    sq_text(st, 1, k->net);
    sq_text(st, 2, k->origin);
    sq_text(st, 3, k->sender);
    sq_text(st, 4, k->rcpt);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *n = (struct net_rec){.found = sqlite3_column_int(st, 0),
                              .passes = (unsigned)sqlite3_column_int64(st, 1),
                              .allowed_until = sqlite3_column_int64(st, 2),
                              .by_operator = sqlite3_column_int(st, 3),
                              .expires = sqlite3_column_int64(st, 4)};
        *g = (struct grey_rec){.found = sqlite3_column_int(st, 5),
                               .first_seen = sqlite3_column_int64(st, 6),
                               .last_seen = sqlite3_column_int64(st, 7),
                               .passed = sqlite3_column_int64(st, 8),
                               .expires = sqlite3_column_int64(st, 9),
                               .attempts = (unsigned)sqlite3_column_int64(st, 10)};
        rc = SQLITE_OK;
    }
    sq_done(st);
    return rc;
}

/* put_grey - write the triplet's row */
static int put_grey(struct sq_conn *c, const struct grey_key *k, const struct grey_rec *g)
{
    sqlite3_stmt *st = c->stmt[SQ_GREY_PUT];
    sq_text(st, 1, k->origin);
    sq_text(st, 2, k->sender);
    sq_text(st, 3, k->rcpt);
    sqlite3_bind_int64(st, 4, g->first_seen);
    sqlite3_bind_int64(st, 5, g->last_seen);
    sqlite3_bind_int64(st, 6, g->passed);
    sqlite3_bind_int64(st, 7, g->expires);
    sqlite3_bind_int64(st, 8, g->attempts);
    return sq_run(c, SQ_GREY_PUT);
}

/* put_net - write the net's row */
static int put_net(struct sq_conn *c, const char *net, const struct net_rec *n)
{
    sqlite3_stmt *st = c->stmt[SQ_NET_PUT];
    sq_text(st, 1, net);
    sqlite3_bind_int64(st, 2, n->passes);
    sqlite3_bind_int64(st, 3, n->allowed_until);
    sqlite3_bind_int(st, 4, n->by_operator);
    sqlite3_bind_int64(st, 5, n->expires);
    return sq_run(c, SQ_NET_PUT);
}

/* grey_write - under the write lock: read again, decide again, write */
static int grey_write(struct sq *s, struct sq_conn *c, const struct grey_key *k,
                      const struct grey_policy *p, struct grey_answer *out)
{
    struct grey_rec g;
    struct net_rec n;
    int rc = sq_write_begin(s, c);
    if (rc != SQLITE_OK)
        return rc;
    rc = lookup(c, k, &g, &n);
    unsigned w = rc == SQLITE_OK ? store_grey_decide(p, &g, &n, out) : GREY_WRITE_NONE;
    if (w & GREY_WRITE_TRIPLET)
        rc = put_grey(c, k, &g);
    if (rc == SQLITE_OK && (w & GREY_WRITE_NET))
        rc = put_net(c, k->net, &n);
    return sq_write_end(s, c, rc);
}

/* sq_greylist - a read; a write transaction only when something changes */
static enum store_status sq_greylist(void *h, const struct grey_key *k, const struct grey_policy *p,
                                     struct grey_answer *out)
{
    struct grey_rec g;
    struct net_rec n;
    struct sq_conn *c = sq_borrow(h);
    if (c == NULL)
        return STORE_TRYLATER;
    int rc = lookup(c, k, &g, &n);
    if (rc == SQLITE_OK && store_grey_decide(p, &g, &n, out) != GREY_WRITE_NONE)
        rc = grey_write(h, c, k, p, out);
    return sq_return(h, c, rc, STORE_FOUND);
}

/* sq_grey_each - the matching triplets, oldest first */
static enum store_status sq_grey_each(void *h, const char *match,
                                      int (*fn)(void *arg, const struct grey_row *row), void *arg)
{
    struct sq_conn *c = sq_borrow(h);
    if (c == NULL)
        return STORE_TRYLATER;
    sqlite3_stmt *st = c->stmt[SQ_GREY_EACH];
    sq_text(st, 1, match);
    bool any = false;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct grey_row r = {.origin = (const char *)sqlite3_column_text(st, 0),
                             .sender = (const char *)sqlite3_column_text(st, 1),
                             .rcpt = (const char *)sqlite3_column_text(st, 2),
                             .first_seen = sqlite3_column_int64(st, 3),
                             .last_seen = sqlite3_column_int64(st, 4),
                             .passed = sqlite3_column_int64(st, 5),
                             .expires = sqlite3_column_int64(st, 6),
                             .attempts = (unsigned)sqlite3_column_int64(st, 7)};
        any = true;
        if (r.origin && r.sender && r.rcpt && fn(arg, &r) != 0)
            break;
    }
    sq_done(st);
    return sq_return(h, c, rc, any ? STORE_FOUND : STORE_MISSING);
}

/* sq_net_each - every net row */
static enum store_status sq_net_each(void *h, int (*fn)(void *arg, const struct net_row *row),
                                     void *arg)
{
    struct sq_conn *c = sq_borrow(h);
    if (c == NULL)
        return STORE_TRYLATER;
    sqlite3_stmt *st = c->stmt[SQ_NET_EACH];
    bool any = false;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct net_row r = {.net = (const char *)sqlite3_column_text(st, 0),
                            .passes = (unsigned)sqlite3_column_int64(st, 1),
                            .allowed_until = sqlite3_column_int64(st, 2),
                            .by_operator = sqlite3_column_int(st, 3)};
        any = true;
        if (r.net && fn(arg, &r) != 0)
            break;
    }
    sq_done(st);
    return sq_return(h, c, rc, any ? STORE_FOUND : STORE_MISSING);
}

/* sq_net_allow - insert or update the net's allowance */
static enum store_status sq_net_allow(void *h, const char *net, int64_t until, bool by_operator)
{
    struct sq_conn *c = sq_borrow(h);
    if (c == NULL)
        return STORE_TRYLATER;
    int rc = sq_write_begin(h, c);
    if (rc == SQLITE_OK) {
        sqlite3_stmt *st = c->stmt[SQ_NET_ALLOW];
        sq_text(st, 1, net);
        sqlite3_bind_int64(st, 2, until);
        sqlite3_bind_int(st, 3, by_operator);
        rc = sq_write_end(h, c, sq_run(c, SQ_NET_ALLOW));
    }
    return sq_return(h, c, rc, STORE_FOUND);
}

/* delete - run a DELETE bound to match and count its rows */
static int delete (struct sq_conn *c, enum sq_stmt id, const char *match, unsigned long *count)
{
    sq_text(c->stmt[id], 1, match);
    int rc = sq_run(c, id);
    if (rc == SQLITE_OK)
        *count += (unsigned long)sqlite3_changes(c->db);
    return rc;
}

/* sq_grey_drop - the matching triplets and net row, in one transaction */
static enum store_status sq_grey_drop(void *h, const char *match, unsigned long *dropped)
{
    unsigned long n = 0;
    struct sq_conn *c = sq_borrow(h);
    if (c == NULL)
        return STORE_TRYLATER;
    int rc = sq_write_begin(h, c);
    if (rc == SQLITE_OK) {
        rc = delete (c, SQ_DROP_GREY, match, &n);
        if (rc == SQLITE_OK)
            rc = delete (c, SQ_DROP_NET, match, &n);
        rc = sq_write_end(h, c, rc);
    }
    if (rc == SQLITE_OK)
        *dropped = n;
    return sq_return(h, c, rc, n ? STORE_FOUND : STORE_MISSING);
}

/* sq_grey_stats - the counts, read in one statement */
static enum store_status sq_grey_stats(void *h, int64_t now, struct grey_stats *out)
{
    struct sq_conn *c = sq_borrow(h);
    if (c == NULL)
        return STORE_TRYLATER;
    sqlite3_stmt *st = c->stmt[SQ_STATS];
    sqlite3_bind_int64(st, 1, now);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *out = (struct grey_stats){.pending = (unsigned long)sqlite3_column_int64(st, 0),
                                   .passed = (unsigned long)sqlite3_column_int64(st, 1),
                                   .expired = (unsigned long)sqlite3_column_int64(st, 2),
                                   .nets_auto = (unsigned long)sqlite3_column_int64(st, 3),
                                   .nets_operator = (unsigned long)sqlite3_column_int64(st, 4)};
    sq_done(st);
    return sq_return(h, c, rc, STORE_FOUND);
}

/* expire_table - delete one table's rows older than before (a time, or
 * the DMARC table's first day kept), a batch per transaction */
static int expire_table(struct sq *s, struct sq_conn *c, enum sq_stmt id, int64_t before,
                        unsigned long *removed)
{
    int rc, n;
    do {
        if ((rc = sq_write_begin(s, c)) != SQLITE_OK)
            return rc;
        sqlite3_bind_int64(c->stmt[id], 1, before);
        sqlite3_bind_int(c->stmt[id], 2, SQ_EXPIRE_BATCH);
        rc = sq_run(c, id);
        n = rc == SQLITE_OK ? sqlite3_changes(c->db) : 0;
        if ((rc = sq_write_end(s, c, rc)) == SQLITE_OK)
            *removed += (unsigned long)n;
    } while (rc == SQLITE_OK && n == SQ_EXPIRE_BATCH);
    return rc;
}

/* sq_expire - housekeeping, releasing the write lock between batches */
static enum store_status sq_expire(void *h, int64_t now, unsigned long *removed)
{
    struct sq_conn *c = sq_borrow(h);
    if (c == NULL)
        return STORE_TRYLATER;
    int rc = expire_table(h, c, SQ_EXPIRE_GREY, now, removed);
    if (rc == SQLITE_OK)
        rc = expire_table(h, c, SQ_EXPIRE_NET, now, removed);
    if (rc == SQLITE_OK)
        rc = expire_table(h, c, SQ_EXPIRE_DMARC, store_dmarc_oldest(now), removed);
    if (rc == SQLITE_OK)
        rc = expire_table(h, c, SQ_EXPIRE_RCPT, now, removed);
    return sq_return(h, c, rc, STORE_FOUND);
}

const struct store_backend store_backend_sqlite = {
    .type = "sqlite",
    .check = sq_check,
    .path = sq_path,
    .open = sq_open,
    .close = sq_close,
    .greylist = sq_greylist,
    .grey_each = sq_grey_each,
    .net_each = sq_net_each,
    .net_allow = sq_net_allow,
    .grey_drop = sq_grey_drop,
    .grey_stats = sq_grey_stats,
    .expire = sq_expire,
    .rcpt_get = sq_rcpt_get,
    .rcpt_put = sq_rcpt_put,
    .dmarc_record = sq_dmarc_record,
    .dmarc_each = sq_dmarc_each,
};
