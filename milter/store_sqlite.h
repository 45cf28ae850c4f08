/* store_sqlite.h - internals of the SQLite backend, shared by its files:
 * store_sqlite.c owns the connection pool, the schema and the faults,
 * store_sqlite_ops.c the statements and the greylisting operations,
 * store_sqlite_dmarc.c the DMARC history's, store_sqlite_rcpt.c rcptverify's
 * cache. Nothing else includes this
 * header. */
#ifndef MXGATE_STORE_SQLITE_H
#define MXGATE_STORE_SQLITE_H

#include "store_backend.h"

#include <sqlite3.h>

/* The prepared statements every connection holds (texts in store_sqlite_ops.c). */
enum sq_stmt {
    SQ_BEGIN,
    SQ_COMMIT,
    SQ_ROLLBACK,
    SQ_LOOKUP,
    SQ_GREY_PUT,
    SQ_NET_PUT,
    SQ_NET_ALLOW,
    SQ_GREY_EACH,
    SQ_NET_EACH,
    SQ_DROP_GREY,
    SQ_DROP_NET,
    SQ_STATS,
    SQ_EXPIRE_GREY,
    SQ_EXPIRE_NET,
    SQ_DMARC_RECORD,
    SQ_DMARC_EACH,
    SQ_EXPIRE_DMARC,
    SQ_RCPT_GET,
    SQ_RCPT_PUT,
    SQ_EXPIRE_RCPT,
    SQ_COUNT
};

extern const char *const sq_sql[SQ_COUNT];

/* Rows store_expire deletes per write transaction. */
#define SQ_EXPIRE_BATCH 500

/* One pooled connection: used by one thread at a time. */
struct sq_conn {
    sqlite3 *db;
    sqlite3_stmt *stmt[SQ_COUNT];
    unsigned gen;   /* the pool's generation when opened */
    int wal_frames; /* in the WAL after this connection's last commit */
    struct sq_conn *next;
};

/* The backend's handle. */
struct sq;

/* sq_check, sq_path, sq_open, sq_close - the backend's life cycle (see
 * struct store_backend); sq_open tries one connection at once. */
int sq_check(const char *arg, char *err, size_t errlen);
const char *sq_path(const char *arg);
void *sq_open(const char *arg);
void sq_close(void *h);

/* sq_borrow - a connection for this thread, or NULL: try later (the cause
 * is logged). Give it back with sq_return. */
struct sq_conn *sq_borrow(struct sq *s);

/* sq_return - give c back; rc is the operation's SQLite result (SQLITE_OK,
 * SQLITE_DONE or SQLITE_ROW when it went well). An error is logged (at most
 * once a minute) and turns into STORE_TRYLATER; one that means the handle is
 * bad closes every connection, reopened at most once a second. Returns ok
 * when rc went well, else STORE_TRYLATER. */
enum store_status sq_return(struct sq *s, struct sq_conn *c, int rc, enum store_status ok);

/* sq_write_begin - take the process's write lock (waiting at most the busy
 * timeout) and BEGIN IMMEDIATE; SQLITE_OK, or an error with the lock not held. */
int sq_write_begin(struct sq *s, struct sq_conn *c);

/* sq_write_end - COMMIT when rc is SQLITE_OK, else ROLLBACK, and release
 * the write lock; the final result. */
int sq_write_end(struct sq *s, struct sq_conn *c, int rc);

/* sq_run - step a statement that returns no row and reset it: SQLITE_OK or the error. */
int sq_run(struct sq_conn *c, enum sq_stmt id);

/* sq_text - bind a string that outlives the statement's use. */
void sq_text(sqlite3_stmt *st, int i, const char *s);

/* sq_done - reset a statement after its last step, its bindings cleared. */
void sq_done(sqlite3_stmt *st);

/* sq_dmarc_record, sq_dmarc_each - the DMARC history's operations
 * (store_sqlite_dmarc.c; see struct store_backend). */
enum store_status sq_dmarc_record(void *h, const struct dmarc_row *row);
enum store_status
sq_dmarc_each(void *h, int64_t day_from, int64_t day_to,
              int (*fn)(void *arg, const struct dmarc_row *row, unsigned long count), void *arg);

/* sq_rcpt_get, sq_rcpt_put - rcptverify's cache (store_sqlite_rcpt.c). */
enum store_status sq_rcpt_get(void *h, const char *addr, int64_t now, struct rcpt_entry *out);
enum store_status sq_rcpt_put(void *h, const char *addr, const struct rcpt_entry *e, int64_t now);

#endif
