/* dkim_tags.h - the tag=value lists of DKIM (RFC 6376 §3.2): the
 * DKIM-Signature header and the key record, parsed and checked by our own
 * rules before libopendkim sees them, so that every signature gets a verdict
 * even where the library gives none. Pure functions: no DNS, no globals. */
#ifndef MXGATE_DKIM_TAGS_H
#define MXGATE_DKIM_TAGS_H

#include <stdbool.h>
#include <stddef.h>

struct arena;

/* What we read of a DKIM-Signature: the values with folding white space
 * removed (in the arena), NULL when the tag is absent. */
struct dkim_sighdr {
    const char *v, *a, *d, *s, *h, *b, *bh, *i, *l, *t, *x;
    const char *why; /* set when the signature is unusable: permerror's reason */
};

/* dkim_sig_parse - parse a DKIM-Signature value (what follows the colon) and
 * check what RFC 6376 §6.1.1 and RFC 8301 require of it: v=1, a, b, bh, d,
 * h with From (§5.4), s, no duplicate tag, i within d, an acceptable
 * algorithm (rsa-sha256 or ed25519-sha256; rsa-sha1 is refused). Returns 0,
 * or -1 with out->why set (the other fields filled as far as known). */
int dkim_sig_parse(const char *value, size_t len, struct arena *arena, struct dkim_sighdr *out);

/* dkim_key_check - check a key record (RFC 6376 §3.6.1, RFC 8463) for a
 * signature: v=DKIM1 first if present, k= matching the signature's
 * algorithm, h= allowing sha256, s= allowing email, t=s forbidding an i=
 * subdomain, p= present, not empty (revoked) and valid base64. Returns NULL
 * when usable, else the permerror's reason (static). */
const char *dkim_key_check(const char *record, size_t len, const struct dkim_sighdr *sig);

/* dkim_key_select - among the TXT strings of a key name, the index of the one
 * to use: the first that dkim_key_check accepts, else the first; -1 if n is 0. */
int dkim_key_select(const char *const *txt, const size_t *lens, size_t n,
                    const struct dkim_sighdr *sig);

/* dkim_signs_header - whether the colon-separated h= list names header
 * (case-insensitive, white space ignored). */
bool dkim_signs_header(const char *h, const char *header);

#endif
