/* dkim_canon.h - RFC 6376 canonicalization (simple and relaxed, §3.4) of
 * header fields and of the body, streamed into SHA-256. The body is never
 * buffered: chunks may be split anywhere (even between CR and LF), trailing
 * empty lines are kept as a count until content follows or the body ends. */
#ifndef MXGATE_DKIM_CANON_H
#define MXGATE_DKIM_CANON_H

#include <openssl/evp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DKIM_HASH_LEN 32 /* SHA-256 */

enum dkim_canon { DKIM_CANON_SIMPLE = 0, DKIM_CANON_RELAXED };

/* Where canonical octets go: a SHA-256 context, and for tests and debugging
 * an optional tap that sees the same octets. */
struct dkim_hash {
    EVP_MD_CTX *md;
    void (*tap)(void *arg, const unsigned char *p, size_t n);
    void *tap_arg;
};

/* A streaming body canonicalizer and hash (opaque). */
struct dkim_body;

/* dkim_canon_name - "simple" or "relaxed". */
const char *dkim_canon_name(enum dkim_canon canon);

/* dkim_canon_parse - "simple", "relaxed" to *out; 0, or -1 if neither. */
int dkim_canon_parse(const char *name, size_t len, enum dkim_canon *out);

/* dkim_hash_md - SHA-256, fetched once (an implicit fetch per use takes
 * OpenSSL 3's global locks). NULL if OpenSSL has none. Any thread. */
const EVP_MD *dkim_hash_md(void);

/* dkim_hash_init - a fresh SHA-256 context in h (no tap); 0, or -1 if
 * OpenSSL fails. Release with dkim_hash_free. */
int dkim_hash_init(struct dkim_hash *h);

/* dkim_hash_put - feed n octets. */
void dkim_hash_put(struct dkim_hash *h, const void *p, size_t n);

/* dkim_hash_final - the digest into out; the context may then be freed. */
int dkim_hash_final(struct dkim_hash *h, unsigned char out[DKIM_HASH_LEN]);

/* dkim_hash_free - release the context; accepts an unused h. */
void dkim_hash_free(struct dkim_hash *h);

/* dkim_canon_header - feed one header field, canonicalized: name as it is
 * in the message, value what follows the colon (folds as CRLF), vlen its
 * length. crlf: end with CRLF (every signed field) or not (the
 * DKIM-Signature field itself, §3.7). */
void dkim_canon_header(struct dkim_hash *h, enum dkim_canon canon, const char *name,
                       const char *value, size_t vlen, bool crlf);

/* dkim_body_new - a body canonicalizer (not thread-shared: one message's).
 * NULL if OpenSSL cannot make a context. Free with dkim_body_free. */
struct dkim_body *dkim_body_new(enum dkim_canon canon);

/* dkim_body_tap - also hand the canonical octets to tap (tests). */
void dkim_body_tap(struct dkim_body *b, void (*tap)(void *, const unsigned char *, size_t),
                   void *arg);

/* dkim_body_update - a chunk of the body as the MTA sends it (CRLF). */
void dkim_body_update(struct dkim_body *b, const unsigned char *p, size_t n);

/* dkim_body_final - end of body: the body hash into out; 0 or -1. Call once. */
int dkim_body_final(struct dkim_body *b, unsigned char out[DKIM_HASH_LEN]);

/* dkim_body_canon - the canonicalization b was made with. */
enum dkim_canon dkim_body_canon(const struct dkim_body *b);

/* dkim_body_free - release b; accepts NULL. */
void dkim_body_free(struct dkim_body *b);

#endif
