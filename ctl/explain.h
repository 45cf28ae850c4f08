/* explain.h - mxgatectl explain, inside: what its three files share. The
 * transaction is driven through session.h, the daemon's own steps, on a
 * connection built here instead of by the milter server; trace callbacks (conn.h)
 * print each rule evaluated and each decision, the connection's check slots
 * give each check result. */
#ifndef MXGATE_EXPLAIN_H
#define MXGATE_EXPLAIN_H

#include "conn.h"
#include "decide.h"
#include "session.h"

#include <stdbool.h>
#include <stdio.h>

#define EXPLAIN_MAX_MACROS 64

/* The transaction to replay, from the command line. */
struct explain_args {
    const char *client, *name, *helo, *sender; /* client "-": no IP client */
    char **rcpts;
    int nrcpts;
    const char *message;                    /* -d: a file, "-" for stdin; NULL: no message */
    const char *macros[EXPLAIN_MAX_MACROS]; /* "NAME=VALUE" */
    unsigned nmacros;
    bool write_store;  /* -w: the configured store, written */
    const char *store; /* -s: another store, read and written */
    bool verbose;      /* -v: the daemon's debug log on stderr */
};

/* One run: the connection, what was printed, the replies as the MTA gets them. */
struct explain {
    const struct explain_args *args;
    struct conn *c;
    FILE *out;     /* the explanation (stdout) */
    char *replies; /* "STEP: REPLY" lines, as milterc prints them */
    size_t replies_len;
    FILE *rep;     /* open_memstream on replies */
    char *message; /* -d: the file's content, or NULL */
    size_t message_len;
    char mail_addr[1024];                   /* the sender, for the macro {mail_addr} */
    struct conn_trace trace;                /* explain_trace_ops, arg ex */
    struct check_result shown[CHECK_COUNT]; /* the results already printed */
    bool shown_any[CHECK_COUNT];
};

/* explain_trace_ops - the trace callbacks (their arg is the struct explain). */
extern const struct conn_trace explain_trace_ops;

/* explain_checks - print the check results that are new since the last call. */
void explain_checks(struct explain *ex);

/* explain_pending - at the end: the checks started that no rule needed. */
void explain_pending(struct explain *ex);

/* explain_reply - print a step's reply ("  reply: ..."), and unless the MTA
 * would not wait for it (mta_noreply), add "LABEL: REPLY" to the replies. */
void explain_reply(struct explain *ex, const char *label, enum stage stage,
                   const struct reply *rep);

/* explain_edits - the end-of-message edits for ex, printed both ways. */
struct session_edits explain_edits(struct explain *ex);

/* explain_read - the message file (path, or "-" for stdin) read whole and
 * NUL-terminated, its length in *len; the caller frees it. NULL after
 * saying why on stderr. */
char *explain_read(const char *path, size_t *len);

/* explain_message - run the message's steps (headers, end of headers, body)
 * as the negotiated protocol sends them. */
void explain_message(struct explain *ex, const char *msg, size_t len);

#endif
