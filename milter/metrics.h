/* metrics.h - counters, gauges and histograms for graphing what mxgate does,
 * kept without locks on the hot path (relaxed atomics), and their Prometheus
 * text exposition (format 0.0.4). Every metric family is one row of a table
 * in metrics.c (name, help, type, label names): the exposition, mxgatectl
 * stats and the dashboard test read that one list. A series (a family and
 * its label values) is created at its first use, under a lock taken only
 * then; label values must come from small fixed sets (check and result
 * words, actions, stages, reply codes, rule origins). */
#ifndef MXGATE_METRICS_H
#define MXGATE_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum metric {
    METRIC_CONNECTIONS,       /* counter */
    METRIC_CONNECTIONS_OPEN,  /* gauge */
    METRIC_MESSAGES,          /* counter: end of message reached */
    METRIC_RECIPIENTS,        /* counter {result}: accepted, refused */
    METRIC_CHECK_RESULTS,     /* counter {check, result} */
    METRIC_CHECK_SECONDS,     /* histogram {check}: finishing a check, DNS waits included */
    METRIC_DECISIONS,         /* counter {stage, action}: decisive verdicts */
    METRIC_RULE_ACTIONS,      /* counter {rule, action, mode} */
    METRIC_REPLIES,           /* counter {code, ecode}: 4xx/5xx replies sent */
    METRIC_STAGE_SECONDS,     /* histogram {stage}: deciding at a stage */
    METRIC_GREYLIST,          /* counter {outcome} */
    METRIC_DNS_LOOKUPS,       /* counter {cache}: hit, miss, coalesced */
    METRIC_DNS_QUERIES,       /* counter {outcome}: answers from servers */
    METRIC_DNS_QUERY_SECONDS, /* histogram */
    METRIC_DNS_BUDGET_SPENT,  /* counter: DNS waits cut short by the transaction budget */
    METRIC_STORE_OPS,         /* counter {op, result} */
    METRIC_STORE_SECONDS,     /* histogram {op} */
    METRIC_DKIM_SIGNATURES,   /* counter {result}: signed, error */
    METRIC_DKIM_SIGN_SECONDS, /* histogram */
    METRIC_SERIES_DROPPED,    /* counter: observations lost to a full series table */
    METRIC_COUNT
};

enum metric_type { METRIC_COUNTER = 0, METRIC_GAUGE, METRIC_HISTOGRAM };

#define METRIC_MAX_LABELS 3

/* A family: what the exposition says about it. */
struct metric_def {
    const char *name; /* "mxgate_connections_total" */
    const char *help;
    enum metric_type type;
    const char *labels[METRIC_MAX_LABELS + 1]; /* NULL-terminated */
};

/* metric_defs - the families, indexed by enum metric. */
extern const struct metric_def metric_defs[METRIC_COUNT];

/* METRIC_LABELS - a NULL-terminated array of label values, in the order of
 * the family's label names: METRIC_LABELS("RCPT", "reject"). */
#define METRIC_LABELS(...) ((const char *const[]){__VA_ARGS__, NULL})

/* metrics_add - add n to a counter or gauge series; values as above, NULL
 * for a family without labels. A NULL value reads as "". Any thread. */
void metrics_add(enum metric m, int64_t n, const char *const *values);

/* metrics_observe - a histogram observation of us microseconds. Any thread. */
void metrics_observe(enum metric m, int64_t us, const char *const *values);

/* metrics_now_us - the monotonic clock in microseconds, for durations. */
int64_t metrics_now_us(void);

/* metrics_since - observe the time since t0 (metrics_now_us) in a histogram
 * with one label value (or NULL for none). */
void metrics_since(enum metric m, int64_t t0, const char *value);

/* metrics_rule_action - a rule matched and its action was taken (shadow:
 * only logged, the rule runs in report mode): counts
 * mxgate_rule_actions_total{rule="FILE:LINE",action,mode="enforced"|"shadow"}. */
void metrics_rule_action(const char *rule, const char *action, bool shadow);

/* metrics_check - a check finished with the result word word; t0 when
 * finishing began (mxgate_check_results_total, mxgate_check_seconds). */
void metrics_check(const char *check, const char *word, int64_t t0);

/* metrics_dns_answer - a server's answer (or its absence): status is
 * dns_status_name(), why the try-later reason (NULL otherwise), sent_us when
 * the query was sent. Counts mxgate_dns_queries_total{outcome} (found,
 * nxdomain, nodata, or the reason: timeout, servfail, refused, ...) and
 * observes mxgate_dns_query_seconds. */
void metrics_dns_answer(const char *status, const char *why, int64_t sent_us);

/* metrics_signed - one DKIM signature made (ok) or failed, started at t0. */
void metrics_signed(bool ok, int64_t t0);

/* metrics_dns_waited - a check's wait for DNS ended; why is the answer's
 * try-later reason: "deadline" counts mxgate_dns_budget_spent_total. */
void metrics_dns_waited(const char *why);

/* metrics_store_op - a state store operation, its status (enum
 * store_status: 0 found, 1 missing, 2 try-later) and its start time. */
void metrics_store_op(const char *op, int status, int64_t t0);

/* metrics_render - the whole exposition, malloc'd (the caller frees);
 * *len gets its length. Any thread; values are read without stopping
 * writers, so a scrape is a near-instant, not an atomic, picture. */
char *metrics_render(size_t *len);

#endif
