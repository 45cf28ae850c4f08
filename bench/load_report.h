/* load_report.h - the figures of one load run, as a table or as JSON
 *
 * milterload fills a struct load_result and prints it: messages (sessions)
 * per second, session latency percentiles, the daemon's CPU per message and
 * peak resident set. */
#ifndef BENCH_LOAD_REPORT_H
#define BENCH_LOAD_REPORT_H

#include "milterc_proto.h"

#include <stdio.h>

/* What one run measured. latency_ms holds one entry per finished session
 * (ok or not), in any order; load_report_* sorts it. */
struct load_result {
    const char *label; /* free text naming the run; may be NULL */
    unsigned long concurrency;
    unsigned long ok, failed; /* sessions */
    double elapsed_s;         /* first start to last end */
    double *latency_ms;
    size_t n_latency;
    unsigned long counts[PK_KINDS]; /* replies, per kind */
    int have_daemon;                /* the figures below are set */
    double cpu_s;                   /* daemon's user + system CPU over the run */
    long hwm_kb, rss_kb;            /* daemon's peak and final resident set */
    int hwm_reset;                  /* the peak covers only the run */
    double client_cpu_s;            /* milterload's own CPU over the run */
};

/* load_report_table - a few readable lines on f. */
void load_report_table(FILE *f, struct load_result *r);

/* load_report_json - one JSON object on one line on f. */
void load_report_json(FILE *f, struct load_result *r);

#endif
