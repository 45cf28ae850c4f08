/* spf_macro.h - SPF macro expansion (RFC 7208 section 7): letters s l o d i p
 * v h (and c r t in explanations), transformers (digits, r), delimiters
 * (. - + , / _ =), and %%, %_, %-. Pure functions: the caller supplies every
 * value, including p (the validated domain name, found by DNS). */
#ifndef MXGATE_SPF_MACRO_H
#define MXGATE_SPF_MACRO_H

#include "addr.h"

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

struct arena;

struct spf_macro_ctx {
    const char *sender;      /* s: local-part@domain as evaluated */
    const char *local;       /* l: the local-part */
    const char *o_domain;    /* o: the sender's domain */
    const char *domain;      /* d: the current domain */
    const struct ipaddr *ip; /* i (dotted or nibble form), c (inet_ntop), v ("in-addr"/"ip6") */
    const char *validated;   /* p: validated domain name, or "unknown" */
    const char *helo;        /* h */
    const char *receiver;    /* r: our host name ("unknown" if none) */
    time_t now;              /* t */
};

/* spf_macro_check - whether a macro-string is well-formed; explanation
 * strings (exp) may also use c, r and t and may contain spaces. 0, or -1 with
 * a reason in err. */
int spf_macro_check(const char *spec, bool exp, char *err, size_t errlen);

/* spf_macro_needs_p - whether the string uses the p macro (which costs DNS). */
bool spf_macro_needs_p(const char *spec);

/* spf_macro_expand - expand spec into a new string in arena. For a
 * domain-spec (exp false) the result is made to fit 253 octets by dropping
 * labels from the left (section 7.3); URL-escaping for uppercase macro letters
 * (section 7.3). Returns the expansion, or NULL with a reason in err on a
 * syntax error (which callers treat as permerror). */
char *spf_macro_expand(const char *spec, const struct spf_macro_ctx *ctx, bool exp,
                       struct arena *arena, char *err, size_t errlen);

#endif
