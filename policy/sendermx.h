/* sendermx.h - the sendermx check's words, and its decision as a pure
 * function that tests can call without a connection or DNS. */
#ifndef MXGATE_SENDERMX_H
#define MXGATE_SENDERMX_H

#include "dns.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The result words; the values index the check's words[]. */
enum sendermx_word {
    SENDERMX_NONE = 0,    /* not checked: null sender, no domain, no IP client */
    SENDERMX_OK,          /* usable MX targets, or no MX and an A or AAAA record */
    SENDERMX_NOMX_NOADDR, /* no MX, no A, no AAAA (each NXDOMAIN or NODATA) */
    SENDERMX_NULLMX,      /* RFC 7505 null MX: the domain accepts no mail */
    SENDERMX_MX_LITERAL,  /* an MX target is an address literal ("192.0.2.1") */
    SENDERMX_MX_CNAME,    /* an MX target is a CNAME (RFC 2181 section 10.3) */
    SENDERMX_TEMPERROR,   /* a lookup the outcome depends on answered try-later */
    SENDERMX_COUNT
};

/* The words as text, NULL-terminated (the check's words[]). */
extern const char *const sendermx_words[SENDERMX_COUNT + 1];

/* Whether an MX target is an alias, as far as a CNAME lookup of it told. */
enum sendermx_cname {
    SENDERMX_CNAME_UNKNOWN = 0, /* not looked up */
    SENDERMX_CNAME_NO,          /* NXDOMAIN or NODATA for its CNAME */
    SENDERMX_CNAME_YES,         /* it has a CNAME record */
    SENDERMX_CNAME_TRYLATER,    /* the CNAME lookup failed: not held against it */
};

/* One MX record of the sender's domain. */
struct sendermx_target {
    const char *name; /* as dns.h gives it: lowercase, no trailing dot; "" is the root "." */
    uint16_t pref;
    enum sendermx_cname cname;
};

/* What the decision looks at. A status that was not needed (A and AAAA when
 * MX was found, AAAA when A was found) may be anything: it is ignored. */
struct sendermx_facts {
    const char *domain;
    enum dns_status mx, a, aaaa;
    const char *mx_why, *a_why, *aaaa_why; /* try-later reasons ("timeout", ...) or NULL */
    const struct sendermx_target *targets; /* the MX records when mx is DNS_FOUND */
    size_t ntargets;
};

/* sendermx_decide - the word for the facts, and into reason (len bytes,
 * always terminated) a text that starts "domain D ..." and fits after
 * "Sender address rejected: ". Never a refusing word on doubt: any try-later
 * the outcome depends on gives SENDERMX_TEMPERROR. Pure; any thread. */
enum sendermx_word sendermx_decide(const struct sendermx_facts *f, char *reason, size_t len);

/* sendermx_is_literal - an MX target that is an IPv4 or IPv6 address,
 * bracketed or not, instead of a host name. */
bool sendermx_is_literal(const char *name);

/* sendermx_usable - an MX target worth delivering to: not the root, not a
 * literal (the targets whose CNAME is worth looking up). */
bool sendermx_usable(const char *name);

#endif
