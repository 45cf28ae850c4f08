/* sign_table.c - which signing table row an identity matches */
#include "sign_table.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

/* sign_table_glob - '*' globbing, iterative with one backtrack point */
bool sign_table_glob(const char *pattern, const char *s)
{
    const char *star = NULL, *resume = NULL;
    while (*s) {
        if (*pattern == '*') {
            star = pattern++;
            resume = s;
        } else if (tolower((unsigned char)*pattern) == tolower((unsigned char)*s)) {
            pattern++;
            s++;
        } else if (star) {
            pattern = star + 1;
            s = ++resume;
        } else {
            return false;
        }
    }
    while (*pattern == '*')
        pattern++;
    return *pattern == '\0';
}

/* from_matches - a row's from pattern against the identity */
static bool from_matches(const struct sign_rule *r, const char *address, const char *domain)
{
    switch (r->kind) {
    case SIGN_MATCH_ANY:
        return true;
    case SIGN_MATCH_DOMAIN:
        return domain && strcasecmp(r->from, domain) == 0;
    case SIGN_MATCH_ADDRESS:
        return address && strcasecmp(r->from, address) == 0;
    case SIGN_MATCH_GLOB:
        return (address && sign_table_glob(r->from, address)) ||
               (domain && sign_table_glob(r->from, domain));
    }
    return false;
}

/* sign_table_match - first matching row */
const struct sign_rule *sign_table_match(const struct sign_config *sc, const char *address,
                                         const char *domain, const char *user)
{
    for (size_t i = 0; i < sc->nrules; i++) {
        const struct sign_rule *r = &sc->rules[i];
        if (r->user && (user == NULL || !sign_table_glob(r->user, user)))
            continue;
        if (from_matches(r, address, domain))
            return r;
    }
    return NULL;
}
