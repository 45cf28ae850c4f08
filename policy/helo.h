/* helo.h - the helo check's words, and its syntactic part as a pure function
 * that tests can call without a connection or DNS. */
#ifndef MXGATE_HELO_H
#define MXGATE_HELO_H

#include "addr.h"

#include <stddef.h>

/* The result words, in precedence order: the first that applies wins. The
 * values are the indexes into the check's words[]. */
enum helo_word {
    HELO_NONE = 0,         /* no opinion; from helo_classify: DNS must decide */
    HELO_MISSING,          /* no HELO name, or an empty one */
    HELO_FORGED,           /* one of our names or addresses */
    HELO_LITERAL_MATCH,    /* [address] that is the client's */
    HELO_LITERAL_MISMATCH, /* [address] that is not the client's */
    HELO_BARE_IP,          /* an address without brackets */
    HELO_INVALID,          /* not a host name (RFC 1123 letters, digits, hyphens) */
    HELO_NOT_FQDN,         /* no dot */
    HELO_BAD_TLD,          /* the last label is not a known top-level domain */
    HELO_FCRDNS,           /* the client's forward-confirmed PTR name */
    HELO_MATCH,            /* an A/AAAA record is the client address */
    HELO_MISMATCH,         /* A/AAAA records, none the client address */
    HELO_NO_ADDRESS,       /* no A and no AAAA record */
    HELO_TEMPERROR,        /* a lookup needed for the answer failed temporarily */
    HELO_COUNT
};

/* What the syntactic part looks at. */
struct helo_facts {
    const char *helo;             /* as the client sent it; NULL if none */
    const struct ipaddr *client;  /* family 0: no IP client */
    const char *const *hostnames; /* ours, lowercase, no trailing dot */
    size_t nhostnames;
    const struct ipaddr *addresses; /* ours */
    size_t naddresses;
    const char *const *extra_tlds; /* accepted besides the PSL's, lowercase */
    size_t nextra_tlds;
};

/* helo_classify - the first word from HELO_MISSING to HELO_BAD_TLD that
 * applies, or HELO_NONE when the name is plausible and only DNS can say more.
 * Pure (no I/O, no allocation); any thread. */
enum helo_word helo_classify(const struct helo_facts *f);

#endif
