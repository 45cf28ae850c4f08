/* stress.c - eight threads, ten thousand mixed operations each, on one
 * store: greylisting over a bounded key space (so that every outcome
 * occurs), operator allowances, listings, counts and housekeeping. No
 * operation may answer try-later, and what remains must add up. On
 * SQLite in a temporary directory, or on the store $MXGATE_TEST_STORE
 * names (empty). */
#define _XOPEN_SOURCE 700 /* nftw */
#include "store.h"

#include "testing.h"

#include <ftw.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/stat.h>

#define THREADS 8
#define OPS 10000
#define NETS 16
#define SENDERS 32
#define RCPTS 4
#define KEYS (NETS * SENDERS * RCPTS)
#define AUTO_NETS 2         /* nets 0 and 1 are auto-allowed after 5 passes */
#define TICKS_PER_SECOND 20 /* the simulated clock: 80,000 operations span 4,000 s */
#define T0 1700000000LL

static struct store *st;
static atomic_uint ticket;
static atomic_ulong outcomes[GREY_ALLOWED + 1];
static atomic_ulong trylater, listed_rows;

/* next - xorshift32 */
static uint32_t next(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

/* clock_now - the simulated time of the next operation */
static int64_t clock_now(void)
{
    return T0 + atomic_fetch_add(&ticket, 1) / TICKS_PER_SECOND;
}

/* net_name, sender_name - the bounded key space */
static void net_name(char *buf, size_t len, uint32_t n)
{
    snprintf(buf, len, "10.0.%u.0/24", (unsigned)(n % NETS));
}

static void sender_name(char *buf, size_t len, uint32_t n)
{
    snprintf(buf, len, "s%u@example.org", (unsigned)(n % SENDERS));
}

/* note - count a status; try-later is a failure reported at the end */
static void note(enum store_status s)
{
    if (s == STORE_TRYLATER)
        atomic_fetch_add(&trylater, 1);
}

/* check_row - every triplet row is whole: no torn or impossible update */
static int check_row(void *arg, const struct grey_row *r)
{
    (void)arg;
    CHECK(r->attempts >= 1 && r->last_seen >= r->first_seen);
    if (r->passed == 0) {
        CHECK_INT(r->expires, r->first_seen + 600);
    } else {
        CHECK(r->passed >= r->first_seen + 60 && r->attempts >= 2);
        CHECK(r->expires >= r->passed + 1200);
    }
    atomic_fetch_add(&listed_rows, 1);
    return 0;
}

/* one_grey - greylist a random key of the space */
static void one_grey(uint32_t *rng)
{
    char net[32], sender[32], rcpt[32];
    uint32_t n = next(rng) % NETS;
    net_name(net, sizeof(net), n);
    sender_name(sender, sizeof(sender), next(rng));
    snprintf(rcpt, sizeof(rcpt), "r%u@example.net", (unsigned)(next(rng) % RCPTS));
    struct grey_key k = {.net = net, .origin = net, .sender = sender, .rcpt = rcpt};
    struct grey_policy p = {.now = clock_now(),
                            .delay = 60,
                            .retry_window = 600,
                            .lifetime = 1200,
                            .auto_allow = n < AUTO_NETS ? 5 : 0};
    struct grey_answer a;
    enum store_status s = store_greylist(st, &k, &p, &a);
    note(s);
    if (s == STORE_TRYLATER)
        return;
    CHECK((s == STORE_MISSING) == (a.state == GREY_NEW));
    if (a.state == GREY_NEW || a.state == GREY_EARLY)
        CHECK(a.pass_at == a.first_seen + 60);
    atomic_fetch_add(&outcomes[a.state], 1);
}

/* one_other - an operator call or housekeeping */
static void one_other(uint32_t *rng, uint32_t pick)
{
    char name[32];
    unsigned long n;
    struct grey_stats gs;
    if (pick < 86) {
        net_name(name, sizeof(name), AUTO_NETS + next(rng) % (NETS - AUTO_NETS));
        note(store_net_allow(st, name, clock_now() + 5, true));
    } else if (pick < 89) {
        sender_name(name, sizeof(name), next(rng));
        note(store_grey_each(st, name, check_row, NULL));
    } else if (pick < 95) {
        note(store_grey_stats(st, clock_now(), &gs));
    } else {
        note(store_expire(st, clock_now(), &n));
    }
}

/* worker - OPS operations: 85 % greylisting, 1 % allowances, 3 % listings,
 * 6 % counts, 5 % housekeeping */
static void *worker(void *arg)
{
    uint32_t rng = 2463534242u + (uint32_t)(uintptr_t)arg * 7919u;
    for (int i = 0; i < OPS; i++) {
        uint32_t pick = next(&rng) % 100;
        if (pick < 85)
            one_grey(&rng);
        else
            one_other(&rng, pick);
    }
    return NULL;
}

/* sum_passes - net_each callback: add up the passes counted */
static int sum_passes(void *arg, const struct net_row *row)
{
    *(unsigned long *)arg += row->passes;
    return 0;
}

/* rm_one - nftw callback: remove */
static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

/* final_checks - counts after the threads are done */
static void final_checks(void)
{
    static const char *const names[] = {"new", "early", "retried", "known", "allowed"};
    for (int i = GREY_NEW; i <= GREY_ALLOWED; i++) {
        printf("%s %lu\n", names[i], atomic_load(&outcomes[i]));
        CHECK(atomic_load(&outcomes[i]) > 0);
    }
    printf("try-later %lu\n", atomic_load(&trylater));
    CHECK_INT(atomic_load(&trylater), 0);
    struct grey_stats gs;
    int64_t now = T0 + atomic_load(&ticket) / TICKS_PER_SECOND;
    CHECK_INT(store_grey_stats(st, now, &gs), STORE_FOUND);
    atomic_store(&listed_rows, 0);
    CHECK_INT(store_grey_each(st, NULL, check_row, NULL), STORE_FOUND);
    unsigned long rows = atomic_load(&listed_rows), passes = 0;
    printf("rows %lu: pending %lu, passed %lu, expired %lu; nets auto %lu, operator %lu\n", rows,
           gs.pending, gs.passed, gs.expired, gs.nets_auto, gs.nets_operator);
    CHECK_INT(gs.pending + gs.passed + gs.expired, rows);
    CHECK(rows <= KEYS && rows <= atomic_load(&outcomes[GREY_NEW]));
    CHECK(gs.passed <= atomic_load(&outcomes[GREY_RETRIED]));
    CHECK(gs.nets_auto + gs.nets_operator <= NETS);
    CHECK_INT(store_net_each(st, sum_passes, &passes), STORE_FOUND);
    printf("passes counted %lu\n", passes);
    CHECK(passes > 0 && passes <= atomic_load(&outcomes[GREY_RETRIED]));
}

/* main - run the threads on a store in a temporary directory */
int main(void)
{
    const char *tmp = getenv("TMPDIR");
    char dir[1024], spec[1100], err[256];
    snprintf(dir, sizeof(dir), "%s/mxgate-stress-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    CHECK(mkdtemp(dir) != NULL);
    snprintf(spec, sizeof(spec), "sqlite:%s/state.db", dir);
    if (getenv("MXGATE_TEST_STORE")) /* another backend (t/store/with_redis.sh) */
        snprintf(spec, sizeof(spec), "%s", getenv("MXGATE_TEST_STORE"));
    st = store_open(spec, err, sizeof(err));
    CHECK(st != NULL);
    pthread_t tid[THREADS];
    for (uintptr_t i = 0; i < THREADS; i++)
        CHECK(pthread_create(&tid[i], NULL, worker, (void *)i) == 0);
    for (int i = 0; i < THREADS; i++)
        pthread_join(tid[i], NULL);
    final_checks();
    store_unref(&st);
    nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    printf("ok: %d threads x %d operations\n", THREADS, OPS);
    return 0;
}
