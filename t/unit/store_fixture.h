/* store_fixture.h - what the store's unit tests share: a store on a fresh
 * database (or on $MXGATE_TEST_STORE), keys and policies at fixed times,
 * direct SQL on the database, and waiting for a store to change its answer */
#ifndef MXGATE_STORE_FIXTURE_H
#define MXGATE_STORE_FIXTURE_H

#include "store.h"

#include <limits.h>
#include <stdint.h>

#define T0 1700000000LL
#define DAY 86400
#define LIFETIME (36 * DAY)

/* A store on a database in a fresh temporary directory. */
struct fixture {
    char dir[1024];
    char db[PATH_MAX];
    char spec[PATH_MAX + 8];
    struct store *st;
};

extern unsigned fresh_keys; /* numbers unique keys for probing */

/* fixture_open - a backend-neutral case's store (sub must be NULL) */
void fixture_open(struct fixture *f, const char *sub);

/* fixture_sqlite - a SQLite-only case's store, on db in the directory */
void fixture_sqlite(struct fixture *f, const char *sub);

/* fixture_broken - a store of the backend-neutral cases' backend that
 * cannot answer: SQLite in a directory that does not exist, Redis on a
 * loopback port nobody listens on */
void fixture_broken(struct fixture *f);

/* fixture_close - the store and the directory */
void fixture_close(struct fixture *f);

/* reopen - close the store (a clean close checkpoints the WAL) and open it again */
void reopen(struct fixture *f);

/* key - a triplet keyed by its network */
struct grey_key key(const char *net, const char *sender, const char *rcpt);

/* at - the test policy at now: 5 min delay, 1 day retry window, 36 days lifetime */
struct grey_policy at(int64_t now);

/* grey - store_greylist at now with the test policy */
enum store_status grey(struct store *st, struct grey_key k, int64_t now, struct grey_answer *a);

/* state - the greylist state at now, or -1 for try-later */
int state(struct store *st, struct grey_key k, int64_t now);

/* probe - greylist a key never seen before: the store's status */
enum store_status probe(struct store *st);

/* wait_for - probe every 100 ms until the status is (or is not, when !is)
 * want, for at most 6 s (reopen once a second, file check every 2 s) */
int wait_for(struct store *st, enum store_status want, int is);

/* sql - run statements on the database directly, outside the store */
void sql(const char *db, const char *text);

/* sql_int - one integer from the database directly */
long long sql_int(const char *db, const char *text);

/* integrity - PRAGMA integrity_check's first line */
const char *integrity(const char *db);

/* count_row - grey_each callback: count the rows */
int count_row(void *arg, const struct grey_row *row);

/* rows - how many triplets match */
int rows(struct store *st, const char *match);

/* first_row - grey_each callback: copy the row (its times) and stop */
int first_row(void *arg, const struct grey_row *row);

/* row_of - the row of the triplets matching match (the first one) */
struct grey_row row_of(struct store *st, const char *match);

/* copy_file - copy src to dst in place (dst keeps its inode when it exists) */
void copy_file(const char *src, const char *dst);

/* private_mounts - a mount namespace of our own, so that mounts stay in this
 * test; false when not permitted (not root, or in a restricted container) */
int private_mounts(void);

/* pass - take a triplet (to rcpt@example.net) from first attempt to passed retry */
void pass(struct store *st, const char *net, const char *sender, int64_t now);

/* net_row_of - net_each callback: copy the row named like *arg's net */
int net_row_of(void *arg, const struct net_row *row);

/* remove_tree - rm -r dir */
void remove_tree(const char *dir);

#endif
