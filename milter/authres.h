/* authres.h - the Authentication-Results header (RFC 8601) that mxgate adds
 * for downstream consumers: what its checks found, under its authserv-id */
#ifndef MXGATE_AUTHRES_H
#define MXGATE_AUTHRES_H

#include <stdbool.h>
#include <stddef.h>

struct conn;

/* authres_value - the header's value for the current message, in the
 * message's arena, e.g. "mx.example.net; iprev=pass policy.iprev=192.0.2.10
 * (mx.example.net)"; NULL when no authserv_id is configured or the client is
 * trusted (its checks did not run). May finish checks (DNS within budget). */
const char *authres_value(struct conn *c);

/* authres_received_spf - the Received-SPF value (RFC 7208 9.1) for the MAIL
 * FROM check, when it ran; NULL otherwise. In the message's arena. */
const char *authres_received_spf(struct conn *c);

/* authres_claims - whether an Authentication-Results value (as after the
 * colon) names authserv_id as its authserv-id (RFC 8601 §2.5: compared
 * case-insensitively; CFWS and a quoted-string form allowed). */
bool authres_claims(const char *value, size_t len, const char *authserv_id);

#endif
