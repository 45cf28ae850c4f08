/* dkim_sign.c - the DKIM-Signature header field */
#include "dkim_sign.h"

#include "arena.h"
#include "conn.h"
#include "util.h"

#include <inttypes.h>
#include <openssl/rsa.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define LINE_MAX_LEN 78 /* RFC 5322 §2.1.1 */
#define SIG_MAX 1024    /* octets of a signature: RSA up to 8192 bits */

/* RFC 6376 §5.4.1, plus fields whose change alters what a reader sees. */
static const char *const signed_names[] = {
    "From",      "Reply-To",     "Subject",          "Date",
    "To",        "Cc",           "Resent-Date",      "Resent-From",
    "Resent-To", "Resent-Cc",    "In-Reply-To",      "References",
    "List-Id",   "List-Help",    "List-Unsubscribe", "List-Subscribe",
    "List-Post", "List-Owner",   "List-Archive",     "Message-ID",
    "Sender",    "MIME-Version", "Content-Type",     "Content-Transfer-Encoding",
};

/* A header field value being built, with its current line's length. */
struct fold {
    char *buf;
    size_t n, cap, col;
};

/* fold_put - append n octets */
static void fold_put(struct fold *f, const char *s, size_t n)
{
    if (f->n + n + 1 > f->cap) {
        f->cap = (f->n + n + 1) * 2;
        f->buf = xrealloc(f->buf, f->cap);
    }
    memcpy(f->buf + f->n, s, n);
    f->n += n;
    f->buf[f->n] = '\0';
    f->col += n;
}

/* fold_break - start a new line (CRLF TAB: the tab counts as one column) */
static void fold_break(struct fold *f)
{
    fold_put(f, "\r\n\t", 3);
    f->col = 1;
}

/* fold_word - a word, after a space on this line or first on a new one */
static void fold_word(struct fold *f, const char *s, size_t n)
{
    if (f->col + 1 + n > LINE_MAX_LEN)
        fold_break(f);
    else
        fold_put(f, " ", 1);
    fold_put(f, s, n);
}

/* fold_tag - "tag=value;" as one word */
static void fold_tag(struct fold *f, const char *tag, const char *value)
{
    char word[512];
    int n = snprintf(word, sizeof(word), "%s=%s;", tag, value);
    fold_word(f, word, (size_t)n);
}

/* fold_list - "h=A:B:C;" broken before a name that does not fit */
static void fold_list(struct fold *f, const char *list)
{
    size_t first = strcspn(list, ":");
    char head[64];
    int n = snprintf(head, sizeof(head), "h=%.*s", (int)first, list);
    fold_word(f, head, (size_t)n);
    for (const char *p = list + first; *p == ':';) {
        size_t len = strcspn(p + 1, ":") + 1;
        if (f->col + len + 1 > LINE_MAX_LEN)
            fold_break(f);
        fold_put(f, p, len);
        p += len;
    }
    fold_put(f, ";", 1);
}

/* fold_b64 - the b= value, filling lines (white space inside is allowed) */
static void fold_b64(struct fold *f, const char *b64)
{
    size_t n = strlen(b64);
    while (n > 0) {
        if (f->col >= LINE_MAX_LEN)
            fold_break(f);
        size_t room = LINE_MAX_LEN - f->col, k = n < room ? n : room;
        fold_put(f, b64, k);
        b64 += k;
        n -= k;
    }
}

/* is_oversigned - name is on the oversign list */
static bool is_oversigned(const char *name, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcasecmp(list[i], name) == 0)
            return true;
    return false;
}

/* count_named - how many fields are called name */
static unsigned count_named(const struct msg_header *hdrs, unsigned nhdrs, const char *name)
{
    unsigned k = 0;
    for (unsigned i = 0; i < nhdrs; i++)
        k += strcasecmp(hdrs[i].name, name) == 0;
    return k;
}

/* dkim_sign_headers - the h= list */
const char *dkim_sign_headers(struct arena *arena, const struct msg_header *hdrs, unsigned nhdrs,
                              const char *const *oversign, size_t noversign)
{
    struct fold f = {0};
    for (size_t i = 0; i < ARRAY_LEN(signed_names); i++) {
        const char *name = signed_names[i];
        unsigned k = count_named(hdrs, nhdrs, name);
        k += is_oversigned(name, oversign, noversign);
        for (unsigned j = 0; j < k; j++) {
            if (f.n)
                fold_put(&f, ":", 1);
            fold_put(&f, name, strlen(name));
        }
    }
    const char *out = arena_strdup(arena, f.buf ? f.buf : "");
    free(f.buf);
    return out;
}

/* nth_from_bottom - the field called name that is the j-th (0-based)
 * counted from the bottom, or NULL (§5.4.2) */
static const struct msg_header *nth_from_bottom(const struct msg_header *hdrs, unsigned nhdrs,
                                                const char *name, size_t namelen, unsigned j)
{
    for (unsigned i = nhdrs; i-- > 0;)
        if (strlen(hdrs[i].name) == namelen && strncasecmp(hdrs[i].name, name, namelen) == 0 &&
            j-- == 0)
            return &hdrs[i];
    return NULL;
}

/* hash_signed - the fields named in h= into h, in h= order */
static void hash_signed(struct dkim_hash *h, enum dkim_canon canon, const char *list,
                        const struct msg_header *hdrs, unsigned nhdrs)
{
    const char *prev = NULL;
    size_t prevlen = 0;
    unsigned j = 0;
    for (const char *p = list; *p;) {
        size_t len = strcspn(p, ":");
        j = prev && len == prevlen && strncasecmp(prev, p, len) == 0 ? j + 1 : 0;
        const struct msg_header *m = nth_from_bottom(hdrs, nhdrs, p, len, j);
        if (m)
            dkim_canon_header(h, canon, m->name, m->value, m->vlen, true);
        prev = p, prevlen = len;
        p += len + (p[len] == ':');
    }
}

/* sign_rsa - RSASSA-PKCS1-v1_5 over the SHA-256 digest */
static int sign_rsa(EVP_PKEY *pkey, const unsigned char *d, unsigned char *sig, size_t *siglen)
{
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
    int ok = ctx && EVP_PKEY_sign_init(ctx) == 1 &&
             EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1 &&
             EVP_PKEY_CTX_set_signature_md(ctx, dkim_hash_md()) == 1 &&
             EVP_PKEY_sign(ctx, sig, siglen, d, DKIM_HASH_LEN) == 1;
    EVP_PKEY_CTX_free(ctx);
    return ok ? 0 : -1;
}

/* sign_ed25519 - RFC 8463: PureEdDSA over the SHA-256 digest (the digest is
 * the message Ed25519 signs, not the header data itself) */
static int sign_ed25519(EVP_PKEY *pkey, const unsigned char *d, unsigned char *sig, size_t *siglen)
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int ok = md && EVP_DigestSignInit_ex(md, NULL, NULL, NULL, NULL, pkey, NULL) == 1 &&
             EVP_DigestSign(md, sig, siglen, d, DKIM_HASH_LEN) == 1;
    EVP_MD_CTX_free(md);
    return ok ? 0 : -1;
}

/* tags - every tag but b=, then "b=" with nothing after it */
static void tags(struct fold *f, const struct dkim_sign_req *r, const char *hlist)
{
    const struct dkim_key *k = r->key;
    char v[64], *bh = dkim_key_base64(r->bh, DKIM_HASH_LEN);
    fold_tag(f, "v", "1");
    fold_tag(f, "a", dkim_alg_name(k->alg));
    snprintf(v, sizeof(v), "%s/%s", dkim_canon_name(k->hcanon), dkim_canon_name(k->bcanon));
    fold_tag(f, "c", v);
    fold_tag(f, "d", k->domain);
    fold_tag(f, "s", k->selector);
    snprintf(v, sizeof(v), "%" PRId64, r->t);
    fold_tag(f, "t", v);
    snprintf(v, sizeof(v), "%" PRId64, r->t + (int64_t)r->expire);
    if (r->expire)
        fold_tag(f, "x", v);
    fold_list(f, hlist);
    fold_tag(f, "bh", bh);
    fold_word(f, "b=", 2);
    free(bh);
}

/* dkim_sign - the signature header field's value */
const char *dkim_sign(struct arena *arena, const struct dkim_sign_req *r, char *err, size_t errlen)
{
    const struct dkim_key *k = r->key;
    struct fold f = {.col = strlen(DKIM_SIGN_HEADER) + 1};
    struct dkim_hash h;
    unsigned char digest[DKIM_HASH_LEN], sig[SIG_MAX];
    size_t siglen = sizeof(sig);
    const char *out = NULL;
    const char *hlist = dkim_sign_headers(arena, r->hdrs, r->nhdrs, r->oversign, r->noversign);
    if (dkim_hash_init(&h) < 0) {
        snprintf(err, errlen, "OpenSSL cannot hash");
        return NULL;
    }
    tags(&f, r, hlist);
    hash_signed(&h, k->hcanon, hlist, r->hdrs, r->nhdrs);
    dkim_canon_header(&h, k->hcanon, DKIM_SIGN_HEADER, f.buf, f.n, false);
    if (dkim_hash_final(&h, digest) < 0 ||
        (k->alg == DKIM_ALG_ED25519_SHA256 ? sign_ed25519(k->pkey, digest, sig, &siglen)
                                           : sign_rsa(k->pkey, digest, sig, &siglen)) < 0) {
        snprintf(err, errlen, "OpenSSL could not sign with key %s (%s)", k->name, k->file);
        goto out;
    }
    char *b64 = dkim_key_base64(sig, siglen);
    fold_b64(&f, b64);
    free(b64);
    out = arena_strdup(arena, f.buf);
out:
    dkim_hash_free(&h);
    free(f.buf);
    return out;
}
