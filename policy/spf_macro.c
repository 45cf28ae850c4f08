/* spf_macro.c - SPF macro checking and expansion (RFC 7208 section 7) */
#include "spf_macro.h"

#include "arena.h"
#include "util.h"

#include <arpa/inet.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define MACRO_MAX_DIGITS 128 /* largest part count we accept in a transformer */
#define SPF_DOMAIN_MAX 253   /* section 7.3: domain-spec expansions fit this */

static const char delimiters[] = ".-+,/_=";

enum mtok_kind {
    MT_LITERAL = 0,
    MT_ESCAPE, /* %% %_ %- */
    MT_MACRO,  /* %{...} */
};

/* One token of a macro-string. */
struct mtok {
    enum mtok_kind kind;
    size_t len;          /* bytes of the spec it covers */
    const char *text;    /* MT_ESCAPE: its expansion */
    char letter;         /* MT_MACRO: as written (uppercase means URL-escape) */
    unsigned keep;       /* MT_MACRO: rightmost parts to keep; 0 for all */
    bool reverse;        /* MT_MACRO: r transformer */
    unsigned delim_mask; /* MT_MACRO: bit i set for delimiters[i]; 0 for "." */
};

/* A growing output buffer on the heap, copied into the arena at the end. */
struct sbuf {
    char *p;
    size_t len, cap;
};

/* set_err - write a reason into err if there is room */
static int set_err(char *err, size_t errlen, const char *why, char c)
{
    if (err && errlen > 0) {
        if (c >= 0x21 && c < 0x7f)
            snprintf(err, errlen, "%s at '%c'", why, c);
        else
            snprintf(err, errlen, "%s", why);
    }
    return -1;
}

/* is_literal - whether c may stand for itself in a macro-string */
static bool is_literal(unsigned char c, bool exp)
{
    return (c >= 0x21 && c <= 0x7e && c != '%') || (exp && c == ' ');
}

/* delimiter_bit - the mask bit of delimiter c, or 0 if c is none */
static unsigned delimiter_bit(char c)
{
    const char *d = c ? strchr(delimiters, c) : NULL;
    return d ? 1u << (d - delimiters) : 0;
}

/* letter_allowed - whether macro letter c (lowercase) is known and usable */
static int letter_allowed(char c, bool exp)
{
    if (c != '\0' && strchr("slodiphv", c))
        return 1;
    if (c != '\0' && strchr("crt", c))
        return exp ? 1 : 0;
    return -1;
}

/* lower - ASCII lowercase of c */
static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* parse_digits - the transformer number at *p (advanced), 0 if none; -1 out of 1..128 */
static int parse_digits(const char **p, unsigned *out)
{
    const char *s = *p;
    unsigned v = 0;
    while (*s >= '0' && *s <= '9') {
        v = v * 10 + (unsigned)(*s++ - '0');
        if (v > MACRO_MAX_DIGITS)
            return -1;
    }
    if (s != *p && v == 0)
        return -1;
    *out = v;
    *p = s;
    return 0;
}

/* parse_macro - the "%{...}" at spec into t */
static int parse_macro(const char *spec, bool exp, struct mtok *t, char *err, size_t errlen)
{
    const char *p = spec + 2;
    int ok = letter_allowed(lower(*p), exp);
    if (ok < 0)
        return set_err(err, errlen, "unknown macro letter", *p);
    if (ok == 0)
        return set_err(err, errlen, "macro letter allowed only in explanations", *p);
    *t = (struct mtok){.kind = MT_MACRO, .letter = *p++};
    if (parse_digits(&p, &t->keep) < 0)
        return set_err(err, errlen, "macro part count not in 1..128", *p);
    if (*p == 'r' || *p == 'R') {
        t->reverse = true;
        p++;
    }
    for (unsigned bit; (bit = delimiter_bit(*p)) != 0; p++)
        t->delim_mask |= bit;
    if (*p != '}')
        return set_err(err, errlen, "bad macro syntax", *p);
    t->len = (size_t)(p + 1 - spec);
    return 0;
}

/* next_token - the token at spec (not at its end) into t; -1 on a syntax error */
static int next_token(const char *spec, bool exp, struct mtok *t, char *err, size_t errlen)
{
    static const struct {
        char after;
        const char *text;
    } escapes[] = {
        {.after = '%', .text = "%"}, {.after = '_', .text = " "}, {.after = '-', .text = "%20"}};
    if (spec[0] != '%') {
        size_t n = 0;
        while (spec[n] && is_literal((unsigned char)spec[n], exp))
            n++;
        *t = (struct mtok){.kind = MT_LITERAL, .len = n};
        return n > 0 ? 0 : set_err(err, errlen, "character not allowed in macro-string", spec[0]);
    }
    if (spec[1] == '{')
        return parse_macro(spec, exp, t, err, errlen);
    for (size_t i = 0; i < ARRAY_LEN(escapes); i++)
        if (spec[1] == escapes[i].after) {
            *t = (struct mtok){.kind = MT_ESCAPE, .len = 2, .text = escapes[i].text};
            return 0;
        }
    return set_err(err, errlen, "'%' not followed by '{', '%', '_' or '-'", spec[1]);
}

/* spf_macro_check - syntax check of a whole macro-string */
int spf_macro_check(const char *spec, bool exp, char *err, size_t errlen)
{
    struct mtok t;
    for (const char *p = spec; *p; p += t.len)
        if (next_token(p, exp, &t, err, errlen) < 0)
            return -1;
    return 0;
}

/* spf_macro_needs_p - whether a p macro occurs (scanning stops at an error) */
bool spf_macro_needs_p(const char *spec)
{
    struct mtok t;
    for (const char *p = spec; *p; p += t.len) {
        if (next_token(p, true, &t, NULL, 0) < 0)
            return false;
        if (t.kind == MT_MACRO && lower(t.letter) == 'p')
            return true;
    }
    return false;
}

/* sb_add - append n bytes */
static void sb_add(struct sbuf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->p = xrealloc(b->p, b->cap);
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

/* sb_add_escaped - append n bytes, percent-encoding all but RFC 3986 unreserved */
static void sb_add_escaped(struct sbuf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    (c != '\0' && strchr("-._~", c));
        char enc[3] = {'%', hex[c >> 4], hex[c & 15]};
        if (keep)
            sb_add(b, s + i, 1);
        else
            sb_add(b, enc, 3);
    }
}

/* value_ip_dotted - i: dotted quad, or 32 dot-separated nibbles for IPv6 */
static const char *value_ip_dotted(const struct ipaddr *ip, char *buf, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    if (ip == NULL || ip->family != AF_INET6)
        return ip && ip->family == AF_INET ? ipaddr_format(ip, buf, len) : "";
    size_t n = 0;
    for (int i = 0; i < 16 && n + 4 <= len; i++) {
        buf[n++] = hex[ip->b[i] >> 4];
        buf[n++] = '.';
        buf[n++] = hex[ip->b[i] & 15];
        buf[n++] = '.';
    }
    buf[n ? n - 1 : 0] = '\0';
    return buf;
}

/* The macro letters whose value is a string of the context, and the value used
 * when that string is NULL. */
static const struct {
    char letter;
    size_t off;
    const char *dflt;
} string_macros[] = {
    {.letter = 's', .off = offsetof(struct spf_macro_ctx, sender), .dflt = ""},
    {.letter = 'l', .off = offsetof(struct spf_macro_ctx, local), .dflt = ""},
    {.letter = 'o', .off = offsetof(struct spf_macro_ctx, o_domain), .dflt = ""},
    {.letter = 'd', .off = offsetof(struct spf_macro_ctx, domain), .dflt = ""},
    {.letter = 'p', .off = offsetof(struct spf_macro_ctx, validated), .dflt = "unknown"},
    {.letter = 'h', .off = offsetof(struct spf_macro_ctx, helo), .dflt = ""},
    {.letter = 'r', .off = offsetof(struct spf_macro_ctx, receiver), .dflt = "unknown"},
};

/* macro_value - the untransformed value of a (lowercase) macro letter */
static const char *macro_value(char letter, const struct spf_macro_ctx *c, char *buf, size_t len)
{
    for (size_t i = 0; i < ARRAY_LEN(string_macros); i++)
        if (string_macros[i].letter == letter) {
            const char *v = *(const char *const *)((const char *)c + string_macros[i].off);
            return v ? v : string_macros[i].dflt;
        }
    if (letter == 'i')
        return value_ip_dotted(c->ip, buf, len);
    if (letter == 'c')
        return c->ip && c->ip->family ? ipaddr_format(c->ip, buf, len) : "";
    if (letter == 'v')
        return c->ip && c->ip->family == AF_INET6 ? "ip6" : "in-addr";
    snprintf(buf, len, "%lld", (long long)c->now); /* t */
    return buf;
}

/* is_delim - whether c splits parts under mask (0 means ".") */
static bool is_delim(char c, unsigned mask)
{
    unsigned bit = delimiter_bit(c);
    return mask ? (bit & mask) != 0 : c == '.';
}

/* Part i of a value: offset and length. */
struct part {
    size_t off, len;
};

/* split_parts - the parts of v split on mask; caller frees; *n gets the count */
static struct part *split_parts(const char *v, unsigned mask, size_t *n)
{
    size_t count = 1, len = strlen(v);
    for (size_t i = 0; i < len; i++)
        count += is_delim(v[i], mask);
    struct part *parts = xmalloc(count * sizeof(*parts));
    size_t k = 0, start = 0;
    for (size_t i = 0; i <= len; i++)
        if (i == len || is_delim(v[i], mask)) {
            parts[k++] = (struct part){.off = start, .len = i - start};
            start = i + 1;
        }
    *n = count;
    return parts;
}

/* transform - apply split, reverse and keep-rightmost to v, joining with "." */
static void transform(struct sbuf *out, const struct mtok *t, const char *v)
{
    size_t n;
    struct part *parts = split_parts(v, t->delim_mask, &n);
    size_t keep = t->keep == 0 || t->keep > n ? n : t->keep;
    for (size_t j = 0; j < keep; j++) {
        size_t i = t->reverse ? keep - 1 - j : n - keep + j;
        if (j > 0)
            sb_add(out, ".", 1);
        sb_add(out, v + parts[i].off, parts[i].len);
    }
    free(parts);
}

/* put_macro - append the expansion of one %{...} */
static void put_macro(struct sbuf *out, const struct mtok *t, const struct spf_macro_ctx *ctx)
{
    char buf[128];
    struct sbuf tmp = {0};
    bool escape = t->letter >= 'A' && t->letter <= 'Z';
    transform(escape ? &tmp : out, t, macro_value(lower(t->letter), ctx, buf, sizeof(buf)));
    if (escape && tmp.p)
        sb_add_escaped(out, tmp.p, tmp.len);
    free(tmp.p);
}

/* truncate_left - drop leading labels until s fits max octets (section 7.3) */
static const char *truncate_left(const char *s, size_t len, size_t max)
{
    while (len > max) {
        const char *dot = memchr(s, '.', len);
        if (dot == NULL)
            break;
        len -= (size_t)(dot + 1 - s);
        s = dot + 1;
    }
    return s;
}

/* spf_macro_expand - expand a macro-string into the arena */
char *spf_macro_expand(const char *spec, const struct spf_macro_ctx *ctx, bool exp,
                       struct arena *arena, char *err, size_t errlen)
{
    struct sbuf out = {0};
    struct mtok t;
    char *res = NULL;
    sb_add(&out, "", 0);
    for (const char *p = spec; *p; p += t.len) {
        if (next_token(p, exp, &t, err, errlen) < 0)
            goto out;
        if (t.kind == MT_LITERAL)
            sb_add(&out, p, t.len);
        else if (t.kind == MT_ESCAPE)
            sb_add(&out, t.text, strlen(t.text));
        else
            put_macro(&out, &t, ctx);
    }
    const char *s = exp ? out.p : truncate_left(out.p, out.len, SPF_DOMAIN_MAX);
    res = arena_strndup(arena, s, out.len - (size_t)(s - out.p));
out:
    free(out.p);
    return res;
}
