/* dmarc_history.c - each DMARC evaluation as a row of the store's DMARC
 * history: who sent (client, envelope), what authenticated (SPF, DKIM),
 * what the domain asked and what the policy applied */
#include "dmarc_history.h"

#include "arena.h"
#include "conn.h"
#include "dmarc.h"
#include "log.h"
#include "spf.h"
#include "store.h"
#include "util.h"

#include <string.h>
#include <time.h>

/* or_empty - s, or "" for NULL */
static const char *or_empty(const char *s)
{
    return s ? s : "";
}

/* lower_domain - a copy of domain, lowercase, without a trailing dot */
static const char *lower_domain(struct arena *arena, const char *domain)
{
    size_t len = strlen(domain);
    return str_lower(arena_strndup(arena, domain, len && domain[len - 1] == '.' ? len - 1 : len));
}

/* dmarc_history_dkim - the first signatures, "d= s= a= RESULT" each */
const char *dmarc_history_dkim(struct arena *arena, const struct dkim_sig *sigs, size_t n)
{
    const char *text = "";
    for (size_t i = 0; i < n && i < DMARC_HISTORY_SIGS; i++)
        text = arena_printf(arena, "%s%sd=%s s=%s a=%s %s", text, i ? "; " : "",
                            or_empty(sigs[i].domain), or_empty(sigs[i].selector),
                            or_empty(sigs[i].algorithm), dkim_word_rfc(sigs[i].word));
    return text;
}

/* dmarc_history_domain - what follows the last '@', lowercase */
const char *dmarc_history_domain(struct arena *arena, const char *addr)
{
    const char *at = addr ? strrchr(addr, '@') : NULL;
    return at ? lower_domain(arena, at + 1) : "";
}

/* row_of - the row of c's evaluation o of from_domain, today; strings in c->msg */
static struct dmarc_row row_of(struct conn *c, const char *from_domain,
                               const struct dmarc_outcome *o)
{
    size_t n;
    const struct spf_state *spf = spf_mailfrom_state(c);
    const struct dkim_sig *sigs = dkim_sigs(c, &n);
    bool spf_ran = spf && spf->in.domain;
    /* The disposition is the policy applied (after pct and t=): the rules
     * decide what is done with the message, which this check cannot know. */
    enum dmarc_policy applied = o->applied ? o->applied : DMARC_POLICY_NONE;
    return (struct dmarc_row){.day = store_dmarc_day(time(NULL)),
                              .source_ip = c->client_addr,
                              .header_from = lower_domain(c->msg, from_domain),
                              .envelope_from = dmarc_history_domain(c->msg, c->sender),
                              .spf_domain = spf_ran ? lower_domain(c->msg, spf->in.domain) : "",
                              .spf_result = spf_ran ? spf_result_name(spf->answer.result) : "none",
                              .dkim = dmarc_history_dkim(c->msg, sigs, n),
                              .policy_published = dmarc_policy_name(o->published),
                              .disposition = dmarc_policy_name(applied),
                              .dmarc_result = dmarc_result_word(o->result)};
}

/* dmarc_history_record - count the evaluation; the store's trouble is not the check's */
void dmarc_history_record(struct conn *c, const char *from_domain, const struct dmarc_outcome *o)
{
    if (o->published == DMARC_POLICY_UNSET || c->cfg->store == NULL || from_domain == NULL)
        return;
    struct dmarc_row row = row_of(c, from_domain, o);
    if (store_dmarc_record(c->cfg->store, &row) == STORE_TRYLATER)
        log_debug("connection %lu: DMARC history of %s not recorded: the state store %s cannot "
                  "answer",
                  c->id, row.header_from, store_spec(c->cfg->store));
}
