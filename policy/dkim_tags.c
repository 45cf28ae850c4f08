/* dkim_tags.c - DKIM tag lists: the signature header and the key record */
#include "dkim_tags.h"

#include "arena.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#define MAX_TAGS 64

struct tag {
    const char *name, *val;
    size_t nlen, vlen;
};

/* is_fws - folding white space */
static bool is_fws(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

/* trim - drop FWS at both ends of [*p, *end) */
static void trim(const char **p, const char **end)
{
    while (*p < *end && is_fws(**p))
        (*p)++;
    while (*end > *p && is_fws((*end)[-1]))
        (*end)--;
}

/* valid_name - tag-name = ALPHA *ALNUMPUNC */
static bool valid_name(const char *p, size_t n)
{
    if (n == 0 || !isalpha((unsigned char)p[0]))
        return false;
    for (size_t i = 1; i < n; i++)
        if (!isalnum((unsigned char)p[i]) && p[i] != '_')
            return false;
    return true;
}

/* split_tags - the tag-specs of a tag-list; -1 on a syntax error, a
 * duplicate name or too many tags */
static int split_tags(const char *p, size_t len, struct tag *tags, size_t *n)
{
    const char *end = p + len;
    *n = 0;
    while (p < end) {
        const char *semi = memchr(p, ';', (size_t)(end - p)), *stop = semi ? semi : end;
        const char *s = p, *e = stop, *eq;
        p = semi ? semi + 1 : end;
        trim(&s, &e);
        if (s == e)
            continue;
        if ((eq = memchr(s, '=', (size_t)(e - s))) == NULL || *n == MAX_TAGS)
            return -1;
        struct tag t = {.name = s, .nlen = (size_t)(eq - s), .val = eq + 1, .vlen = 0};
        const char *ve = e;
        trim(&t.name, &eq);
        t.nlen = (size_t)(eq - t.name);
        trim(&t.val, &ve);
        t.vlen = (size_t)(ve - t.val);
        if (!valid_name(t.name, t.nlen))
            return -1;
        for (size_t i = 0; i < *n; i++)
            if (tags[i].nlen == t.nlen && memcmp(tags[i].name, t.name, t.nlen) == 0)
                return -1;
        tags[(*n)++] = t;
    }
    return 0;
}

/* find - a tag's value by name, or NULL */
static const struct tag *find(const struct tag *tags, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (tags[i].nlen == strlen(name) && memcmp(tags[i].name, name, tags[i].nlen) == 0)
            return &tags[i];
    return NULL;
}

/* unfolded - a tag's value without FWS, in arena, or NULL when absent */
static const char *unfolded(struct arena *arena, const struct tag *tags, size_t n, const char *name)
{
    const struct tag *t = find(tags, n, name);
    if (t == NULL)
        return NULL;
    char *out = arena_alloc(arena, t->vlen + 1), *o = out;
    for (size_t i = 0; i < t->vlen; i++)
        if (!is_fws(t->val[i]))
            *o++ = t->val[i] ? t->val[i] : '?';
    *o = '\0';
    return out;
}

/* domain_within - i=@host is d or a subdomain of d (§3.5) */
static bool domain_within(const char *i, const char *d)
{
    const char *at = strrchr(i, '@');
    const char *host = at ? at + 1 : i;
    size_t hn = strlen(host), dn = strlen(d);
    if (hn < dn || strcasecmp(host + hn - dn, d) != 0)
        return false;
    return hn == dn || host[hn - dn - 1] == '.';
}

/* sig_problem - the first reason a parsed signature is unusable, or NULL */
static const char *sig_problem(const struct dkim_sighdr *s)
{
    if (s->v == NULL || strcmp(s->v, "1") != 0)
        return s->v ? "unsupported version (v=)" : "missing v= tag";
    if (s->d == NULL || s->d[0] == '\0')
        return s->d ? "empty d= tag" : "missing d= tag";
    if (s->s == NULL || s->s[0] == '\0')
        return s->s ? "empty s= tag" : "missing s= tag";
    if (s->a == NULL)
        return "missing a= tag";
    if (strcasecmp(s->a, "rsa-sha1") == 0)
        return "rsa-sha1 is not acceptable (RFC 8301)";
    if (strcasecmp(s->a, "rsa-sha256") != 0 && strcasecmp(s->a, "ed25519-sha256") != 0)
        return "unsupported algorithm (a=)";
    if (s->b == NULL || s->b[0] == '\0' || s->bh == NULL || s->bh[0] == '\0')
        return s->b && s->b[0] ? "missing bh= tag" : "missing b= tag";
    if (s->h == NULL || !dkim_signs_header(s->h, "From"))
        return "From is not signed (h=)";
    if (s->i && !domain_within(s->i, s->d))
        return "i= is not within d=";
    return NULL;
}

/* dkim_sig_parse - parse and check a DKIM-Signature value */
int dkim_sig_parse(const char *value, size_t len, struct arena *arena, struct dkim_sighdr *out)
{
    struct tag tags[MAX_TAGS];
    size_t n;
    memset(out, 0, sizeof(*out));
    if (split_tags(value, len, tags, &n) < 0) {
        out->why = "malformed tag list";
        return -1;
    }
    const char **fields[] = {&out->v,  &out->a, &out->d, &out->s, &out->h, &out->b,
                             &out->bh, &out->i, &out->l, &out->t, &out->x};
    static const char *const names[] = {"v", "a", "d", "s", "h", "b", "bh", "i", "l", "t", "x"};
    for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++)
        *fields[k] = unfolded(arena, tags, n, names[k]);
    out->why = sig_problem(out);
    return out->why ? -1 : 0;
}

/* list_has - whether a ':'-separated list value holds word (case-insensitive,
 * FWS ignored) */
static bool list_has(const char *p, size_t len, const char *word)
{
    const char *end = p + len;
    while (p <= end) {
        const char *colon = memchr(p, ':', (size_t)(end - p)), *e = colon ? colon : end;
        const char *s = p;
        trim(&s, &e);
        if ((size_t)(e - s) == strlen(word) && strncasecmp(s, word, (size_t)(e - s)) == 0)
            return true;
        if (colon == NULL)
            break;
        p = colon + 1;
    }
    return false;
}

/* dkim_signs_header - look header up in h= */
bool dkim_signs_header(const char *h, const char *header)
{
    return list_has(h, strlen(h), header);
}

/* base64_ok - p= is valid base64 once FWS is removed */
static bool base64_ok(const char *p, size_t len)
{
    size_t n = 0, pad = 0;
    for (size_t i = 0; i < len; i++) {
        char ch = p[i];
        if (is_fws(ch))
            continue;
        if (ch == '=')
            pad++;
        else if (pad || !(isalnum((unsigned char)ch) || ch == '+' || ch == '/'))
            return false;
        n++;
    }
    return n % 4 == 0 && pad <= 2;
}

/* key_type_problem - k= against the signature's algorithm, or NULL */
static const char *key_type_problem(const struct tag *k, const struct dkim_sighdr *sig)
{
    bool ed = sig->a && strcasecmp(sig->a, "ed25519-sha256") == 0;
    const char *want = ed ? "ed25519" : "rsa";
    if (k == NULL)
        return ed ? "key type (k=rsa by default) does not match a=" : NULL;
    if (k->vlen != strlen(want) || strncasecmp(k->val, want, k->vlen) != 0) {
        bool known = (k->vlen == 3 && strncasecmp(k->val, "rsa", 3) == 0) ||
                     (k->vlen == 7 && strncasecmp(k->val, "ed25519", 7) == 0);
        return known ? "key type (k=) does not match a=" : "unknown key type (k=)";
    }
    return NULL;
}

/* key_flags_problem - t=s forbids an i= in a subdomain of d= (§3.6.1) */
static const char *key_flags_problem(const struct tag *t, const struct dkim_sighdr *sig)
{
    if (t == NULL || !list_has(t->val, t->vlen, "s") || sig->i == NULL || sig->d == NULL)
        return NULL;
    const char *at = strrchr(sig->i, '@');
    return strcasecmp(at ? at + 1 : sig->i, sig->d) == 0 ? NULL
                                                         : "key allows no subdomain (t=s) in i=";
}

/* dkim_key_check - the key record's problem, or NULL */
const char *dkim_key_check(const char *record, size_t len, const struct dkim_sighdr *sig)
{
    struct tag tags[MAX_TAGS];
    size_t n;
    if (split_tags(record, len, tags, &n) < 0)
        return "malformed key record";
    const struct tag *v = find(tags, n, "v"), *h = find(tags, n, "h"), *s = find(tags, n, "s");
    const struct tag *p = find(tags, n, "p");
    const char *why;
    if (v && (v != &tags[0] || v->vlen != 5 || memcmp(v->val, "DKIM1", 5) != 0))
        return "key record version is not DKIM1 (v=)";
    if ((why = key_type_problem(find(tags, n, "k"), sig)))
        return why;
    if (h && !list_has(h->val, h->vlen, "sha256"))
        return "key does not allow sha256 (h=)";
    if (s && !list_has(s->val, s->vlen, "email") && !list_has(s->val, s->vlen, "*"))
        return "key is not for email (s=)";
    if ((why = key_flags_problem(find(tags, n, "t"), sig)))
        return why;
    if (p == NULL)
        return "key record has no p= tag";
    if (p->vlen == 0)
        return "key revoked (empty p=)";
    return base64_ok(p->val, p->vlen) ? NULL : "key is not valid base64 (p=)";
}

/* dkim_key_select - the record to use among several */
int dkim_key_select(const char *const *txt, const size_t *lens, size_t n,
                    const struct dkim_sighdr *sig)
{
    for (size_t i = 0; i < n; i++)
        if (dkim_key_check(txt[i], lens[i], sig) == NULL)
            return (int)i;
    return n ? 0 : -1;
}
