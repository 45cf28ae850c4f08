/* conn_tally.h - what one connection amounted to: its messages, recipients
 * and decisions, counted as they happen (and in the metrics), and logged in
 * one summary line when the connection closes. Called from the connection's
 * callbacks (serialized: one thread per connection), like the rest of struct conn. */
#ifndef MXGATE_CONN_TALLY_H
#define MXGATE_CONN_TALLY_H

#include "rule.h"

#include <stdbool.h>
#include <stdint.h>

struct conn;

#define CONN_TALLY_ACTIONS (ACTION_QUARANTINE + 1)

struct conn_tally {
    int64_t opened_us;                    /* metrics_now_us() at conn_new */
    unsigned messages;                    /* end of message reached */
    unsigned rcpts, rcpts_accepted;       /* RCPT commands; those let through */
    unsigned actions[CONN_TALLY_ACTIONS]; /* decisive verdicts by kind */
};

/* conn_tally_open - a new connection (metrics: connections, open). */
void conn_tally_open(struct conn *c);

/* conn_tally_message - a message reached its end. */
void conn_tally_message(struct conn *c);

/* conn_tally_rcpt - a RCPT was answered; accepted: let through. */
void conn_tally_rcpt(struct conn *c, bool accepted);

/* conn_tally_decision - the rules decided kind at the stage named stage. */
void conn_tally_decision(struct conn *c, const char *stage, enum action_kind kind);

/* conn_tally_close - the connection ends: one line at info level,
 *   close: client=NAME[ADDR] helo=<HELO> messages=N rcpts=ACCEPTED/ALL
 *   [reject=N] [defer=N] ... duration=S.mmm
 * with a count for each action that was decided at least once. */
void conn_tally_close(struct conn *c);

#endif
