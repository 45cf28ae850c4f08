/* store_bench.c - greylist decisions per second on one store from N
 * threads, with per-decision latency (p50, p99, max). The mix is a mail
 * server's: most attempts come from triplets that passed before (known),
 * some are first attempts, early retries and passing retries of new ones.
 * Time is simulated, so that a short run sees retries pass. */
#define _XOPEN_SOURCE 700 /* nftw */
#include "store.h"

#include <ftw.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define T0 1700000000LL
#define DELAY 300
#define RETRY_WINDOW 86400
#define LIFETIME (36 * 86400)

struct options {
    unsigned threads;    /* -t */
    unsigned long ops;   /* -n: decisions in all */
    double seconds;      /* -d: at most this long */
    unsigned keys;       /* -k: key space */
    unsigned warm;       /* -w: percent of the key space that passed before the run */
    unsigned rate;       /* -r: decisions per simulated second */
    unsigned auto_allow; /* -a */
    const char *spec;    /* -s: default sqlite: in a temporary directory */
    bool json;           /* -j */
};

struct thread {
    pthread_t tid;
    unsigned long done;
    uint32_t rng;
};

static struct options opt = {
    .threads = 8, .ops = 200000, .seconds = 10, .keys = 20000, .warm = 90, .rate = 50};
static struct store *st;
static atomic_ulong next_op;
static atomic_ulong outcomes[GREY_ALLOWED + 1], trylater;
static uint64_t *lat_ns; /* by decision number; 0: not made (time ran out) */
static int64_t start_ns;
static unsigned warm_keys;

/* now_ns - monotonic nanoseconds */
static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* next - xorshift32 */
static uint32_t next(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

/* decide - greylist key number i at simulated time now */
static enum store_status decide(unsigned i, int64_t now, struct grey_answer *a)
{
    char net[32], sender[48], rcpt[48];
    snprintf(net, sizeof(net), "10.%u.%u.0/24", (i >> 14) & 255, (i >> 6) & 255);
    snprintf(sender, sizeof(sender), "user%u@example%u.org", i, i % 97);
    snprintf(rcpt, sizeof(rcpt), "rcpt%u@example.net", i % 1000);
    struct grey_key k = {.net = net, .origin = net, .sender = sender, .rcpt = rcpt};
    struct grey_policy p = {.now = now,
                            .delay = DELAY,
                            .retry_window = RETRY_WINDOW,
                            .lifetime = LIFETIME,
                            .auto_allow = opt.auto_allow};
    return store_greylist(st, &k, &p, a);
}

/* warm_up - the warm keys pass before the run, spread over the last hour */
static int warm_up(void)
{
    struct grey_answer a;
    warm_keys = (unsigned)((unsigned long)opt.keys * opt.warm / 100);
    for (unsigned i = 0; i < warm_keys; i++) {
        int64_t passed = T0 - 1 - (int64_t)(i % 3600);
        if (decide(i, passed - DELAY, &a) == STORE_TRYLATER ||
            decide(i, passed, &a) == STORE_TRYLATER)
            return -1;
    }
    return 0;
}

/* pick - a key: a warm one with probability warm %, else a cold one */
static unsigned pick(uint32_t *rng)
{
    unsigned cold = opt.keys - warm_keys;
    if (cold == 0 || (warm_keys > 0 && next(rng) % 100 < opt.warm))
        return next(rng) % warm_keys;
    return warm_keys + next(rng) % cold;
}

/* worker - decisions until the count or the time is up */
static void *worker(void *arg)
{
    struct thread *t = arg;
    int64_t deadline = start_ns + (int64_t)(opt.seconds * 1e9);
    for (;;) {
        unsigned long n = atomic_fetch_add(&next_op, 1);
        if (n >= opt.ops || ((t->done & 63) == 0 && now_ns() > deadline))
            break;
        struct grey_answer a;
        int64_t t0 = now_ns();
        enum store_status s = decide(pick(&t->rng), T0 + (int64_t)(n / opt.rate), &a);
        lat_ns[n] = (uint64_t)(now_ns() - t0) | 1; /* never 0 */
        t->done++;
        if (s == STORE_TRYLATER)
            atomic_fetch_add(&trylater, 1);
        else
            atomic_fetch_add(&outcomes[a.state], 1);
    }
    return NULL;
}

/* cmp_u64 - qsort order */
static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* report - throughput and latency, as a line or as JSON */
static void report(struct thread *t, double secs)
{
    unsigned long total = 0;
    for (unsigned i = 0; i < opt.threads; i++)
        total += t[i].done;
    uint64_t *all = lat_ns;
    qsort(all, opt.ops, sizeof(*all), cmp_u64); /* the decisions not made (0) come first */
    all += opt.ops - total;
    double p50 = total ? all[total / 2] / 1e3 : 0, p99 = total ? all[total * 99 / 100] / 1e3 : 0;
    double max = total ? all[total - 1] / 1e3 : 0, rate = secs > 0 ? total / secs : 0;
    unsigned long o[GREY_ALLOWED + 1];
    for (int i = 0; i <= GREY_ALLOWED; i++)
        o[i] = atomic_load(&outcomes[i]);
    if (opt.json)
        printf("{\"spec\":\"%s\",\"threads\":%u,\"decisions\":%lu,\"seconds\":%.3f,"
               "\"decisions_per_s\":%.0f,\"p50_us\":%.1f,\"p99_us\":%.1f,\"max_us\":%.1f,"
               "\"new\":%lu,\"early\":%lu,\"retried\":%lu,\"known\":%lu,\"allowed\":%lu,"
               "\"trylater\":%lu}\n",
               store_spec(st), opt.threads, total, secs, rate, p50, p99, max, o[GREY_NEW],
               o[GREY_EARLY], o[GREY_RETRIED], o[GREY_KNOWN], o[GREY_ALLOWED],
               atomic_load(&trylater));
    else
        printf("%s: %u threads, %lu decisions in %.2f s: %.0f decisions/s; latency p50 %.1f us, "
               "p99 %.1f us, max %.1f us; new %lu, early %lu, retried %lu, known %lu, allowed "
               "%lu, try-later %lu\n",
               store_spec(st), opt.threads, total, secs, rate, p50, p99, max, o[GREY_NEW],
               o[GREY_EARLY], o[GREY_RETRIED], o[GREY_KNOWN], o[GREY_ALLOWED],
               atomic_load(&trylater));
}

/* run - the threads, timed */
static void run(void)
{
    struct thread *t = calloc(opt.threads, sizeof(*t));
    lat_ns = calloc(opt.ops, sizeof(*lat_ns));
    if (t == NULL || lat_ns == NULL) {
        fprintf(stderr, "store_bench: out of memory\n");
        exit(1);
    }
    for (unsigned i = 0; i < opt.threads; i++)
        t[i].rng = 2463534242u + i * 7919u;
    start_ns = now_ns();
    for (unsigned i = 0; i < opt.threads; i++)
        pthread_create(&t[i].tid, NULL, worker, &t[i]);
    for (unsigned i = 0; i < opt.threads; i++)
        pthread_join(t[i].tid, NULL);
    report(t, (now_ns() - start_ns) / 1e9);
    free(lat_ns);
    free(t);
}

/* usage - the options, then exit 2 */
static void usage(void)
{
    fprintf(stderr, "usage: store_bench [-j] [-t threads] [-n decisions] [-d seconds] [-k keys]\n"
                    "                   [-w warm%%] [-r decisions/simulated s] [-a auto_allow]\n"
                    "                   [-s type:spec]\n");
    exit(2);
}

/* parse - the command line into opt */
static void parse(int argc, char **argv)
{
    int c;
    while ((c = getopt(argc, argv, "jt:n:d:k:w:r:a:s:")) != -1) {
        switch (c) {
        case 'j':
            opt.json = true;
            break;
        case 't':
            opt.threads = (unsigned)strtoul(optarg, NULL, 10);
            break;
        case 'n':
            opt.ops = strtoul(optarg, NULL, 10);
            break;
        case 'd':
            opt.seconds = strtod(optarg, NULL);
            break;
        case 'k':
            opt.keys = (unsigned)strtoul(optarg, NULL, 10);
            break;
        case 'w':
            opt.warm = (unsigned)strtoul(optarg, NULL, 10);
            break;
        case 'r':
            opt.rate = (unsigned)strtoul(optarg, NULL, 10);
            break;
        case 'a':
            opt.auto_allow = (unsigned)strtoul(optarg, NULL, 10);
            break;
        case 's':
            opt.spec = optarg;
            break;
        default:
            usage();
        }
    }
    if (opt.threads < 1 || opt.threads > 256 || opt.ops < 1 || opt.keys < 1 || opt.warm > 100 ||
        opt.rate < 1 || opt.seconds <= 0)
        usage();
}

/* rm_one - nftw callback: remove */
static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

/* main - open, warm up, run, report */
int main(int argc, char **argv)
{
    char dir[1024] = "", spec[1100], err[256];
    parse(argc, argv);
    if (opt.spec == NULL) {
        const char *tmp = getenv("TMPDIR");
        snprintf(dir, sizeof(dir), "%s/mxgate-bench-XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (mkdtemp(dir) == NULL)
            return perror("mkdtemp"), 1;
        snprintf(spec, sizeof(spec), "sqlite:%s/state.db", dir);
        opt.spec = spec;
    }
    if ((st = store_open(opt.spec, err, sizeof(err))) == NULL)
        return fprintf(stderr, "store_bench: %s\n", err), 1;
    int rc = warm_up();
    if (rc == 0)
        run();
    else
        fprintf(stderr, "store_bench: the store answered try-later during warm-up\n");
    store_unref(&st);
    if (dir[0])
        nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    return rc == 0 ? 0 : 1;
}
