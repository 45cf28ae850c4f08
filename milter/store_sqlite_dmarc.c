/* store_sqlite_dmarc.c - the SQLite backend's DMARC history: one row per
 * day and kind of evaluation in the dmarc table, counted by an upsert;
 * housekeeping is sq_expire's (store_sqlite_ops.c) */
#include "store_sqlite.h"

/* bind_row - the row's fields as parameters 1 to 10, in struct order */
static void bind_row(sqlite3_stmt *st, const struct dmarc_row *r)
{
    const char *const text[] = {r->source_ip,        r->header_from, r->envelope_from,
                                r->spf_domain,       r->spf_result,  r->dkim,
                                r->policy_published, r->disposition, r->dmarc_result};
    sqlite3_bind_int64(st, 1, r->day);
    for (int i = 0; i < 9; i++)
        sq_text(st, 2 + i, text[i]);
}

/* upsert - count the row; *count is its count afterwards */
static int upsert(struct sq_conn *c, const struct dmarc_row *row, int64_t *count)
{
    sqlite3_stmt *st = c->stmt[SQ_DMARC_RECORD];
    bind_row(st, row);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *count = sqlite3_column_int64(st, 0);
        rc = sqlite3_step(st);
    }
    sq_done(st);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* sq_dmarc_record - one write transaction: insert with count 1, or add one */
enum store_status sq_dmarc_record(void *h, const struct dmarc_row *row)
{
    int64_t count = 0;
    struct sq_conn *c = sq_borrow(h);
    if (c == NULL)
        return STORE_TRYLATER;
    int rc = sq_write_begin(h, c);
    if (rc == SQLITE_OK)
        rc = sq_write_end(h, c, upsert(c, row, &count));
    return sq_return(h, c, rc, count > 1 ? STORE_FOUND : STORE_MISSING);
}

/* column - a text column, "" for NULL */
static const char *column(sqlite3_stmt *st, int i)
{
    const char *s = (const char *)sqlite3_column_text(st, i);
    return s ? s : "";
}

/* row_at - the current result row of SQ_DMARC_EACH */
static struct dmarc_row row_at(sqlite3_stmt *st)
{
    return (struct dmarc_row){.day = sqlite3_column_int64(st, 0),
                              .source_ip = column(st, 1),
                              .header_from = column(st, 2),
                              .envelope_from = column(st, 3),
                              .spf_domain = column(st, 4),
                              .spf_result = column(st, 5),
                              .dkim = column(st, 6),
                              .policy_published = column(st, 7),
                              .disposition = column(st, 8),
                              .dmarc_result = column(st, 9)};
}

/* sq_dmarc_each - the days' rows in primary key order */
enum store_status
sq_dmarc_each(void *h, int64_t day_from, int64_t day_to,
              int (*fn)(void *arg, const struct dmarc_row *row, unsigned long count), void *arg)
{
    struct sq_conn *c = sq_borrow(h);
    if (c == NULL)
        return STORE_TRYLATER;
    sqlite3_stmt *st = c->stmt[SQ_DMARC_EACH];
    sqlite3_bind_int64(st, 1, day_from);
    sqlite3_bind_int64(st, 2, day_to);
    bool any = false;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct dmarc_row r = row_at(st);
        any = true;
        if (fn(arg, &r, (unsigned long)sqlite3_column_int64(st, 10)) != 0)
            break;
    }
    sq_done(st);
    return sq_return(h, c, rc, any ? STORE_FOUND : STORE_MISSING);
}
