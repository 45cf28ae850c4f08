/* metrics_text.c - the Prometheus text exposition (format 0.0.4) */
#include "metrics_int.h"

#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct picked {
    const struct metric_series **v;
    size_t n, cap;
};

/* pick - collect one series */
static void pick(void *arg, const struct metric_series *s)
{
    struct picked *p = arg;
    if (p->n == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 16;
        p->v = xrealloc(p->v, p->cap * sizeof(*p->v));
    }
    p->v[p->n++] = s;
}

/* by_key - series in the order of their label values */
static int by_key(const void *a, const void *b)
{
    return strcmp((*(const struct metric_series *const *)a)->key,
                  (*(const struct metric_series *const *)b)->key);
}

/* put_value - a label value, escaped as the format asks */
static void put_value(FILE *f, const char *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (v[i] == '\\' || v[i] == '"')
            fputc('\\', f);
        if (v[i] == '\n')
            fputs("\\n", f);
        else
            fputc(v[i], f);
    }
}

/* put_labels - {name="value",...} with an extra le="..." when le is set */
static void put_labels(FILE *f, const struct metric_def *d, const char *key, const char *le)
{
    const char *v = key;
    if (d->labels[0] == NULL && le == NULL)
        return;
    fputc('{', f);
    for (size_t i = 0; d->labels[i]; i++) {
        size_t n = strcspn(v, METRIC_SEP);
        fprintf(f, "%s%s=\"", i ? "," : "", d->labels[i]);
        put_value(f, v, n);
        fputc('"', f);
        v += n + (v[n] != '\0');
    }
    if (le)
        fprintf(f, "%sle=\"%s\"", d->labels[0] ? "," : "", le);
    fputc('}', f);
}

/* put_histogram - _bucket (cumulative), _sum in seconds, _count */
static void put_histogram(FILE *f, const struct metric_def *d, const struct metric_series *s)
{
    int64_t cum = 0;
    char le[32];
    for (size_t b = 0; b <= METRIC_BUCKETS; b++) {
        cum += atomic_load_explicit(&s->buckets[b], memory_order_relaxed);
        if (b < METRIC_BUCKETS)
            snprintf(le, sizeof(le), "%g", (double)metric_bucket_us[b] / 1e6);
        fprintf(f, "%s_bucket", d->name);
        put_labels(f, d, s->key, b < METRIC_BUCKETS ? le : "+Inf");
        fprintf(f, " %lld\n", (long long)cum);
    }
    fprintf(f, "%s_sum", d->name);
    put_labels(f, d, s->key, NULL);
    fprintf(f, " %.6f\n", (double)atomic_load_explicit(&s->sum_us, memory_order_relaxed) / 1e6);
    fprintf(f, "%s_count", d->name);
    put_labels(f, d, s->key, NULL);
    fprintf(f, " %lld\n", (long long)cum);
}

/* put_series - one series' sample lines */
static void put_series(FILE *f, const struct metric_def *d, const struct metric_series *s)
{
    if (d->type == METRIC_HISTOGRAM) {
        put_histogram(f, d, s);
        return;
    }
    fputs(d->name, f);
    put_labels(f, d, s->key, NULL);
    fprintf(f, " %lld\n", (long long)atomic_load_explicit(&s->value, memory_order_relaxed));
}

/* put_family - HELP, TYPE and the series (a family without labels shows
 * zero before its first use) */
static void put_family(FILE *f, enum metric m)
{
    static const char *const types[] = {"counter", "gauge", "histogram"};
    const struct metric_def *d = &metric_defs[m];
    struct picked p = {0};
    fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", d->name, d->help, d->name, types[d->type]);
    metrics_each(m, pick, &p);
    if (p.n)
        qsort(p.v, p.n, sizeof(*p.v), by_key);
    for (size_t i = 0; i < p.n; i++)
        put_series(f, d, p.v[i]);
    if (p.n == 0 && d->labels[0] == NULL) {
        struct metric_series zero = {.m = m, .key = ""};
        put_series(f, d, &zero);
    }
    free(p.v);
}

/* metrics_render - every family, in table order */
char *metrics_render(size_t *len)
{
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    if (f == NULL)
        xmalloc((size_t)-1); /* aborts with a message, like every allocation */
    for (int m = 0; m < METRIC_COUNT; m++)
        put_family(f, (enum metric)m);
    fclose(f);
    return buf;
}
