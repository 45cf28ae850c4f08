/* metrics.c - the metric families and their series: a fixed open-addressing
 * table read without locks; a new series is published under a lock */
#include "metrics.h"

#include "metrics_int.h"
#include "util.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

const struct metric_def metric_defs[METRIC_COUNT] = {
    [METRIC_CONNECTIONS] = {.name = "mxgate_connections_total",
                            .help = "SMTP connections the MTA handed to mxgate"},
    [METRIC_CONNECTIONS_OPEN] = {.name = "mxgate_connections_open",
                                 .help = "Connections open now",
                                 .type = METRIC_GAUGE},
    [METRIC_MESSAGES] = {.name = "mxgate_messages_total",
                         .help = "Messages that reached the end of data"},
    [METRIC_RECIPIENTS] = {.name = "mxgate_recipients_total",
                           .help = "RCPT commands, by whether the rules let them through",
                           .labels = {"result"}},
    [METRIC_CHECK_RESULTS] = {.name = "mxgate_check_results_total",
                              .help = "Finished checks, by check and result word",
                              .labels = {"check", "result"}},
    [METRIC_CHECK_SECONDS] = {.name = "mxgate_check_seconds",
                              .help = "Time to finish a check, DNS waits included",
                              .type = METRIC_HISTOGRAM,
                              .labels = {"check"}},
    [METRIC_DECISIONS] = {.name = "mxgate_decisions_total",
                          .help = "Decisive verdicts of the rules, by stage and action",
                          .labels = {"stage", "action"}},
    [METRIC_RULE_ACTIONS] = {.name = "mxgate_rule_actions_total",
                             .help = "Rules that matched and acted, by rule (FILE:LINE)",
                             .labels = {"rule", "action", "mode"}},
    [METRIC_REPLIES] = {.name = "mxgate_replies_total",
                        .help = "Rejections and deferrals sent, by reply code",
                        .labels = {"code", "ecode"}},
    [METRIC_STAGE_SECONDS] = {.name = "mxgate_stage_seconds",
                              .help = "Time mxgate took to answer a stage (milter side)",
                              .type = METRIC_HISTOGRAM,
                              .labels = {"stage"}},
    [METRIC_GREYLIST] = {.name = "mxgate_greylist_total",
                         .help = "Greylisting outcomes",
                         .labels = {"outcome"}},
    [METRIC_DNS_LOOKUPS] = {.name = "mxgate_dns_lookups_total",
                            .help = "DNS lookups, by how the cache answered",
                            .labels = {"cache"}},
    [METRIC_DNS_QUERIES] = {.name = "mxgate_dns_queries_total",
                            .help = "DNS queries sent to servers, by outcome",
                            .labels = {"outcome"}},
    [METRIC_DNS_QUERY_SECONDS] = {.name = "mxgate_dns_query_seconds",
                                  .help = "Time DNS servers took to answer",
                                  .type = METRIC_HISTOGRAM},
    [METRIC_DNS_BUDGET_SPENT] = {.name = "mxgate_dns_budget_spent_total",
                                 .help = "Waits for DNS cut short because the transaction's "
                                         "DNS budget was spent"},
    [METRIC_STORE_OPS] = {.name = "mxgate_store_operations_total",
                          .help = "State store operations, by operation and result",
                          .labels = {"op", "result"}},
    [METRIC_STORE_SECONDS] = {.name = "mxgate_store_operation_seconds",
                              .help = "Time state store operations took",
                              .type = METRIC_HISTOGRAM,
                              .labels = {"op"}},
    [METRIC_DKIM_SIGNATURES] = {.name = "mxgate_dkim_signatures_total",
                                .help = "DKIM signatures made, or failed",
                                .labels = {"result"}},
    [METRIC_DKIM_SIGN_SECONDS] = {.name = "mxgate_dkim_sign_seconds",
                                  .help = "Time to make one DKIM signature",
                                  .type = METRIC_HISTOGRAM},
    [METRIC_SERIES_DROPPED] = {.name = "mxgate_metrics_series_dropped_total",
                               .help = "Observations lost because the series table was full"},
};

const int64_t metric_bucket_us[METRIC_BUCKETS] = {
    100,    250,    500,    1000,    2500,    5000,    10000,    25000,    50000,
    100000, 250000, 500000, 1000000, 2500000, 5000000, 10000000, 30000000,
};

static _Atomic(struct metric_series *) table[METRIC_SLOTS];
static pthread_mutex_t grow_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned used; /* under grow_lock */
static struct metric_series dropped = {.m = METRIC_SERIES_DROPPED, .key = ""};

/* make_key - the label values joined by METRIC_SEP into key (truncated) */
static void make_key(const char *const *values, char *key, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; values && values[i] && i < METRIC_MAX_LABELS; i++) {
        size_t vl = strlen(values[i]);
        if (i && n + 1 < len)
            key[n++] = METRIC_SEP[0];
        if (vl > len - 1 - n)
            vl = len - 1 - n;
        memcpy(key + n, values[i], vl);
        n += vl;
    }
    key[n] = '\0';
}

/* hash - FNV-1a of the family and key */
static unsigned hash(enum metric m, const char *key)
{
    uint32_t h = 2166136261u ^ (uint32_t)m;
    for (const unsigned char *p = (const unsigned char *)key; *p; p++)
        h = (h ^ *p) * 16777619u;
    return h % METRIC_SLOTS;
}

/* matches - whether s is the series of (m, key) */
static bool matches(const struct metric_series *s, enum metric m, const char *key)
{
    return s->m == m && strcmp(s->key, key) == 0;
}

/* insert - find or publish the series under the lock; NULL when full */
static struct metric_series *insert(enum metric m, const char *key, unsigned h)
{
    struct metric_series *s = NULL;
    pthread_mutex_lock(&grow_lock);
    for (unsigned i = h;; i = (i + 1) % METRIC_SLOTS) {
        s = atomic_load_explicit(&table[i], memory_order_acquire);
        if (s && matches(s, m, key))
            break;
        if (s == NULL && used >= METRIC_SLOTS * 3 / 4)
            break;
        if (s == NULL) {
            s = xcalloc(1, sizeof(*s));
            s->m = m;
            s->key = xstrdup(key);
            used++;
            atomic_store_explicit(&table[i], s, memory_order_release);
            break;
        }
    }
    pthread_mutex_unlock(&grow_lock);
    return s;
}

/* series - the series of (m, values), created at first use; NULL when full */
static struct metric_series *series(enum metric m, const char *const *values)
{
    char key[METRIC_KEY_MAX];
    make_key(values, key, sizeof(key));
    unsigned h = hash(m, key);
    for (unsigned i = h;; i = (i + 1) % METRIC_SLOTS) {
        struct metric_series *s = atomic_load_explicit(&table[i], memory_order_acquire);
        if (s == NULL)
            break;
        if (matches(s, m, key))
            return s;
    }
    struct metric_series *s = insert(m, key, h);
    if (s == NULL)
        atomic_fetch_add_explicit(&dropped.value, 1, memory_order_relaxed);
    return s;
}

/* metrics_add - bump a counter or move a gauge */
void metrics_add(enum metric m, int64_t n, const char *const *values)
{
    struct metric_series *s = series(m, values);
    if (s)
        atomic_fetch_add_explicit(&s->value, n, memory_order_relaxed);
}

/* metrics_observe - one histogram observation */
void metrics_observe(enum metric m, int64_t us, const char *const *values)
{
    struct metric_series *s = series(m, values);
    if (s == NULL)
        return;
    size_t b = 0;
    while (b < METRIC_BUCKETS && us > metric_bucket_us[b])
        b++;
    atomic_fetch_add_explicit(&s->buckets[b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&s->sum_us, us < 0 ? 0 : us, memory_order_relaxed);
    atomic_fetch_add_explicit(&s->value, 1, memory_order_relaxed);
}

/* metrics_now_us - monotonic microseconds */
int64_t metrics_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* metrics_since - observe the time since t0 */
void metrics_since(enum metric m, int64_t t0, const char *value)
{
    metrics_observe(m, metrics_now_us() - t0, value ? METRIC_LABELS(value) : NULL);
}

/* metrics_rule_action - one rule's action, enforced or shadow */
void metrics_rule_action(const char *rule, const char *action, bool shadow)
{
    metrics_add(METRIC_RULE_ACTIONS, 1,
                METRIC_LABELS(rule, action, shadow ? "shadow" : "enforced"));
}

/* metrics_check - count and time a finished check */
void metrics_check(const char *check, const char *word, int64_t t0)
{
    metrics_add(METRIC_CHECK_RESULTS, 1, METRIC_LABELS(check, word));
    metrics_since(METRIC_CHECK_SECONDS, t0, check);
}

/* metrics_dns_answer - count and time an answer from a server */
void metrics_dns_answer(const char *status, const char *why, int64_t sent_us)
{
    char outcome[32];
    strlcpy_(outcome, why ? why : status, sizeof(outcome));
    metrics_add(METRIC_DNS_QUERIES, 1, METRIC_LABELS(str_lower(outcome)));
    metrics_observe(METRIC_DNS_QUERY_SECONDS, metrics_now_us() - sent_us, NULL);
}

/* metrics_signed - count and time a signature */
void metrics_signed(bool ok, int64_t t0)
{
    metrics_add(METRIC_DKIM_SIGNATURES, 1, METRIC_LABELS(ok ? "signed" : "error"));
    metrics_since(METRIC_DKIM_SIGN_SECONDS, t0, NULL);
}

/* metrics_dns_waited - count a wait the budget cut short */
void metrics_dns_waited(const char *why)
{
    if (why && strcmp(why, "deadline") == 0)
        metrics_add(METRIC_DNS_BUDGET_SPENT, 1, NULL);
}

/* metrics_store_op - count and time one store operation */
void metrics_store_op(const char *op, int status, int64_t t0)
{
    static const char *const results[] = {"found", "missing", "trylater"};
    const char *r = status >= 0 && status < 3 ? results[status] : "trylater";
    metrics_add(METRIC_STORE_OPS, 1, METRIC_LABELS(op, r));
    metrics_since(METRIC_STORE_SECONDS, t0, op);
}

/* metrics_each - call fn on every series of family m, in table order */
void metrics_each(enum metric m, void (*fn)(void *arg, const struct metric_series *s), void *arg)
{
    if (m == METRIC_SERIES_DROPPED) {
        fn(arg, &dropped);
        return;
    }
    for (unsigned i = 0; i < METRIC_SLOTS; i++) {
        const struct metric_series *s = atomic_load_explicit(&table[i], memory_order_acquire);
        if (s && s->m == m)
            fn(arg, s);
    }
}
