/* dkim_key.c - DKIM private keys from PEM files, with the safe-key checks */
#include "dkim_key.h"

#include "arena.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* dkim_alg_name - the a= value */
const char *dkim_alg_name(enum dkim_alg alg)
{
    switch (alg) {
    case DKIM_ALG_RSA_SHA256:
        return "rsa-sha256";
    case DKIM_ALG_ED25519_SHA256:
        return "ed25519-sha256";
    case DKIM_ALG_NONE:
        break;
    }
    return "none";
}

/* check_safe - mode and owner of an open key file against the policy */
static int check_safe(const char *file, const struct stat *st, const struct dkim_key_policy *p,
                      char *err, size_t errlen)
{
    if (!S_ISREG(st->st_mode)) {
        snprintf(err, errlen, "%s: not a regular file", file);
        return -1;
    }
    if (!p->require_safe)
        return 0;
    if (st->st_mode & (S_IRWXG | S_IRWXO)) {
        snprintf(err, errlen,
                 "%s: the key is readable or writable by group or others (mode %04o); "
                 "chmod 600 it (or set sign.require_safe_keys = false)",
                 file, (unsigned)(st->st_mode & 07777));
        return -1;
    }
    if (st->st_uid != 0 && !(p->have_user && st->st_uid == p->user_uid)) {
        snprintf(err, errlen, "%s: the key is owned by uid %lu, not by root%s%s", file,
                 (unsigned long)st->st_uid, p->have_user ? " or " : "",
                 p->have_user ? p->user : "");
        return -1;
    }
    return 0;
}

/* free_pkey - arena destructor */
static void free_pkey(void *pkey)
{
    EVP_PKEY_free(pkey);
}

/* classify - the algorithm and size of a key; -1 for other kinds */
static int classify(const char *file, EVP_PKEY *pkey, enum dkim_alg *alg, unsigned *bits, char *err,
                    size_t errlen)
{
    *bits = (unsigned)EVP_PKEY_get_bits(pkey);
    if (EVP_PKEY_is_a(pkey, "ED25519")) {
        *alg = DKIM_ALG_ED25519_SHA256;
        return 0;
    }
    if (!EVP_PKEY_is_a(pkey, "RSA")) {
        snprintf(err, errlen, "%s: a %s key; DKIM signs with RSA or Ed25519 keys", file,
                 EVP_PKEY_get0_type_name(pkey));
        return -1;
    }
    *alg = DKIM_ALG_RSA_SHA256;
    if (*bits < DKIM_KEY_MIN_BITS) {
        snprintf(err, errlen, "%s: an RSA key of %u bits; at least %u are needed", file, *bits,
                 DKIM_KEY_MIN_BITS);
        return -1;
    }
    return 0;
}

/* read_pem - the private key in an open file */
static EVP_PKEY *read_pem(int fd, const char *file, char *err, size_t errlen)
{
    BIO *bio = BIO_new_fd(fd, BIO_NOCLOSE);
    EVP_PKEY *pkey = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
    BIO_free(bio);
    if (pkey == NULL)
        snprintf(err, errlen,
                 "%s: no PEM private key could be read (an RSA or Ed25519 key in "
                 "\"-----BEGIN PRIVATE KEY-----\" form is expected)",
                 file);
    return pkey;
}

/* dkim_key_read - check the file, read and classify its key */
int dkim_key_read(const char *file, const struct dkim_key_policy *policy, struct arena *arena,
                  EVP_PKEY **pkey, enum dkim_alg *alg, unsigned *bits, char *err, size_t errlen,
                  char *warn, size_t warnlen)
{
    struct stat st;
    int rc = -1;
    warn[0] = '\0';
    *pkey = NULL;
    int fd = open(file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "%s: cannot open the key: %s", file, strerror(errno));
        return -1;
    }
    if (fstat(fd, &st) < 0 || check_safe(file, &st, policy, err, errlen) < 0)
        goto out;
    if ((*pkey = read_pem(fd, file, err, errlen)) == NULL)
        goto out;
    arena_on_release(arena, free_pkey, *pkey);
    if (classify(file, *pkey, alg, bits, err, errlen) < 0)
        goto out;
    if (*alg == DKIM_ALG_RSA_SHA256 && *bits < DKIM_KEY_WARN_BITS)
        snprintf(warn, warnlen, "%s: an RSA key of %u bits; %u or more are recommended", file,
                 *bits, DKIM_KEY_WARN_BITS);
    rc = 0;
out:
    close(fd);
    return rc;
}

/* dkim_key_base64 - base64 without line breaks */
char *dkim_key_base64(const unsigned char *in, size_t n)
{
    char *out = xmalloc(4 * ((n + 2) / 3) + 1);
    EVP_EncodeBlock((unsigned char *)out, in, (int)n);
    return out;
}

/* dkim_key_public - k= and p= for the DNS record */
int dkim_key_public(EVP_PKEY *pkey, const char **k, char **p)
{
    unsigned char raw[64], *der = NULL;
    size_t rawlen = sizeof(raw);
    if (EVP_PKEY_is_a(pkey, "ED25519")) {
        if (EVP_PKEY_get_raw_public_key(pkey, raw, &rawlen) != 1)
            return -1;
        *k = "ed25519";
        *p = dkim_key_base64(raw, rawlen);
        return 0;
    }
    int len = i2d_PUBKEY(pkey, &der);
    if (len <= 0)
        return -1;
    *k = "rsa";
    *p = dkim_key_base64(der, (size_t)len);
    OPENSSL_free(der);
    return 0;
}
