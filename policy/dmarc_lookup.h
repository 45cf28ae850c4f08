/* dmarc_lookup.h - the DNS side of the dmarc check: _dmarc records for a
 * domain's policy discovery and for its organizational domain, all names of
 * a walk asked at once through the shared resolver. Internal to the check. */
#ifndef MXGATE_DMARC_LOOKUP_H
#define MXGATE_DMARC_LOOKUP_H

#include "dmarc_eval.h"

struct arena;
struct conn;
struct dns_query;

/* The lookups that decide one domain's policy and organizational domain. */
struct dmarc_lookup {
    enum dmarc_std std;
    const char *domain;
    const char *org_psl; /* RFC 7489: the PSL's organizational domain */
    const char *names[DMARC_WALK_MAX];
    struct dns_query *queries[DMARC_WALK_MAX];
    struct dmarc_answer answers[DMARC_WALK_MAX];
    size_t n;
    struct dmarc_discovery found;
};

/* dmarc_lookup_start - submit the TXT lookups for domain (in arena, which
 * owns the queries). Returns -1 for a domain no lookup can be built for. */
int dmarc_lookup_start(struct conn *c, struct arena *arena, enum dmarc_std std, const char *domain,
                       struct dmarc_lookup *l);

/* dmarc_lookup_finish - wait (within the DNS budget) and discover. */
void dmarc_lookup_finish(struct conn *c, struct dmarc_lookup *l);

/* dmarc_org_of - the organizational domain of an identifier, for alignment
 * with the author domain whose lookup is author: the same name shares it;
 * a name outside the author's organizational domain cannot share it (its own
 * name stands in); others take a lookup of their own. NULL when unknown. */
const char *dmarc_org_of(struct conn *c, struct arena *arena, const struct dmarc_lookup *author,
                         const char *id);

#endif
