/* rule_counters.h - how often each rule matched: counted per rule in the
 * configuration snapshot (a reload starts from zero), read by any thread */
#ifndef MXGATE_RULE_COUNTERS_H
#define MXGATE_RULE_COUNTERS_H

#include "config.h"

#include <stdbool.h>

/* One rule's counters, as read at one moment. */
struct rule_stats {
    int index;              /* 1-based position ("rule=3" in the logs) */
    const char *origin;     /* "FILE:LINE" */
    const char *action;     /* action_name() */
    bool shadow;            /* the rule runs in shadow mode */
    unsigned long enforced; /* matches whose action was applied */
    unsigned long shadowed; /* matches only logged ("would ...") */
};

/* rules_each_counter - call fn(arg, stats) for every rule of cfg, in order.
 * The stats live only during the call. Any thread. */
void rules_each_counter(const struct config *cfg,
                        void (*fn)(void *arg, const struct rule_stats *st), void *arg);

/* rules_log_counters - one info line per rule: "rule 3 (FILE:LINE) reject:
 * enforced=N shadow=M". */
void rules_log_counters(const struct config *cfg);

#endif
