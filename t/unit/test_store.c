/* test_store.c - the state store: specs, greylisting's five cases, the
 * operator calls, housekeeping and the DMARC history. The backend-neutral cases (N in the lists
 * at the end) run on the store $MXGATE_TEST_STORE names when it is set (CMake
 * runs each twice: on SQLite, and on Redis through t/store/with_redis.sh),
 * the others on SQLite only. SQLite's faults are in test_store_faults.c,
 * Redis's in test_store_redis.c. */
#include "store_fixture.h"
#include "testing.h"
#include "util.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

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
    CHECK_INT(sql_int(f.db, "PRAGMA user_version"), 3);
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
    sql(f.db, "PRAGMA user_version = 3");
    CHECK(wait_for(f.st, STORE_TRYLATER, 0));
    CHECK_INT(state(f.st, key("192.0.2.0/24", "a@x", "rcpt@example.net"), T0 + 400), GREY_KNOWN);
    fixture_close(&f);
}

/* attempts - the attempts counted on the triplets matching match (-1: none) */
static long long attempts(struct store *st, const char *match)
{
    return rows(st, match) ? (long long)row_of(st, match).attempts : -1;
}

/* same_answer - what the dry store says at now is what the store then does */
static void same_answer(struct store *dry, struct store *st, struct grey_key k, int64_t now)
{
    struct grey_answer d, r;
    long long before = attempts(st, k.sender);
    enum store_status ds = grey(dry, k, now, &d);
    CHECK_INT(attempts(st, k.sender), before);
    CHECK_INT(grey(st, k, now, &r), ds);
    CHECK_INT(d.state, r.state);
    CHECK_INT(d.first_seen, r.first_seen);
    CHECK_INT(d.pass_at, r.pass_at);
}

static void dry_store_answers_as_the_store_would_and_writes_nothing(void)
{
    struct fixture f;
    char err[256];
    fixture_open(&f, NULL);
    struct store *dry = store_open_dry(f.spec, err, sizeof(err));
    CHECK(dry != NULL);
    struct grey_key k = key("192.0.2.0/24", "a@example.org", "b@example.net");
    int64_t times[] = {T0, T0 + 299, T0 + 300, T0 + 400, T0 + 2 * DAY};
    for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++)
        same_answer(dry, f.st, k, times[i]); /* new, early, retried, known, known */
    CHECK_INT(store_net_allow(f.st, "198.51.100.0/24", INT64_MAX, true), STORE_FOUND);
    same_answer(dry, f.st, key("198.51.100.0/24", "c@example.org", "b@example.net"), T0);
    CHECK_INT(state(dry, key("198.51.100.0/24", "c@example.org", "b@example.net"), T0),
              GREY_ALLOWED);
    struct dmarc_row row = {.day = store_dmarc_day(T0), .source_ip = "192.0.2.1"};
    CHECK_INT(store_dmarc_record(dry, &row), STORE_FOUND);
    CHECK_INT(store_net_allow(dry, "203.0.113.0/24", INT64_MAX, true), STORE_TRYLATER);
    unsigned long n;
    CHECK_INT(store_grey_drop(dry, "a@example.org", &n), STORE_TRYLATER);
    CHECK_INT(store_expire(dry, T0 + 400 * DAY, &n), STORE_TRYLATER);
    CHECK_INT(store_dmarc_record(f.st, &row), STORE_MISSING); /* the dry one counted nothing */
    CHECK_INT(rows(f.st, NULL), 1); /* an allowed net records no triplet */
    store_unref(&dry);
    fixture_close(&f);
}

/* --- DMARC history ------------------------------------------------------ */

#define D0 (T0 / DAY) /* the day of T0 */
#define NFIELDS 9

/* sample - a row as the dmarc check records a DMARC reject */
static struct dmarc_row sample(int64_t day)
{
    return (struct dmarc_row){.day = day,
                              .source_ip = "192.0.2.10",
                              .header_from = "reject.dmarc.test",
                              .envelope_from = "dkim.test",
                              .spf_domain = "dkim.test",
                              .spf_result = "none",
                              .dkim = "d=dkim.test s=rsa a=rsa-sha256 pass",
                              .policy_published = "reject",
                              .disposition = "reject",
                              .dmarc_result = "fail"};
}

/* field_of - a row's i-th string, in struct order */
static const char **field_of(struct dmarc_row *r, int i)
{
    const char **f[NFIELDS] = {&r->source_ip,        &r->header_from, &r->envelope_from,
                               &r->spf_domain,       &r->spf_result,  &r->dkim,
                               &r->policy_published, &r->disposition, &r->dmarc_result};
    return f[i];
}

/* A listing: "+DAY IP RESULT COUNT," per row (days after D0), up to max rows. */
struct listing {
    char text[2048];
    int n, max;
};

/* brief - dmarc_each callback: append the row to the listing; stop at max */
static int brief(void *arg, const struct dmarc_row *row, unsigned long count)
{
    struct listing *l = arg;
    size_t len = strlen(l->text);
    snprintf(l->text + len, sizeof(l->text) - len, "%+lld %s %s %lu,", (long long)(row->day - D0),
             row->source_ip, row->dmarc_result, count);
    return ++l->n == l->max;
}

/* list - the rows of days from to to, briefly */
static const char *list(struct store *st, int64_t from, int64_t to, struct listing *l)
{
    *l = (struct listing){.max = 1000};
    CHECK(store_dmarc_each(st, from, to, brief, l) != STORE_TRYLATER);
    return l->text;
}

/* A row copied out of dmarc_each. */
struct copied {
    struct dmarc_row row;
    char text[NFIELDS][256];
    unsigned long count;
    int n;
};

/* copy_row - dmarc_each callback: copy the n-th row (0-based) asked for */
static int copy_row(void *arg, const struct dmarc_row *row, unsigned long count)
{
    struct copied *c = arg;
    struct dmarc_row r = *row;
    if (c->n-- != 0)
        return 0;
    c->row.day = row->day;
    for (int i = 0; i < NFIELDS; i++) {
        snprintf(c->text[i], sizeof(c->text[i]), "%s", *field_of(&r, i));
        *field_of(&c->row, i) = c->text[i];
    }
    c->count = count;
    return 1;
}

/* nth_row - the n-th row (0-based) of day into *c */
static void nth_row(struct store *st, int64_t day, int n, struct copied *c)
{
    *c = (struct copied){.n = n};
    CHECK_INT(store_dmarc_each(st, day, day, copy_row, c), STORE_FOUND);
    CHECK(c->n < 0);
}

/* same_row - every field of got is want's (NULL in want meaning "") */
static void same_row(struct dmarc_row got, struct dmarc_row want)
{
    CHECK_INT(got.day, want.day);
    for (int i = 0; i < NFIELDS; i++) {
        const char *w = *field_of(&want, i);
        CHECK_STR(*field_of(&got, i), w ? w : "");
    }
}

static void dmarc_same_evaluation_twice_is_one_row_counted_twice(void)
{
    struct fixture f;
    fixture_open(&f, NULL);
    struct dmarc_row r = sample(D0);
    CHECK_INT(store_dmarc_record(f.st, &r), STORE_MISSING);
    CHECK_INT(store_dmarc_record(f.st, &r), STORE_FOUND);
    struct copied c;
    nth_row(f.st, D0, 0, &c);
    same_row(c.row, r);
    CHECK_INT(c.count, 2);
    struct listing l;
    CHECK_STR(list(f.st, D0, D0, &l), "+0 192.0.2.10 fail 2,");
    fixture_close(&f);
}

static void dmarc_rows_that_differ_in_any_field_are_counted_apart(void)
{
    struct fixture f;
    fixture_open(&f, NULL);
    struct dmarc_row base = sample(D0);
    CHECK_INT(store_dmarc_record(f.st, &base), STORE_MISSING);
    for (int i = 0; i < NFIELDS; i++) {
        struct dmarc_row r = base;
        *field_of(&r, i) = "0ther";
        CHECK_INT(store_dmarc_record(f.st, &r), STORE_MISSING);
        CHECK_INT(store_dmarc_record(f.st, &r), STORE_FOUND);
    }
    struct dmarc_row next_day = sample(D0 + 1);
    CHECK_INT(store_dmarc_record(f.st, &next_day), STORE_MISSING);
    CHECK_INT(store_dmarc_record(f.st, &base), STORE_FOUND);
    struct listing l;
    list(f.st, D0, D0 + 1, &l);
    CHECK_INT(l.n, NFIELDS + 2);
    CHECK_STR(list(f.st, D0 + 1, D0 + 1, &l), "+1 192.0.2.10 fail 1,");
    struct copied c;
    nth_row(f.st, D0, 0, &c);
    CHECK_STR(c.row.source_ip, "0ther"); /* sorted by the fields */
    nth_row(f.st, D0, NFIELDS, &c);      /* the base sorts last */
    same_row(c.row, base);
    CHECK_INT(c.count, 2);
    fixture_close(&f);
}

static void dmarc_fields_come_back_as_recorded_whatever_they_hold(void)
{
    struct fixture f;
    fixture_open(&f, NULL);
    struct dmarc_row r = {.day = D0,
                          .source_ip = "2001:db8::1",
                          .header_from = "ex\xc3\xa4mple.org",
                          .envelope_from = "",
                          .spf_domain = "a|b;c:d\te\nf\\g%00",
                          .spf_result = "none",
                          .dkim =
                              "d=a.example s=b a=rsa-sha256 pass; d=c s=d a=ed25519-sha256 fail",
                          .policy_published = "reject",
                          .disposition = NULL,
                          .dmarc_result = "fail"};
    CHECK_INT(store_dmarc_record(f.st, &r), STORE_MISSING);
    struct dmarc_row empty = r;
    empty.disposition = ""; /* NULL is "" */
    CHECK_INT(store_dmarc_record(f.st, &empty), STORE_FOUND);
    struct copied c;
    nth_row(f.st, D0, 0, &c);
    same_row(c.row, r);
    CHECK_INT(c.count, 2);
    struct dmarc_row ab = r, a_b = r; /* text moved across a boundary is another row */
    ab.header_from = "ab", ab.envelope_from = "";
    a_b.header_from = "a", a_b.envelope_from = "b";
    CHECK_INT(store_dmarc_record(f.st, &ab), STORE_MISSING);
    CHECK_INT(store_dmarc_record(f.st, &a_b), STORE_MISSING);
    struct listing l;
    list(f.st, D0, D0, &l);
    CHECK_INT(l.n, 3);
    fixture_close(&f);
}

static void dmarc_each_gives_the_days_asked_in_order_and_stops_on_request(void)
{
    struct fixture f;
    fixture_open(&f, NULL);
    struct dmarc_row r[4] = {sample(D0 + 3), sample(D0), sample(D0), sample(D0 + 1)};
    r[1].source_ip = "198.51.100.7";
    r[3].dmarc_result = "pass";
    for (int i = 0; i < 4; i++)
        CHECK_INT(store_dmarc_record(f.st, &r[i]), STORE_MISSING);
    struct listing l;
    CHECK_STR(list(f.st, D0 - 10, D0 + 10, &l),
              "+0 192.0.2.10 fail 1,+0 198.51.100.7 fail 1,+1 192.0.2.10 pass 1,"
              "+3 192.0.2.10 fail 1,");
    CHECK_STR(list(f.st, D0 + 1, D0 + 2, &l), "+1 192.0.2.10 pass 1,");
    CHECK_STR(list(f.st, D0 + 3, D0 + 3, &l), "+3 192.0.2.10 fail 1,");
    CHECK_INT(store_dmarc_each(f.st, D0 + 4, D0 + 40, brief, &l), STORE_MISSING);
    CHECK_INT(store_dmarc_each(f.st, D0 + 1, D0, brief, &l), STORE_MISSING);
    l = (struct listing){.max = 2};
    CHECK_INT(store_dmarc_each(f.st, D0, D0 + 3, brief, &l), STORE_FOUND);
    CHECK_STR(l.text, "+0 192.0.2.10 fail 1,+0 198.51.100.7 fail 1,"); /* stopped */
    fixture_close(&f);
}

static void dmarc_expire_drops_the_days_before_the_retention(void)
{
    struct fixture f;
    fixture_open(&f, NULL);
    int64_t days[] = {D0 - 40, D0 - 40, D0 - 32, D0 - 31, D0};
    for (size_t i = 0; i < ARRAY_LEN(days); i++) {
        struct dmarc_row r = sample(days[i]);
        r.source_ip = i == 1 ? "192.0.2.11" : r.source_ip;
        CHECK_INT(store_dmarc_record(f.st, &r), STORE_MISSING);
    }
    CHECK_INT(STORE_DMARC_RETENTION_DAYS, 31);
    pass(f.st, "203.0.113.0/24", "a@x", T0); /* greylisting's rows stay */
    unsigned long removed = 99;
    CHECK_INT(store_expire(f.st, T0, &removed), STORE_FOUND);
    CHECK_INT(removed, 3);
    struct listing l;
    CHECK_STR(list(f.st, D0 - 100, D0 + 100, &l), "-31 192.0.2.10 fail 1,+0 192.0.2.10 fail 1,");
    CHECK_INT(store_expire(f.st, T0, &removed), STORE_FOUND);
    CHECK_INT(removed, 0);
    CHECK_INT(store_expire(f.st, (D0 + 31) * DAY, &removed), STORE_FOUND); /* a day later */
    CHECK_INT(removed, 1);
    CHECK_STR(list(f.st, D0 - 100, D0 + 100, &l), "+0 192.0.2.10 fail 1,");
    CHECK_INT(rows(f.st, NULL), 1);
    fixture_close(&f);
}

/* no_dmarc_row - dmarc_each callback that must not be called */
static int no_dmarc_row(void *arg, const struct dmarc_row *row, unsigned long count)
{
    (void)arg, (void)row, (void)count;
    CHECK(!"a DMARC row was listed");
    return 1;
}

static void dmarc_calls_answer_trylater_when_the_store_cannot(void)
{
    struct fixture f;
    fixture_broken(&f);
    struct dmarc_row r = sample(D0);
    unsigned long removed;
    CHECK_INT(store_dmarc_record(f.st, &r), STORE_TRYLATER);
    CHECK_INT(store_dmarc_each(f.st, D0 - 100, D0 + 100, no_dmarc_row, NULL), STORE_TRYLATER);
    CHECK_INT(store_expire(f.st, T0, &removed), STORE_TRYLATER);
    fixture_close(&f);
}

/* --- rcptverify's cache ------------------------------------------------- */

/* rcpt - store_rcpt_get at now: 1 known, 0 refused, -1 missing, -2 try-later */
static int rcpt(struct store *st, const char *addr, int64_t now)
{
    struct rcpt_entry e = {.known = true, .expires = -7};
    enum store_status s = store_rcpt_get(st, addr, now, &e);
    if (s == STORE_FOUND)
        CHECK(e.expires >= now);
    return s == STORE_FOUND ? e.known : s == STORE_MISSING ? -1 : -2;
}

static void rcpt_answers_are_remembered_until_they_expire(void)
{
    struct fixture f;
    fixture_open(&f, NULL);
    CHECK_INT(rcpt(f.st, "bob@example.net", T0), -1);
    struct rcpt_entry known = {.known = true, .expires = T0 + 100};
    CHECK_INT(store_rcpt_put(f.st, "bob@example.net", &known, T0), STORE_FOUND);
    CHECK_INT(rcpt(f.st, "bob@example.net", T0 + 50), 1);
    CHECK_INT(rcpt(f.st, "bob@example.net", T0 + 100), 1);
    CHECK_INT(rcpt(f.st, "bob@example.net", T0 + 101), -1);
    CHECK_INT(rcpt(f.st, "carol@example.net", T0 + 50), -1);
    struct rcpt_entry refused = {.known = false, .expires = T0 + 200};
    CHECK_INT(store_rcpt_put(f.st, "bob@example.net", &refused, T0), STORE_FOUND);
    CHECK_INT(rcpt(f.st, "bob@example.net", T0 + 150), 0); /* replaced */
    fixture_close(&f);
}

static void rcpt_calls_answer_trylater_when_the_store_cannot(void)
{
    struct fixture f;
    fixture_broken(&f);
    struct rcpt_entry e = {.known = true, .expires = T0 + 100};
    CHECK_INT(store_rcpt_put(f.st, "bob@example.net", &e, T0), STORE_TRYLATER);
    CHECK_INT(rcpt(f.st, "bob@example.net", T0), -2);
    fixture_close(&f);
}

static void rcpt_expire_drops_only_expired_answers(void)
{
    struct fixture f;
    fixture_sqlite(&f, NULL);
    struct rcpt_entry old = {.known = true, .expires = T0 + 10};
    struct rcpt_entry alive = {.known = false, .expires = T0 + 1000};
    CHECK_INT(store_rcpt_put(f.st, "old@example.net", &old, T0), STORE_FOUND);
    CHECK_INT(store_rcpt_put(f.st, "alive@example.net", &alive, T0), STORE_FOUND);
    unsigned long removed = 99;
    CHECK_INT(store_expire(f.st, T0 + 20, &removed), STORE_FOUND);
    CHECK_INT(removed, 1);
    CHECK_INT(sql_int(f.db, "SELECT count(*) FROM rcpt"), 1);
    CHECK_INT(rcpt(f.st, "alive@example.net", T0 + 20), 0);
    fixture_close(&f);
}

static void dmarc_expire_removes_a_big_day_in_batches(void)
{
    struct fixture f;
    fixture_sqlite(&f, NULL);
    char ip[32];
    for (int i = 0; i < 1234; i++) {
        struct dmarc_row r = sample(D0 - 40);
        snprintf(ip, sizeof(ip), "10.0.%d.%d", i / 256, i % 256);
        r.source_ip = ip;
        CHECK_INT(store_dmarc_record(f.st, &r), STORE_MISSING);
    }
    struct dmarc_row today = sample(D0);
    store_dmarc_record(f.st, &today);
    unsigned long removed;
    CHECK_INT(store_expire(f.st, T0, &removed), STORE_FOUND);
    CHECK_INT(removed, 1234);
    CHECK_INT(sql_int(f.db, "SELECT count(*) FROM dmarc"), 1);
    fixture_close(&f);
}

static void version_1_database_gains_the_dmarc_table_and_keeps_its_rows(void)
{
    struct fixture f;
    fixture_sqlite(&f, NULL);
    pass(f.st, "192.0.2.0/24", "a@x", T0);
    store_unref(&f.st);
    sql(f.db, "DROP TABLE dmarc; DROP TABLE rcpt; PRAGMA user_version = 1"); /* as version 1 */
    reopen(&f);
    struct dmarc_row r = sample(D0);
    CHECK_INT(store_dmarc_record(f.st, &r), STORE_MISSING);
    CHECK_INT(sql_int(f.db, "PRAGMA user_version"), 3);
    CHECK_INT(sql_int(f.db, "SELECT count FROM dmarc WHERE header_from = 'reject.dmarc.test'"), 1);
    CHECK_INT(state(f.st, key("192.0.2.0/24", "a@x", "rcpt@example.net"), T0 + 400), GREY_KNOWN);
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
    N(grey_stats_counts_live_expired_and_allowed)                    \
    N(dry_store_answers_as_the_store_would_and_writes_nothing)       \
    N(dmarc_same_evaluation_twice_is_one_row_counted_twice)          \
    N(dmarc_rows_that_differ_in_any_field_are_counted_apart)         \
    N(dmarc_fields_come_back_as_recorded_whatever_they_hold)         \
    N(dmarc_each_gives_the_days_asked_in_order_and_stops_on_request) \
    N(dmarc_expire_drops_the_days_before_the_retention)              \
    N(dmarc_calls_answer_trylater_when_the_store_cannot)             \
    N(rcpt_answers_are_remembered_until_they_expire)                 \
    N(rcpt_calls_answer_trylater_when_the_store_cannot)

#define STORE_SQLITE_TESTS(T)                                      \
    T(specs_name_a_known_type_and_an_absolute_path)                \
    T(logs_never_show_a_password)                                  \
    T(open_refuses_a_bad_spec_and_keeps_a_good_one)                \
    T(expire_removes_only_expired_rows_in_batches)                 \
    T(schema_is_versioned_and_a_newer_one_is_left_alone)           \
    T(dmarc_expire_removes_a_big_day_in_batches)                   \
    T(version_1_database_gains_the_dmarc_table_and_keeps_its_rows) \
    T(rcpt_expire_drops_only_expired_answers)

#define STORE_TESTS(X) STORE_NEUTRAL_TESTS(X) STORE_SQLITE_TESTS(X)

TEST_MAIN(STORE_TESTS)
