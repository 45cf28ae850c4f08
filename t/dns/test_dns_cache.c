/* test_dns_cache.c - TTL cache and in-flight table, with an injected clock */
#include "testing.h"
#include "dns_cache.h"
#include "util.h"

#include <pthread.h>
#include <unistd.h>

/* One T(name) line per case: CMake reads these lines to register the tests. */
#define DNS_CACHE_TESTS(T)                                    \
    T(dns_cache_hit_until_ttl_expires)                        \
    T(dns_cache_caps_ttl_at_max_ttl)                          \
    T(dns_cache_keeps_nxdomain_and_nodata_for_capped_soa_ttl) \
    T(dns_cache_does_not_keep_negative_without_soa)           \
    T(dns_cache_ttl0_reaches_joined_waiters_but_is_not_kept)  \
    T(dns_cache_keeps_trylater_only_for_trylater_ttl)         \
    T(dns_cache_joins_in_flight_lookup)                       \
    T(dns_cache_evicts_expired_before_lru)                    \
    T(dns_cache_evicts_least_recently_used)                   \
    T(dns_cache_evicted_entry_lives_while_referenced)         \
    T(dns_cache_zero_entries_keeps_nothing_but_joins)         \
    T(dns_cache_shrinks_on_new_limits)                        \
    T(dns_cache_key_includes_type)                            \
    T(dns_cache_survives_many_entries)                        \
    T(dns_cache_wait_times_out_then_gets_answer)              \
    T(dns_cache_destroy_leaves_referenced_entries_usable)

static const struct dns_cache_limits LIM = {
    .entries = 100, .max_ttl = 3600, .max_neg_ttl = 300, .trylater_ttl = 0};

/* get - dns_cache_get expecting how */
static struct dns_entry *get(struct dns_cache *c, const char *name, int64_t now,
                             enum dns_cache_how want)
{
    enum dns_cache_how how;
    struct dns_entry *e = dns_cache_get(c, name, DNS_T_A, now, &how);
    CHECK(e != NULL);
    CHECK_INT(how, want);
    return e;
}

/* answer - publish an answer of status with ttl (has_ttl for negatives) */
static void answer(struct dns_cache *c, struct dns_entry *e, enum dns_status st, uint32_t ttl,
                   int has_ttl, int64_t now)
{
    struct dns_reply rep = {
        .result = dns_msg_result(st, st == DNS_TRYLATER ? "timeout" : NULL, dns_entry_name(e),
                                 dns_entry_type(e)),
        .ttl = ttl,
        .has_ttl = has_ttl,
    };
    dns_cache_publish(c, e, &rep, now);
}

/* fill - look up and answer name at now; the handle is released */
static void fill(struct dns_cache *c, const char *name, uint32_t ttl, int64_t now)
{
    struct dns_entry *e = get(c, name, now, DNS_CACHE_MISS);
    answer(c, e, DNS_FOUND, ttl, 1, now);
    dns_entry_release(&e);
}

/* expect - the lookup of name at now is want (a hit or a miss, then answered) */
static void expect(struct dns_cache *c, const char *name, int64_t now, enum dns_cache_how want)
{
    struct dns_entry *e = get(c, name, now, want);
    if (want == DNS_CACHE_MISS)
        answer(c, e, DNS_FOUND, 1000, 1, now);
    dns_entry_release(&e);
}

/* dns_cache_hit_until_ttl_expires - fresh for exactly ttl seconds */
static void dns_cache_hit_until_ttl_expires(void)
{
    struct dns_cache *c = dns_cache_create(&LIM);
    struct dns_entry *e1 = get(c, "www.example.test", 0, DNS_CACHE_MISS);
    CHECK(dns_entry_result(e1) == NULL);
    answer(c, e1, DNS_FOUND, 30, 1, 0);
    CHECK(dns_entry_result(e1) != NULL);
    struct dns_entry *e2 = get(c, "www.example.test", 29999, DNS_CACHE_HIT);
    CHECK(e2 == e1);
    CHECK(dns_entry_result(e2)->status == DNS_FOUND);
    struct dns_entry *e3 = get(c, "www.example.test", 30000, DNS_CACHE_MISS);
    CHECK(e3 != e1);
    CHECK(dns_entry_result(e3) == NULL);
    CHECK_STR(dns_entry_result(e1)->name, "www.example.test"); /* old handle still valid */
    answer(c, e3, DNS_FOUND, 30, 1, 30000);
    dns_entry_release(&e1);
    dns_entry_release(&e2);
    dns_entry_release(&e3);
    CHECK(e1 == NULL);
    dns_cache_destroy(&c);
    CHECK(c == NULL);
}

/* dns_cache_caps_ttl_at_max_ttl - a day-long TTL is kept max_ttl only */
static void dns_cache_caps_ttl_at_max_ttl(void)
{
    struct dns_cache *c = dns_cache_create(&LIM);
    fill(c, "long.example.test", 86400, 0);
    expect(c, "long.example.test", 3599999, DNS_CACHE_HIT);
    expect(c, "long.example.test", 3600000, DNS_CACHE_MISS);
    dns_cache_destroy(&c);
}

/* negative_case - a negative answer with SOA TTL 600 is kept max_neg_ttl (300 s) */
static void negative_case(enum dns_status st)
{
    struct dns_cache *c = dns_cache_create(&LIM);
    struct dns_entry *e = get(c, "nope.example.test", 0, DNS_CACHE_MISS);
    answer(c, e, st, 600, 1, 0);
    dns_entry_release(&e);
    e = get(c, "nope.example.test", 299999, DNS_CACHE_HIT);
    CHECK_INT(dns_entry_result(e)->status, st);
    dns_entry_release(&e);
    expect(c, "nope.example.test", 300000, DNS_CACHE_MISS);
    dns_cache_destroy(&c);
}

/* dns_cache_keeps_nxdomain_and_nodata_for_capped_soa_ttl - RFC 2308 negative caching */
static void dns_cache_keeps_nxdomain_and_nodata_for_capped_soa_ttl(void)
{
    negative_case(DNS_NXDOMAIN);
    negative_case(DNS_NODATA);
    struct dns_cache *c = dns_cache_create(&LIM); /* below the cap: the SOA value */
    struct dns_entry *e = get(c, "nope.example.test", 0, DNS_CACHE_MISS);
    answer(c, e, DNS_NXDOMAIN, 60, 1, 0);
    dns_entry_release(&e);
    expect(c, "nope.example.test", 59999, DNS_CACHE_HIT);
    expect(c, "nope.example.test", 60000, DNS_CACHE_MISS);
    dns_cache_destroy(&c);
}

/* dns_cache_does_not_keep_negative_without_soa - no SOA, asked again next time */
static void dns_cache_does_not_keep_negative_without_soa(void)
{
    struct dns_cache *c = dns_cache_create(&LIM);
    struct dns_entry *e = get(c, "nope.example.test", 0, DNS_CACHE_MISS);
    answer(c, e, DNS_NXDOMAIN, 0, 0, 0);
    CHECK_INT(dns_entry_result(e)->status, DNS_NXDOMAIN);
    dns_entry_release(&e);
    CHECK_INT(dns_cache_count(c), 0);
    expect(c, "nope.example.test", 1, DNS_CACHE_MISS);
    dns_cache_destroy(&c);
}

/* dns_cache_ttl0_reaches_joined_waiters_but_is_not_kept - delivered, then forgotten */
static void dns_cache_ttl0_reaches_joined_waiters_but_is_not_kept(void)
{
    struct dns_cache *c = dns_cache_create(&LIM);
    struct dns_entry *a = get(c, "zero.example.test", 0, DNS_CACHE_MISS);
    struct dns_entry *b = get(c, "zero.example.test", 0, DNS_CACHE_JOINED);
    CHECK(a == b);
    answer(c, a, DNS_FOUND, 0, 1, 0);
    CHECK_INT(dns_entry_result(a)->status, DNS_FOUND);
    CHECK(dns_entry_result(b) == dns_entry_result(a));
    CHECK_INT(dns_entry_refs(a), 2); /* two handles; the table let go */
    CHECK_INT(dns_cache_count(c), 0);
    struct dns_entry *n = get(c, "zero.example.test", 0, DNS_CACHE_MISS);
    CHECK(n != a);
    answer(c, n, DNS_FOUND, 0, 1, 0);
    dns_entry_release(&n);
    dns_entry_release(&a);
    dns_entry_release(&b);
    dns_cache_destroy(&c);
}

/* dns_cache_keeps_trylater_only_for_trylater_ttl - 0 never, else that long */
static void dns_cache_keeps_trylater_only_for_trylater_ttl(void)
{
    struct dns_cache *c = dns_cache_create(&LIM);
    struct dns_entry *e = get(c, "slow.example.test", 0, DNS_CACHE_MISS);
    answer(c, e, DNS_TRYLATER, 3600, 1, 0);
    dns_entry_release(&e);
    CHECK_INT(dns_cache_count(c), 0);
    struct dns_cache_limits lim = LIM;
    lim.trylater_ttl = 5;
    dns_cache_set_limits(c, &lim, 0);
    e = get(c, "slow.example.test", 0, DNS_CACHE_MISS);
    answer(c, e, DNS_TRYLATER, 3600, 1, 0);
    dns_entry_release(&e);
    e = get(c, "slow.example.test", 4999, DNS_CACHE_HIT);
    CHECK_INT(dns_entry_result(e)->status, DNS_TRYLATER);
    dns_entry_release(&e);
    expect(c, "slow.example.test", 5000, DNS_CACHE_MISS);
    dns_cache_destroy(&c);
}

/* dns_cache_joins_in_flight_lookup - one entry, references counted */
static void dns_cache_joins_in_flight_lookup(void)
{
    struct dns_cache *c = dns_cache_create(&LIM);
    struct dns_entry *a = get(c, "www.example.test", 0, DNS_CACHE_MISS);
    CHECK_INT(dns_entry_refs(a), 2); /* table + handle */
    struct dns_entry *b = get(c, "www.example.test", 10, DNS_CACHE_JOINED);
    struct dns_entry *d = get(c, "www.example.test", 20, DNS_CACHE_JOINED);
    CHECK(a == b && b == d);
    CHECK_INT(dns_entry_refs(a), 4);
    CHECK_INT(dns_cache_count(c), 0); /* pending is not a cached answer */
    answer(c, a, DNS_FOUND, 60, 1, 30);
    CHECK_INT(dns_cache_count(c), 1);
    dns_entry_release(&b);
    dns_entry_release(&d);
    CHECK_INT(dns_entry_refs(a), 2);
    dns_entry_release(&a);
    dns_cache_destroy(&c);
}

/* dns_cache_evicts_expired_before_lru - an expired recent entry goes first */
static void dns_cache_evicts_expired_before_lru(void)
{
    struct dns_cache_limits lim = LIM;
    lim.entries = 3;
    struct dns_cache *c = dns_cache_create(&lim);
    fill(c, "a.test", 100, 0);
    fill(c, "b.test", 100, 0);
    fill(c, "c.test", 1, 0);
    expect(c, "c.test", 500, DNS_CACHE_HIT); /* c is now the most recently used */
    fill(c, "d.test", 100, 2000);            /* over the bound: c has expired */
    CHECK_INT(dns_cache_count(c), 3);
    expect(c, "a.test", 2000, DNS_CACHE_HIT);
    expect(c, "b.test", 2000, DNS_CACHE_HIT);
    expect(c, "d.test", 2000, DNS_CACHE_HIT);
    dns_cache_destroy(&c);
}

/* dns_cache_evicts_least_recently_used - nothing expired: the oldest use goes */
static void dns_cache_evicts_least_recently_used(void)
{
    struct dns_cache_limits lim = LIM;
    lim.entries = 2;
    struct dns_cache *c = dns_cache_create(&lim);
    fill(c, "a.test", 100, 0);
    fill(c, "b.test", 100, 0);
    expect(c, "a.test", 1, DNS_CACHE_HIT);
    fill(c, "c.test", 100, 2);
    CHECK_INT(dns_cache_count(c), 2);
    expect(c, "a.test", 3, DNS_CACHE_HIT);
    expect(c, "c.test", 3, DNS_CACHE_HIT);
    expect(c, "b.test", 3, DNS_CACHE_MISS);
    CHECK_INT(dns_cache_count(c), 2);
    dns_cache_destroy(&c);
}

/* dns_cache_evicted_entry_lives_while_referenced - the waiter's answer stays valid */
static void dns_cache_evicted_entry_lives_while_referenced(void)
{
    struct dns_cache_limits lim = LIM;
    lim.entries = 1;
    struct dns_cache *c = dns_cache_create(&lim);
    struct dns_entry *a = get(c, "a.test", 0, DNS_CACHE_MISS);
    answer(c, a, DNS_FOUND, 100, 1, 0);
    fill(c, "b.test", 100, 1); /* evicts a */
    CHECK_INT(dns_entry_refs(a), 1);
    CHECK_STR(dns_entry_result(a)->name, "a.test");
    CHECK_STR(dns_entry_name(a), "a.test");
    dns_entry_release(&a); /* frees it: ASan would flag a double free or leak */
    expect(c, "a.test", 2, DNS_CACHE_MISS);
    dns_cache_destroy(&c);
}

/* dns_cache_zero_entries_keeps_nothing_but_joins - cache off, coalescing on */
static void dns_cache_zero_entries_keeps_nothing_but_joins(void)
{
    struct dns_cache_limits lim = LIM;
    lim.entries = 0;
    struct dns_cache *c = dns_cache_create(&lim);
    struct dns_entry *a = get(c, "a.test", 0, DNS_CACHE_MISS);
    struct dns_entry *b = get(c, "a.test", 0, DNS_CACHE_JOINED);
    answer(c, a, DNS_FOUND, 100, 1, 0);
    CHECK(dns_entry_result(b) != NULL);
    CHECK_INT(dns_cache_count(c), 0);
    expect(c, "a.test", 1, DNS_CACHE_MISS);
    dns_entry_release(&a);
    dns_entry_release(&b);
    dns_cache_destroy(&c);
}

/* dns_cache_shrinks_on_new_limits - a reload with a smaller bound evicts at once */
static void dns_cache_shrinks_on_new_limits(void)
{
    struct dns_cache *c = dns_cache_create(&LIM);
    fill(c, "a.test", 100, 0);
    fill(c, "b.test", 100, 0);
    fill(c, "c.test", 100, 0);
    struct dns_cache_limits lim = LIM;
    lim.entries = 1;
    dns_cache_set_limits(c, &lim, 1);
    CHECK_INT(dns_cache_count(c), 1);
    expect(c, "c.test", 2, DNS_CACHE_HIT);
    dns_cache_destroy(&c);
}

/* dns_cache_key_includes_type - A and AAAA of one name are separate */
static void dns_cache_key_includes_type(void)
{
    struct dns_cache *c = dns_cache_create(&LIM);
    fill(c, "www.test", 100, 0);
    enum dns_cache_how how;
    struct dns_entry *e = dns_cache_get(c, "www.test", DNS_T_AAAA, 1, &how);
    CHECK_INT(how, DNS_CACHE_MISS);
    answer(c, e, DNS_NODATA, 100, 1, 1);
    dns_entry_release(&e);
    e = dns_cache_get(c, "www.test", DNS_T_A, 2, &how);
    CHECK_INT(how, DNS_CACHE_HIT);
    CHECK_INT(dns_entry_result(e)->status, DNS_FOUND);
    dns_entry_release(&e);
    dns_cache_destroy(&c);
}

/* dns_cache_survives_many_entries - table growth and bound under churn */
static void dns_cache_survives_many_entries(void)
{
    struct dns_cache_limits lim = LIM;
    lim.entries = 500;
    struct dns_cache *c = dns_cache_create(&lim);
    char name[64];
    for (int i = 0; i < 5000; i++) {
        snprintf(name, sizeof(name), "n%d.test", i);
        fill(c, name, (uint32_t)(1 + i % 7), i);
        CHECK(dns_cache_count(c) <= 500);
    }
    snprintf(name, sizeof(name), "n%d.test", 4999);
    expect(c, name, 5000, DNS_CACHE_HIT);
    dns_cache_destroy(&c);
}

/* late_answer - publish after 100 ms from another thread */
static void *late_answer(void *arg)
{
    void **args = arg;
    usleep(100 * 1000);
    answer(args[0], args[1], DNS_FOUND, 60, 1, now_mono_ms());
    return NULL;
}

/* dns_cache_wait_times_out_then_gets_answer - deadline honoured, later answer seen */
static void dns_cache_wait_times_out_then_gets_answer(void)
{
    struct dns_cache *c = dns_cache_create(&LIM);
    struct dns_entry *e = get(c, "late.test", now_mono_ms(), DNS_CACHE_MISS);
    int64_t t0 = now_mono_ms();
    CHECK(dns_entry_wait(e, t0 + 50) == NULL);
    int64_t waited = now_mono_ms() - t0;
    CHECK(waited >= 50 && waited < 250);
    CHECK(dns_entry_wait(e, t0 - 1000) == NULL); /* a past deadline returns at once */
    void *args[2] = {c, e};
    pthread_t t;
    pthread_create(&t, NULL, late_answer, args);
    t0 = now_mono_ms();
    const struct dns_result *r = dns_entry_wait(e, t0 + 5000);
    waited = now_mono_ms() - t0;
    CHECK(r != NULL);
    CHECK_INT(r->status, DNS_FOUND);
    CHECK(waited >= 50 && waited < 1000);
    pthread_join(t, NULL);
    dns_entry_release(&e);
    dns_cache_destroy(&c);
}

/* dns_cache_destroy_leaves_referenced_entries_usable - handles outlive the cache */
static void dns_cache_destroy_leaves_referenced_entries_usable(void)
{
    struct dns_cache *c = dns_cache_create(&LIM);
    struct dns_entry *e = get(c, "a.test", 0, DNS_CACHE_MISS);
    answer(c, e, DNS_FOUND, 100, 1, 0);
    dns_cache_destroy(&c);
    CHECK_INT(dns_entry_refs(e), 1);
    CHECK_STR(dns_entry_result(e)->name, "a.test");
    dns_entry_release(&e);
}

#define AS_CASE(fn_) {.name = #fn_, .fn = fn_},
static const struct test_case cases[] = {DNS_CACHE_TESTS(AS_CASE)};

int main(int argc, char **argv)
{
    return test_run(argc, argv, cases, sizeof(cases) / sizeof(cases[0]));
}
