/* store_sqlite.c - the SQLite backend's connections: a small pool opened
 * lazily, the schema and its migrations, the write lock, and the faults
 * (locked, read-only, corrupt, missing, replaced, I/O error, disk full)
 * that turn into try-later until the database answers again */
#include "store_sqlite.h"

#include "log.h"
#include "util.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define POOL_MAX 8              /* connections per store */
#define BUSY_TIMEOUT_MS 1000    /* a lock held longer than this gives try-later */
#define REOPEN_INTERVAL_MS 1000 /* after a failure, no new connection before this */
#define STAT_INTERVAL_MS 2000   /* how often the file is checked for removal or replacement */
#define LOG_INTERVAL_MS 60000   /* one warning a minute per store */
#define CHECKPOINT_FRAMES 1000  /* WAL pages that trigger a checkpoint (SQLite's default) */

/* The schema, one migration per version: migrations[i] takes a database
 * from user_version i to i + 1. Append, never edit. */
static const char *const migrations[] = {
    "CREATE TABLE grey (origin TEXT NOT NULL, sender TEXT NOT NULL, rcpt TEXT NOT NULL,"
    " first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL, passed INTEGER NOT NULL,"
    " expires INTEGER NOT NULL, attempts INTEGER NOT NULL,"
    " PRIMARY KEY (origin, sender, rcpt)) WITHOUT ROWID;"
    "CREATE INDEX grey_expires ON grey (expires);"
    "CREATE TABLE net (net TEXT NOT NULL PRIMARY KEY, passes INTEGER NOT NULL,"
    " allowed_until INTEGER NOT NULL, by_operator INTEGER NOT NULL,"
    " expires INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE INDEX net_expires ON net (expires);",
    /* 2: the DMARC history. Every column but count is the row's key: the
     * UNIQUE constraint is what the upsert counts on, and its index, led by
     * day, serves reading a range of days and expiring old ones, which
     * deletes by rowid in batches. */
    "CREATE TABLE dmarc (day INTEGER NOT NULL, source_ip TEXT NOT NULL,"
    " header_from TEXT NOT NULL, envelope_from TEXT NOT NULL, spf_domain TEXT NOT NULL,"
    " spf_result TEXT NOT NULL, dkim TEXT NOT NULL, policy_published TEXT NOT NULL,"
    " disposition TEXT NOT NULL, dmarc_result TEXT NOT NULL, count INTEGER NOT NULL,"
    " UNIQUE (day, source_ip, header_from, envelope_from, spf_domain, spf_result, dkim,"
    " policy_published, disposition, dmarc_result));",
    /* 3: rcptverify's cache of the primaries' answers about recipients. */
    "CREATE TABLE rcpt (addr TEXT NOT NULL PRIMARY KEY, known INTEGER NOT NULL,"
    " expires INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE INDEX rcpt_expires ON rcpt (expires);",
};

struct sq {
    char *path;
    pthread_mutex_t write; /* one write transaction at a time in this process */
    pthread_mutex_t lock;  /* the pool: */
    pthread_cond_t returned;
    struct sq_conn *idle;
    unsigned nconns;        /* open connections, idle or borrowed */
    unsigned gen;           /* connections of an older generation are closed on sight */
    int64_t retry_after_ms; /* no new connection before this (monotonic) */
    bool known;             /* dev and ino are those of the open database file */
    dev_t dev;
    ino_t ino;
    atomic_llong next_stat_ms;
    atomic_llong last_log_ms;
};

/* sq_log - a line about the store, at most one a minute */
__attribute__((format(printf, 3, 4))) static void sq_log(struct sq *s, enum log_level level,
                                                         const char *fmt, ...)
{
    long long now = now_mono_ms(), last = atomic_load(&s->last_log_ms);
    if (now - last < LOG_INTERVAL_MS ||
        !atomic_compare_exchange_strong(&s->last_log_ms, &last, now))
        return;
    va_list ap;
    va_start(ap, fmt);
    log_vmsg(level, fmt, ap);
    va_end(ap);
}

/* sq_check - an absolute path */
int sq_check(const char *arg, char *err, size_t errlen)
{
    if (arg[0] != '/') {
        snprintf(err, errlen, "sqlite store needs an absolute path, not \"%s\"", arg);
        return -1;
    }
    return 0;
}

/* sq_path - the database file */
const char *sq_path(const char *arg)
{
    return arg;
}

/* why - the connection's message for error rc, when it is still about rc */
static const char *why(sqlite3 *db, int rc)
{
    if (db && sqlite3_errcode(db) == (rc & 0xff))
        return sqlite3_errmsg(db);
    return sqlite3_errstr(rc);
}

/* conn_close - finalize the statements and close */
static void conn_close(struct sq_conn *c)
{
    for (int i = 0; i < SQ_COUNT; i++)
        sqlite3_finalize(c->stmt[i]);
    sqlite3_close_v2(c->db);
    free(c);
}

/* int_of - the integer a one-value statement returns */
static int int_of(sqlite3 *db, const char *sql, int *v)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return rc;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? SQLITE_OK : rc == SQLITE_DONE ? SQLITE_ERROR : rc;
}

/* migrate - bring the schema from version v to the latest, in this transaction */
static int migrate(sqlite3 *db, int v)
{
    char sql[64];
    int rc = SQLITE_OK;
    for (size_t i = (size_t)v; i < ARRAY_LEN(migrations) && rc == SQLITE_OK; i++)
        rc = sqlite3_exec(db, migrations[i], NULL, NULL, NULL);
    snprintf(sql, sizeof(sql), "PRAGMA user_version = %zu", ARRAY_LEN(migrations));
    return rc == SQLITE_OK ? sqlite3_exec(db, sql, NULL, NULL, NULL) : rc;
}

/* upgrade - under the write lock: read the version again and migrate */
static int upgrade(struct sq *s, sqlite3 *db, int *v)
{
    pthread_mutex_lock(&s->write);
    int rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    if (rc == SQLITE_OK && (rc = int_of(db, "PRAGMA user_version", v)) == SQLITE_OK && *v >= 0 &&
        *v < (int)ARRAY_LEN(migrations))
        rc = migrate(db, *v);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    if (!sqlite3_get_autocommit(db))
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    pthread_mutex_unlock(&s->write);
    return rc;
}

/* schema - check the version and apply what is missing; a version this
 * code does not know is left alone */
static int schema(struct sq *s, sqlite3 *db)
{
    const int latest = (int)ARRAY_LEN(migrations);
    int v = 0, rc = int_of(db, "PRAGMA user_version", &v);
    if (rc != SQLITE_OK || v == latest)
        return rc;
    if (v >= 0 && v < latest && (rc = upgrade(s, db, &v)) != SQLITE_OK)
        return rc;
    if (v >= 0 && v <= latest)
        return SQLITE_OK;
    sq_log(s, LOG_LVL_ERR,
           "state store %s has schema version %d, which this mxgate does not know (it knows up "
           "to %d): left untouched, answering try-later",
           s->path, v, latest);
    return SQLITE_ERROR;
}

/* journal_wal - switch to (or confirm) WAL mode */
static int journal_wal(sqlite3 *db)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(db, "PRAGMA journal_mode = WAL", -1, &st, NULL);
    if (rc != SQLITE_OK)
        return rc;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        rc = strcmp((const char *)sqlite3_column_text(st, 0), "wal") == 0 ? SQLITE_OK
                                                                          : SQLITE_CANTOPEN;
    sqlite3_finalize(st);
    return rc;
}

/* wal_hook - after a commit: note the WAL's size (replaces SQLite's
 * automatic checkpoint, which would run under the write lock) */
static int wal_hook(void *arg, sqlite3 *db, const char *name, int frames)
{
    (void)db, (void)name;
    ((struct sq_conn *)arg)->wal_frames = frames;
    return SQLITE_OK;
}

/* conn_setup - pragmas, schema and the prepared statements */
static int conn_setup(struct sq *s, struct sq_conn *c)
{
    sqlite3_busy_timeout(c->db, BUSY_TIMEOUT_MS);
    sqlite3_wal_hook(c->db, wal_hook, c);
    int rc = journal_wal(c->db);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(c->db, "PRAGMA synchronous = NORMAL; PRAGMA cache_size = -512", NULL,
                          NULL, NULL);
    if (rc == SQLITE_OK)
        rc = schema(s, c->db);
    for (int i = 0; i < SQ_COUNT && rc == SQLITE_OK; i++)
        rc = sqlite3_prepare_v3(c->db, sq_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &c->stmt[i], NULL);
    return rc;
}

/* conn_open - a ready connection, or NULL with the cause logged */
static struct sq_conn *conn_open(struct sq *s, struct stat *sb)
{
    struct sq_conn *c = xcalloc(1, sizeof(*c));
    int rc = sqlite3_open_v2(
        s->path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc == SQLITE_OK)
        rc = conn_setup(s, c);
    if (rc == SQLITE_OK && stat(s->path, sb) < 0)
        rc = SQLITE_CANTOPEN;
    if (rc == SQLITE_OK)
        return c;
    sq_log(s, LOG_LVL_WARN, "state store %s cannot be opened: %s (code %d); answering try-later",
           s->path, why(c->db, rc), rc);
    conn_close(c);
    return NULL;
}

/* adopt - under the pool lock: a new connection on sb joins the generation;
 * a file other than the known one starts a new generation */
static void adopt(struct sq *s, struct sq_conn *c, const struct stat *sb)
{
    if (!s->known || sb->st_dev != s->dev || sb->st_ino != s->ino) {
        if (s->known)
            s->gen++;
        s->known = true;
        s->dev = sb->st_dev;
        s->ino = sb->st_ino;
    }
    c->gen = s->gen;
}

/* check_file - every few seconds: has the file been removed or replaced? */
static void check_file(struct sq *s)
{
    long long now = now_mono_ms(), due = atomic_load(&s->next_stat_ms);
    if (now < due ||
        !atomic_compare_exchange_strong(&s->next_stat_ms, &due, now + STAT_INTERVAL_MS))
        return;
    struct stat sb;
    int r = stat(s->path, &sb);
    pthread_mutex_lock(&s->lock);
    bool moved = s->known && (r < 0 || sb.st_dev != s->dev || sb.st_ino != s->ino);
    if (moved) {
        s->gen++;
        s->known = false;
    }
    pthread_mutex_unlock(&s->lock);
    if (moved)
        sq_log(s, LOG_LVL_WARN, "state store %s was removed or replaced: reopening", s->path);
}

/* close_list - close a chain of connections */
static void close_list(struct sq_conn *c)
{
    while (c) {
        struct sq_conn *next = c->next;
        conn_close(c);
        c = next;
    }
}

/* take_idle - under the lock: a current idle connection; stale ones go to *old */
static struct sq_conn *take_idle(struct sq *s, struct sq_conn **old)
{
    while (s->idle) {
        struct sq_conn *c = s->idle;
        s->idle = c->next;
        if (c->gen == s->gen)
            return c;
        c->next = *old;
        *old = c;
        s->nconns--;
    }
    return NULL;
}

/* grow - under the lock: open one more connection (the lock is released meanwhile) */
static struct sq_conn *grow(struct sq *s)
{
    struct stat sb;
    s->nconns++;
    pthread_mutex_unlock(&s->lock);
    struct sq_conn *c = conn_open(s, &sb);
    pthread_mutex_lock(&s->lock);
    if (c) {
        adopt(s, c, &sb);
        return c;
    }
    s->nconns--;
    s->retry_after_ms = now_mono_ms() + REOPEN_INTERVAL_MS;
    pthread_cond_signal(&s->returned);
    return NULL;
}

/* sq_borrow - an idle connection, a new one, or wait for one to be returned */
struct sq_conn *sq_borrow(struct sq *s)
{
    check_file(s);
    struct timespec deadline = deadline_to_timespec(now_mono_ms() + BUSY_TIMEOUT_MS);
    struct sq_conn *c = NULL, *old = NULL;
    pthread_mutex_lock(&s->lock);
    for (;;) {
        if ((c = take_idle(s, &old)) != NULL)
            break;
        if (s->nconns < POOL_MAX) {
            if (now_mono_ms() >= s->retry_after_ms)
                c = grow(s);
            break;
        }
        if (pthread_cond_timedwait(&s->returned, &s->lock, &deadline) == ETIMEDOUT) {
            sq_log(s, LOG_LVL_WARN, "state store %s: no free connection", s->path);
            break;
        }
    }
    pthread_mutex_unlock(&s->lock);
    close_list(old);
    return c;
}

/* handle_bad - whether an error means the connection must be reopened */
static bool handle_bad(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_CANTOPEN:
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
    case SQLITE_READONLY:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_ERROR:
    case SQLITE_SCHEMA:
        return true;
    default:
        return false;
    }
}

/* sq_return - back to the pool, or closed with every other one after a bad error */
enum store_status sq_return(struct sq *s, struct sq_conn *c, int rc, enum store_status ok)
{
    bool good = rc == SQLITE_OK || rc == SQLITE_DONE || rc == SQLITE_ROW;
    bool bad = !good && handle_bad(rc);
    if (!good)
        sq_log(s, LOG_LVL_WARN, "state store %s: %s (code %d); answering try-later%s", s->path,
               why(c->db, rc), rc, bad ? ", reopening" : "");
    pthread_mutex_lock(&s->lock);
    if (bad) {
        s->gen++;
        s->retry_after_ms = now_mono_ms() + REOPEN_INTERVAL_MS;
    }
    bool keep = c->gen == s->gen;
    if (keep) {
        c->next = s->idle;
        s->idle = c;
    } else {
        s->nconns--;
    }
    pthread_cond_signal(&s->returned);
    pthread_mutex_unlock(&s->lock);
    if (!keep)
        conn_close(c);
    return good ? ok : STORE_TRYLATER;
}

/* sq_run - step a statement without result rows */
int sq_run(struct sq_conn *c, enum sq_stmt id)
{
    int rc = sqlite3_step(c->stmt[id]);
    sqlite3_reset(c->stmt[id]);
    sqlite3_clear_bindings(c->stmt[id]);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? SQLITE_OK : rc;
}

/* sq_write_begin - the write lock, then BEGIN IMMEDIATE */
int sq_write_begin(struct sq *s, struct sq_conn *c)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += BUSY_TIMEOUT_MS / 1000;
    if (pthread_mutex_timedlock(&s->write, &ts) != 0)
        return SQLITE_BUSY;
    int rc = sq_run(c, SQ_BEGIN);
    if (rc != SQLITE_OK)
        pthread_mutex_unlock(&s->write);
    return rc;
}

/* sq_write_end - COMMIT or ROLLBACK, release the write lock, then copy a
 * long WAL back into the database: a passive checkpoint (its fsync) delays
 * this caller only, while other threads go on reading and writing */
int sq_write_end(struct sq *s, struct sq_conn *c, int rc)
{
    if (rc == SQLITE_OK || rc == SQLITE_DONE || rc == SQLITE_ROW)
        rc = sq_run(c, SQ_COMMIT);
    if (!sqlite3_get_autocommit(c->db))
        sq_run(c, SQ_ROLLBACK);
    pthread_mutex_unlock(&s->write);
    if (c->wal_frames >= CHECKPOINT_FRAMES) {
        c->wal_frames = 0;
        sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    }
    return rc;
}

/* sq_open - the pool, with a first connection tried at once */
void *sq_open(const char *arg)
{
    struct sq *s = xcalloc(1, sizeof(*s));
    s->path = xstrdup(arg);
    pthread_mutex_init(&s->write, NULL);
    pthread_mutex_init(&s->lock, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&s->returned, &attr);
    pthread_condattr_destroy(&attr);
    int64_t now = now_mono_ms();
    atomic_init(&s->next_stat_ms, now + STAT_INTERVAL_MS);
    atomic_init(&s->last_log_ms, now - LOG_INTERVAL_MS);
    s->retry_after_ms = now;
    struct sq_conn *c = sq_borrow(s);
    if (c)
        sq_return(s, c, SQLITE_OK, STORE_FOUND);
    return s;
}

/* sq_close - close every connection (all returned by now) and free */
void sq_close(void *h)
{
    struct sq *s = h;
    close_list(s->idle);
    pthread_cond_destroy(&s->returned);
    pthread_mutex_destroy(&s->lock);
    pthread_mutex_destroy(&s->write);
    free(s->path);
    free(s);
}
