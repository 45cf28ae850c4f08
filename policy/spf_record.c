/* spf_record.c - SPF record selection and strict parsing (RFC 7208 sections 4.5, 4.6, 12) */
#include "spf_record.h"

#include "arena.h"
#include "spf_macro.h"
#include "util.h"

#include <arpa/inet.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#define SPF_VERSION "v=spf1"
#define SPF_VERSION_LEN (sizeof(SPF_VERSION) - 1)

/* What follows a mechanism's name. */
enum mech_arg {
    ARG_NONE = 0,    /* all */
    ARG_DOMAIN,      /* include, exists: ":" domain-spec */
    ARG_OPT_DOMAIN,  /* ptr: [":" domain-spec] */
    ARG_DOMAIN_CIDR, /* a, mx: [":" domain-spec] [dual-cidr-length] */
    ARG_IP4,         /* ":" ip4-network [ip4-cidr-length] */
    ARG_IP6,         /* ":" ip6-network [ip6-cidr-length] */
};

static const struct mech_def {
    const char *name;
    enum spf_mech mech;
    enum mech_arg arg;
} mechs[] = {
    {.name = "all", .mech = SPF_M_ALL, .arg = ARG_NONE},
    {.name = "include", .mech = SPF_M_INCLUDE, .arg = ARG_DOMAIN},
    {.name = "a", .mech = SPF_M_A, .arg = ARG_DOMAIN_CIDR},
    {.name = "mx", .mech = SPF_M_MX, .arg = ARG_DOMAIN_CIDR},
    {.name = "ptr", .mech = SPF_M_PTR, .arg = ARG_OPT_DOMAIN},
    {.name = "ip4", .mech = SPF_M_IP4, .arg = ARG_IP4},
    {.name = "ip6", .mech = SPF_M_IP6, .arg = ARG_IP6},
    {.name = "exists", .mech = SPF_M_EXISTS, .arg = ARG_DOMAIN},
};

/* The modifiers with a meaning; each may appear once. */
static const struct {
    const char *name;
    size_t off; /* of the const char * in struct spf_record */
} known_mods[] = {
    {.name = "redirect", .off = offsetof(struct spf_record, redirect)},
    {.name = "exp", .off = offsetof(struct spf_record, exp)},
};

/* Parsing state of one record. */
struct parser {
    struct arena *arena;
    struct spf_record *rec;
    char *err;
    size_t errlen;
};

/* is_alpha, is_digit, is_alnum - ASCII classes */
static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_alnum(char c)
{
    return is_alpha(c) || is_digit(c);
}

/* fail - write "why: term" into the error buffer; returns -1 */
static int fail(struct parser *ps, const char *why, const char *t, size_t n)
{
    if (ps->err && ps->errlen > 0)
        snprintf(ps->err, ps->errlen, "%s: \"%.*s%s\"", why, (int)(n > 60 ? 60 : n), t,
                 n > 60 ? "..." : "");
    return -1;
}

/* spf_record_is_spf - "v=spf1" followed by a space or the end */
bool spf_record_is_spf(const char *txt, size_t len)
{
    return len >= SPF_VERSION_LEN && strncasecmp(txt, SPF_VERSION, SPF_VERSION_LEN) == 0 &&
           (len == SPF_VERSION_LEN || txt[SPF_VERSION_LEN] == ' ');
}

/* is_toplabel - toplabel of section 12: LDH, not all-numeric unless hyphenated */
static bool is_toplabel(const char *s, size_t n)
{
    bool alpha = false, hyphen = false;
    if (n == 0 || !is_alnum(s[0]) || !is_alnum(s[n - 1]))
        return false;
    for (size_t i = 0; i < n; i++) {
        if (!is_alnum(s[i]) && s[i] != '-')
            return false;
        alpha |= is_alpha(s[i]);
        hyphen |= s[i] == '-';
    }
    return alpha || hyphen;
}

/* literal_tail - start of the literal text after the last macro-expand of a
 * well-formed macro-string */
static const char *literal_tail(const char *s)
{
    const char *tail = s;
    while (*s) {
        if (*s != '%') {
            s++;
            continue;
        }
        s = s[1] == '{' ? strchr(s, '}') + 1 : s + 2;
        tail = s;
    }
    return tail;
}

/* has_domain_end - whether a well-formed macro-string ends in a domain-end */
static bool has_domain_end(const char *spec)
{
    const char *tail = literal_tail(spec);
    size_t n = strlen(tail);
    if (n == 0)
        return tail != spec; /* ends in a macro-expand; empty is no domain */
    if (tail[n - 1] == '.')
        n--;
    size_t dot = n;
    while (dot > 0 && tail[dot - 1] != '.')
        dot--;
    return dot > 0 && is_toplabel(tail + dot, n - dot);
}

/* domain_spec - copy and validate a domain-spec of n bytes; NULL on error */
static const char *domain_spec(struct parser *ps, const char *s, size_t n, const char *t, size_t tn)
{
    char why[96];
    char *d = arena_strndup(ps->arena, s, n);
    if (n == 0) {
        fail(ps, "empty domain-spec", t, tn);
        return NULL;
    }
    if (spf_macro_check(d, false, why, sizeof(why)) < 0) {
        fail(ps, why, t, tn);
        return NULL;
    }
    if (!has_domain_end(d)) {
        fail(ps, "domain-spec does not end in a valid top label or macro", t, tn);
        return NULL;
    }
    return d;
}

/* parse_prefix - decimal CIDR length of n bytes without leading zeros, <= max */
static int parse_prefix(const char *s, size_t n, int max, int *out)
{
    int v = 0;
    if (n == 0 || n > 3 || (s[0] == '0' && n > 1))
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (!is_digit(s[i]))
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    if (v > max)
        return -1;
    *out = v;
    return 0;
}

/* digits_after_last_slash - index of the last '/' in s[0..n) if only digits
 * follow it (maybe none), else n */
static size_t digits_after_last_slash(const char *s, size_t n)
{
    size_t i = n;
    while (i > 0 && is_digit(s[i - 1]))
        i--;
    return i > 0 && s[i - 1] == '/' ? i - 1 : n;
}

/* split_dual_cidr - strip a trailing dual-cidr-length from s[0..*n) into the term */
static int split_dual_cidr(const char *s, size_t *n, struct spf_term *term)
{
    size_t slash = digits_after_last_slash(s, *n);
    if (slash == *n)
        return 0;
    if (slash > 0 && s[slash - 1] == '/') {
        if (parse_prefix(s + slash + 1, *n - slash - 1, 128, &term->cidr6) < 0)
            return -1;
        *n = slash - 1;
        slash = digits_after_last_slash(s, *n);
        if (slash == *n)
            return 0;
    }
    if (parse_prefix(s + slash + 1, *n - slash - 1, 32, &term->cidr4) < 0)
        return -1;
    *n = slash;
    return 0;
}

/* mask_network - clear the address bits beyond prefix */
static void mask_network(struct ipaddr *a, int prefix)
{
    int total = a->family == AF_INET ? 32 : 128;
    for (int bit = prefix < 0 ? total : prefix; bit < total; bit++)
        a->b[bit / 8] &= (unsigned char)~(0x80 >> (bit % 8));
}

/* parse_ip - ":" address ["/" prefix] for ip4 (family AF_INET) or ip6 */
static int parse_ip(struct parser *ps, const char *s, size_t n, int family, struct spf_term *term,
                    const char *t, size_t tn)
{
    char buf[INET6_ADDRSTRLEN + 1];
    const char *slash = memchr(s, '/', n);
    size_t alen = slash ? (size_t)(slash - s) : n;
    int *prefix = family == AF_INET ? &term->cidr4 : &term->cidr6;
    if (n == 0 || s[0] != ':' || alen - 1 >= sizeof(buf))
        return fail(ps, "bad IP network", t, tn);
    memcpy(buf, s + 1, alen - 1);
    buf[alen - 1] = '\0';
    if (inet_pton(family, buf, term->ip.b) != 1)
        return fail(ps, "bad IP network", t, tn);
    term->ip.family = family;
    if (slash && parse_prefix(slash + 1, n - alen - 1, family == AF_INET ? 32 : 128, prefix) < 0)
        return fail(ps, "bad CIDR length", t, tn);
    mask_network(&term->ip, *prefix);
    return 0;
}

/* parse_domain_arg - the argument of a, mx, ptr, include, exists */
static int parse_domain_arg(struct parser *ps, const struct mech_def *m, const char *s, size_t n,
                            struct spf_term *term, const char *t, size_t tn)
{
    if (m->arg == ARG_DOMAIN_CIDR && split_dual_cidr(s, &n, term) < 0)
        return fail(ps, "bad CIDR length", t, tn);
    if (n == 0)
        return m->arg == ARG_DOMAIN ? fail(ps, "missing domain-spec", t, tn) : 0;
    if (s[0] != ':')
        return fail(ps, "unexpected text after mechanism", t, tn);
    term->domain_spec = domain_spec(ps, s + 1, n - 1, t, tn);
    return term->domain_spec ? 0 : -1;
}

/* find_mech - the mechanism named by s[0..n), any case, or NULL */
static const struct mech_def *find_mech(const char *s, size_t n)
{
    for (size_t i = 0; i < ARRAY_LEN(mechs); i++)
        if (strlen(mechs[i].name) == n && strncasecmp(mechs[i].name, s, n) == 0)
            return &mechs[i];
    return NULL;
}

/* parse_directive - [qualifier] mechanism into term */
static int parse_directive(struct parser *ps, const char *t, size_t tn, struct spf_term *term)
{
    size_t q = t[0] && strchr("+-~?", t[0]) ? 1 : 0, n = q;
    while (n < tn && is_alnum(t[n]))
        n++;
    const struct mech_def *m = find_mech(t + q, n - q);
    if (m == NULL)
        return fail(ps, "unknown mechanism", t, tn);
    *term = (struct spf_term){.mech = m->mech, .qual = q ? t[0] : '+', .cidr4 = -1, .cidr6 = -1};
    if (m->arg == ARG_IP4 || m->arg == ARG_IP6)
        return parse_ip(ps, t + n, tn - n, m->arg == ARG_IP4 ? AF_INET : AF_INET6, term, t, tn);
    if (m->arg == ARG_NONE)
        return n == tn ? 0 : fail(ps, "unexpected text after mechanism", t, tn);
    return parse_domain_arg(ps, m, t + n, tn - n, term, t, tn);
}

/* parse_modifier - name "=" value, the name being namelen bytes */
static int parse_modifier(struct parser *ps, const char *t, size_t tn, size_t namelen)
{
    const char *v = t + namelen + 1;
    size_t vn = tn - namelen - 1;
    char why[96];
    for (size_t i = 0; i < ARRAY_LEN(known_mods); i++) {
        if (strlen(known_mods[i].name) != namelen || strncasecmp(known_mods[i].name, t, namelen))
            continue;
        const char **slot = (const char **)((char *)ps->rec + known_mods[i].off);
        if (*slot)
            return fail(ps, "duplicate modifier", t, tn);
        *slot = domain_spec(ps, v, vn, t, tn);
        return *slot ? 0 : -1;
    }
    if (spf_macro_check(arena_strndup(ps->arena, v, vn), false, why, sizeof(why)) < 0)
        return fail(ps, why, t, tn);
    return 0;
}

/* modifier_name_len - length of name if t starts with name "=", else 0 */
static size_t modifier_name_len(const char *t, size_t tn)
{
    size_t n = 0;
    if (tn == 0 || !is_alpha(t[0]))
        return 0;
    while (n < tn && (is_alnum(t[n]) || t[n] == '-' || t[n] == '_' || t[n] == '.'))
        n++;
    return n < tn && t[n] == '=' ? n : 0;
}

/* check_chars - only printable ASCII and spaces */
static int check_chars(struct parser *ps, const char *txt, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)txt[i] < 0x20 || (unsigned char)txt[i] > 0x7e)
            return fail(ps, "control or non-ASCII byte in record", txt, i);
    return 0;
}

/* count_terms - number of space-separated words in s[0..n) */
static size_t count_terms(const char *s, size_t n)
{
    size_t count = 0;
    for (size_t i = 0; i < n; i++)
        count += s[i] != ' ' && (i == 0 || s[i - 1] == ' ');
    return count;
}

/* parse_terms - every term of s[0..n) into ps->rec */
static int parse_terms(struct parser *ps, const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        if (s[i] == ' ') {
            i++;
            continue;
        }
        size_t tn = 0, name;
        while (i + tn < n && s[i + tn] != ' ')
            tn++;
        if ((name = modifier_name_len(s + i, tn)) > 0) {
            if (parse_modifier(ps, s + i, tn, name) < 0)
                return -1;
        } else if (parse_directive(ps, s + i, tn, &ps->rec->terms[ps->rec->nterms++]) < 0)
            return -1;
        i += tn;
    }
    return 0;
}

/* spf_record_parse - whole record into out */
int spf_record_parse(const char *txt, size_t len, struct arena *arena, struct spf_record *out,
                     char *err, size_t errlen)
{
    struct parser ps = {.arena = arena, .rec = out, .err = err, .errlen = errlen};
    *out = (struct spf_record){0};
    if (check_chars(&ps, txt, len) < 0)
        return -1;
    if (!spf_record_is_spf(txt, len))
        return fail(&ps, "not an SPF record", txt, len);
    const char *s = txt + SPF_VERSION_LEN;
    size_t n = len - SPF_VERSION_LEN, max = count_terms(s, n);
    out->terms = arena_alloc(arena, (max ? max : 1) * sizeof(*out->terms));
    if (parse_terms(&ps, s, n) < 0) {
        *out = (struct spf_record){0};
        return -1;
    }
    return 0;
}
