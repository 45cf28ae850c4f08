/* test_store.c - the state store: specs, greylisting's five cases, the
 * operator calls, housekeeping, and every fault answering try-later until
 * it is removed. The backend-neutral cases (N in the lists at the end) run
 * on the store $MXGATE_TEST_STORE names when it is set (CMake runs each
 * twice: on SQLite, and on Redis through t/store/with_redis.sh), the others
 * on SQLite only; Redis's own faults are in test_store_redis.c. */
#define _GNU_SOURCE /* unshare, mount: private mounts for read-only and full */
#include "store.h"

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

static unsigned fresh_keys; /* numbers unique keys for probing */

/* rm_one - nftw callback: remove a file or an emptied directory */
static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    remove(path);
    return 0;
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
static void fixture_open(struct fixture *f, const char *sub)
{
    CHECK(sub == NULL);
    fixture_at(f, NULL, 1);
}

/* fixture_sqlite - a SQLite-only case's store, on db in the directory */
static void fixture_sqlite(struct fixture *f, const char *sub)
{
    fixture_at(f, sub, 0);
}

/* fixture_close - the store and the directory */
static void fixture_close(struct fixture *f)
{
    store_unref(&f->st);
    nftw(f->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* reopen - close the store (a clean close checkpoints the WAL) and open it again */
static void reopen(struct fixture *f)
{
    char err[256];
    store_unref(&f->st);
    f->st = store_open(f->spec, err, sizeof(err));
    CHECK(f->st != NULL);
}

/* key - a triplet keyed by its network */
static struct grey_key key(const char *net, const char *sender, const char *rcpt)
{
    return (struct grey_key){.net = net, .origin = net, .sender = sender, .rcpt = rcpt};
}

/* at - the test policy at now: 5 min delay, 1 day retry window, 36 days lifetime */
static struct grey_policy at(int64_t now)
{
    return (struct grey_policy){
        .now = now, .delay = 300, .retry_window = DAY, .lifetime = LIFETIME, .auto_allow = 0};
}

/* grey - store_greylist at now with the test policy */
static enum store_status grey(struct store *st, struct grey_key k, int64_t now,
                              struct grey_answer *a)
{
    struct grey_policy p = at(now);
    return store_greylist(st, &k, &p, a);
}

/* state - the greylist state at now, or -1 for try-later */
static int state(struct store *st, struct grey_key k, int64_t now)
{
    struct grey_answer a;
    return grey(st, k, now, &a) == STORE_TRYLATER ? -1 : (int)a.state;
}

/* probe - greylist a key never seen before: the store's status */
static enum store_status probe(struct store *st)
{
    char sender[64];
    struct grey_answer a;
    snprintf(sender, sizeof(sender), "probe%u@example.org", fresh_keys++);
    return grey(st, key("198.51.100.0/24", sender, "rcpt@example.net"), T0, &a);
}

/* wait_for - probe every 100 ms until the status is (or is not, when !is)
 * want, for at most 6 s (reopen once a second, file check every 2 s) */
static int wait_for(struct store *st, enum store_status want, int is)
{
    for (int64_t end = now_mono_ms() + 6000; now_mono_ms() < end; usleep(100000))
        if ((probe(st) == want) == is)
            return 1;
    return 0;
}

/* sql - run statements on the database directly, outside the store */
static void sql(const char *db, const char *text)
{
    sqlite3 *h;
    CHECK(sqlite3_open(db, &h) == SQLITE_OK);
    CHECK(sqlite3_exec(h, text, NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close(h);
}

/* sql_int - one integer from the database directly */
static long long sql_int(const char *db, const char *text)
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
static const char *integrity(const char *db)
{
    return sql_int(db, "SELECT integrity_check = 'ok' FROM pragma_integrity_check") ? "ok" : "bad";
}

/* count_row - grey_each callback: count the rows */
static int count_row(void *arg, const struct grey_row *row)
{
    (void)row;
    ++*(int *)arg;
    return 0;
}

/* rows - how many triplets match */
static int rows(struct store *st, const char *match)
{
    int n = 0;
    enum store_status s = store_grey_each(st, match, count_row, &n);
    CHECK(s != STORE_TRYLATER);
    CHECK_INT(s == STORE_FOUND, n > 0);
    return n;
}

/* first_row - grey_each callback: copy the row (its times) and stop */
static int first_row(void *arg, const struct grey_row *row)
{
    struct grey_row *out = arg;
    *out = *row;
    return 1;
}

/* row_of - the row of the triplets matching match (the first one) */
static struct grey_row row_of(struct store *st, const char *match)
{
    struct grey_row r = {0};
    CHECK_INT(store_grey_each(st, match, first_row, &r), STORE_FOUND);
    return r;
}

/* copy_file - copy src to dst in place (dst keeps its inode when it exists) */
static void copy_file(const char *src, const char *dst)
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
static int private_mounts(void)
{
    return unshare(CLONE_NEWNS) == 0 && mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0;
}

static void specs_name_a_known_type_and_an_absolute_path(void)
{
    char err[256];
    CHECK_INT(store_spec_check("sqlite:/var/lib/mxgate/state.db", err, sizeof(err)), 0);
    CHECK_INT(store_spec_check("sqlite:state.db", err, sizeof(err)), -1);
    CHECK_CONTAINS(err, "absolute path");
    CHECK_INT(store_spec_check("sqlite:", err, sizeof(err)), -1);
    CHECK_INT(store_spec_check("mysql:/x", err, sizeof(err)), -1);
    CHECK_CONTAINS(err, "unknown store type \"mysql\"");
    CHECK_INT(store_spec_check("/var/lib/mxgate/state.db", err, sizeof(err)), -1);
    CHECK_CONTAINS(err, "type:spec");
    CHECK_INT(store_spec_check("sqlite:/no/such/dir/x.db", err, sizeof(err)), 0); /* no I/O */
    const char *spec = "sqlite:/var/lib/mxgate/state.db";
    CHECK(store_path(spec) == spec + 7); /* into the spec */
    CHECK(store_path("sqlite:relative.db") == NULL);
    CHECK(store_path("mysql:/x") == NULL);
}

static void logs_never_show_a_password(void)
{
    char out[256];
    store_spec_redact("redis:tcp://h:6379/0?user=mx&password=s3cret&prefix=p:", out, sizeof(out));
    CHECK_STR(out, "redis:tcp://h:6379/0?user=mx&password=*****&prefix=p:");
    store_spec_redact("redis:unix:/run/r.sock?password=s3cret", out, sizeof(out));
    CHECK_STR(out, "redis:unix:/run/r.sock?password=*****");
    store_spec_redact("sqlite:/var/lib/mxgate/password=x.db", out, sizeof(out));
    CHECK_STR(out, "sqlite:/var/lib/mxgate/password=x.db");
    char err[256];
    struct store *st =
        store_open("redis:tcp://127.0.0.1:1/0?password=s3cret&timeout=50", err, sizeof(err));
    CHECK(st != NULL);
    CHECK_STR(store_spec(st), "redis:tcp://127.0.0.1:1/0?password=*****&timeout=50");
    store_unref(&st);
}

static void open_refuses_a_bad_spec_and_keeps_a_good_one(void)
{
    char err[256] = "";
    CHECK(store_open("sqlite:relative.db", err, sizeof(err)) == NULL);
    CHECK_CONTAINS(err, "absolute path");
    struct fixture f;
    fixture_sqlite(&f, NULL);
    CHECK_STR(store_spec(f.st), f.spec);
    CHECK_INT(sql_int(f.db, "PRAGMA user_version"), 1);
    CHECK_INT(sql_int(f.db, "SELECT count(*) FROM pragma_journal_mode WHERE journal_mode = 'wal'"),
              1);
    fixture_close(&f);
}

static void references_keep_the_store_open_until_the_last_unref(void)
{
    struct fixture f;
    fixture_open(&f, NULL);
    struct store *other = store_ref(f.st);
    CHECK(other == f.st);
    store_unref(&f.st);
    CHECK(f.st == NULL);
    CHECK_INT(probe(other), STORE_MISSING); /* still open */
    store_unref(&other);
    CHECK(other == NULL);
    store_unref(&other); /* NULL is fine */
    store_unref(NULL);
    fixture_close(&f);
}

static void first_attempt_is_new_and_missing(void)
{
    struct fixture f;
    fixture_open(&f, NULL);
    struct grey_answer a;
    CHECK_INT(grey(f.st, key("192.0.2.0/24", "a@example.org", "b@example.net"), T0, &a),
              STORE_MISSING);
    CHECK_INT(a.state, GREY_NEW);
    CHECK_INT(a.first_seen, T0);
    CHECK_INT(a.pass_at, T0 + 300);
    struct grey_row r = row_of(f.st, "a@example.org");
    CHECK_INT(r.first_seen, T0);
    CHECK_INT(r.last_seen, T0);
    CHECK_INT(r.passed, 0);
    CHECK_INT(r.expires, T0 + DAY);
    CHECK_INT(r.attempts, 1);
    fixture_close(&f);
}

static void early_retry_is_deferred_until_pass_at(void)
{
    struct fixture f;
    fixture_open(&f, NULL);
    struct grey_key k = key("192.0.2.0/24", "a@example.org", "b@example.net");
    struct grey_answer a;
    grey(f.st, k, T0, &a);
    CHECK_INT(grey(f.st, k, T0 + 299, &a), STORE_FOUND);
    CHECK_INT(a.state, GREY_EARLY);
    CHECK_INT(a.first_seen, T0);
    CHECK_INT(a.pass_at, T0 + 300);
    CHECK_INT(row_of(f.st, NULL).attempts, 2);
    CHECK_INT(row_of(f.st, NULL).last_seen, T0 + 299);
    fixture_close(&f);
}

static void retry_after_the_delay_passes_and_then_is_known(void)
{
    struct fixture f;
    fixture_open(&f, NULL);
    struct grey_key k = key("192.0.2.0/24", "a@example.org", "b@example.net");
    struct grey_answer a;
    grey(f.st, k, T0, &a);
    CHECK_INT(grey(f.st, k, T0 + 300, &a), STORE_FOUND);
    CHECK_INT(a.state, GREY_RETRIED);
    CHECK_INT(a.first_seen, T0);
    struct grey_row r = row_of(f.st, NULL);
    CHECK_INT(r.passed, T0 + 300);
    CHECK_INT(r.expires, T0 + 300 + LIFETIME);
    CHECK_INT(grey(f.st, k, T0 + 400, &a), STORE_FOUND);
    CHECK_INT(a.state, GREY_KNOWN);
    CHECK_INT(a.first_seen, T0);
    CHECK_INT(state(f.st, k, T0 + 10 * DAY), GREY_KNOWN);
    fixture_close(&f);
}

static void pending_triplet_expires_after_the_retry_window(void)
{
    struct fixture f;
    fixture_open(&f, NULL);
    struct grey_key k = key("192.0.2.0/24", "a@example.org", "b@example.net");
    struct grey_answer a;
    grey(f.st, k, T0, &a);
    CHECK_INT(grey(f.st, k, T0 + DAY + 1, &a), STORE_MISSING);
    CHECK_INT(a.state, GREY_NEW);
    CHECK_INT(a.first_seen, T0 + DAY + 1);
    CHECK_INT(row_of(f.st, NULL).attempts, 1);
    CHECK_INT(rows(f.st, NULL), 1);
    fixture_close(&f);
}

static void passed_triplet_lives_for_lifetime_after_its_last_use(void)
{
    struct fixture f;
    fixture_open(&f, NULL);
    struct grey_key k = key("192.0.2.0/24", "a@example.org", "b@example.net");
    grey(f.st, k, T0, &(struct grey_answer){0});
    CHECK_INT(state(f.st, k, T0 + 300), GREY_RETRIED);
    int64_t used = T0 + 300 + LIFETIME - 1;
    CHECK_INT(state(f.st, k, used), GREY_KNOWN); /* refreshes: due for a write-back */
    CHECK_INT(row_of(f.st, NULL).expires, used + LIFETIME);
    CHECK_INT(row_of(f.st, NULL).last_seen, used);
    CHECK_INT(state(f.st, k, used + LIFETIME), GREY_KNOWN);
    CHECK_INT(state(f.st, k, used + 3 * LIFETIME), GREY_NEW);
    fixture_close(&f);
}

static void known_lookup_within_the_hour_writes_nothing(void)
{
    struct fixture f;
    fixture_open(&f, NULL);
    struct grey_key k = key("192.0.2.0/24", "a@example.org", "b@example.net");
    grey(f.st, k, T0, &(struct grey_answer){0});
    CHECK_INT(state(f.st, k, T0 + 300), GREY_RETRIED);
    CHECK_INT(state(f.st, k, T0 + 300 + 3599), GREY_KNOWN);
    struct grey_row r = row_of(f.st, NULL);
    CHECK_INT(r.expires, T0 + 300 + LIFETIME); /* not rewritten */
    CHECK_INT(r.attempts, 2);
    CHECK_INT(state(f.st, k, T0 + 300 + 3601), GREY_KNOWN);
    CHECK_INT(row_of(f.st, NULL).expires, T0 + 300 + 3601 + LIFETIME);
    fixture_close(&f);
}

/* pass - take a triplet from first attempt to passed retry */
static void pass(struct store *st, const char *net, const char *sender, int64_t now)
{
    CHECK_INT(state(st, key(net, sender, "rcpt@example.net"), now), GREY_NEW);
    CHECK_INT(state(st, key(net, sender, "rcpt@example.net"), now + 300), GREY_RETRIED);
}

static void auto_allow_allows_the_net_after_enough_passes(void)
{
    struct fixture f;
    fixture_open(&f, NULL);
    struct grey_policy p = at(T0);
    p.auto_allow = 2;
    struct grey_answer a;
    struct grey_key k1 = key("192.0.2.0/24", "a@example.org", "r@example.net");
    struct grey_key k2 = key("192.0.2.0/24", "b@example.org", "r@example.net");
    struct grey_key k3 = key("192.0.2.0/24", "c@example.org", "r@example.net");
    CHECK_INT(store_greylist(f.st, &k1, &p, &a), STORE_MISSING);
    CHECK_INT(store_greylist(f.st, &k2, &p, &a), STORE_MISSING);
    p.now += 300;
    CHECK_INT(store_greylist(f.st, &k1, &p, &a), STORE_FOUND);
    CHECK_INT(a.state, GREY_RETRIED);
    CHECK_INT(store_greylist(f.st, &k3, &p, &a), STORE_MISSING); /* one pass: not yet */
    CHECK_INT(store_greylist(f.st, &k2, &p, &a), STORE_FOUND);
    CHECK_INT(a.state, GREY_RETRIED);
    struct grey_key k4 = key("192.0.2.0/24", "d@example.org", "s@example.net");
    a.first_seen = 42;
    CHECK_INT(store_greylist(f.st, &k4, &p, &a), STORE_FOUND);
    CHECK_INT(a.state, GREY_ALLOWED);
    CHECK_INT(a.first_seen, 0);
    CHECK_INT(rows(f.st, "d@example.org"), 0); /* an allowed net records nothing */
    struct grey_stats gs;
    CHECK_INT(store_grey_stats(f.st, p.now, &gs), STORE_FOUND);
    CHECK_INT(gs.nets_auto, 1);
    CHECK_INT(gs.nets_operator, 0);
    p.now += LIFETIME + 1; /* unused for longer than lifetime: no longer allowed */
    CHECK_INT(store_greylist(f.st, &k4, &p, &a), STORE_MISSING);
    fixture_close(&f);
}

/* net_row_of - net_each callback: copy the row named like *arg's net */
static int net_row_of(void *arg, const struct net_row *row)
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

static void operator_allowance_lasts_and_is_marked(void)
{
    struct fixture f;
    fixture_open(&f, NULL);
    struct net_row r = {.net = "203.0.113.0/24"};
    CHECK_INT(store_net_each(f.st, net_row_of, &r), STORE_MISSING);
    CHECK_INT(store_net_allow(f.st, "203.0.113.0/24", INT64_MAX, true), STORE_FOUND);
    CHECK_INT(store_net_each(f.st, net_row_of, &r), STORE_FOUND);
    CHECK_INT(r.allowed_until, INT64_MAX);
    CHECK(r.by_operator);
    CHECK_INT(state(f.st, key("203.0.113.0/24", "a@example.org", "b@example.net"), T0 + 1000 * DAY),
              GREY_ALLOWED);
    unsigned long removed;
    CHECK_INT(store_expire(f.st, T0 + 1000 * DAY, &removed), STORE_FOUND);
    CHECK_INT(removed, 0);
    CHECK_INT(store_net_allow(f.st, "203.0.113.0/24", T0 + 10, true), STORE_FOUND);
    CHECK_INT(state(f.st, key("203.0.113.0/24", "a@example.org", "b@example.net"), T0 + 5),
              GREY_ALLOWED);
    CHECK_INT(state(f.st, key("203.0.113.0/24", "a@example.org", "b@example.net"), T0 + 11),
              GREY_NEW);
    fixture_close(&f);
}

/* collect - grey_each callback: append "sender" to a comma list; stop at 3 */
static int collect(void *arg, const struct grey_row *row)
{
    char *list = arg;
    size_t len = strlen(list);
    snprintf(list + len, 256 - len, "%s%s", len ? "," : "", row->sender);
    return strchr(list, ',') && strchr(strchr(list, ',') + 1, ',');
}

static void grey_each_matches_any_field_oldest_first_and_stops_on_request(void)
{
    struct fixture f;
    fixture_open(&f, NULL);
    struct grey_answer a;
    grey(f.st, key("192.0.2.0/24", "c@x", "r1@example.net"), T0 + 2, &a);
    grey(f.st, key("192.0.2.0/24", "a@x", "r2@example.net"), T0, &a);
    grey(f.st, key("198.51.100.0/24", "b@x", "r1@example.net"), T0 + 1, &a);
    grey(f.st, key("198.51.100.0/24", "d@x", "r3@example.net"), T0 + 3, &a);
    char list[256] = "";
    CHECK_INT(store_grey_each(f.st, "r1@example.net", collect, list), STORE_FOUND);
    CHECK_STR(list, "b@x,c@x");
    list[0] = '\0';
    CHECK_INT(store_grey_each(f.st, "192.0.2.0/24", collect, list), STORE_FOUND);
    CHECK_STR(list, "a@x,c@x");
    list[0] = '\0';
    CHECK_INT(store_grey_each(f.st, "d@x", collect, list), STORE_FOUND);
    CHECK_STR(list, "d@x");
    list[0] = '\0';
    CHECK_INT(store_grey_each(f.st, NULL, collect, list), STORE_FOUND);
    CHECK_STR(list, "a@x,b@x,c@x"); /* oldest first, and it stopped */
    CHECK_INT(store_grey_each(f.st, "nobody@x", collect, list), STORE_MISSING);
    fixture_close(&f);
}

static void net_each_lists_counting_and_allowed_nets(void)
{
    struct fixture f;
    fixture_open(&f, NULL);
    pass(f.st, "192.0.2.0/24", "a@x", T0);
    pass(f.st, "192.0.2.0/24", "b@x", T0);
    store_net_allow(f.st, "198.51.100.0/24", T0 + DAY, false);
    struct net_row r = {.net = "192.0.2.0/24"};
    CHECK_INT(store_net_each(f.st, net_row_of, &r), STORE_FOUND);
    CHECK_INT(r.passes, 2);
    CHECK_INT(r.allowed_until, 0);
    CHECK(!r.by_operator);
    r = (struct net_row){.net = "198.51.100.0/24"};
    CHECK_INT(store_net_each(f.st, net_row_of, &r), STORE_FOUND);
    CHECK_INT(r.passes, 0);
    CHECK_INT(r.allowed_until, T0 + DAY);
    fixture_close(&f);
}

static void grey_drop_removes_matching_triplets_and_the_net(void)
{
    struct fixture f;
    fixture_open(&f, NULL);
    pass(f.st, "192.0.2.0/24", "a@x", T0);
    grey(f.st, key("192.0.2.0/24", "b@x", "other@example.net"), T0, &(struct grey_answer){0});
    grey(f.st, key("198.51.100.0/24", "c@x", "rcpt@example.net"), T0, &(struct grey_answer){0});
    unsigned long dropped = 99;
    CHECK_INT(store_grey_drop(f.st, "192.0.2.0/24", &dropped), STORE_FOUND);
    CHECK_INT(dropped, 3); /* two triplets and the net row */
    CHECK_INT(rows(f.st, NULL), 1);
    CHECK_INT(store_grey_drop(f.st, "rcpt@example.net", &dropped), STORE_FOUND);
    CHECK_INT(dropped, 1);
    CHECK_INT(store_grey_drop(f.st, "rcpt@example.net", &dropped), STORE_MISSING);
    CHECK_INT(dropped, 0);
    fixture_close(&f);
}

static void grey_stats_counts_live_expired_and_allowed(void)
{
    struct fixture f;
    fixture_open(&f, NULL);
    pass(f.st, "192.0.2.0/24", "a@x", T0);
    grey(f.st, key("192.0.2.0/24", "b@x", "r@x"), T0, &(struct grey_answer){0});
    grey(f.st, key("192.0.2.0/24", "c@x", "r@x"), T0 + 2 * DAY, &(struct grey_answer){0});
    store_net_allow(f.st, "198.51.100.0/24", INT64_MAX, true);
    store_net_allow(f.st, "203.0.113.0/24", T0 + 3 * DAY, false);
    store_net_allow(f.st, "203.0.114.0/24", T0, false);
    struct grey_stats s;
    CHECK_INT(store_grey_stats(f.st, T0 + 2 * DAY, &s), STORE_FOUND);
    CHECK_INT(s.pending, 1);
    CHECK_INT(s.passed, 1);
    CHECK_INT(s.expired, 1);
    CHECK_INT(s.nets_auto, 1);
    CHECK_INT(s.nets_operator, 1);
    fixture_close(&f);
}

static void expire_removes_only_expired_rows_in_batches(void)
{
    struct fixture f;
    fixture_sqlite(&f, NULL);
    char sender[32];
    for (int i = 0; i < 1234; i++) {
        snprintf(sender, sizeof(sender), "old%d@x", i);
        CHECK_INT(grey(f.st, key("192.0.2.0/24", sender, "r@x"), T0, &(struct grey_answer){0}),
                  STORE_MISSING);
    }
    for (int i = 0; i < 10; i++) {
        snprintf(sender, sizeof(sender), "new%d@x", i);
        grey(f.st, key("192.0.2.0/24", sender, "r@x"), T0 + DAY, &(struct grey_answer){0});
    }
    pass(f.st, "198.51.100.0/24", "p@x", T0); /* a passed triplet and its net */
    unsigned long removed = 99;
    CHECK_INT(store_expire(f.st, T0 + DAY, &removed), STORE_FOUND);
    CHECK_INT(removed, 0); /* expires == now is still alive */
    CHECK_INT(store_expire(f.st, T0 + DAY + 1, &removed), STORE_FOUND);
    CHECK_INT(removed, 1234);
    CHECK_INT(rows(f.st, NULL), 11);
    CHECK_INT(store_expire(f.st, T0 + 300 + LIFETIME + 1, &removed), STORE_FOUND);
    CHECK_INT(removed, 12); /* the 10 pending, the passed one, its net */
    CHECK_INT(rows(f.st, NULL), 0);
    fixture_close(&f);
}

static void schema_is_versioned_and_a_newer_one_is_left_alone(void)
{
    struct fixture f;
    fixture_sqlite(&f, NULL);
    pass(f.st, "192.0.2.0/24", "a@x", T0);
    store_unref(&f.st);
    sql(f.db, "PRAGMA user_version = 99");
    fprintf(stderr, "(an error about the unknown schema version 99 is expected)\n");
    reopen(&f);
    CHECK_INT(probe(f.st), STORE_TRYLATER);
    CHECK_INT(store_grey_each(f.st, NULL, count_row, &(int){0}), STORE_TRYLATER);
    CHECK_INT(sql_int(f.db, "PRAGMA user_version"), 99);
    CHECK_INT(sql_int(f.db, "SELECT count(*) FROM grey"), 1); /* nothing dropped */
    sql(f.db, "PRAGMA user_version = 1");
    CHECK(wait_for(f.st, STORE_TRYLATER, 0));
    CHECK_INT(state(f.st, key("192.0.2.0/24", "a@x", "rcpt@example.net"), T0 + 400), GREY_KNOWN);
    fixture_close(&f);
}

/* every_op_says_trylater - each operation answers try-later, touching nothing */
static void every_op_says_trylater(struct store *st)
{
    struct grey_answer a = {.state = GREY_KNOWN, .first_seen = 7, .pass_at = 8};
    struct grey_stats gs;
    unsigned long n;
    CHECK_INT(grey(st, key("192.0.2.0/24", "a@x", "b@x"), T0, &a), STORE_TRYLATER);
    CHECK(a.state == GREY_KNOWN && a.first_seen == 7 && a.pass_at == 8);
    CHECK_INT(store_grey_each(st, NULL, count_row, &(int){0}), STORE_TRYLATER);
    CHECK_INT(store_net_each(st, net_row_of, &(struct net_row){.net = "x"}), STORE_TRYLATER);
    CHECK_INT(store_net_allow(st, "192.0.2.0/24", INT64_MAX, true), STORE_TRYLATER);
    CHECK_INT(store_grey_drop(st, "a@x", &n), STORE_TRYLATER);
    CHECK_INT(store_grey_stats(st, T0, &gs), STORE_TRYLATER);
    CHECK_INT(store_expire(st, T0, &n), STORE_TRYLATER);
}

static void missing_directory_gives_trylater_until_it_exists(void)
{
    struct fixture f;
    fixture_sqlite(&f, "sub"); /* sub/ does not exist: the store opens anyway */
    every_op_says_trylater(f.st);
    char sub[PATH_MAX + 8];
    snprintf(sub, sizeof(sub), "%s/sub", f.dir);
    CHECK(mkdir(sub, 0755) == 0);
    CHECK(wait_for(f.st, STORE_MISSING, 1));
    fixture_close(&f);
}

static void removed_database_gives_trylater_until_it_can_be_made_again(void)
{
    struct fixture f;
    fixture_sqlite(&f, "sub");
    char sub[PATH_MAX + 8];
    snprintf(sub, sizeof(sub), "%s/sub", f.dir);
    CHECK(mkdir(sub, 0755) == 0);
    CHECK(wait_for(f.st, STORE_MISSING, 1));
    pass(f.st, "192.0.2.0/24", "a@x", T0);
    nftw(sub, rm_one, 16, FTW_DEPTH | FTW_PHYS); /* rm -r: database and directory */
    CHECK(wait_for(f.st, STORE_TRYLATER, 1));    /* noticed within seconds */
    every_op_says_trylater(f.st);
    CHECK(mkdir(sub, 0755) == 0);
    CHECK(wait_for(f.st, STORE_MISSING, 1));
    CHECK_INT(rows(f.st, "a@x"), 0); /* a new, empty database */
    fixture_close(&f);
}

static void replaced_database_is_noticed_and_reopened(void)
{
    struct fixture f;
    fixture_sqlite(&f, NULL);
    pass(f.st, "192.0.2.0/24", "old@x", T0);
    char spec[PATH_MAX + 16], err[256], path[PATH_MAX + 8];
    snprintf(spec, sizeof(spec), "%s.new", f.spec);
    struct store *other = store_open(spec, err, sizeof(err));
    pass(other, "192.0.2.0/24", "new@x", T0);
    store_unref(&other);
    /* the safe way to swap a live WAL database: its -wal and -shm go first */
    snprintf(path, sizeof(path), "%s-wal", f.db);
    unlink(path);
    snprintf(path, sizeof(path), "%s-shm", f.db);
    unlink(path);
    CHECK(rename(spec + 7, f.db) == 0);
    int64_t end = now_mono_ms() + 6000;
    while (rows(f.st, "new@x") == 0 && now_mono_ms() < end)
        usleep(100000);
    CHECK_INT(rows(f.st, "new@x"), 1);
    CHECK_INT(rows(f.st, "old@x"), 0);
    CHECK_INT(state(f.st, key("192.0.2.0/24", "new@x", "rcpt@example.net"), T0 + 400), GREY_KNOWN);
    fixture_close(&f);
}

static void locked_database_gives_trylater_after_the_busy_timeout(void)
{
    struct fixture f;
    fixture_sqlite(&f, NULL);
    pass(f.st, "192.0.2.0/24", "a@x", T0);
    sqlite3 *h;
    CHECK(sqlite3_open(f.db, &h) == SQLITE_OK);
    CHECK(sqlite3_exec(h, "BEGIN EXCLUSIVE; DELETE FROM net", NULL, NULL, NULL) == SQLITE_OK);
    int64_t t = now_mono_ms();
    CHECK_INT(probe(f.st), STORE_TRYLATER);
    t = now_mono_ms() - t;
    fprintf(stderr, "a write waited %lld ms for the lock\n", (long long)t);
    CHECK(t >= 900 && t < 5000);
    /* readers are not blocked: a known triplet needs no write */
    CHECK_INT(state(f.st, key("192.0.2.0/24", "a@x", "rcpt@example.net"), T0 + 400), GREY_KNOWN);
    CHECK(sqlite3_exec(h, "COMMIT", NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close(h);
    CHECK_INT(probe(f.st), STORE_MISSING); /* at once: the connection was fine */
    fixture_close(&f);
}

/* readonly_on - make dir read-only: a read-only bind mount as root (where
 * chmod does not stop writes), chmod otherwise; 0 when it cannot be done */
static int readonly_on(const char *dir, const char *db)
{
    if (geteuid() != 0)
        return chmod(db, 0444) == 0 && chmod(dir, 0555) == 0;
    return private_mounts() && mount(dir, dir, NULL, MS_BIND, NULL) == 0 &&
           mount(NULL, dir, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) == 0;
}

/* readonly_off - undo readonly_on (the mount stays, read-write) */
static void readonly_off(const char *dir, const char *db)
{
    if (geteuid() != 0)
        CHECK(chmod(dir, 0755) == 0 && chmod(db, 0644) == 0);
    else
        CHECK(mount(NULL, dir, NULL, MS_REMOUNT | MS_BIND, NULL) == 0);
}

static void read_only_database_gives_trylater_until_writable(void)
{
    struct fixture f;
    fixture_sqlite(&f, NULL);
    pass(f.st, "192.0.2.0/24", "a@x", T0);
    store_unref(&f.st);
    if (!readonly_on(f.dir, f.db)) {
        printf("skipped: running as root and no read-only bind mount permitted (%s)\n",
               strerror(errno));
        fixture_close(&f);
        return;
    }
    printf("read-only by %s\n", geteuid() == 0 ? "a read-only bind mount" : "chmod");
    reopen(&f);
    CHECK_INT(probe(f.st), STORE_TRYLATER);
    readonly_off(f.dir, f.db);
    CHECK(wait_for(f.st, STORE_MISSING, 1));
    CHECK_INT(state(f.st, key("192.0.2.0/24", "a@x", "rcpt@example.net"), T0 + 400), GREY_KNOWN);
    store_unref(&f.st);
    if (geteuid() == 0)
        umount2(f.dir, MNT_DETACH);
    fixture_close(&f);
}

static void corrupt_database_gives_trylater_until_repaired(void)
{
    struct fixture f;
    fixture_sqlite(&f, NULL);
    pass(f.st, "192.0.2.0/24", "a@x", T0);
    store_unref(&f.st);
    char backup[PATH_MAX + 8], junk[4096];
    snprintf(backup, sizeof(backup), "%s.bak", f.db);
    copy_file(f.db, backup);
    memset(junk, 'Z', sizeof(junk));
    int fd = open(f.db, O_WRONLY);
    CHECK(fd >= 0 && write(fd, junk, sizeof(junk)) == (ssize_t)sizeof(junk));
    close(fd);
    reopen(&f);
    CHECK_INT(probe(f.st), STORE_TRYLATER);
    every_op_says_trylater(f.st);
    copy_file(backup, f.db);
    CHECK(wait_for(f.st, STORE_MISSING, 1));
    CHECK_INT(state(f.st, key("192.0.2.0/24", "a@x", "rcpt@example.net"), T0 + 400), GREY_KNOWN);
    fixture_close(&f);
}

/* fill - new triplets until the store says try-later (at most n); how many */
static int fill(struct store *st, int n)
{
    for (int i = 0; i < n; i++)
        if (probe(st) == STORE_TRYLATER)
            return i;
    return n;
}

static void io_error_gives_trylater_until_it_clears(void)
{
    struct fixture f;
    fixture_sqlite(&f, NULL);
    pass(f.st, "192.0.2.0/24", "a@x", T0);
    struct rlimit old, small = {.rlim_cur = 65536};
    CHECK(getrlimit(RLIMIT_FSIZE, &old) == 0);
    small.rlim_max = old.rlim_max;
    signal(SIGXFSZ, SIG_IGN); /* writes past the limit fail with EFBIG */
    CHECK(setrlimit(RLIMIT_FSIZE, &small) == 0);
    int n = fill(f.st, 5000);
    CHECK(setrlimit(RLIMIT_FSIZE, &old) == 0);
    printf("I/O error after %d writes\n", n);
    CHECK(n < 5000);
    CHECK_INT(probe(f.st), STORE_TRYLATER); /* reopened at most once a second */
    CHECK(wait_for(f.st, STORE_MISSING, 1));
    CHECK_INT(state(f.st, key("192.0.2.0/24", "a@x", "rcpt@example.net"), T0 + 400), GREY_KNOWN);
    store_unref(&f.st);
    CHECK_STR(integrity(f.db), "ok");
    fixture_close(&f);
}

static void full_disk_gives_trylater_until_there_is_room(void)
{
    struct fixture f;
    fixture_sqlite(&f, "small");
    store_unref(&f.st);
    char dir[PATH_MAX + 8];
    snprintf(dir, sizeof(dir), "%s/small", f.dir);
    CHECK(mkdir(dir, 0755) == 0);
    if (!private_mounts() || mount("tmpfs", dir, "tmpfs", 0, "size=160k") != 0) {
        printf("skipped: no tmpfs mount permitted (%s)\n", strerror(errno));
        fixture_close(&f);
        return;
    }
    reopen(&f);
    int n = fill(f.st, 5000);
    printf("disk full after %d writes\n", n);
    CHECK(n > 0 && n < 5000);
    CHECK_INT(probe(f.st), STORE_TRYLATER);
    CHECK(mount("tmpfs", dir, "tmpfs", MS_REMOUNT, "size=16m") == 0);
    CHECK(wait_for(f.st, STORE_MISSING, 1));
    CHECK_INT(rows(f.st, NULL), n + 1);
    store_unref(&f.st);
    CHECK_STR(integrity(f.db), "ok");
    umount2(dir, MNT_DETACH);
    fixture_close(&f);
}

/* N: backend-neutral, run on SQLite (store_NAME) and on Redis
 * (store_redis_NAME); T: SQLite only (store_NAME). */
#define STORE_NEUTRAL_TESTS(N)                                       \
    N(references_keep_the_store_open_until_the_last_unref)           \
    N(first_attempt_is_new_and_missing)                              \
    N(early_retry_is_deferred_until_pass_at)                         \
    N(retry_after_the_delay_passes_and_then_is_known)                \
    N(pending_triplet_expires_after_the_retry_window)                \
    N(passed_triplet_lives_for_lifetime_after_its_last_use)          \
    N(known_lookup_within_the_hour_writes_nothing)                   \
    N(auto_allow_allows_the_net_after_enough_passes)                 \
    N(operator_allowance_lasts_and_is_marked)                        \
    N(grey_each_matches_any_field_oldest_first_and_stops_on_request) \
    N(net_each_lists_counting_and_allowed_nets)                      \
    N(grey_drop_removes_matching_triplets_and_the_net)               \
    N(grey_stats_counts_live_expired_and_allowed)

#define STORE_SQLITE_TESTS(T)                                     \
    T(specs_name_a_known_type_and_an_absolute_path)               \
    T(logs_never_show_a_password)                                 \
    T(open_refuses_a_bad_spec_and_keeps_a_good_one)               \
    T(expire_removes_only_expired_rows_in_batches)                \
    T(schema_is_versioned_and_a_newer_one_is_left_alone)          \
    T(missing_directory_gives_trylater_until_it_exists)           \
    T(removed_database_gives_trylater_until_it_can_be_made_again) \
    T(replaced_database_is_noticed_and_reopened)                  \
    T(locked_database_gives_trylater_after_the_busy_timeout)      \
    T(read_only_database_gives_trylater_until_writable)           \
    T(corrupt_database_gives_trylater_until_repaired)             \
    T(io_error_gives_trylater_until_it_clears)                    \
    T(full_disk_gives_trylater_until_there_is_room)

#define STORE_TESTS(X) STORE_NEUTRAL_TESTS(X) STORE_SQLITE_TESTS(X)

TEST_MAIN(STORE_TESTS)
