/* dmarc.c - the dmarc check (RFC 7489, RFC 9989): the From header's domain,
 * its policy found at end of headers, SPF and DKIM alignment decided at end
 * of message, each evaluation recorded for aggregate reports
 * (dmarc_history.c). The rules decide what a failure costs. */
#include "dmarc.h"

#include "arena.h"
#include "check.h"
#include "conn.h"
#include "dkim.h"
#include "dmarc_history.h"
#include "dmarc_lookup.h"
#include "dns.h"
#include "from_header.h"
#include "spf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct dmarc_settings {
    enum dmarc_std std;
};

struct dmarc_job {
    enum from_header_status from;
    struct dmarc_lookup author;
    struct dns_query *exists; /* A of the From domain, for np */
    struct dmarc_report report;
};

static const char *const dmarc_words[] = {
    [DMARC_W_NONE] = "none",
    [DMARC_W_PASS] = "pass",
    [DMARC_W_FAIL] = "fail",
    [DMARC_W_QUARANTINE] = "quarantine",
    [DMARC_W_REJECT] = "reject",
    [DMARC_W_TEMPERROR] = "temperror",
    [DMARC_W_PERMERROR] = "permerror",
    [DMARC_W_BADFROM] = "badfrom",
    NULL,
};

/* dmarc_policy_name - a policy's word */
const char *dmarc_policy_name(enum dmarc_policy p)
{
    static const char *const names[] = {[DMARC_POLICY_UNSET] = "",
                                        [DMARC_POLICY_NONE] = "none",
                                        [DMARC_POLICY_QUARANTINE] = "quarantine",
                                        [DMARC_POLICY_REJECT] = "reject"};
    return names[p];
}

/* dmarc_configure - checks.dmarc = { standard = "rfc9989" | "rfc7489"; } */
static int dmarc_configure(const config_setting_t *group, struct arena *arena, void **settings,
                           char *err, size_t errlen)
{
    struct dmarc_settings *s = arena_alloc(arena, sizeof(*s));
    s->std = DMARC_RFC9989;
    *settings = s;
    for (int i = 0; group && i < config_setting_length(group); i++) {
        const config_setting_t *g = config_setting_get_elem(group, (unsigned)i);
        const char *v = config_setting_get_string(g);
        if (strcmp(config_setting_name(g), "standard") != 0) {
            snprintf(err, errlen, "unknown setting \"%s\"", config_setting_name(g));
            return -1;
        }
        if (v == NULL || (strcmp(v, "rfc9989") != 0 && strcmp(v, "rfc7489") != 0)) {
            snprintf(err, errlen, "standard must be \"rfc9989\" or \"rfc7489\"");
            return -1;
        }
        s->std = strcmp(v, "rfc7489") == 0 ? DMARC_RFC7489 : DMARC_RFC9989;
    }
    return 0;
}

/* from_of - the From headers' status, and the domain into buf */
static enum from_header_status from_of(const struct conn *c, char *buf, size_t len)
{
    unsigned n;
    const struct msg_header *h = conn_header(c, "From", 0, &n);
    enum from_header_status st =
        n == 1 ? from_header_domain(h->value, h->vlen, buf, len) : FROM_HEADER_NONE;
    return from_header_status(n, st);
}

/* dmarc_start - at end of headers: the From domain and its _dmarc lookups */
static void dmarc_start(struct conn *c, const void *settings, struct arena *arena, void **state)
{
    const struct dmarc_settings *s = settings;
    struct dmarc_job *job = arena_alloc(arena, sizeof(*job));
    char domain[FROM_HEADER_DOMAIN_MAX];
    memset(job, 0, sizeof(*job));
    *state = job;
    job->from = from_of(c, domain, sizeof(domain));
    if (job->from != FROM_HEADER_OK)
        return;
    c->from_domain = job->report.from_domain = arena_strdup(c->msg, domain);
    if (dmarc_lookup_start(c, arena, s->std, domain, &job->author) < 0)
        job->from = FROM_HEADER_SYNTAX;
}

/* auth_of_dkim - a signature's verdict as an authenticated identifier */
static enum dmarc_auth auth_of_dkim(enum dkim_word w)
{
    return w == DKIM_W_PASS        ? DMARC_AUTH_PASS
           : w == DKIM_W_TEMPERROR ? DMARC_AUTH_TEMPERROR
                                   : DMARC_AUTH_NONE;
}

/* spf_author_identity - the SPF-authenticated domain (MAIL FROM, or HELO for the
 * null sender) */
static void spf_author_identity(struct conn *c, struct arena *arena, const struct dmarc_job *job,
                                struct dmarc_identity *id)
{
    conn_check_word(c, CHECK_ID_spf);
    const struct spf_state *st = spf_mailfrom_state(c);
    if (st == NULL || st->in.domain == NULL)
        return;
    id->domain = st->in.domain;
    id->result = dmarc_auth_of_spf(st->answer.result);
    if (id->result != DMARC_AUTH_NONE)
        id->org = dmarc_org_of(c, arena, &job->author, id->domain);
}

/* dkim_identities - every checked signature's d= */
static void dkim_identities(struct conn *c, struct arena *arena, const struct dmarc_job *job,
                            struct dmarc_input *in)
{
    size_t n;
    conn_check_word(c, CHECK_ID_dkim);
    const struct dkim_sig *sigs = dkim_sigs(c, &n);
    struct dmarc_identity *ids = arena_alloc(arena, (n ? n : 1) * sizeof(*ids));
    for (size_t i = 0; i < n; i++) {
        ids[i] =
            (struct dmarc_identity){.domain = sigs[i].domain, .result = auth_of_dkim(sigs[i].word)};
        if (ids[i].domain && ids[i].result != DMARC_AUTH_NONE)
            ids[i].org = dmarc_org_of(c, arena, &job->author, ids[i].domain);
    }
    in->dkim = ids;
    in->ndkim = n;
}

/* from_nxdomain - whether the From domain does not exist (np applies); only
 * asked when the policy comes from another domain. A failed lookup counts as
 * existing. */
static bool from_nxdomain(struct conn *c, const struct dmarc_job *job)
{
    const struct dmarc_discovery *d = &job->author.found;
    if (d->status != DMARC_SELECT_FOUND || dmarc_domain_equal(d->domain, job->author.domain))
        return false;
    struct dns_query *q = dns_submit(c->dns, job->author.domain, DNS_T_A);
    bool nx = conn_dns_wait(c, q)->status == DNS_NXDOMAIN;
    dns_release(&q);
    return nx;
}

/* word_of - the check's word for an outcome */
static enum dmarc_word word_of(const struct dmarc_outcome *o)
{
    switch (o->result) {
    case DMARC_RESULT_PASS:
        return DMARC_W_PASS;
    case DMARC_RESULT_FAIL:
        return o->applied == DMARC_POLICY_REJECT       ? DMARC_W_REJECT
               : o->applied == DMARC_POLICY_QUARANTINE ? DMARC_W_QUARANTINE
                                                       : DMARC_W_FAIL;
    case DMARC_RESULT_TEMPERROR:
        return DMARC_W_TEMPERROR;
    case DMARC_RESULT_PERMERROR:
        return DMARC_W_PERMERROR;
    case DMARC_RESULT_NONE:
        break;
    }
    return DMARC_W_NONE;
}

/* reason_of - a short text for logs and {reason} */
static const char *reason_of(struct conn *c, const struct dmarc_job *job, enum dmarc_word w)
{
    const struct dmarc_outcome *o = &job->report.outcome;
    const char *d = job->report.from_domain;
    switch (w) {
    case DMARC_W_PASS:
        return o->dkim_aligned
                   ? arena_printf(c->msg, "aligned DKIM signature of %s", o->dkim_domain)
                   : "aligned SPF pass";
    case DMARC_W_NONE:
        return arena_printf(c->msg, "no DMARC policy for %s", d);
    case DMARC_W_TEMPERROR:
        return "the DMARC policy or a key could not be looked up";
    case DMARC_W_PERMERROR:
        return arena_printf(c->msg, "the DMARC record for %s is unusable", d);
    default:
        break;
    }
    return arena_printf(c->msg, "no aligned SPF or DKIM pass for %s (p=%s%s)", d,
                        dmarc_policy_name(o->published),
                        o->testing       ? ", t=y"
                        : o->sampled_out ? ", pct"
                                         : "");
}

/* dmarc_finish - end of message: discovery, alignment, the policy; the
 * evaluation counted in the store's DMARC history (a store that cannot
 * answer changes nothing here) */
static struct check_result dmarc_finish(struct conn *c, const void *settings, void *state)
{
    const struct dmarc_settings *s = settings;
    struct dmarc_job *job = state;
    if (!c->content || job->from != FROM_HEADER_OK)
        return (struct check_result){.word = c->content ? DMARC_W_BADFROM : DMARC_W_NONE,
                                     .reason = c->content ? from_header_word(job->from)
                                                          : "no message content"};
    dmarc_lookup_finish(c, &job->author);
    struct dmarc_input in = {.std = s->std,
                             .from_domain = job->author.domain,
                             .policy = &job->author.found,
                             .pct_draw = (int)arc4random_uniform(100)};
    if (job->author.found.status == DMARC_SELECT_FOUND) {
        spf_author_identity(c, c->msg, job, &in.spf);
        dkim_identities(c, c->msg, job, &in);
        in.from_nxdomain = from_nxdomain(c, job);
    }
    dmarc_evaluate(&in, &job->report.outcome);
    dmarc_history_record(c, job->report.from_domain, &job->report.outcome);
    enum dmarc_word w = word_of(&job->report.outcome);
    return (struct check_result){.word = w, .reason = reason_of(c, job, w)};
}

/* dmarc_report_of - the finished check's report */
const struct dmarc_report *dmarc_report_of(const struct conn *c)
{
    const struct check_result *r = conn_check_result(c, CHECK_ID_dmarc);
    const struct dmarc_job *job = c->slots[CHECK_ID_dmarc].state_ptr;
    return r && job && r->word != DMARC_W_BADFROM && c->content ? &job->report : NULL;
}

static const char *const dmarc_needs[] = {"spf", "dkim", NULL};

const struct check_def check_dmarc = {
    .name = "dmarc",
    .stage = STAGE_EOM,
    .words = dmarc_words,
    .needs = dmarc_needs,
    .configure = dmarc_configure,
    .start = dmarc_start,
    .finish = dmarc_finish,
};
