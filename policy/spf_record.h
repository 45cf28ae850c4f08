/* spf_record.h - SPF records (RFC 7208): selecting the record among a
 * name's TXT strings, and parsing it strictly per the ABNF of section 12 into
 * terms. Pure functions: no DNS, no global state. */
#ifndef MXGATE_SPF_RECORD_H
#define MXGATE_SPF_RECORD_H

#include "addr.h"

#include <stdbool.h>
#include <stddef.h>

struct arena;

enum spf_mech {
    SPF_M_ALL = 0,
    SPF_M_INCLUDE,
    SPF_M_A,
    SPF_M_MX,
    SPF_M_PTR,
    SPF_M_IP4,
    SPF_M_IP6,
    SPF_M_EXISTS,
};

struct spf_term {
    enum spf_mech mech;
    char qual;               /* '+', '-', '~' or '?' ('+' when none was written) */
    const char *domain_spec; /* macro-string as written, or NULL when absent (a, mx, ptr) */
    struct ipaddr ip;        /* ip4, ip6: the network (an ip4 stays AF_INET) */
    int cidr4, cidr6;        /* prefix lengths; -1 when not written */
};

struct spf_record {
    struct spf_term *terms;
    size_t nterms;
    const char *redirect; /* domain-spec of redirect=, or NULL */
    const char *exp;      /* domain-spec of exp=, or NULL */
};

/* spf_record_is_spf - whether a TXT string (len bytes, may hold NULs) is an
 * SPF record: "v=spf1" (any case) followed by a space or the end. */
bool spf_record_is_spf(const char *txt, size_t len);

/* spf_record_parse - parse a whole record (starting "v=spf1"). Every syntax
 * violation anywhere is an error (permerror): unknown mechanisms, bad
 * qualifiers, bad CIDR (ip4 > 32, ip6 > 128, leading zeros, "/" without
 * digits), bad domain-spec or macro syntax (see spf_macro_check), a
 * domain-spec whose last label is not a valid toplabel (all-numeric, or
 * starting/ending with '-') unless it ends in a macro-expand, duplicate
 * redirect= or exp=, modifier names not matching ALPHA *( ALPHA / DIGIT /
 * "-" / "_" / "." ), non-ASCII or control bytes, empty terms other than extra
 * spaces. CIDR /0 is valid. Unknown modifiers are accepted and ignored.
 * Allocates in arena. Returns 0, or -1 with a short reason in err. */
int spf_record_parse(const char *txt, size_t len, struct arena *arena, struct spf_record *out,
                     char *err, size_t errlen);

#endif
