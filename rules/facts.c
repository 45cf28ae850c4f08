/* facts.c - fact values for rule conditions */
#include "facts.h"

#include "arena.h"
#include "dkim.h"
#include "dnsl.h"
#include "util.h"

#include <string.h>

/* domain_of - what follows the last '@' of an address, or NULL */
static const char *domain_of(const char *addr)
{
    const char *at = addr ? strrchr(addr, '@') : NULL;
    return at ? at + 1 : NULL;
}

/* dkim_domain - the i-th passing signature's d= */
static const char *dkim_domain(struct conn *c, unsigned i)
{
    size_t n;
    conn_check_word(c, CHECK_ID_dkim);
    const struct dkim_sig *sigs = dkim_sigs(c, &n);
    for (size_t k = 0; k < n; k++)
        if (sigs[k].word == DKIM_W_PASS && sigs[k].domain && i-- == 0)
            return sigs[k].domain;
    return NULL;
}

/* list_id - the identifier of List-Id (RFC 2919: "Name <id>"), lowercase */
static const char *list_id(struct conn *c)
{
    const struct msg_header *h = conn_header(c, "List-Id", 0, NULL);
    if (h == NULL)
        return NULL;
    const char *lt = strrchr(h->value, '<'), *gt = lt ? strchr(lt, '>') : NULL;
    const char *p = lt && gt ? lt + 1 : h->value, *e = lt && gt ? gt : h->value + strlen(h->value);
    while (p < e && strchr(" \t\r\n", *p))
        p++;
    while (e > p && strchr(" \t\r\n", e[-1]))
        e--;
    return str_lower(arena_strndup(c->msg, p, (size_t)(e - p)));
}

/* single - a fact with one value */
static const char *single(struct conn *c, enum fact f)
{
    switch (f) {
    case FACT_RCPT:
        return c->rcpt;
    case FACT_SENDER:
        return c->sender;
    case FACT_RCPT_DOMAIN:
        return domain_of(c->rcpt);
    case FACT_SENDER_DOMAIN:
        return domain_of(c->sender);
    case FACT_CLIENT_ADDR:
        return c->client_addr;
    case FACT_CLIENT_NAME:
        return c->client_name;
    case FACT_HELO_NAME:
        return c->helo;
    case FACT_AUTH_USER:
        return c->auth_user;
    case FACT_FROM_DOMAIN:
        conn_check_word(c, CHECK_ID_dmarc);
        return c->from_domain;
    case FACT_LIST_ID:
        return list_id(c);
    case FACT_DKIM_DOMAIN:
    case FACT_MACRO: /* expr_env.macro */
    case FACT_DNSBL_ZONE:
    case FACT_DNSWL_ZONE:
    case FACT_RHSBL_ZONE:
    case FACT_RHSBL_HELO_ZONE:
    case FACT_NONE:
        break;
    }
    return NULL;
}

/* list_zone - the i-th listing zone (or ZONE=CODE) of a DNS list check */
static const char *list_zone(struct conn *c, enum fact f, unsigned i)
{
    static const int ids[] = {
        [FACT_DNSBL_ZONE - FACT_DNSBL_ZONE] = CHECK_ID_dnsbl,
        [FACT_DNSWL_ZONE - FACT_DNSBL_ZONE] = CHECK_ID_dnswl,
        [FACT_RHSBL_ZONE - FACT_DNSBL_ZONE] = CHECK_ID_rhsbl,
        [FACT_RHSBL_HELO_ZONE - FACT_DNSBL_ZONE] = CHECK_ID_rhsbl_helo,
    };
    int id = ids[f - FACT_DNSBL_ZONE];
    conn_check_word(c, id);
    return dnsl_zone_value(c->slots[id].state_ptr, i);
}

/* fact_value - one value of a fact */
const char *fact_value(struct conn *c, enum fact f, unsigned i)
{
    if (f >= FACT_DNSBL_ZONE && f <= FACT_RHSBL_HELO_ZONE)
        return list_zone(c, f, i);
    if (f == FACT_DKIM_DOMAIN)
        return c->content ? dkim_domain(c, i) : NULL;
    if ((f == FACT_FROM_DOMAIN || f == FACT_LIST_ID) && !c->content)
        return NULL;
    return i == 0 ? single(c, f) : NULL;
}
