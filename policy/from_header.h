/* from_header.h - the Author Domain of a message (RFC 7489 section 6.6.1,
 * RFC 9989 section 5.3.1): parse the value of an RFC 5322 From header
 * (sections 3.4, 3.6.2, and the obsolete forms of 4.4) and say whether it
 * names exactly one mailbox with a domain. Pure functions: no I/O, no global
 * state; any thread. */
#ifndef MXGATE_FROM_HEADER_H
#define MXGATE_FROM_HEADER_H

#include <stddef.h>

/* A buffer of this size holds any domain from_header_domain returns. */
#define FROM_HEADER_DOMAIN_MAX 254

enum from_header_status {
    FROM_HEADER_NONE = 0,           /* no From header, or one naming no mailbox */
    FROM_HEADER_OK,                 /* exactly one mailbox, with a domain */
    FROM_HEADER_MULTIPLE_HEADERS,   /* more than one From header */
    FROM_HEADER_MULTIPLE_ADDRESSES, /* one header naming several mailboxes */
    FROM_HEADER_NODOMAIN,           /* one mailbox without a domain name */
    FROM_HEADER_SYNTAX,             /* the value cannot be parsed */
};

/* from_header_domain - the author domain of a From header's value: the bytes
 * p[0..len) after the colon, folding (CRLF or LF followed by a space or tab)
 * included; NUL bytes and other controls are syntax errors.
 *
 * Liberal where real mail is sloppy: comments (nested up to 64 deep),
 * quoted-strings with quoted-pairs, RFC 2047 encoded-words (even holding ','
 * or '@'), raw UTF-8 (RFC 6532), anything before '<' as a display name
 * (unquoted '@', '.', '[...]'), obsolete source routes "<@a,@b:u@d>",
 * "u@d (Name)", CFWS around the dots of a domain, local parts of several
 * words, groups ("Undisclosed recipients:;" names no mailbox; a group's
 * mailboxes count like the others; a group may lack its ';' at the end),
 * empty list elements, and one trailing dot on the domain (dropped).
 *
 * Strict where it matters: a list element without '@' counts as a mailbox
 * without a domain, so "Doe, John <j@example.com>" is MULTIPLE_ADDRESSES and
 * never a guess. The domain must be dot-separated labels of letters, digits,
 * '-', '_' or bytes >= 0x80 (U-labels, left for the caller to convert to
 * A-labels), 253 bytes at most; anything else there is SYNTAX. A domain
 * literal ("u@[192.0.2.1]") gives no DNS name: NODOMAIN.
 *
 * Returns the status. On OK, domain (size bytes, FROM_HEADER_DOMAIN_MAX is
 * enough) holds the domain in ASCII lowercase. On MULTIPLE_ADDRESSES it holds
 * the one domain that every mailbox shares, if they all have the same one
 * (RFC 9989 5.3.1 speaks of "more than one domain"), else "". Otherwise it
 * holds "". A size too small for the domain gives SYNTAX. */
enum from_header_status from_header_domain(const char *p, size_t len, char *domain, size_t size);

/* from_header_status - the status of the message's From headers, given how
 * many it had and the status from_header_domain gave for the only one (not
 * looked at unless nheaders is 1): 0 -> NONE, more than 1 ->
 * MULTIPLE_HEADERS. */
enum from_header_status from_header_status(size_t nheaders, enum from_header_status parsed);

/* from_header_word - a short word for logs and reasons: "ok", "none",
 * "multiple-headers", "multiple-addresses", "no-domain", "syntax". */
const char *from_header_word(enum from_header_status status);

#endif
