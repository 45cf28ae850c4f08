/* load_report.c - the figures of one load run, as a table or as JSON */
#include "load_report.h"

#include <stdlib.h>

/* Latency figures, in milliseconds. */
struct quantiles {
    double p50, p90, p99, max;
};

/* cmp_double - qsort order for doubles */
static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* at - the q-quantile of a sorted array (nearest rank); 0 if empty */
static double at(const double *v, size_t n, double q)
{
    if (n == 0)
        return 0;
    size_t i = (size_t)(q * (double)n + 0.999999);
    return v[(i == 0 ? 1 : i > n ? n : i) - 1];
}

/* quantiles_of - sort r's latencies and pick the figures */
static struct quantiles quantiles_of(struct load_result *r)
{
    qsort(r->latency_ms, r->n_latency, sizeof(double), cmp_double);
    const double *v = r->latency_ms;
    size_t n = r->n_latency;
    return (struct quantiles){at(v, n, 0.50), at(v, n, 0.90), at(v, n, 0.99), n ? v[n - 1] : 0};
}

/* rate - messages per second */
static double rate(const struct load_result *r)
{
    return r->elapsed_s > 0 ? (double)r->ok / r->elapsed_s : 0;
}

/* cpu_ms - the daemon's CPU milliseconds per message; 0 without messages */
static double cpu_ms(const struct load_result *r)
{
    return r->ok ? r->cpu_s * 1000 / (double)r->ok : 0;
}

/* load_report_table - readable lines */
void load_report_table(FILE *f, struct load_result *r)
{
    struct quantiles q = quantiles_of(r);
    fprintf(f, "%s: concurrency %lu, %lu messages in %.2f s, %lu failed: %.0f msgs/s\n",
            r->label ? r->label : "milterload", r->concurrency, r->ok, r->elapsed_s, r->failed,
            rate(r));
    fprintf(f, "  latency (session) p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms\n", q.p50,
            q.p90, q.p99, q.max);
    fprintf(f, "  replies:");
    for (int k = 0; k < PK_KINDS; k++)
        if (k <= PK_DISCARD || r->counts[k] > 0)
            fprintf(f, " %s=%lu", proto_kind_name(k), r->counts[k]);
    fputc('\n', f);
    fprintf(f, "  client: %.3f ms CPU/msg\n", r->ok ? r->client_cpu_s * 1000 / (double)r->ok : 0);
    if (r->have_daemon)
        fprintf(f, "  daemon: %.3f ms CPU/msg (%.2f s), peak RSS %.1f MB%s, RSS at end %.1f MB\n",
                cpu_ms(r), r->cpu_s, (double)r->hwm_kb / 1024, r->hwm_reset ? "" : " (since start)",
                (double)r->rss_kb / 1024);
}

/* json_label - the label as a JSON string (quotes and backslashes dropped) */
static void json_label(FILE *f, const char *s)
{
    fputc('"', f);
    for (; s && *s; s++)
        if (*s != '"' && *s != '\\' && (unsigned char)*s >= 0x20)
            fputc(*s, f);
    fputc('"', f);
}

/* load_report_json - one object on one line */
void load_report_json(FILE *f, struct load_result *r)
{
    struct quantiles q = quantiles_of(r);
    fprintf(f, "{\"label\":");
    json_label(f, r->label);
    fprintf(f,
            ",\"concurrency\":%lu,\"messages\":%lu,\"failed\":%lu,\"elapsed_s\":%.3f,"
            "\"msgs_per_s\":%.1f,\"p50_ms\":%.3f,\"p90_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f",
            r->concurrency, r->ok, r->failed, r->elapsed_s, rate(r), q.p50, q.p90, q.p99, q.max);
    for (int k = 0; k < PK_KINDS; k++)
        if (k <= PK_DISCARD || r->counts[k] > 0)
            fprintf(f, ",\"%s\":%lu", proto_kind_name(k), r->counts[k]);
    fprintf(f, ",\"client_cpu_ms_per_msg\":%.4f",
            r->ok ? r->client_cpu_s * 1000 / (double)r->ok : 0);
    if (r->have_daemon)
        fprintf(f,
                ",\"cpu_ms_per_msg\":%.4f,\"cpu_s\":%.3f,\"peak_rss_kb\":%ld,"
                "\"peak_rss_reset\":%s,\"rss_kb\":%ld",
                cpu_ms(r), r->cpu_s, r->hwm_kb, r->hwm_reset ? "true" : "false", r->rss_kb);
    fprintf(f, "}\n");
}
