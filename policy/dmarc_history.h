/* dmarc_history.h - the dmarc check's history for aggregate reports: each
 * evaluation of a From domain that publishes a DMARC policy is counted in
 * the state store (store_dmarc_record: one row per day and kind), from which
 * a report generator can read (store_dmarc_each) without touching the check */
#ifndef MXGATE_DMARC_HISTORY_H
#define MXGATE_DMARC_HISTORY_H

#include "dkim.h"
#include "dmarc_eval.h"

#include <stddef.h>

struct arena;
struct conn;

/* A row's dkim text names at most this many signatures, in header order:
 * a message with more still counts onto the row of its first ones. */
#define DMARC_HISTORY_SIGS 5

/* dmarc_history_dkim - "d=D s=S a=A RESULT; ..." for the first
 * DMARC_HISTORY_SIGS of the n signatures (an absent tag left empty: "d= s=
 * a= permerror"), RESULT the RFC 8601 word; "" for none. In arena. Pure. */
const char *dmarc_history_dkim(struct arena *arena, const struct dkim_sig *sigs, size_t n);

/* dmarc_history_domain - the domain of an envelope address (after its last
 * '@'), lowercase, without a trailing dot; "" for NULL, the null sender and
 * an address without a domain. In arena. Pure. */
const char *dmarc_history_domain(struct arena *arena, const char *addr);

/* dmarc_history_record - at the end of the dmarc check, after
 * dmarc_evaluate: when from_domain publishes a policy (o->published is
 * set) and c's configuration has a store, count the evaluation for today
 * (UTC) with c's client, envelope, SPF and DKIM results. A store that
 * cannot answer is logged at debug level and changes nothing. c's thread. */
void dmarc_history_record(struct conn *c, const char *from_domain, const struct dmarc_outcome *o);

#endif
