/* dmarc.h - what the dmarc check exposes beyond its result word: the
 * outcome, for Authentication-Results and the log */
#ifndef MXGATE_DMARC_H
#define MXGATE_DMARC_H

#include "dmarc_eval.h"

struct conn;

/* The check's words. A failure is split by the policy to apply (after sp,
 * np, pct and t=), so that rules can say "dmarc is reject". */
enum dmarc_word {
    DMARC_W_NONE = 0, /* no DMARC record (or several) for the From domain */
    DMARC_W_PASS,
    DMARC_W_FAIL,       /* failed; the policy to apply is none */
    DMARC_W_QUARANTINE, /* failed; the policy to apply is quarantine */
    DMARC_W_REJECT,     /* failed; the policy to apply is reject */
    DMARC_W_TEMPERROR,  /* a DNS failure the outcome depends on */
    DMARC_W_PERMERROR,  /* the record to apply is unusable */
    DMARC_W_BADFROM,    /* not exactly one From with one address with a domain */
};

/* What the finished check decided, in the message's arena. */
struct dmarc_report {
    const char *from_domain;      /* NULL for badfrom */
    struct dmarc_outcome outcome; /* valid unless badfrom */
};

/* dmarc_report - the finished check's report, or NULL. */
const struct dmarc_report *dmarc_report_of(const struct conn *c);

/* dmarc_policy_name - "none", "quarantine", "reject" (or "" when unset). */
const char *dmarc_policy_name(enum dmarc_policy p);

#endif
