/* milterc.c - milter-protocol test client: replay a script against a filter
 *
 * milterc -s SOCKET [-c CONCURRENCY] [-n COUNT] [-t REPLY_TIMEOUT_S] [-q] [-v] [-l] SCRIPT
 *
 * Runs the script COUNT times, each run on its own connection, at most
 * CONCURRENCY at once, and prints every reply (see README for the format). */
#include "milterc_proto.h"
#include "milterc_run.h"
#include "milterc_script.h"

#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define EXIT_USAGE 2
#define THREAD_STACK (1024 * 1024)

struct options {
    const char *socket, *script;
    unsigned long concurrency, count;
    double timeout_s;
    int quiet, verbose, leadspc;
};

/* Sum of many runs. */
struct totals {
    unsigned long runs, ok;
    unsigned long counts[PK_KINDS];
};

/* Shared by the workers; outputs[i] is run i's text when it is kept. */
struct pool {
    const struct run_opts *ro;
    unsigned long count;
    atomic_ulong next;
    int quiet;
    char **outputs;
    size_t *lens;
};

struct worker {
    pthread_t tid;
    struct pool *pool;
    struct totals t;
};

/* usage - print the synopsis and exit 2 */
static void usage(const char *problem)
{
    if (problem)
        fprintf(stderr, "milterc: %s\n", problem);
    fprintf(stderr, "usage: milterc -s SOCKET [-c CONCURRENCY] [-n COUNT] [-t REPLY_TIMEOUT_S]"
                    " [-q] [-v] [-l] SCRIPT\n");
    exit(EXIT_USAGE);
}

/* positive - a whole number >= 1 from an option argument */
static unsigned long positive(const char *s, const char *what)
{
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    if (*s < '0' || *s > '9' || *end || v < 1 || v > 100000000)
        usage(what);
    return v;
}

/* seconds - a reply timeout in seconds, fractions allowed */
static double seconds(const char *s)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end || !(v > 0) || v > 86400)
        usage("-t wants seconds (> 0)");
    return v;
}

/* parse_options - command line into o; exits 2 on errors */
static void parse_options(int argc, char **argv, struct options *o)
{
    *o = (struct options){.concurrency = 1, .timeout_s = 30};
    int c, have_count = 0;
    while ((c = getopt(argc, argv, "s:c:n:t:qvl")) != -1) {
        switch (c) {
        case 's':
            o->socket = optarg;
            break;
        case 'c':
            o->concurrency = positive(optarg, "-c wants a number >= 1");
            break;
        case 'n':
            o->count = positive(optarg, "-n wants a number >= 1");
            have_count = 1;
            break;
        case 't':
            o->timeout_s = seconds(optarg);
            break;
        case 'q':
            o->quiet = 1;
            break;
        case 'v':
            o->verbose = 1;
            break;
        case 'l':
            o->leadspc = 1;
            break;
        default:
            usage(NULL);
        }
    }
    if (o->socket == NULL)
        usage("-s SOCKET is required");
    if (optind != argc - 1)
        usage("exactly one SCRIPT is required");
    o->script = argv[optind];
    if (!have_count)
        o->count = o->concurrency;
}

/* totals_add - count one run */
static void totals_add(struct totals *t, const struct run_result *res)
{
    t->runs++;
    t->ok += res->ok != 0;
    for (int k = 0; k < PK_KINDS; k++)
        t->counts[k] += res->counts[k];
}

/* totals_merge - add b into a */
static void totals_merge(struct totals *a, const struct totals *b)
{
    a->runs += b->runs;
    a->ok += b->ok;
    for (int k = 0; k < PK_KINDS; k++)
        a->counts[k] += b->counts[k];
}

/* run_one - run i, its output kept, printed directly, or dropped */
static void run_one(struct pool *p, unsigned long i, struct totals *t)
{
    struct run_result res;
    FILE *out = NULL;
    if (!p->quiet && p->count == 1)
        out = stdout;
    else if (!p->quiet && (out = open_memstream(&p->outputs[i], &p->lens[i])) == NULL)
        perror("milterc: open_memstream");
    run_script(p->ro, i, out, &res);
    if (out && out != stdout)
        fclose(out);
    totals_add(t, &res);
}

/* worker_main - take run numbers until none are left */
static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct pool *p = w->pool;
    unsigned long i;
    while ((i = atomic_fetch_add(&p->next, 1)) < p->count)
        run_one(p, i, &w->t);
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

/* run_all - COUNT runs on at most CONCURRENCY threads; totals into t */
static void run_all(struct pool *p, unsigned long concurrency, struct totals *t)
{
    unsigned long n = concurrency < p->count ? concurrency : p->count;
    struct worker *w = xcalloc(n, sizeof(*w));
    unsigned long started = 0;
    for (; started < n; started++) {
        w[started].pool = p;
        if (start_worker(&w[started]) < 0)
            break;
    }
    if (started == 0) {
        w[0].pool = p;
        worker_main(&w[0]);
        started = 1;
    } else {
        for (unsigned long i = 0; i < started; i++)
            pthread_join(w[i].tid, NULL);
    }
    for (unsigned long i = 0; i < started; i++)
        totals_merge(t, &w[i].t);
    free(w);
}

/* print_prefixed - run i's lines, each prefixed "[i] " */
static void print_prefixed(unsigned long i, const char *text, size_t len)
{
    const char *p = text, *end = text + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        printf("[%lu] %.*s\n", i, (int)n, p);
        p += n + 1;
    }
}

/* print_outputs - every kept run output in index order */
static void print_outputs(const struct pool *p)
{
    for (unsigned long i = 0; p->outputs && i < p->count; i++) {
        if (p->outputs[i])
            print_prefixed(i, p->outputs[i], p->lens[i]);
        free(p->outputs[i]);
    }
}

/* print_summary - "milterc: runs=... replies: ..." */
static void print_summary(FILE *f, const struct totals *t)
{
    fprintf(f, "milterc: runs=%lu ok=%lu failed=%lu replies:", t->runs, t->ok, t->runs - t->ok);
    for (int k = 0; k < PK_KINDS; k++)
        if (k <= PK_DISCARD || t->counts[k] > 0)
            fprintf(f, " %s=%lu", proto_kind_name(k), t->counts[k]);
    fputc('\n', f);
}

/* load - the script and the socket address, or exit 2 */
static struct script *load(const struct options *o, struct proto_addr *addr)
{
    char err[512];
    if (proto_parse_addr(o->socket, addr, err, sizeof(err)) < 0)
        usage(err);
    struct script *s = script_load(o->script, err, sizeof(err));
    if (s == NULL) {
        fprintf(stderr, "%s\n", err);
        exit(EXIT_USAGE);
    }
    return s;
}

/* main - parse, run, report */
int main(int argc, char **argv)
{
    struct options o;
    parse_options(argc, argv, &o);
    struct proto_addr addr;
    struct script *script = load(&o, &addr);
    signal(SIGPIPE, SIG_IGN);
    struct run_opts ro = {
        .script = script,
        .addr = &addr,
        .timeout_ms = o.timeout_s * 1000 < 1 ? 1 : (int)(o.timeout_s * 1000 + 0.5),
        .actions = PROTO_OFFER_ACTIONS,
        .protocol = PROTO_OFFER_PROTOCOL | (o.leadspc ? SMFIP_HDR_LEADSPC : 0),
        .verbose = o.verbose,
    };
    int keep = !o.quiet && o.count > 1;
    struct pool pool = {.ro = &ro,
                        .count = o.count,
                        .quiet = o.quiet,
                        .outputs = keep ? xcalloc(o.count, sizeof(char *)) : NULL,
                        .lens = keep ? xcalloc(o.count, sizeof(size_t)) : NULL};
    struct totals t = {0};
    run_all(&pool, o.concurrency, &t);
    print_outputs(&pool);
    fflush(stdout);
    print_summary(stderr, &t);
    if (o.quiet)
        print_summary(stdout, &t);
    free(pool.outputs);
    free(pool.lens);
    script_free(&script);
    return t.ok == t.runs ? 0 : 1;
}
