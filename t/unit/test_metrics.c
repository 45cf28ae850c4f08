/* test_metrics.c - counters, histograms and their text exposition */
#include "metrics.h"
#include "testing.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define THREADS 4
#define ADDS 100000

/* render - the exposition as a string the test frees */
static char *render(void)
{
    size_t len;
    char *text = metrics_render(&len);
    CHECK(text != NULL && strlen(text) == len);
    return text;
}

/* adder - bump two series many times */
static void *adder(void *arg)
{
    (void)arg;
    for (int i = 0; i < ADDS; i++) {
        metrics_add(METRIC_CONNECTIONS, 1, NULL);
        metrics_add(METRIC_DECISIONS, 1, METRIC_LABELS("RCPT", i % 2 ? "reject" : "defer"));
    }
    return NULL;
}

static void counters_from_many_threads_add_up_exactly(void)
{
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++)
        pthread_create(&t[i], NULL, adder, NULL);
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    char *text = render();
    CHECK_CONTAINS(text, "\nmxgate_connections_total 400000\n");
    CHECK_CONTAINS(text, "\nmxgate_decisions_total{stage=\"RCPT\",action=\"defer\"} 200000\n");
    CHECK_CONTAINS(text, "\nmxgate_decisions_total{stage=\"RCPT\",action=\"reject\"} 200000\n");
    free(text);
}

static void families_have_help_and_type_and_unused_ones_no_series(void)
{
    char *text = render();
    CHECK(strncmp(text, "# HELP mxgate_connections_total ", 32) == 0);
    CHECK_CONTAINS(text, "\n# TYPE mxgate_connections_total counter\nmxgate_connections_total 0\n");
    CHECK_CONTAINS(text, "\n# TYPE mxgate_connections_open gauge\n");
    CHECK_CONTAINS(text, "\n# TYPE mxgate_dns_query_seconds histogram\n");
    CHECK_CONTAINS(text, "\n# TYPE mxgate_replies_total counter\n# HELP mxgate_stage_seconds ");
    for (int m = 0; m < METRIC_COUNT; m++) {
        char type[128];
        snprintf(type, sizeof(type), "\n# TYPE %s ", metric_defs[m].name);
        CHECK_CONTAINS(text, type);
    }
    free(text);
}

static void label_values_are_escaped(void)
{
    metrics_add(METRIC_REPLIES, 2, METRIC_LABELS("5\"5", "a\\b\nc"));
    char *text = render();
    CHECK_CONTAINS(text, "\nmxgate_replies_total{code=\"5\\\"5\",ecode=\"a\\\\b\\nc\"} 2\n");
    free(text);
}

static void histograms_are_cumulative_in_seconds(void)
{
    metrics_observe(METRIC_STAGE_SECONDS, 100, METRIC_LABELS("RCPT"));
    metrics_observe(METRIC_STAGE_SECONDS, 101, METRIC_LABELS("RCPT"));
    metrics_observe(METRIC_STAGE_SECONDS, 2000000, METRIC_LABELS("RCPT"));
    metrics_observe(METRIC_STAGE_SECONDS, 60000000, METRIC_LABELS("RCPT"));
    char *text = render();
    CHECK_CONTAINS(text, "\nmxgate_stage_seconds_bucket{stage=\"RCPT\",le=\"0.0001\"} 1\n");
    CHECK_CONTAINS(text, "\nmxgate_stage_seconds_bucket{stage=\"RCPT\",le=\"0.00025\"} 2\n");
    CHECK_CONTAINS(text, "\nmxgate_stage_seconds_bucket{stage=\"RCPT\",le=\"1\"} 2\n");
    CHECK_CONTAINS(text, "\nmxgate_stage_seconds_bucket{stage=\"RCPT\",le=\"2.5\"} 3\n");
    CHECK_CONTAINS(text, "\nmxgate_stage_seconds_bucket{stage=\"RCPT\",le=\"30\"} 3\n");
    CHECK_CONTAINS(text, "\nmxgate_stage_seconds_bucket{stage=\"RCPT\",le=\"+Inf\"} 4\n");
    CHECK_CONTAINS(text, "\nmxgate_stage_seconds_sum{stage=\"RCPT\"} 62.000201\n");
    CHECK_CONTAINS(text, "\nmxgate_stage_seconds_count{stage=\"RCPT\"} 4\n");
    CHECK_CONTAINS(text, "\nmxgate_dns_query_seconds_bucket{le=\"+Inf\"} 0\n");
    free(text);
}

static void gauges_go_down_and_rule_actions_carry_their_mode(void)
{
    metrics_add(METRIC_CONNECTIONS_OPEN, 3, NULL);
    metrics_add(METRIC_CONNECTIONS_OPEN, -2, NULL);
    metrics_rule_action("/etc/mxgate/mxgate.conf:12", "reject", false);
    metrics_rule_action("/etc/mxgate/mxgate.conf:12", "reject", true);
    metrics_rule_action("/etc/mxgate/mxgate.conf:12", "reject", true);
    char *text = render();
    CHECK_CONTAINS(text, "\nmxgate_connections_open 1\n");
    CHECK_CONTAINS(text, "{rule=\"/etc/mxgate/mxgate.conf:12\",action=\"reject\","
                         "mode=\"enforced\"} 1\n");
    CHECK_CONTAINS(text, "{rule=\"/etc/mxgate/mxgate.conf:12\",action=\"reject\","
                         "mode=\"shadow\"} 2\n");
    free(text);
}

static void a_full_series_table_counts_what_it_drops(void)
{
    char rule[32];
    for (int i = 0; i < 5000; i++) {
        snprintf(rule, sizeof(rule), "f:%d", i);
        metrics_rule_action(rule, "log", false);
    }
    metrics_add(METRIC_MESSAGES, 1, NULL); /* an existing series still counts */
    metrics_rule_action("f:7", "log", false);
    char *text = render();
    CHECK_CONTAINS(text, "\nmxgate_metrics_series_dropped_total 19");
    CHECK_CONTAINS(text, "{rule=\"f:7\",action=\"log\",mode=\"enforced\"} 2\n");
    free(text);
}

static void store_operations_and_dns_answers_are_named(void)
{
    metrics_store_op("greylist", 0, metrics_now_us());
    metrics_store_op("greylist", 2, metrics_now_us());
    metrics_dns_answer("try-later", "SERVFAIL", metrics_now_us());
    metrics_dns_answer("nxdomain", NULL, metrics_now_us());
    char *text = render();
    CHECK_CONTAINS(text, "\nmxgate_store_operations_total{op=\"greylist\",result=\"found\"} 1\n");
    CHECK_CONTAINS(text,
                   "\nmxgate_store_operations_total{op=\"greylist\",result=\"trylater\"} 1\n");
    CHECK_CONTAINS(text, "\nmxgate_store_operation_seconds_count{op=\"greylist\"} 2\n");
    CHECK_CONTAINS(text, "\nmxgate_dns_queries_total{outcome=\"servfail\"} 1\n");
    CHECK_CONTAINS(text, "\nmxgate_dns_queries_total{outcome=\"nxdomain\"} 1\n");
    CHECK_CONTAINS(text, "\nmxgate_dns_query_seconds_count 2\n");
    free(text);
}

#define METRICS_TESTS(T)                                     \
    T(counters_from_many_threads_add_up_exactly)             \
    T(families_have_help_and_type_and_unused_ones_no_series) \
    T(label_values_are_escaped)                              \
    T(histograms_are_cumulative_in_seconds)                  \
    T(gauges_go_down_and_rule_actions_carry_their_mode)      \
    T(a_full_series_table_counts_what_it_drops)              \
    T(store_operations_and_dns_answers_are_named)

TEST_MAIN(METRICS_TESTS)
