/* sign_table.h - the DKIM signing configuration: the keys (the key table)
 * and the signing table that says which identity is signed with which keys.
 * Built by the configuration loader (config_sign.c, sign_opendkim.c) into
 * the snapshot's arena; immutable afterwards, read by any thread. */
#ifndef MXGATE_SIGN_TABLE_H
#define MXGATE_SIGN_TABLE_H

#include "dkim_key.h"

#include <stdbool.h>
#include <stddef.h>

/* Which identity picks the row: the From header's address (default) or the
 * envelope sender. */
enum sign_by { SIGN_BY_FROM = 0, SIGN_BY_SENDER };

/* How a row's from pattern matches (patterns are lowercase). */
enum sign_match {
    SIGN_MATCH_ANY = 0, /* no from pattern: only user decides */
    SIGN_MATCH_DOMAIN,  /* "example.net": that domain exactly */
    SIGN_MATCH_ADDRESS, /* "alice@example.net": that address exactly */
    SIGN_MATCH_GLOB,    /* with '*' (any run of characters), OpenDKIM's refile
                         * style: matched against the address, then against
                         * the domain ("*.example.net", "*@example.net") */
};

/* One row of the signing table. */
struct sign_rule {
    const char *from; /* NULL with SIGN_MATCH_ANY */
    enum sign_match kind;
    const char *user;                   /* SMTP AUTH identity glob; NULL: anyone */
    const struct dkim_key *const *keys; /* its signatures, in order */
    size_t nkeys;
    const char *origin; /* "FILE:LINE", for logs */
};

struct sign_config {
    struct dkim_key *keys; /* the key table */
    size_t nkeys;
    struct sign_rule *rules; /* in order: the first match wins */
    size_t nrules;
    int hcanon, bcanon;    /* enum dkim_canon: the default c= */
    unsigned expire;       /* x= is t= plus this; 0: no x= */
    const char **oversign; /* header names signed once more than present */
    size_t noversign;
    enum sign_by by;
    bool require_safe_keys;
};

/* sign_table_match - the first row matching the identity address (a
 * lowercase "local@domain", or NULL), its domain (lowercase) and the SMTP
 * AUTH user (or NULL); NULL if none does. */
const struct sign_rule *sign_table_match(const struct sign_config *sc, const char *address,
                                         const char *domain, const char *user);

/* sign_table_glob - whether s matches pattern, '*' matching any run of
 * characters (none included), case-insensitively. */
bool sign_table_glob(const char *pattern, const char *s);

#endif
