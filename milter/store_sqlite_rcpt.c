/* store_sqlite_rcpt.c - the SQLite backend's rcptverify cache: one row per
 * recipient in the rcpt table; housekeeping is sq_expire's
 * (store_sqlite_ops.c) */
#include "store_sqlite.h"

/* sq_rcpt_get - one read */
enum store_status sq_rcpt_get(void *h, const char *addr, int64_t now, struct rcpt_entry *out)
{
    struct sq_conn *c = sq_borrow(h);
    if (c == NULL)
        return STORE_TRYLATER;
    sqlite3_stmt *st = c->stmt[SQ_RCPT_GET];
    sq_text(st, 1, addr);
    sqlite3_bind_int64(st, 2, now);
    enum store_status found = STORE_MISSING;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *out = (struct rcpt_entry){.known = sqlite3_column_int(st, 0) != 0,
                                   .expires = sqlite3_column_int64(st, 1)};
        found = STORE_FOUND;
    }
    sq_done(st);
    return sq_return(h, c, rc, found);
}

/* sq_rcpt_put - one write transaction: insert or replace */
enum store_status sq_rcpt_put(void *h, const char *addr, const struct rcpt_entry *e, int64_t now)
{
    (void)now;
    struct sq_conn *c = sq_borrow(h);
    if (c == NULL)
        return STORE_TRYLATER;
    int rc = sq_write_begin(h, c);
    if (rc == SQLITE_OK) {
        sqlite3_stmt *st = c->stmt[SQ_RCPT_PUT];
        sq_text(st, 1, addr);
        sqlite3_bind_int(st, 2, e->known ? 1 : 0);
        sqlite3_bind_int64(st, 3, e->expires);
        rc = sq_write_end(h, c, sq_run(c, SQ_RCPT_PUT));
    }
    return sq_return(h, c, rc, STORE_FOUND);
}
