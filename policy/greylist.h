/* greylist.h - greylisting: what a rule's "greylist" action does, and the
 * greylist check that reports the outcome (new, early, retried, known,
 * allowed, postponed, skipped, unavailable) to later rules and to the log.
 * The triplet is (client network or SPF-passed domain, normalized sender,
 * recipient); its state lives in the configuration's store. */
#ifndef MXGATE_GREYLIST_H
#define MXGATE_GREYLIST_H

#include "check.h"

#include <stdbool.h>
#include <stddef.h>

struct config;
struct conn;
struct ipaddr;

/* The check's words, indexed by the check's result word. */
enum grey_word {
    GW_NONE = 0,    /* the greylist action has not run */
    GW_NEW,         /* first attempt: deferred */
    GW_EARLY,       /* retried too soon: deferred */
    GW_RETRIED,     /* retried after the delay: passed */
    GW_KNOWN,       /* passed before */
    GW_ALLOWED,     /* the client network is allowed */
    GW_POSTPONED,   /* null sender: decided at end of message */
    GW_SKIPPED,     /* exempt recipient or no IP client */
    GW_UNAVAILABLE, /* the store could not answer */
};

/* What the greylist action tells the rules engine. */
enum grey_outcome {
    GREYLIST_PASS,        /* go on with the next rule */
    GREYLIST_RETRIED,     /* go on; worth a log line */
    GREYLIST_POSTPONED,   /* go on; the recipient is greylisted at end of message */
    GREYLIST_DEFER,       /* 4xx: greylisted */
    GREYLIST_UNAVAILABLE, /* 4xx: the store could not answer and on_error is defer */
};

/* greylist_run - greylist at stage: at RCPT the current recipient (the null
 * sender's is postponed to the end of the message), at end of headers or
 * message every recipient. Sets the greylist check's result and, for a
 * deferral, c->grey_retry_in. */
enum grey_outcome greylist_run(struct conn *c, enum stage stage);

/* greylist_postponed - at end of message, greylist the recipients postponed
 * at RCPT; GREYLIST_PASS when there are none. */
enum grey_outcome greylist_postponed(struct conn *c);

/* greylist_net - the network an address is greylisted as under cfg's
 * checks.greylist (net4, net6): "192.0.2.0/24". out has GREY_NET_LEN bytes
 * (greylist_key.h). */
void greylist_net(const struct config *cfg, const struct ipaddr *a, char *out, size_t len);

#endif
