/* session.h - the steps of one SMTP session as mxgate runs them: for each
 * event the MTA reports, the facts recorded, the checks started, the rules
 * decided and the reply. The milter glue calls one function per
 * callback; mxgatectl explain calls the same functions on a connection it
 * builds itself, so that an explanation follows the daemon's code paths.
 * One connection's steps are serialized (any thread). */
#ifndef MXGATE_SESSION_H
#define MXGATE_SESSION_H

#include "addr.h"
#include "conn.h"
#include "decide.h"

#include <stddef.h>

/* What end of message changes in an accepted message, in this order: the
 * glue asks the MTA, explain prints. Values are as after the colon, without
 * the leading space; folds are LF TAB. */
struct session_edits {
    void (*quarantine)(void *arg, const struct conn *c, const char *reason);
    /* remove - delete the index-th (1-based) header called name */
    void (*remove)(void *arg, const struct conn *c, const char *name, unsigned index);
    /* insert - prepend a header */
    void (*insert)(void *arg, const struct conn *c, const char *name, const char *value);
    void *arg;
};

/* session_connect - a client (addr NULL: no IP client, e.g. local
 * submission; name as the MTA gives it, "[addr]" for none): its facts, its
 * connect checks started, the connect rules. */
struct reply session_connect(struct conn *c, const char *name, const struct ipaddr *addr);

/* session_helo - HELO or EHLO name; a second one replaces the first and its
 * checks run again. */
struct reply session_helo(struct conn *c, const char *helo);

/* session_mail - MAIL FROM (arg as the MTA gives it, angle brackets or not):
 * a new transaction; reads the macros i and {auth_authen}. */
struct reply session_mail(struct conn *c, const char *arg);

/* session_rcpt - RCPT TO: the recipient is added to the message unless the
 * reply refuses it; reads the macro i. */
struct reply session_rcpt(struct conn *c, const char *arg);

/* session_header - one header: name, and value as the MTA sends it (with
 * its leading space when SMFIP_HDR_LEADSPC is in c->proto, folds as LF). */
void session_header(struct conn *c, const char *name, const char *value);

/* session_eoh - end of headers: the content checks and DKIM signing start. */
void session_eoh(struct conn *c);

/* session_body - a chunk of the body (CRLF line ends). */
void session_body(struct conn *c, const unsigned char *p, size_t n);

/* session_eom - end of message: the end-of-message rules; for a message
 * that goes on, its edits through ed (quarantine, forged
 * Authentication-Results removed, DKIM signatures, Received-SPF and our
 * Authentication-Results prepended). Reads the macro i. */
struct reply session_eom(struct conn *c, const struct session_edits *ed);

/* session_abort - the transaction ended without a message. */
void session_abort(struct conn *c);

#endif
