/* signer.h - DKIM signing of one message: who is signed, with which keys,
 * the body hashed as it streams by, the signatures at end of message. The
 * glue calls one function per callback; the state lives in the message's
 * arena (c->signer), released with it. One connection's callbacks only. */
#ifndef MXGATE_SIGNER_H
#define MXGATE_SIGNER_H

#include "conn.h"

/* signer_start - end of headers: decide whether the message is signed. It
 * is when sign is configured, the client is ours (SMTP AUTH, a trusted
 * network, or local submission without an IP client), and the signing
 * identity (the From header's address, or the envelope sender with sign_by
 * = "sender") matches a row of the signing table. Several From headers: not
 * signed (logged at info); no matching row: not signed (debug). */
void signer_start(struct conn *c);

/* signer_body - a body chunk, for the body hashes of a signed message. */
void signer_body(struct conn *c, const unsigned char *p, size_t n);

/* signer_finish - end of message: the DKIM-Signature values to insert (in
 * the message's arena, NULL-terminated, as smfi_insheader takes them: folds
 * as LF TAB, no space after the colon), or
 * NULL when the message is not signed. Logs "QUEUEID: signed: d=... s=...
 * a=..." once per message. */
const char *const *signer_finish(struct conn *c);

/* signer_from_domain - the first address of a From header value and its
 * domain (lowercase), in arena; -1 if it holds no address with a domain.
 * (A stand-in until the full RFC 5322 parser takes its place.) */
int signer_from_domain(struct arena *arena, const char *value, const char **address,
                       const char **domain);

#endif
