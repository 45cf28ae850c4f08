/* test_dkim_sign.c - the DKIM-Signature field: which fields are signed,
 * the tags and their folding, and signatures that OpenSSL verifies over the
 * data RFC 6376 §3.7 and RFC 8463 say is signed (rebuilt here by hand for
 * simple/simple, independently of the canonicalization code) */
#include "arena.h"
#include "conn.h"
#include "dkim_sign.h"
#include "testing.h"
#include "util.h"

#include <openssl/evp.h>
#include <openssl/rsa.h>

#define H(n, v)                                      \
    {                                                \
        .name = n, .value = v, .vlen = sizeof(v) - 1 \
    }

static const struct msg_header hdrs[] = {
    H("Received", " from a by b"),
    H("From", " Alice <alice@example.net>"),
    H("To", " bob@example.org"),
    H("Subject", " hello\r\n\tworld"),
    H("Date", " Sat, 22 Nov 2026 10:00:00 +0000"),
    H("X-Mailer", " test"),
    H("Resent-To", " r1@example.org"),
    H("Resent-To", " r2@example.org"),
};
static const char *const oversign[] = {"From", "Reply-To"};
static const unsigned char bh[DKIM_HASH_LEN] = {1, 2, 3};

/* sign_with - a signature by a fresh key of type ("RSA" or "ED25519") */
static const char *sign_with(struct arena *a, struct dkim_key *k, const char *type, unsigned expire)
{
    char err[256] = "";
    k->pkey = strcmp(type, "RSA") == 0 ? EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048)
                                       : EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    CHECK(k->pkey != NULL);
    k->alg = strcmp(type, "RSA") == 0 ? DKIM_ALG_RSA_SHA256 : DKIM_ALG_ED25519_SHA256;
    struct dkim_sign_req r = {.key = k,
                              .hdrs = hdrs,
                              .nhdrs = ARRAY_LEN(hdrs),
                              .bh = bh,
                              .t = 1795332000,
                              .expire = expire,
                              .oversign = oversign,
                              .noversign = 2};
    const char *v = dkim_sign(a, &r, err, sizeof(err));
    CHECK_STR(err, "");
    CHECK(v != NULL);
    return v;
}

/* b_value - the b= value without folding white space, into out */
static size_t b_value(const char *v, unsigned char *sig)
{
    char b64[2048];
    size_t n = 0;
    for (const char *p = strstr(v, " b=") + 3; *p; p++)
        if (!strchr(" \t\r\n", *p))
            b64[n++] = *p;
    b64[n] = '\0';
    int len = EVP_DecodeBlock(sig, (unsigned char *)b64, (int)n);
    CHECK(len > 0);
    return (size_t)len - (b64[n - 1] == '=') - (n > 1 && b64[n - 2] == '=');
}

/* signed_data - simple/simple by hand: the h= fields bottom-up per name, then
 * the signature field with an empty b= and no final CRLF */
static void signed_data(const char *v, char *out)
{
    strcpy(out, "From: Alice <alice@example.net>\r\n" /* From, From (absent), Reply-To x2 */
                "Subject: hello\r\n\tworld\r\n"
                "Date: Sat, 22 Nov 2026 10:00:00 +0000\r\n"
                "To: bob@example.org\r\n"
                "Resent-To: r2@example.org\r\n"
                "Resent-To: r1@example.org\r\n"
                "DKIM-Signature:");
    strncat(out, v, (size_t)(strstr(v, " b=") + 3 - v));
}

/* verify - OpenSSL checks sig over data, as the algorithm of k says */
static bool verify(const struct dkim_key *k, const char *data, const unsigned char *sig,
                   size_t siglen)
{
    unsigned char d[32];
    unsigned dlen;
    EVP_Digest(data, strlen(data), d, &dlen, EVP_sha256(), NULL);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int ok;
    if (k->alg == DKIM_ALG_ED25519_SHA256) /* RFC 8463: Ed25519 over the SHA-256 digest */
        ok = EVP_DigestVerifyInit_ex(md, NULL, NULL, NULL, NULL, k->pkey, NULL) == 1 &&
             EVP_DigestVerify(md, sig, siglen, d, dlen) == 1;
    else
        ok = EVP_DigestVerifyInit_ex(md, NULL, "SHA256", NULL, NULL, k->pkey, NULL) == 1 &&
             EVP_DigestVerify(md, sig, siglen, (const unsigned char *)data, strlen(data)) == 1;
    EVP_MD_CTX_free(md);
    return ok;
}

/* check_signature - the signature in v verifies over the data */
static void check_signature(const struct dkim_key *k, const char *v)
{
    unsigned char sig[1024];
    static char data[4096];
    size_t n = b_value(v, sig);
    signed_data(v, data);
    CHECK(verify(k, data, sig, n));
    data[20] ^= 1; /* and a change is noticed */
    CHECK(!verify(k, data, sig, n));
}

static void the_signed_fields_follow_rfc6376_with_from_oversigned(void)
{
    struct arena *a = arena_create();
    CHECK_STR(dkim_sign_headers(a, hdrs, ARRAY_LEN(hdrs), oversign, 2),
              "From:From:Reply-To:Subject:Date:To:Resent-To:Resent-To");
    CHECK_STR(dkim_sign_headers(a, hdrs, ARRAY_LEN(hdrs), NULL, 0),
              "From:Subject:Date:To:Resent-To:Resent-To");
    arena_destroy(&a);
}

static void rsa_simple_signature_verifies(void)
{
    struct arena *a = arena_create();
    struct dkim_key k = {.name = "k", .domain = "example.net", .selector = "s2026"};
    const char *v = sign_with(a, &k, "RSA", 0);
    CHECK_CONTAINS(v, " v=1; a=rsa-sha256; c=simple/simple; d=example.net; s=s2026;");
    CHECK_CONTAINS(v, "t=1795332000; h=From:From:Reply-To:Subject:Date:To:Resent-To:Resent-To;");
    CHECK(strstr(v, "x=") == NULL && strstr(v, "l=") == NULL);
    CHECK_CONTAINS(v, "bh=AQIDAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=;");
    check_signature(&k, v);
    EVP_PKEY_free(k.pkey);
    arena_destroy(&a);
}

static void ed25519_signs_the_sha256_digest(void)
{
    struct arena *a = arena_create();
    struct dkim_key k = {.name = "k", .domain = "example.net", .selector = "e"};
    const char *v = sign_with(a, &k, "ED25519", 3600);
    CHECK_CONTAINS(v, " a=ed25519-sha256;");
    CHECK_CONTAINS(v, "t=1795332000; x=1795335600;");
    check_signature(&k, v);
    EVP_PKEY_free(k.pkey);
    arena_destroy(&a);
}

static void lines_are_folded_within_78_characters(void)
{
    struct arena *a = arena_create();
    struct dkim_key k = {.name = "k",
                         .domain = "a-rather-long-subdomain.example.net",
                         .selector = "selector-2026-11",
                         .hcanon = 1,
                         .bcanon = 1};
    const char *v = sign_with(a, &k, "RSA", 86400);
    size_t col = strlen("DKIM-Signature:");
    for (const char *p = v; *p; p++) {
        col = *p == '\n' ? 0 : col + (*p != '\r');
        CHECK(col <= 78);
        CHECK(*p != '\n' || p[1] == '\t');
    }
    CHECK_CONTAINS(v, "c=relaxed/relaxed;");
    EVP_PKEY_free(k.pkey);
    arena_destroy(&a);
}

#define DKIM_SIGN_TESTS(T)                                   \
    T(the_signed_fields_follow_rfc6376_with_from_oversigned) \
    T(rsa_simple_signature_verifies)                         \
    T(ed25519_signs_the_sha256_digest)                       \
    T(lines_are_folded_within_78_characters)

TEST_MAIN(DKIM_SIGN_TESTS)
