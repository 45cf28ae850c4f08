/* facts.h - the values of the facts a rule condition tests against a list:
 * the envelope, the client, and what the checks read of the message */
#ifndef MXGATE_FACTS_H
#define MXGATE_FACTS_H

#include "conn.h"
#include "expr.h"

/* fact_value - the i-th value of fact f for the connection's current
 * transaction (facts with one value have only i = 0), or NULL when there is
 * no such value. dkim_domain, from_domain and the DNS lists' *_zone facts
 * finish their checks if needed (DNS within the transaction's budget).
 * Strings live in c's arenas. */
const char *fact_value(struct conn *c, enum fact f, unsigned i);

#endif
