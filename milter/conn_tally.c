/* conn_tally.c - a connection's counts and its closing summary line */
#include "conn_tally.h"

#include "conn.h"
#include "log.h"
#include "metrics.h"

#include <stdio.h>

/* conn_tally_open - count the connection */
void conn_tally_open(struct conn *c)
{
    c->tally.opened_us = metrics_now_us();
    metrics_add(METRIC_CONNECTIONS, 1, NULL);
    metrics_add(METRIC_CONNECTIONS_OPEN, 1, NULL);
}

/* conn_tally_message - count a message */
void conn_tally_message(struct conn *c)
{
    c->tally.messages++;
    metrics_add(METRIC_MESSAGES, 1, NULL);
}

/* conn_tally_rcpt - count a recipient */
void conn_tally_rcpt(struct conn *c, bool accepted)
{
    c->tally.rcpts++;
    c->tally.rcpts_accepted += accepted;
    metrics_add(METRIC_RECIPIENTS, 1, METRIC_LABELS(accepted ? "accepted" : "refused"));
}

/* conn_tally_decision - count a decisive verdict */
void conn_tally_decision(struct conn *c, const char *stage, enum action_kind kind)
{
    if ((unsigned)kind < CONN_TALLY_ACTIONS)
        c->tally.actions[kind]++;
    metrics_add(METRIC_DECISIONS, 1, METRIC_LABELS(stage, action_name(kind)));
}

/* conn_tally_close - the summary line */
void conn_tally_close(struct conn *c)
{
    char acts[160] = "";
    size_t n = 0;
    for (int k = 0; k < CONN_TALLY_ACTIONS && n < sizeof(acts); k++)
        if (c->tally.actions[k])
            n += (size_t)snprintf(acts + n, sizeof(acts) - n, " %s=%u",
                                  action_name((enum action_kind)k), c->tally.actions[k]);
    int64_t us = metrics_now_us() - c->tally.opened_us;
    log_info("close: client=%s[%s] helo=<%s> messages=%u rcpts=%u/%u%s duration=%lld.%03llds",
             c->client_name, c->client_addr, c->helo ? c->helo : "", c->tally.messages,
             c->tally.rcpts_accepted, c->tally.rcpts, acts, (long long)(us / 1000000),
             (long long)(us % 1000000 / 1000));
    metrics_add(METRIC_CONNECTIONS_OPEN, -1, NULL);
}
