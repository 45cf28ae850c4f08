/* store_fixture.c - the store tests' shared fixture and helpers */
#define _GNU_SOURCE /* unshare, mount: private mounts for read-only and full */
#include "store_fixture.h"

#include "testing.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

unsigned fresh_keys;

/* rm_one - nftw callback: remove a file or an emptied directory */
static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    remove(path);
    return 0;
}

/* remove_tree - rm -r dir */
void remove_tree(const char *dir)
{
    nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* test_spec - the store a backend-neutral case runs on: $MXGATE_TEST_STORE
 * with a key prefix of its own (a fresh, empty namespace on a shared
 * server), else the SQLite database db */
static void test_spec(char *spec, size_t len, const char *db)
{
    const char *env = getenv("MXGATE_TEST_STORE");
    if (env && *env)
        snprintf(spec, len, "%s%cprefix=t%lld.%ld.%u:", env, strchr(env, '?') ? '&' : '?',
                 (long long)time(NULL), (long)getpid(), fresh_keys++);
    else
        snprintf(spec, len, "sqlite:%s", db);
}

/* fixture_at - a temporary directory with sub/ (when sub) and a store on db
 * there, or on the test store when any */
static void fixture_at(struct fixture *f, const char *sub, int any)
{
    const char *tmp = getenv("TMPDIR");
    char err[256];
    snprintf(f->dir, sizeof(f->dir), "%s/mxgate-store-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    CHECK(mkdtemp(f->dir) != NULL);
    snprintf(f->db, sizeof(f->db), "%s/%s%sstate.db", f->dir, sub ? sub : "", sub ? "/" : "");
    if (any)
        test_spec(f->spec, sizeof(f->spec), f->db);
    else
        snprintf(f->spec, sizeof(f->spec), "sqlite:%s", f->db);
    f->st = store_open(f->spec, err, sizeof(err));
    if (f->st == NULL)
        fprintf(stderr, "%s: %s\n", f->spec, err);
    CHECK(f->st != NULL);
}

/* fixture_open - a backend-neutral case's store (sub must be NULL) */
void fixture_open(struct fixture *f, const char *sub)
{
    CHECK(sub == NULL);
    fixture_at(f, NULL, 1);
}

/* fixture_sqlite - a SQLite-only case's store, on db in the directory */
void fixture_sqlite(struct fixture *f, const char *sub)
{
    fixture_at(f, sub, 0);
}

/* fixture_broken - SQLite in a missing directory, or Redis on port 1 */
void fixture_broken(struct fixture *f)
{
    const char *env = getenv("MXGATE_TEST_STORE");
    char err[256];
    fixture_at(f, "missing", 0);
    if (env == NULL || *env == '\0')
        return;
    store_unref(&f->st);
    snprintf(f->spec, sizeof(f->spec), "redis:tcp://127.0.0.1:1/0?timeout=100");
    f->st = store_open(f->spec, err, sizeof(err));
    CHECK(f->st != NULL);
}

/* fixture_close - the store and the directory */
void fixture_close(struct fixture *f)
{
    store_unref(&f->st);
    remove_tree(f->dir);
}

/* reopen - close the store (a clean close checkpoints the WAL) and open it again */
void reopen(struct fixture *f)
{
    char err[256];
    store_unref(&f->st);
    f->st = store_open(f->spec, err, sizeof(err));
    CHECK(f->st != NULL);
}

/* key - a triplet keyed by its network */
struct grey_key key(const char *net, const char *sender, const char *rcpt)
{
    return (struct grey_key){.net = net, .origin = net, .sender = sender, .rcpt = rcpt};
}

/* at - the test policy at now: 5 min delay, 1 day retry window, 36 days lifetime */
struct grey_policy at(int64_t now)
{
    return (struct grey_policy){
        .now = now, .delay = 300, .retry_window = DAY, .lifetime = LIFETIME, .auto_allow = 0};
}

/* grey - store_greylist at now with the test policy */
enum store_status grey(struct store *st, struct grey_key k, int64_t now, struct grey_answer *a)
{
    struct grey_policy p = at(now);
    return store_greylist(st, &k, &p, a);
}

/* state - the greylist state at now, or -1 for try-later */
int state(struct store *st, struct grey_key k, int64_t now)
{
    struct grey_answer a;
    return grey(st, k, now, &a) == STORE_TRYLATER ? -1 : (int)a.state;
}

/* probe - greylist a key never seen before: the store's status */
enum store_status probe(struct store *st)
{
    char sender[64];
    struct grey_answer a;
    snprintf(sender, sizeof(sender), "probe%u@example.org", fresh_keys++);
    return grey(st, key("198.51.100.0/24", sender, "rcpt@example.net"), T0, &a);
}

/* wait_for - probe every 100 ms until the status is (or is not, when !is)
 * want, for at most 6 s (reopen once a second, file check every 2 s) */
int wait_for(struct store *st, enum store_status want, int is)
{
    for (int64_t end = now_mono_ms() + 6000; now_mono_ms() < end; usleep(100000))
        if ((probe(st) == want) == is)
            return 1;
    return 0;
}

/* sql - run statements on the database directly, outside the store */
void sql(const char *db, const char *text)
{
    sqlite3 *h;
    CHECK(sqlite3_open(db, &h) == SQLITE_OK);
    CHECK(sqlite3_exec(h, text, NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close(h);
}

/* sql_int - one integer from the database directly */
long long sql_int(const char *db, const char *text)
{
    sqlite3 *h;
    sqlite3_stmt *st;
    CHECK(sqlite3_open(db, &h) == SQLITE_OK);
    CHECK(sqlite3_prepare_v2(h, text, -1, &st, NULL) == SQLITE_OK);
    CHECK(sqlite3_step(st) == SQLITE_ROW);
    long long v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(h);
    return v;
}

/* integrity - PRAGMA integrity_check's first line */
const char *integrity(const char *db)
{
    return sql_int(db, "SELECT integrity_check = 'ok' FROM pragma_integrity_check") ? "ok" : "bad";
}

/* count_row - grey_each callback: count the rows */
int count_row(void *arg, const struct grey_row *row)
{
    (void)row;
    ++*(int *)arg;
    return 0;
}

/* rows - how many triplets match */
int rows(struct store *st, const char *match)
{
    int n = 0;
    enum store_status s = store_grey_each(st, match, count_row, &n);
    CHECK(s != STORE_TRYLATER);
    CHECK_INT(s == STORE_FOUND, n > 0);
    return n;
}

/* first_row - grey_each callback: copy the row (its times) and stop */
int first_row(void *arg, const struct grey_row *row)
{
    struct grey_row *out = arg;
    *out = *row;
    return 1;
}

/* row_of - the row of the triplets matching match (the first one) */
struct grey_row row_of(struct store *st, const char *match)
{
    struct grey_row r = {0};
    CHECK_INT(store_grey_each(st, match, first_row, &r), STORE_FOUND);
    return r;
}

/* copy_file - copy src to dst in place (dst keeps its inode when it exists) */
void copy_file(const char *src, const char *dst)
{
    char buf[8192];
    int in = open(src, O_RDONLY), out = open(dst, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    CHECK(in >= 0 && out >= 0);
    ssize_t n;
    while ((n = read(in, buf, sizeof(buf))) > 0)
        CHECK(write(out, buf, (size_t)n) == n);
    close(in);
    close(out);
}

/* private_mounts - a mount namespace of our own, so that mounts stay in this
 * test; false when not permitted (not root, or in a restricted container) */
int private_mounts(void)
{
    return unshare(CLONE_NEWNS) == 0 && mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0;
}

/* pass - take a triplet from first attempt to passed retry */
void pass(struct store *st, const char *net, const char *sender, int64_t now)
{
    CHECK_INT(state(st, key(net, sender, "rcpt@example.net"), now), GREY_NEW);
    CHECK_INT(state(st, key(net, sender, "rcpt@example.net"), now + 300), GREY_RETRIED);
}

/* net_row_of - net_each callback: copy the row named like *arg's net */
int net_row_of(void *arg, const struct net_row *row)
{
    struct net_row *want = arg;
    if (strcmp(row->net, want->net) != 0)
        return 0;
    *want = (struct net_row){.net = want->net,
                             .passes = row->passes,
                             .allowed_until = row->allowed_until,
                             .by_operator = row->by_operator};
    return 1;
}
