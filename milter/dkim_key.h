/* dkim_key.h - DKIM private keys: read and checked once, at configuration
 * load (start and reload), never per message. A loaded key is immutable and
 * may be used by every thread at once. */
#ifndef MXGATE_DKIM_KEY_H
#define MXGATE_DKIM_KEY_H

#include <openssl/evp.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct arena;

#define DKIM_KEY_MIN_BITS 1024  /* RSA keys below are refused */
#define DKIM_KEY_WARN_BITS 2048 /* RSA keys below load with a warning */

/* Zero means no key. */
enum dkim_alg { DKIM_ALG_NONE = 0, DKIM_ALG_RSA_SHA256, DKIM_ALG_ED25519_SHA256 };

/* A signing key as configured: the key table's row with its loaded key and
 * the canonicalization its signatures use. Lives in the configuration's
 * arena. */
struct dkim_key {
    const char *name, *domain, *selector, *file;
    enum dkim_alg alg;
    unsigned bits;
    EVP_PKEY *pkey;
    int hcanon, bcanon; /* enum dkim_canon (dkim_canon.h) */
    bool own_canon;     /* set for this key; else the table's default applies */
    const char *origin; /* "FILE:LINE" where it was defined, for messages */
};

/* Who may own a key file, and whether its mode is checked. */
struct dkim_key_policy {
    bool require_safe; /* refuse group/other permissions and foreign owners */
    bool have_user;    /* besides root, the daemon's user may own keys */
    uid_t user_uid;
    const char *user; /* its name, for messages */
};

/* dkim_alg_name - "rsa-sha256", "ed25519-sha256" (the a= value). */
const char *dkim_alg_name(enum dkim_alg alg);

/* dkim_key_read - read the PEM private key (RSA or Ed25519) in file after
 * checking the file against policy. The key is freed when arena is released
 * (arena_on_release). Returns 0 with *pkey, *alg and *bits set; or -1 with
 * "FILE: problem" in err. A usable RSA key shorter than DKIM_KEY_WARN_BITS
 * returns 0 and says so in warn (else warn is ""). Any thread. */
int dkim_key_read(const char *file, const struct dkim_key_policy *policy, struct arena *arena,
                  EVP_PKEY **pkey, enum dkim_alg *alg, unsigned *bits, char *err, size_t errlen,
                  char *warn, size_t warnlen);

/* dkim_key_public - the DNS record's k= and p= values of pkey: "rsa" and the
 * base64 SubjectPublicKeyInfo, or "ed25519" and the base64 raw public key.
 * *p is malloc'd (caller frees); 0, or -1 if OpenSSL fails. */
int dkim_key_public(EVP_PKEY *pkey, const char **k, char **p);

/* dkim_key_base64 - base64 of n octets, no line breaks; malloc'd. */
char *dkim_key_base64(const unsigned char *in, size_t n);

#endif
