/* decide.h - apply the rules to a connection at a stage: the one place where
 * check results become an SMTP answer, and where each decision is logged */
#ifndef MXGATE_DECIDE_H
#define MXGATE_DECIDE_H

#include "conn.h"
#include "rule.h"

/* A header an add_header rule asks for (end of message only). */
struct reply_header {
    const char *name, *value;
};

/* What the glue sends back to the MTA. kind CONTINUE needs no reply text.
 * headers: at end of message, to be added (in this order, each on top of the
 * ones before it is fine) when the message is accepted; they live in the
 * connection's message arena. */
struct reply {
    enum action_kind kind;
    const char *code, *ecode, *text; /* reject/defer; text is '%'-escaped */
    const struct reply_header *headers;
    unsigned nheaders;
};

/* decide - evaluate the rules that belong to stage (with delay_reject, the
 * connect, HELO and MAIL rules are evaluated at RCPT), log a decisive verdict
 * in one grep-able line, and return the reply. Trusted clients get CONTINUE
 * without evaluation. At RCPT, an accept counts the recipient as exempt; at
 * end of message, the rules are skipped when every recipient was exempt. */
struct reply decide(struct conn *c, enum stage stage);

#endif
