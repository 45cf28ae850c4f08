/* dkim_canon.c - RFC 6376 §3.4 canonicalization streamed into SHA-256 */
#include "dkim_canon.h"

#include "util.h"

#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define OUT_LEN 1024 /* relaxed output is gathered here between hash updates */

struct dkim_body {
    enum dkim_canon canon;
    struct dkim_hash h;
    uint64_t crlfs; /* line ends not yet hashed: empty lines so far at the end */
    bool cr;        /* the previous chunk ended with a CR */
    bool wsp;       /* relaxed: white space seen, not yet hashed */
    bool content;   /* relaxed: something other than line ends was hashed */
};

/* Canonical octets gathered before a hash update. */
struct out {
    struct dkim_hash *h;
    size_t n;
    unsigned char buf[OUT_LEN];
};

static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;
static EVP_MD *sha256;

/* fetch_sha256 - fetch the implementation once: an implicit fetch per
 * message takes OpenSSL 3's global locks */
static void fetch_sha256(void)
{
    sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
}

/* dkim_canon_name - the c= word */
const char *dkim_canon_name(enum dkim_canon canon)
{
    return canon == DKIM_CANON_RELAXED ? "relaxed" : "simple";
}

/* dkim_canon_parse - a c= word */
int dkim_canon_parse(const char *name, size_t len, enum dkim_canon *out)
{
    if (len == 6 && strncasecmp(name, "simple", 6) == 0)
        *out = DKIM_CANON_SIMPLE;
    else if (len == 7 && strncasecmp(name, "relaxed", 7) == 0)
        *out = DKIM_CANON_RELAXED;
    else
        return -1;
    return 0;
}

/* dkim_hash_md - SHA-256 */
const EVP_MD *dkim_hash_md(void)
{
    pthread_once(&sha256_once, fetch_sha256);
    return sha256;
}

/* dkim_hash_init - a SHA-256 context */
int dkim_hash_init(struct dkim_hash *h)
{
    dkim_hash_md();
    *h = (struct dkim_hash){.md = EVP_MD_CTX_new()};
    if (h->md == NULL || sha256 == NULL || EVP_DigestInit_ex(h->md, sha256, NULL) != 1) {
        dkim_hash_free(h);
        return -1;
    }
    return 0;
}

/* dkim_hash_put - hash (and tap) octets */
void dkim_hash_put(struct dkim_hash *h, const void *p, size_t n)
{
    if (n == 0)
        return;
    EVP_DigestUpdate(h->md, p, n);
    if (h->tap)
        h->tap(h->tap_arg, p, n);
}

/* dkim_hash_final - the digest */
int dkim_hash_final(struct dkim_hash *h, unsigned char out[DKIM_HASH_LEN])
{
    unsigned len = 0;
    return EVP_DigestFinal_ex(h->md, out, &len) == 1 && len == DKIM_HASH_LEN ? 0 : -1;
}

/* dkim_hash_free - release the context */
void dkim_hash_free(struct dkim_hash *h)
{
    EVP_MD_CTX_free(h->md);
    h->md = NULL;
}

/* out_put - gather octets, hashing when the buffer is full */
static void out_put(struct out *o, const void *p, size_t n)
{
    if (o->n + n > sizeof(o->buf)) {
        dkim_hash_put(o->h, o->buf, o->n);
        o->n = 0;
        if (n > sizeof(o->buf)) {
            dkim_hash_put(o->h, p, n);
            return;
        }
    }
    memcpy(o->buf + o->n, p, n);
    o->n += n;
}

/* out_flush - hash what is gathered */
static void out_flush(struct out *o)
{
    dkim_hash_put(o->h, o->buf, o->n);
    o->n = 0;
}

/* is_wsp - SP or HTAB */
static bool is_wsp(unsigned char ch)
{
    return ch == ' ' || ch == '\t';
}

/* relaxed_value - unfold, one SP for each run of white space, none at
 * either end (§3.4.2) */
static void relaxed_value(struct out *o, const char *v, size_t n)
{
    bool wsp = false, any = false;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)v[i];
        if (ch == '\r' && i + 1 < n && v[i + 1] == '\n') {
            i++;
            continue;
        }
        if (is_wsp(ch)) {
            wsp = true;
            continue;
        }
        if (wsp && any)
            out_put(o, " ", 1);
        out_put(o, &ch, 1);
        wsp = false;
        any = true;
    }
}

/* dkim_canon_header - one header field, canonicalized */
void dkim_canon_header(struct dkim_hash *h, enum dkim_canon canon, const char *name,
                       const char *value, size_t vlen, bool crlf)
{
    struct out o = {.h = h};
    if (canon == DKIM_CANON_SIMPLE) {
        dkim_hash_put(h, name, strlen(name));
        dkim_hash_put(h, ":", 1);
        dkim_hash_put(h, value, vlen);
        if (crlf)
            dkim_hash_put(h, "\r\n", 2);
        return;
    }
    size_t nlen = strlen(name);
    while (nlen > 0 && is_wsp((unsigned char)name[nlen - 1]))
        nlen--;
    for (size_t i = 0; i < nlen; i++) {
        unsigned char lc = (unsigned char)tolower((unsigned char)name[i]);
        out_put(&o, &lc, 1);
    }
    out_put(&o, ":", 1);
    relaxed_value(&o, value, vlen);
    if (crlf)
        out_put(&o, "\r\n", 2);
    out_flush(&o);
}

/* dkim_body_new - a fresh body hash */
struct dkim_body *dkim_body_new(enum dkim_canon canon)
{
    struct dkim_body *b = xcalloc(1, sizeof(*b));
    b->canon = canon;
    if (dkim_hash_init(&b->h) < 0) {
        free(b);
        return NULL;
    }
    return b;
}

/* dkim_body_tap - see the canonical body */
void dkim_body_tap(struct dkim_body *b, void (*tap)(void *, const unsigned char *, size_t),
                   void *arg)
{
    b->h.tap = tap;
    b->h.tap_arg = arg;
}

/* put_crlfs - hash the line ends held back, now that content follows */
static void put_crlfs(struct dkim_body *b)
{
    static const char crlfs[] = "\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n";
    while (b->crlfs > 0) {
        uint64_t k = b->crlfs < 16 ? b->crlfs : 16;
        dkim_hash_put(&b->h, crlfs, (size_t)k * 2);
        b->crlfs -= k;
    }
}

/* simple_update - §3.4.3: the body as it is, but empty lines at the end are
 * only counted. Content is hashed straight from the chunk. */
static void simple_update(struct dkim_body *b, const unsigned char *p, size_t n)
{
    size_t i = 0;
    if (b->cr && n > 0) {
        b->cr = false;
        if (p[0] == '\n') {
            b->crlfs++;
            i = 1;
        } else {
            put_crlfs(b);
            dkim_hash_put(&b->h, "\r", 1);
        }
    }
    size_t j = n, pairs = 0;
    bool cr = j > i && p[j - 1] == '\r';
    j -= cr;
    while (j >= i + 2 && p[j - 2] == '\r' && p[j - 1] == '\n') {
        pairs++;
        j -= 2;
    }
    if (j > i) {
        put_crlfs(b);
        dkim_hash_put(&b->h, p + i, j - i);
    }
    b->crlfs += pairs;
    b->cr = b->cr || cr;
}

/* relaxed_content - a run of content octets: first the line ends and the
 * white space held back before it */
static void relaxed_content(struct dkim_body *b, struct out *o, const unsigned char *p, size_t n)
{
    for (; b->crlfs > 0; b->crlfs--)
        out_put(o, "\r\n", 2);
    if (b->wsp)
        out_put(o, " ", 1);
    out_put(o, p, n);
    b->wsp = false;
    b->content = true;
}

/* content_run - how many octets from p on stay as they are: no CR, no tab,
 * and a space only as the single one between two other octets (a run never
 * starts with one: white space runs are the caller's) */
static size_t content_run(const unsigned char *p, size_t n)
{
    size_t k = 0;
    for (; k < n && p[k] != '\r' && p[k] != '\t'; k++)
        if (p[k] == ' ' && (k == 0 || k + 1 == n || is_wsp(p[k + 1]) || p[k + 1] == '\r'))
            break;
    return k;
}

/* relaxed_update - §3.4.4: white space runs become one SP, white space at
 * line ends and empty lines at the end go. Runs of content are copied whole. */
static void relaxed_update(struct dkim_body *b, const unsigned char *p, size_t n)
{
    struct out o = {.h = &b->h};
    for (size_t i = 0; i < n;) {
        if (b->cr) {
            b->cr = false;
            if (p[i] == '\n') {
                b->wsp = false;
                b->crlfs++;
                i++;
                continue;
            }
            relaxed_content(b, &o, (const unsigned char *)"\r", 1);
        }
        size_t k = content_run(p + i, n - i);
        if (k > 0)
            relaxed_content(b, &o, p + i, k);
        else if (p[i] == '\r')
            b->cr = true;
        else
            b->wsp = true;
        i += k ? k : 1;
    }
    out_flush(&o);
}

/* dkim_body_update - one chunk */
void dkim_body_update(struct dkim_body *b, const unsigned char *p, size_t n)
{
    if (b->canon == DKIM_CANON_SIMPLE)
        simple_update(b, p, n);
    else
        relaxed_update(b, p, n);
}

/* dkim_body_final - end of body and the hash. A CR left at the end is
 * content; then simple ends with exactly one CRLF (also for an empty body),
 * relaxed with one CRLF unless nothing was hashed. */
int dkim_body_final(struct dkim_body *b, unsigned char out[DKIM_HASH_LEN])
{
    if (b->cr) {
        struct out o = {.h = &b->h};
        b->cr = false;
        if (b->canon == DKIM_CANON_SIMPLE) {
            put_crlfs(b);
            dkim_hash_put(&b->h, "\r", 1);
        } else {
            relaxed_content(b, &o, (const unsigned char *)"\r", 1);
            out_flush(&o);
        }
    }
    if (b->canon == DKIM_CANON_SIMPLE || b->content)
        dkim_hash_put(&b->h, "\r\n", 2);
    return dkim_hash_final(&b->h, out);
}

/* dkim_body_canon - its canonicalization */
enum dkim_canon dkim_body_canon(const struct dkim_body *b)
{
    return b->canon;
}

/* dkim_body_free - release */
void dkim_body_free(struct dkim_body *b)
{
    if (b == NULL)
        return;
    dkim_hash_free(&b->h);
    free(b);
}
