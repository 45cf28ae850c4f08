/* dmarc_lookup.c - _dmarc lookups for policy discovery and organizational
 * domains, every name of a walk asked at once */
#include "dmarc_lookup.h"

#include "arena.h"
#include "conn.h"
#include "dns.h"

#include <string.h>
#include <strings.h>

/* submit - the TXT lookup of _dmarc.NAME */
static void submit(struct conn *c, struct arena *arena, struct dmarc_lookup *l, size_t i)
{
    const char *name = arena_printf(arena, "_dmarc.%s", l->names[i]);
    l->queries[i] = conn_dns_submit(c, arena, name, DNS_T_TXT);
}

/* dmarc_lookup_start - the names and their lookups */
int dmarc_lookup_start(struct conn *c, struct arena *arena, enum dmarc_std std, const char *domain,
                       struct dmarc_lookup *l)
{
    memset(l, 0, sizeof(*l));
    l->std = std;
    l->domain = arena_strdup(arena, domain);
    if (std == DMARC_RFC9989) {
        l->n = dmarc_walk_names(l->domain, l->names, DMARC_WALK_MAX);
    } else {
        char org[256];
        if (dmarc_orgdomain_psl(l->domain, org, sizeof(org)) < 0)
            return -1;
        l->org_psl = arena_strdup(arena, org);
        l->names[l->n++] = l->domain;
        if (!dmarc_domain_equal(l->domain, l->org_psl))
            l->names[l->n++] = l->org_psl;
    }
    for (size_t i = 0; i < l->n; i++)
        submit(c, arena, l, i);
    return l->n ? 0 : -1;
}

/* answer_of - what one name's TXT lookup says about DMARC */
static void answer_of(const struct dns_result *r, enum dmarc_std std, struct dmarc_answer *a)
{
    const char *txt[32];
    size_t lens[32], n = r->count < 32 ? r->count : 32;
    memset(a, 0, sizeof(*a));
    if (r->status == DNS_TRYLATER) {
        a->sel = DMARC_SELECT_TRYLATER;
        return;
    }
    for (size_t i = 0; r->status == DNS_FOUND && i < n; i++) {
        txt[i] = r->rr[i].u.txt.data;
        lens[i] = r->rr[i].u.txt.len;
    }
    a->sel = dmarc_record_select(txt, lens, r->status == DNS_FOUND ? n : 0, std, &a->rec);
}

/* dmarc_lookup_finish - answers, then discovery */
void dmarc_lookup_finish(struct conn *c, struct dmarc_lookup *l)
{
    for (size_t i = 0; i < l->n; i++)
        answer_of(conn_dns_wait(c, l->queries[i]), l->std, &l->answers[i]);
    if (l->std == DMARC_RFC9989)
        dmarc_walk_decide(l->domain, l->answers, l->n, &l->found);
    else
        dmarc_discover_rfc7489(l->domain, l->org_psl, &l->answers[0],
                               l->n > 1 ? &l->answers[1] : NULL, &l->found);
}

/* within - name is org or one of its subdomains (ASCII case, trailing dots
 * ignored) */
static bool within(const char *name, const char *org)
{
    size_t n = strlen(name), o = strlen(org);
    n -= n && name[n - 1] == '.';
    o -= o && org[o - 1] == '.';
    if (o == 0 || n < o || strncasecmp(name + n - o, org, o) != 0)
        return false;
    return n == o || name[n - o - 1] == '.';
}

/* dmarc_org_of - an identifier's organizational domain */
const char *dmarc_org_of(struct conn *c, struct arena *arena, const struct dmarc_lookup *author,
                         const char *id)
{
    char org[256];
    if (dmarc_domain_equal(id, author->domain))
        return author->found.org;
    if (author->std == DMARC_RFC7489)
        return dmarc_orgdomain_psl(id, org, sizeof(org)) == 0 ? arena_strdup(arena, org) : NULL;
    if (author->found.org == NULL)
        return NULL;
    if (!within(id, author->found.org))
        return id; /* its org is id or above it, never the author's */
    struct dmarc_lookup *l = arena_alloc(arena, sizeof(*l));
    if (dmarc_lookup_start(c, arena, DMARC_RFC9989, id, l) < 0)
        return NULL;
    dmarc_lookup_finish(c, l);
    return l->found.org;
}
