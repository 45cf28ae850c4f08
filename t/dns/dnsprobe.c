/* dnsprobe.c - drives the resolver for the shell tests: reads one command a
 * line on stdin, answers one line on stdout, so the script can read the DNS
 * server's counters between steps.
 *
 * Usage: dnsprobe [-t timeout_ms] [-r tries] [-c cache_entries] [-l trylater_ttl] SERVER...
 * Commands:
 *   q TYPE NAME [MS]       submit and wait up to MS (default 5000) ms
 *   hold TYPE NAME         submit and keep the handle (one slot)
 *   wait MS                wait on the held handle up to MS ms
 *   release                release the held handle
 *   par N TYPE NAME [MS]   N threads submit the same lookup at once and wait
 *   stats                  the resolver's counters
 *   reconf SERVER...       dns_reconfigure to these servers
 *   destroy                dns_destroy (the held handle stays usable)
 *   rev ADDR               dns_reverse_name
 * A result reads: STATUS why=WHY n=COUNT ms=ELAPSED bytes=TXTBYTES data=ITEM,ITEM */
#include "dns.h"
#include "util.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LINE_MAX_ 4096
#define OUT_MAX 16384
#define PAR_MAX 256

static struct dns_settings settings = {
    .timeout_ms = 1000,
    .tries = 2,
    .cache_entries = 1000,
    .max_ttl = 86400,
    .max_neg_ttl = 3600,
};
static struct dns_resolver *resolver;
static struct dns_query *held;
static int64_t held_since;

/* type_parse - a type name to its number, 0 if unknown */
static unsigned type_parse(const char *s)
{
    static const struct {
        const char *name;
        unsigned type;
    } types[] = {
        {.name = "A", .type = DNS_T_A},     {.name = "AAAA", .type = DNS_T_AAAA},
        {.name = "MX", .type = DNS_T_MX},   {.name = "TXT", .type = DNS_T_TXT},
        {.name = "PTR", .type = DNS_T_PTR}, {.name = "CNAME", .type = DNS_T_CNAME},
        {.name = "NS", .type = DNS_T_NS},   {.name = "SOA", .type = DNS_T_SOA},
    };
    for (size_t i = 0; i < ARRAY_LEN(types); i++)
        if (strcmp(s, types[i].name) == 0)
            return types[i].type;
    return 0;
}

/* item_format - one record as text */
static size_t item_format(const struct dns_result *r, const struct dns_rr *rr, char *out,
                          size_t len)
{
    char a[INET6_ADDRSTRLEN];
    switch (r->type) {
    case DNS_T_A:
        return (size_t)snprintf(out, len, "%s", inet_ntop(AF_INET, rr->u.a, a, sizeof(a)));
    case DNS_T_AAAA:
        return (size_t)snprintf(out, len, "%s", inet_ntop(AF_INET6, rr->u.aaaa, a, sizeof(a)));
    case DNS_T_MX:
        return (size_t)snprintf(out, len, "%u:%s", rr->u.host.pref, rr->u.host.name);
    case DNS_T_TXT: {
        size_t o = 0;
        for (size_t i = 0; i < rr->u.txt.len && o + 5 < len; i++) {
            unsigned char c = (unsigned char)rr->u.txt.data[i];
            o += (size_t)snprintf(out + o, len - o,
                                  c > 0x20 && c < 0x7f && c != ',' ? "%c" : "\\x%02x", c);
        }
        return o;
    }
    default:
        return (size_t)snprintf(out, len, "%s", rr->u.host.name);
    }
}

/* result_format - the result line */
static void result_format(const struct dns_result *r, int64_t ms, char *out, size_t len)
{
    size_t bytes = 0;
    for (size_t i = 0; r->type == DNS_T_TXT && i < r->count; i++)
        bytes += r->rr[i].u.txt.len;
    size_t o = (size_t)snprintf(
        out, len, "%s why=%s n=%zu ms=%lld bytes=%zu data=", dns_status_name(r->status),
        r->why ? r->why : "-", r->count, (long long)ms, bytes);
    for (size_t i = 0; i < r->count && o + 2 < len; i++) {
        if (i)
            out[o++] = ',';
        o += item_format(r, &r->rr[i], out + o, len - o);
        if (o >= len)
            o = len - 1;
    }
    out[o] = '\0';
}

/* lookup - submit, wait, print */
static void lookup(unsigned type, const char *name, int64_t ms)
{
    char out[OUT_MAX];
    int64_t t0 = now_mono_ms();
    struct dns_query *q = dns_submit(resolver, name, (enum dns_type)type);
    const struct dns_result *r = dns_wait(q, t0 + ms);
    result_format(r, now_mono_ms() - t0, out, sizeof(out));
    printf("%s\n", out);
    dns_release(&q);
}

/* One thread of a "par" command. */
struct par {
    pthread_t t;
    pthread_barrier_t *go;
    unsigned type;
    const char *name;
    int64_t ms;
    enum dns_status status;
    char line[OUT_MAX];
};

/* par_main - wait for the others, then look up */
static void *par_main(void *arg)
{
    struct par *p = arg;
    pthread_barrier_wait(p->go);
    int64_t t0 = now_mono_ms();
    struct dns_query *q = dns_submit(resolver, p->name, (enum dns_type)p->type);
    const struct dns_result *r = dns_wait(q, t0 + p->ms);
    p->status = r->status;
    result_format(r, 0, p->line, sizeof(p->line)); /* ms=0: lines compare equal */
    dns_release(&q);
    return NULL;
}

/* parallel - n threads, one barrier, then a summary line */
static void parallel(int n, unsigned type, const char *name, int64_t ms)
{
    static struct par ps[PAR_MAX];
    pthread_barrier_t go;
    n = n < 1 ? 1 : n > PAR_MAX ? PAR_MAX : n;
    pthread_barrier_init(&go, NULL, (unsigned)n);
    for (int i = 0; i < n; i++) {
        ps[i] = (struct par){.go = &go, .type = type, .name = name, .ms = ms};
        pthread_create(&ps[i].t, NULL, par_main, &ps[i]);
    }
    unsigned by[4] = {0}, identical = 1;
    for (int i = 0; i < n; i++) {
        pthread_join(ps[i].t, NULL);
        by[ps[i].status]++;
        identical &= strcmp(ps[i].line, ps[0].line) == 0;
    }
    pthread_barrier_destroy(&go);
    printf("found=%u nxdomain=%u nodata=%u trylater=%u identical=%u first=%s\n", by[DNS_FOUND],
           by[DNS_NXDOMAIN], by[DNS_NODATA], by[DNS_TRYLATER], identical, ps[0].line);
}

/* stats - the counters */
static void stats(void)
{
    struct dns_stats s;
    dns_get_stats(resolver, &s);
    printf("submitted=%llu cache_hits=%llu coalesced=%llu sent=%llu trylater=%llu\n",
           (unsigned long long)s.submitted, (unsigned long long)s.cache_hits,
           (unsigned long long)s.coalesced, (unsigned long long)s.sent,
           (unsigned long long)s.trylater);
}

/* split - whitespace-separated words of line into v */
static int split(char *line, char **v, int max)
{
    int n = 0;
    for (char *w = strtok(line, " \t\n"); w && n < max; w = strtok(NULL, " \t\n"))
        v[n++] = w;
    return n;
}

/* reconf - new servers */
static void reconf(char **servers, int n)
{
    char err[256];
    struct dns_settings s = settings;
    s.servers = (const char *const *)servers;
    s.nservers = (size_t)n;
    if (dns_reconfigure(resolver, &s, err, sizeof(err)) < 0)
        printf("error %s\n", err);
    else
        printf("ok\n");
}

/* held_wait - wait on the held handle */
static void held_wait(int64_t ms)
{
    char out[OUT_MAX];
    int64_t t0 = now_mono_ms();
    const struct dns_result *r = dns_wait(held, t0 + ms);
    result_format(r, now_mono_ms() - t0, out, sizeof(out));
    printf("%s total_ms=%lld\n", out, (long long)(now_mono_ms() - held_since));
}

/* command - run one command line */
static void command(char **v, int n)
{
    char buf[256];
    unsigned type = n > 1 ? type_parse(v[1]) : 0;
    if (strcmp(v[0], "q") == 0 && n >= 3 && type) {
        lookup(type, v[2], n > 3 ? atoll(v[3]) : 5000);
    } else if (strcmp(v[0], "hold") == 0 && n == 3 && type && !held) {
        held_since = now_mono_ms();
        held = dns_submit(resolver, v[2], (enum dns_type)type);
        printf("ok\n");
    } else if (strcmp(v[0], "wait") == 0 && n == 2 && held) {
        held_wait(atoll(v[1]));
    } else if (strcmp(v[0], "release") == 0) {
        dns_release(&held);
        printf("ok\n");
    } else if (strcmp(v[0], "par") == 0 && n >= 4 && (type = type_parse(v[2]))) {
        parallel(atoi(v[1]), type, v[3], n > 4 ? atoll(v[4]) : 5000);
    } else if (strcmp(v[0], "stats") == 0 && resolver) {
        stats();
    } else if (strcmp(v[0], "reconf") == 0 && resolver) {
        reconf(v + 1, n - 1);
    } else if (strcmp(v[0], "destroy") == 0) {
        dns_destroy(&resolver);
        printf("ok\n");
    } else if (strcmp(v[0], "rev") == 0 && n == 2) {
        printf("%s\n", dns_reverse_name(v[1], buf, sizeof(buf)) == 0 ? buf : "error");
    } else {
        printf("error bad command\n");
    }
}

/* options - -t -r -c -l; returns the index of the first server */
static int options(int argc, char **argv)
{
    int opt;
    while ((opt = getopt(argc, argv, "t:r:c:l:")) != -1) {
        if (opt == 't')
            settings.timeout_ms = (unsigned)atoi(optarg);
        else if (opt == 'r')
            settings.tries = (unsigned)atoi(optarg);
        else if (opt == 'c')
            settings.cache_entries = (size_t)atol(optarg);
        else if (opt == 'l')
            settings.trylater_ttl = (uint32_t)atol(optarg);
        else
            exit(1);
    }
    return optind;
}

int main(int argc, char **argv)
{
    char err[256], line[LINE_MAX_];
    int first = options(argc, argv);
    settings.servers = (const char *const *)argv + first;
    settings.nservers = (size_t)(argc - first);
    resolver = dns_create(&settings, err, sizeof(err));
    if (resolver == NULL) {
        fprintf(stderr, "dnsprobe: %s\n", err);
        return 1;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    while (fgets(line, sizeof(line), stdin)) {
        char *v[64];
        int n = split(line, v, 64);
        if (n > 0 && strcmp(v[0], "quit") == 0)
            break;
        if (n > 0)
            command(v, n);
    }
    dns_release(&held);
    dns_destroy(&resolver);
    return 0;
}
