/* milterc_run.h - replay a script once, on its own connection, as an MTA would
 *
 * The MTA logic lives here: what is sent after which reply (see README),
 * which steps the negotiation switched off, and the reply lines. Reply lines
 * are "STEP: REPLY", e.g. "rcpt <b@example.net>: reject 550 5.7.1 Go away";
 * README lists them all. */
#ifndef MILTERC_RUN_H
#define MILTERC_RUN_H

#include "milterc_proto.h"
#include "milterc_script.h"

#include <stdint.h>
#include <stdio.h>

/* What every run shares; read-only while runs are going. */
struct run_opts {
    const struct script *script;
    const struct proto_addr *addr;
    int timeout_ms;             /* per reply; PROGRESS starts it again */
    uint32_t actions, protocol; /* offered in SMFIC_OPTNEG */
    int verbose;                /* also print skipped, noreply and not-sent steps */
};

/* What one run did. */
struct run_result {
    int ok;                         /* finished without an I/O or protocol error */
    unsigned long counts[PK_KINDS]; /* replies received, per kind */
};

/* run_script - run the script once as run number index ("%n"). Reply lines
 * go to out (NULL: none); an error ends the run and is written to stderr as
 * "milterc: run N: step LINE: problem". Fills res; returns 0 if the run was
 * ok, -1 if it failed. Any thread; each call uses its own connection. */
int run_script(const struct run_opts *o, unsigned long index, FILE *out, struct run_result *res);

#endif
