/* milterload.c - milter-protocol load driver: whole sessions at a concurrency
 *
 * milterload -s SOCKET [-c N] [-n COUNT] [-d SECONDS] [-w WARMUP] [-p PID]
 *            [-t REPLY_TIMEOUT_S] [-l] [-j] [-L LABEL] SCRIPT...
 *
 * N threads each run whole sessions (milterc scripts: connect with the
 * macros Postfix sends, HELO, MAIL, RCPT, headers, body, EOM, QUIT), one
 * connection per session, until COUNT sessions were started or SECONDS have
 * passed. Session i replays SCRIPT number i modulo the number of scripts (the
 * corpus). Reports messages per second, session latency percentiles and,
 * with -p, the filter's CPU per message and peak resident set (see
 * README.md). The protocol is milterc's (t/milterc), linked, not copied. */
#include "load_report.h"
#include "milterc_run.h"
#include "milterc_script.h"
#include "procstat.h"

#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#define EXIT_USAGE 2
#define THREAD_STACK (1024 * 1024)
#define MAX_SCRIPTS 64

struct options {
    const char *socket, *label;
    char **scripts;
    int n_scripts;
    unsigned long concurrency, count, warmup;
    double duration_s, timeout_s;
    long pid;
    int leadspc, json;
};

/* Shared by the workers of one run. */
struct pool {
    const struct run_opts *ro; /* one per script */
    int n_scripts;
    unsigned long count; /* 0: no limit but the deadline */
    double deadline;     /* monotonic seconds; 0: none */
    atomic_ulong next;
};

struct worker {
    pthread_t tid;
    struct pool *pool;
    unsigned long ok, failed;
    unsigned long counts[PK_KINDS];
    double *lat; /* ms, one per session */
    size_t n, cap;
    double last_end;
};

/* usage - the synopsis, then exit 2 */
static void usage(const char *problem)
{
    if (problem)
        fprintf(stderr, "milterload: %s\n", problem);
    fprintf(stderr, "usage: milterload -s SOCKET [-c N] [-n COUNT] [-d SECONDS] [-w WARMUP]"
                    " [-p PID] [-t REPLY_TIMEOUT_S] [-l] [-j] [-L LABEL] SCRIPT...\n");
    exit(EXIT_USAGE);
}

/* now_s - monotonic clock in seconds, nanosecond resolution */
static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* number - a whole number in [min, 100000000] from an option argument */
static unsigned long number(const char *s, unsigned long min, const char *what)
{
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    if (*s < '0' || *s > '9' || *end || v < min || v > 100000000)
        usage(what);
    return v;
}

/* seconds - positive seconds, fractions allowed */
static double seconds(const char *s, const char *what)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end || !(v > 0) || v > 86400)
        usage(what);
    return v;
}

/* parse_option - one option letter into o */
static void parse_option(int c, struct options *o)
{
    switch (c) {
    case 's':
        o->socket = optarg;
        break;
    case 'c':
        o->concurrency = number(optarg, 1, "-c wants a number >= 1");
        break;
    case 'n':
        o->count = number(optarg, 1, "-n wants a number >= 1");
        break;
    case 'w':
        o->warmup = number(optarg, 0, "-w wants a number >= 0");
        break;
    case 'd':
        o->duration_s = seconds(optarg, "-d wants seconds (> 0)");
        break;
    case 't':
        o->timeout_s = seconds(optarg, "-t wants seconds (> 0)");
        break;
    case 'p':
        o->pid = (long)number(optarg, 1, "-p wants a process id");
        break;
    case 'L':
        o->label = optarg;
        break;
    case 'l':
        o->leadspc = 1;
        break;
    case 'j':
        o->json = 1;
        break;
    default:
        usage(NULL);
    }
}

/* parse_options - command line into o; exits 2 on errors */
static void parse_options(int argc, char **argv, struct options *o)
{
    *o = (struct options){.concurrency = 1, .timeout_s = 30};
    int c;
    while ((c = getopt(argc, argv, "s:c:n:w:d:t:p:L:lj")) != -1)
        parse_option(c, o);
    if (o->socket == NULL)
        usage("-s SOCKET is required");
    if (optind >= argc || argc - optind > MAX_SCRIPTS)
        usage("one to 64 SCRIPTs are required");
    o->scripts = argv + optind;
    o->n_scripts = argc - optind;
    if (o->count == 0 && o->duration_s == 0)
        o->duration_s = 10;
}

/* record - count one finished session and its latency */
static void record(struct worker *w, const struct run_result *res, double ms)
{
    if (w->n == w->cap) {
        w->cap = w->cap ? w->cap * 2 : 1024;
        w->lat = xrealloc(w->lat, w->cap * sizeof(double));
    }
    w->lat[w->n++] = ms;
    if (res->ok)
        w->ok++;
    else
        w->failed++;
    for (int k = 0; k < PK_KINDS; k++)
        w->counts[k] += res->counts[k];
}

/* worker_main - run sessions until the count or the deadline is reached */
static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct pool *p = w->pool;
    unsigned long i;
    while ((p->deadline == 0 || now_s() < p->deadline) &&
           ((i = atomic_fetch_add(&p->next, 1)) < p->count || p->count == 0)) {
        struct run_result res;
        double t0 = now_s();
        run_script(&p->ro[i % (unsigned long)p->n_scripts], i, NULL, &res);
        w->last_end = now_s();
        record(w, &res, (w->last_end - t0) * 1000);
    }
    return NULL;
}

/* start_worker - a thread with a modest stack; 0 or -1 */
static int start_worker(struct worker *w)
{
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, THREAD_STACK);
    int rc = pthread_create(&w->tid, &attr, worker_main, w);
    pthread_attr_destroy(&attr);
    return rc == 0 ? 0 : -1;
}

/* merge - add worker w's figures into r */
static void merge(struct load_result *r, const struct worker *w, double t0)
{
    r->ok += w->ok;
    r->failed += w->failed;
    for (int k = 0; k < PK_KINDS; k++)
        r->counts[k] += w->counts[k];
    r->latency_ms = xrealloc(r->latency_ms, (r->n_latency + w->n + 1) * sizeof(double));
    if (w->n > 0)
        memcpy(r->latency_ms + r->n_latency, w->lat, w->n * sizeof(double));
    r->n_latency += w->n;
    if (w->n > 0 && w->last_end - t0 > r->elapsed_s)
        r->elapsed_s = w->last_end - t0;
}

/* run_pool - the pool's sessions on n threads; figures into r */
static void run_pool(struct pool *p, unsigned long n, struct load_result *r)
{
    struct worker *w = xcalloc(n, sizeof(*w));
    unsigned long started = 0;
    double t0 = now_s();
    for (; started < n; started++) {
        w[started].pool = p;
        if (start_worker(&w[started]) < 0)
            break;
    }
    if (started == 0) {
        fprintf(stderr, "milterload: cannot start threads\n");
        exit(1);
    }
    for (unsigned long i = 0; i < started; i++) {
        pthread_join(w[i].tid, NULL);
        merge(r, &w[i], t0);
        free(w[i].lat);
    }
    free(w);
}

/* load_scripts - parse every script of the corpus, or exit 2 */
static struct script **load_scripts(const struct options *o)
{
    struct script **s = xcalloc((size_t)o->n_scripts, sizeof(*s));
    char err[512];
    for (int i = 0; i < o->n_scripts; i++)
        if ((s[i] = script_load(o->scripts[i], err, sizeof(err))) == NULL) {
            fprintf(stderr, "%s\n", err);
            exit(EXIT_USAGE);
        }
    return s;
}

/* run_opts_for - one run_opts per script, sharing the address */
static struct run_opts *run_opts_for(const struct options *o, struct script **s,
                                     const struct proto_addr *addr)
{
    struct run_opts *ro = xcalloc((size_t)o->n_scripts, sizeof(*ro));
    int ms = o->timeout_s * 1000 < 1 ? 1 : (int)(o->timeout_s * 1000 + 0.5);
    for (int i = 0; i < o->n_scripts; i++)
        ro[i] = (struct run_opts){.script = s[i],
                                  .addr = addr,
                                  .timeout_ms = ms,
                                  .actions = PROTO_OFFER_ACTIONS,
                                  .protocol =
                                      PROTO_OFFER_PROTOCOL | (o->leadspc ? SMFIP_HDR_LEADSPC : 0)};
    return ro;
}

/* warm_up - o->warmup sessions at the run's concurrency, not counted */
static void warm_up(const struct options *o, const struct run_opts *ro)
{
    if (o->warmup == 0)
        return;
    struct pool p = {.ro = ro, .n_scripts = o->n_scripts, .count = o->warmup};
    struct load_result r = {0};
    unsigned long n = o->concurrency < o->warmup ? o->concurrency : o->warmup;
    run_pool(&p, n, &r);
    free(r.latency_ms);
    if (r.failed > 0)
        fprintf(stderr, "milterload: %lu of %lu warm-up sessions failed\n", r.failed, o->warmup);
}

/* own_cpu_s - this process's user + system CPU seconds */
static double own_cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* measure - the timed run, with the daemon's figures when -p was given */
static void measure(const struct options *o, const struct run_opts *ro, struct load_result *r)
{
    struct procstat before = {0}, after = {0};
    pid_t pid = (pid_t)o->pid;
    if (pid > 0) {
        r->hwm_reset = procstat_reset_peak(pid) == 0;
        if (procstat_read(pid, &before) < 0)
            fprintf(stderr, "milterload: cannot read /proc/%ld\n", o->pid);
    }
    struct pool p = {.ro = ro, .n_scripts = o->n_scripts, .count = o->count};
    if (o->duration_s > 0)
        p.deadline = now_s() + o->duration_s;
    unsigned long n = o->count && o->count < o->concurrency ? o->count : o->concurrency;
    double cpu0 = own_cpu_s();
    run_pool(&p, n, r);
    r->client_cpu_s = own_cpu_s() - cpu0;
    if (pid > 0 && procstat_read(pid, &after) == 0 && before.cpu_s >= 0) {
        r->have_daemon = 1;
        r->cpu_s = after.cpu_s - before.cpu_s;
        r->hwm_kb = after.hwm_kb;
        r->rss_kb = after.rss_kb;
    }
}

/* main - parse, warm up, measure, report; exit 1 if any session failed */
int main(int argc, char **argv)
{
    struct options o;
    parse_options(argc, argv, &o);
    struct proto_addr addr;
    char err[512];
    if (proto_parse_addr(o.socket, &addr, err, sizeof(err)) < 0)
        usage(err);
    struct script **scripts = load_scripts(&o);
    struct run_opts *ro = run_opts_for(&o, scripts, &addr);
    signal(SIGPIPE, SIG_IGN);
    warm_up(&o, ro);
    struct load_result r = {.label = o.label, .concurrency = o.concurrency};
    measure(&o, ro, &r);
    if (o.json)
        load_report_json(stdout, &r);
    else
        load_report_table(stdout, &r);
    for (int i = 0; i < o.n_scripts; i++)
        script_free(&scripts[i]);
    free(scripts);
    free(ro);
    free(r.latency_ms);
    return r.failed == 0 && r.ok > 0 ? 0 : 1;
}
