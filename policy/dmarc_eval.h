/* dmarc_eval.h - the DMARC decision from answers the caller fetched:
 * organizational domains (RFC 7489 3.2 by the Public Suffix List, RFC 9989
 * 4.10 by the DNS Tree Walk), policy discovery (RFC 7489 6.6.3, RFC 9989
 * 4.10.1), identifier alignment (RFC 7489 3.1, RFC 9989 4.4, 4.10.2) and the
 * result with the policy to apply (RFC 7489 6.6.4, RFC 9989 4.7 t=, 5.3).
 * Pure functions: no DNS, no global state; any thread.
 *
 * The caller's part, RFC 7489: org = dmarc_orgdomain_psl(author); look up
 * TXT at _dmarc.<author> and, when org differs, _dmarc.<org> (both at once);
 * dmarc_record_select each; dmarc_discover_rfc7489. For each identifier
 * (SPF domain, DKIM d=) its org comes from dmarc_orgdomain_psl too.
 *
 * RFC 9989: dmarc_walk_names(author) gives up to 8 names; look up TXT at
 * _dmarc.<name> for all of them at once; dmarc_record_select each (a DNS
 * failure that may clear is DMARC_SELECT_TRYLATER; NXDOMAIN or no TXT is
 * NONE); dmarc_walk_decide. Each identifier's org comes from a walk of its
 * own (same two steps; only .org is used), answers shared with the author's
 * walk where the names coincide. */
#ifndef MXGATE_DMARC_EVAL_H
#define MXGATE_DMARC_EVAL_H

#include "dmarc_record.h"
#include "spf_eval.h"

#include <stdbool.h>
#include <stddef.h>

/* At most this many names in a tree walk (RFC 9989 4.10). */
#define DMARC_WALK_MAX 8

/* What one _dmarc name answered. */
struct dmarc_answer {
    enum dmarc_select sel;   /* from dmarc_record_select, or TRYLATER */
    struct dmarc_record rec; /* when sel is FOUND or INVALID */
};

/* Where the author domain's policy comes from. Pointers point into the
 * caller's domain strings and answers: they live as long as those. */
struct dmarc_discovery {
    enum dmarc_select status;       /* NONE, FOUND, INVALID, MULTIPLE (7489), TRYLATER */
    const struct dmarc_record *rec; /* FOUND, INVALID: the record to apply */
    const char *domain;             /* FOUND, INVALID: where rec is published */
    const char *org;                /* the author's organizational domain; NULL when
                                     * a try-later answer left it unknown */
};

/* An authenticated identifier candidate: the SPF domain (MAIL FROM, or HELO
 * for the null sender) or one DKIM signature's d=. */
enum dmarc_auth {
    DMARC_AUTH_NONE = 0, /* did not pass (fail, none, neutral, softfail, permerror) */
    DMARC_AUTH_PASS,
    DMARC_AUTH_TEMPERROR, /* might have passed */
};

struct dmarc_identity {
    const char *domain; /* NULL: no such identifier */
    const char *org;    /* its organizational domain; NULL when unknown */
    enum dmarc_auth result;
};

enum dmarc_result {
    DMARC_RESULT_NONE = 0, /* DMARC does not apply (no record, several records) */
    DMARC_RESULT_PASS,
    DMARC_RESULT_FAIL,
    DMARC_RESULT_TEMPERROR,
    DMARC_RESULT_PERMERROR, /* the record to apply is unusable */
};

struct dmarc_input {
    enum dmarc_std std;
    const char *from_domain;              /* the author domain; NULL: none */
    const struct dmarc_discovery *policy; /* for from_domain */
    bool from_nxdomain;                   /* NXDOMAIN for the author domain (np) */
    struct dmarc_identity spf;
    const struct dmarc_identity *dkim; /* every verified signature */
    size_t ndkim;
    int pct_draw; /* uniform in 0..99 (RFC 7489 pct) */
};

struct dmarc_outcome {
    enum dmarc_result result;
    enum dmarc_policy published; /* p, sp or np as chosen; UNSET without a usable record */
    enum dmarc_policy applied;   /* FAIL: after pct or t=y; PASS: NONE; else UNSET */
    bool spf_aligned;            /* SPF passed for an aligned domain */
    bool dkim_aligned;           /* a signature passed for an aligned d= */
    const char *dkim_domain;     /* d= of the first such signature, or NULL */
    bool testing;                /* RFC 9989 t=y: applied is one level lower */
    bool sampled_out;            /* RFC 7489 pct: the draw spared this message */
};

/* dmarc_orgdomain_psl - RFC 7489 3.2: the organizational domain of domain,
 * by libpsl's built-in list, into buf (size bytes), lowercase and without a
 * trailing dot. A public suffix is its own organizational domain (so is a
 * name libpsl refuses). Returns 0, or -1 when domain is empty, buf is too
 * small or libpsl has no built-in list. */
int dmarc_orgdomain_psl(const char *domain, char *buf, size_t size);

/* dmarc_discover_rfc7489 - RFC 7489 6.6.3 from the answer at
 * _dmarc.<domain> (own) and, only when that held no DMARC record (NONE), the
 * one at _dmarc.<org> (organs; NULL or ignored when org equals domain). A
 * try-later answer at the org domain is ignored when own decides. out->org
 * is org. */
void dmarc_discover_rfc7489(const char *domain, const char *org, const struct dmarc_answer *own,
                            const struct dmarc_answer *organs, struct dmarc_discovery *out);

/* dmarc_walk_names - RFC 9989 4.10, 4.10.1: the names whose "_dmarc." TXT
 * records a tree walk from domain needs, in walk order: domain itself; then,
 * with 8 labels or fewer, each parent down to the last label; with more than
 * 8, the name of the last 7 labels and its parents (8 names in all). The
 * names are suffixes of domain (pointers into it); a trailing dot stays.
 * Returns how many (at most max), or 0 when domain is empty or has an empty
 * label. */
size_t dmarc_walk_names(const char *domain, const char **names, size_t max);

/* dmarc_walk_decide - RFC 9989 4.10.1 and 4.10.2 from the answers for the
 * names dmarc_walk_names(domain) gave (answers[i] for names[i]; n of them).
 * A MULTIPLE answer counts as no record (4.10 step 2); an INVALID record is
 * a record (it can stop the walk and be chosen; applying it is no DMARC).
 * The walk stops at the first record with psd=y or psd=n.
 *   org: psd=n there -> that name; psd=y there, below the start -> the name
 *   one label below it; else the record with the fewest labels; no record ->
 *   domain itself.
 *   policy: the author domain's own record; else the org domain's record;
 *   else the psd=y record; else NONE.
 * Try-later: at domain itself -> TRYLATER. At a later name before the stop
 * -> org is NULL (unknown), and TRYLATER unless domain has its own record
 * (then the policy is known; relaxed alignment may still need the org). At
 * a name after the stop -> ignored, it cannot change anything. */
void dmarc_walk_decide(const char *domain, const struct dmarc_answer *answers, size_t n,
                       struct dmarc_discovery *out);

/* dmarc_domain_equal - the same name: ASCII case ignored, and one trailing
 * dot on either. NULL equals nothing. */
bool dmarc_domain_equal(const char *a, const char *b);

/* dmarc_aligned - identifier alignment of a (org_a its organizational
 * domain) with b (org_b): strict needs a equal to b; relaxed is met too when
 * org_a equals org_b (both known). The org domains come from
 * dmarc_orgdomain_psl (RFC 7489) or tree walks (RFC 9989). */
bool dmarc_aligned(const char *a, const char *org_a, const char *b, const char *org_b, bool strict);

/* dmarc_auth_of_spf - PASS for pass, TEMPERROR for temperror, else NONE */
enum dmarc_auth dmarc_auth_of_spf(enum spf_result spf);

/* dmarc_evaluate - the result (RFC 7489 4.2, 6.6.2; RFC 9989 5.3.5):
 *   policy TRYLATER -> TEMPERROR; NONE or MULTIPLE -> NONE; INVALID ->
 *   PERMERROR; FOUND -> PASS when SPF or a DKIM signature passed for an
 *   aligned domain (adkim, aspf); else TEMPERROR when a temperror or a pass
 *   of unknown alignment (org unknown) might have aligned; else FAIL.
 * published: dmarc_record_policy (p for the record's own domain; else np
 * when from_nxdomain, sp, p). applied for FAIL: RFC 7489 with pct_draw >=
 * pct lowers it one level (reject -> quarantine -> none; sampled_out);
 * RFC 9989 with t=y likewise (testing). Never fails. */
void dmarc_evaluate(const struct dmarc_input *in, struct dmarc_outcome *out);

/* dmarc_result_word - RFC 8601 words: "none", "pass", "fail", "temperror",
 * "permerror" */
const char *dmarc_result_word(enum dmarc_result result);

#endif
