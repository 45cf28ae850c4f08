/* dmarc_eval.c - organizational domains, policy discovery, alignment and the
 * DMARC result (RFC 7489 3.2, 6.6; RFC 9989 4.10, 5.3) */
#include "dmarc_eval.h"

#include "util.h"

#include <ctype.h>
#include <libpsl.h>
#include <string.h>
#include <strings.h>

/* The name of the last 7 labels is where a long walk jumps (RFC 9989 4.10 step 4). */
#define WALK_SUFFIXES (DMARC_WALK_MAX - 1)

/* Alignment of one identifier, when an org domain may be unknown. */
enum align {
    ALIGN_NO = 0,
    ALIGN_YES,
    ALIGN_UNKNOWN,
};

/* name_len - length of a name without one trailing dot */
static size_t name_len(const char *s)
{
    size_t n = strlen(s);
    return n > 0 && s[n - 1] == '.' ? n - 1 : n;
}

/* dmarc_domain_equal - case-insensitive, one trailing dot ignored */
bool dmarc_domain_equal(const char *a, const char *b)
{
    if (a == NULL || b == NULL)
        return false;
    size_t n = name_len(a);
    return n == name_len(b) && strncasecmp(a, b, n) == 0;
}

/* dmarc_orgdomain_psl - registrable domain, or the name itself */
int dmarc_orgdomain_psl(const char *domain, char *buf, size_t size)
{
    const psl_ctx_t *psl = psl_builtin();
    size_t n = name_len(domain);
    if (psl == NULL || n == 0 || n >= size)
        return -1;
    memcpy(buf, domain, n);
    buf[n] = '\0';
    str_lower(buf);
    /* NULL for a public suffix (7489 3.2: no "x+1"th label) or a bad name */
    const char *reg = psl_registrable_domain(psl, buf);
    if (reg != NULL && reg != buf)
        memmove(buf, reg, strlen(reg) + 1);
    return 0;
}

/* dmarc_discover_rfc7489 - the author's record, else the org domain's */
void dmarc_discover_rfc7489(const char *domain, const char *org, const struct dmarc_answer *own,
                            const struct dmarc_answer *organs, struct dmarc_discovery *out)
{
    const struct dmarc_answer *use = own;
    const char *where = domain;
    *out = (struct dmarc_discovery){.org = org};
    if (own->sel == DMARC_SELECT_NONE) { /* 6.6.3 step 3: the set is empty */
        if (organs == NULL || org == NULL || dmarc_domain_equal(domain, org))
            return;
        use = organs;
        where = org;
    }
    out->status = use->sel;
    if (use->sel == DMARC_SELECT_FOUND || use->sel == DMARC_SELECT_INVALID) {
        out->rec = &use->rec;
        out->domain = where;
    }
}

/* dmarc_walk_names - the author domain, then from its parent (or its last
 * 7 labels) down to the last label. 4.10 step 4 ("if x >= 8, remove labels
 * until 7 remain") and 4.10.1 ("eight or fewer labels: the immediate
 * parent") agree: at 8 labels the parent has 7. The TLD is queried: a PSO
 * publishes there with psd=y. */
size_t dmarc_walk_names(const char *domain, const char **names, size_t max)
{
    const char *starts[WALK_SUFFIXES];
    size_t n = name_len(domain), nstarts = 0, count = 0;
    if (n == 0 || domain[0] == '.')
        return 0;
    for (size_t i = n; i-- > 0;) {
        if (domain[i] != '.')
            continue;
        if (i + 1 == n || domain[i + 1] == '.')
            return 0; /* empty label */
        if (nstarts < WALK_SUFFIXES)
            starts[nstarts++] = domain + i + 1;
    }
    if (max > 0)
        names[count++] = domain;
    while (nstarts > 0 && count < max)
        names[count++] = starts[--nstarts];
    return count;
}

/* has_record - the answer holds one DMARC record (usable or not) */
static bool has_record(const struct dmarc_answer *a)
{
    return a->sel == DMARC_SELECT_FOUND || a->sel == DMARC_SELECT_INVALID;
}

/* stops_walk - a record with psd=y or psd=n ends the walk (4.10 steps 2, 6) */
static bool stops_walk(const struct dmarc_answer *a)
{
    return has_record(a) && a->rec.psd != DMARC_PSD_U;
}

/* one_label_below - within domain, the name one label longer than suffix */
static const char *one_label_below(const char *domain, const char *suffix)
{
    const char *p = suffix - 1; /* the dot before suffix */
    while (p > domain && p[-1] != '.')
        p--;
    return p;
}

/* select_org - 4.10.2 over answers[0..last], longest name first */
static const char *select_org(const char *domain, const char *const *names,
                              const struct dmarc_answer *answers, size_t last)
{
    const char *fewest = NULL;
    for (size_t i = 0; i <= last; i++) {
        if (!has_record(&answers[i]))
            continue;
        if (answers[i].rec.psd == DMARC_PSD_N)
            return names[i]; /* rule 1 */
        if (answers[i].rec.psd == DMARC_PSD_Y && i > 0)
            return one_label_below(domain, names[i]); /* rule 2 */
        fewest = names[i];
    }
    return fewest ? fewest : domain; /* rule 3, else the start */
}

/* pick_policy - 4.10.1: the author's record, the org domain's, the PSD's */
static void pick_policy(const char *const *names, const struct dmarc_answer *answers, size_t count,
                        size_t stop, struct dmarc_discovery *out)
{
    size_t use = count;
    if (has_record(&answers[0]))
        use = 0;
    /* names and org all point into the author domain: same pointer, same name */
    for (size_t i = 1; use == count && i < count && i <= stop && out->org; i++)
        if (has_record(&answers[i]) && names[i] == out->org)
            use = i;
    if (use == count && stop < count && answers[stop].rec.psd == DMARC_PSD_Y)
        use = stop;
    if (use == count)
        return;
    out->status = answers[use].sel;
    out->rec = &answers[use].rec;
    out->domain = names[use];
}

/* dmarc_walk_decide - org domain and policy record from the walk's answers */
void dmarc_walk_decide(const char *domain, const struct dmarc_answer *answers, size_t n,
                       struct dmarc_discovery *out)
{
    const char *names[DMARC_WALK_MAX];
    size_t count = dmarc_walk_names(domain, names, DMARC_WALK_MAX), stop = count;
    bool unknown = false;
    *out = (struct dmarc_discovery){0};
    count = count < n ? count : n;
    for (size_t i = 0; i < count && stop == count && !unknown; i++) {
        if (answers[i].sel == DMARC_SELECT_TRYLATER)
            unknown = true; /* this name could have stopped the walk or been the org */
        else if (stops_walk(&answers[i]))
            stop = i; /* names after this one cannot change anything */
    }
    if (count == 0)
        return;
    if (answers[0].sel == DMARC_SELECT_TRYLATER || (unknown && !has_record(&answers[0]))) {
        out->status = DMARC_SELECT_TRYLATER;
        return;
    }
    if (!unknown)
        out->org = select_org(domain, names, answers, stop < count ? stop : count - 1);
    pick_policy(names, answers, count, stop, out);
}

/* align - one identifier against the author domain */
static enum align align(const struct dmarc_identity *id, const char *from, const char *from_org,
                        bool strict)
{
    if (id->domain == NULL)
        return ALIGN_NO;
    if (dmarc_domain_equal(id->domain, from))
        return ALIGN_YES;
    if (strict)
        return ALIGN_NO;
    if (id->org == NULL || from_org == NULL)
        return ALIGN_UNKNOWN;
    return dmarc_domain_equal(id->org, from_org) ? ALIGN_YES : ALIGN_NO;
}

/* dmarc_aligned - strict: equal; relaxed: equal or same org domain */
bool dmarc_aligned(const char *a, const char *org_a, const char *b, const char *org_b, bool strict)
{
    struct dmarc_identity id = {.domain = a, .org = org_a};
    return align(&id, b, org_b, strict) == ALIGN_YES;
}

/* dmarc_auth_of_spf - what an SPF result means to DMARC */
enum dmarc_auth dmarc_auth_of_spf(enum spf_result spf)
{
    if (spf == SPF_PASS)
        return DMARC_AUTH_PASS;
    return spf == SPF_TEMPERROR ? DMARC_AUTH_TEMPERROR : DMARC_AUTH_NONE;
}

/* weigh - one identifier: sets *pass on an aligned pass, *maybe when it
 * might have been one */
static void weigh(const struct dmarc_identity *id, const char *from, const char *from_org,
                  bool strict, bool *pass, bool *maybe)
{
    enum align a = align(id, from, from_org, strict);
    if (id->result == DMARC_AUTH_PASS && a == ALIGN_YES)
        *pass = true;
    else if (id->result != DMARC_AUTH_NONE && a != ALIGN_NO)
        *maybe = true;
}

/* check_alignment - PASS, TEMPERROR or FAIL from the identifiers */
static enum dmarc_result check_alignment(const struct dmarc_input *in, struct dmarc_outcome *out)
{
    const struct dmarc_record *rec = in->policy->rec;
    const char *org = in->policy->org;
    bool maybe = false;
    weigh(&in->spf, in->from_domain, org, rec->strict_spf, &out->spf_aligned, &maybe);
    for (size_t i = 0; i < in->ndkim; i++) {
        bool pass = false;
        weigh(&in->dkim[i], in->from_domain, org, rec->strict_dkim, &pass, &maybe);
        if (pass && !out->dkim_aligned)
            out->dkim_domain = in->dkim[i].domain;
        out->dkim_aligned |= pass;
    }
    if (out->spf_aligned || out->dkim_aligned)
        return DMARC_RESULT_PASS;
    return maybe ? DMARC_RESULT_TEMPERROR : DMARC_RESULT_FAIL;
}

/* lower - one level less strict: reject -> quarantine -> none */
static enum dmarc_policy lower(enum dmarc_policy p)
{
    return p == DMARC_POLICY_REJECT ? DMARC_POLICY_QUARANTINE : DMARC_POLICY_NONE;
}

/* applied_policy - for a failing message: pct (7489 6.6.4) or t=y (9989 4.7) */
static enum dmarc_policy applied_policy(const struct dmarc_input *in, struct dmarc_outcome *out)
{
    const struct dmarc_record *rec = in->policy->rec;
    if (in->std == DMARC_RFC7489 && in->pct_draw >= rec->pct)
        out->sampled_out = true;
    if (out->sampled_out || out->testing)
        return lower(out->published);
    return out->published;
}

/* dmarc_evaluate - result and policies */
void dmarc_evaluate(const struct dmarc_input *in, struct dmarc_outcome *out)
{
    const struct dmarc_discovery *pol = in->policy;
    *out = (struct dmarc_outcome){0};
    if (in->from_domain == NULL || pol == NULL || pol->status == DMARC_SELECT_NONE ||
        pol->status == DMARC_SELECT_MULTIPLE)
        return;
    if (pol->status != DMARC_SELECT_FOUND || pol->rec == NULL) {
        out->result =
            pol->status == DMARC_SELECT_TRYLATER ? DMARC_RESULT_TEMPERROR : DMARC_RESULT_PERMERROR;
        return;
    }
    bool own = dmarc_domain_equal(pol->domain, in->from_domain);
    out->published = dmarc_record_policy(pol->rec, own, !in->from_nxdomain);
    out->testing = in->std == DMARC_RFC9989 && pol->rec->testing;
    out->result = check_alignment(in, out);
    if (out->result == DMARC_RESULT_PASS)
        out->applied = DMARC_POLICY_NONE;
    else if (out->result == DMARC_RESULT_FAIL)
        out->applied = applied_policy(in, out);
}

/* dmarc_result_word - RFC 8601 result word */
const char *dmarc_result_word(enum dmarc_result result)
{
    static const char *const words[] = {
        [DMARC_RESULT_NONE] = "none",           [DMARC_RESULT_PASS] = "pass",
        [DMARC_RESULT_FAIL] = "fail",           [DMARC_RESULT_TEMPERROR] = "temperror",
        [DMARC_RESULT_PERMERROR] = "permerror",
    };
    return (size_t)result < ARRAY_LEN(words) ? words[result] : "permerror";
}
