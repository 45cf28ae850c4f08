/* spf_eval.c - RFC 7208 check_host() on the shared resolver */
#include "spf_eval.h"

#include "arena.h"
#include "conn.h"
#include "dns.h"
#include "spf_macro.h"
#include "spf_record.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#define SPF_MAX_LOOKUPS 10 /* section 4.6.4 */
#define SPF_MAX_VOIDS 2
#define SPF_MAX_NAMES 10 /* per MX and PTR */
#define SPF_MAX_DEPTH 12
#define SPF_MAX_RECORD 4096     /* octets; RFC 7208 3.4 sets no hard limit, this is generous */
#define SPF_MAX_EXPLANATION 400 /* octets: it must fit an SMTP reply line */

enum match { M_NO = 0, M_YES, M_TEMPERROR, M_PERMERROR };

struct eval {
    struct conn *c;
    struct arena *a;
    const struct spf_input *in;
    unsigned lookups, voids;
    const char *why;
    const char *perm; /* why the last term was a permerror */
};

const char *const spf_result_words[] = {
    [SPF_NONE] = "none",           [SPF_NEUTRAL] = "neutral",   [SPF_PASS] = "pass",
    [SPF_FAIL] = "fail",           [SPF_SOFTFAIL] = "softfail", [SPF_TEMPERROR] = "temperror",
    [SPF_PERMERROR] = "permerror", [SPF_PERMERROR + 1] = NULL,
};

static struct spf_answer check_host(struct eval *ev, const char *domain, int depth);

/* spf_result_name - result as RFC 7208 names it */
const char *spf_result_name(enum spf_result r)
{
    return spf_result_words[r];
}

/* answer - a result with its reason */
static struct spf_answer answer(struct eval *ev, enum spf_result r, const char *why)
{
    ev->why = why;
    return (struct spf_answer){.result = r, .why = why};
}

/* domain_ok - a multi-label name with labels of 1..63 octets, at most 253 */
static bool domain_ok(const char *d)
{
    size_t n = strlen(d), label = 0;
    if (n == 0 || n > 253 || d[0] == '.' || strchr(d, '.') == NULL)
        return false;
    for (const char *p = d; *p; p++) {
        if (*p == '.' && (label == 0 && p[1] != '\0'))
            return false;
        label = *p == '.' ? 0 : label + 1;
        if (label > 63)
            return false;
    }
    return true;
}

/* lookup - wait for one answer within the budget */
static const struct dns_result *lookup(struct eval *ev, struct dns_query **qp, const char *name,
                                       enum dns_type t)
{
    *qp = dns_submit(ev->c->dns, name, t);
    return conn_dns_wait(ev->c, *qp);
}

/* permerror - a term's permanent error, with its reason */
static enum match permerror(struct eval *ev, const char *why)
{
    ev->perm = why;
    return M_PERMERROR;
}

/* void_lookup - count an empty answer; true when over the limit */
static bool void_lookup(struct eval *ev, const struct dns_result *r)
{
    if (r->status != DNS_NXDOMAIN && r->status != DNS_NODATA)
        return false;
    if (++ev->voids <= SPF_MAX_VOIDS)
        return false;
    ev->perm = "more than 2 void lookups";
    return true;
}

/* addr_type - A for IPv4 clients, AAAA for IPv6 */
static enum dns_type addr_type(const struct eval *ev)
{
    return ev->in->ip.family == AF_INET ? DNS_T_A : DNS_T_AAAA;
}

/* rr_in_net - an A/AAAA record inside ip/prefix of the client */
static bool rr_in_net(const struct eval *ev, const struct dns_rr *rr, int prefix)
{
    struct cidr net = {.net = ev->in->ip};
    int max = ev->in->ip.family == AF_INET ? 32 : 128;
    memcpy(net.net.b, ev->in->ip.family == AF_INET ? rr->u.a : rr->u.aaaa, (size_t)max / 8);
    net.prefix = (unsigned)(prefix < 0 ? max : prefix);
    return cidr_match(&net, &ev->in->ip);
}

/* any_in_net - any record of an address answer matches */
static bool any_in_net(const struct eval *ev, const struct dns_result *r, const struct spf_term *t)
{
    int prefix = ev->in->ip.family == AF_INET ? t->cidr4 : t->cidr6;
    for (size_t i = 0; r->status == DNS_FOUND && i < r->count; i++)
        if (rr_in_net(ev, &r->rr[i], prefix))
            return true;
    return false;
}

/* addr_match - a: the target's addresses within the term's CIDR; exists
 * (t NULL): any A record at all, whatever the client's family */
static enum match addr_match(struct eval *ev, const char *target, const struct spf_term *t)
{
    struct dns_query *q;
    const struct dns_result *r = lookup(ev, &q, target, t ? addr_type(ev) : DNS_T_A);
    bool hit = t ? any_in_net(ev, r, t) : r->status == DNS_FOUND;
    enum match m = hit ? M_YES : M_NO;
    if (r->status == DNS_TRYLATER)
        m = M_TEMPERROR;
    else if (void_lookup(ev, r))
        m = M_PERMERROR;
    dns_release(&q);
    return m;
}

/* mx_hosts_match - the A/AAAA of up to 10 MX hosts, asked all at once */
static enum match mx_hosts_match(struct eval *ev, const struct dns_result *mx,
                                 const struct spf_term *t)
{
    struct dns_query *q[SPF_MAX_NAMES];
    enum match m = M_NO;
    bool trylater = false;
    for (size_t i = 0; i < mx->count; i++)
        q[i] = dns_submit(ev->c->dns, mx->rr[i].u.host.name, addr_type(ev));
    for (size_t i = 0; i < mx->count; i++) {
        const struct dns_result *r = m == M_YES ? NULL : conn_dns_wait(ev->c, q[i]);
        if (r && any_in_net(ev, r, t))
            m = M_YES;
        trylater |= r && r->status == DNS_TRYLATER;
        dns_release(&q[i]);
    }
    return m == M_NO && trylater ? M_TEMPERROR : m;
}

/* mx_match - mx[:domain][/cidr] */
static enum match mx_match(struct eval *ev, const char *target, const struct spf_term *t)
{
    struct dns_query *q;
    const struct dns_result *r = lookup(ev, &q, target, DNS_T_MX);
    enum match m = M_NO;
    if (r->status == DNS_TRYLATER)
        m = M_TEMPERROR;
    else if (void_lookup(ev, r))
        m = M_PERMERROR;
    else if (r->count > SPF_MAX_NAMES)
        m = permerror(ev, "more than 10 MX names");
    else if (r->status == DNS_FOUND)
        m = mx_hosts_match(ev, r, t);
    dns_release(&q);
    return m;
}

/* ip_match - ip4:net[/cidr], ip6:net[/cidr] */
static enum match ip_match(const struct eval *ev, const struct spf_term *t)
{
    int max = t->ip.family == AF_INET ? 32 : 128;
    int prefix = t->ip.family == AF_INET ? t->cidr4 : t->cidr6;
    struct cidr net = {.net = t->ip, .prefix = (unsigned)(prefix < 0 ? max : prefix)};
    return cidr_match(&net, &ev->in->ip) ? M_YES : M_NO;
}

/* include_match - include:domain: a pass there is a match here */
static enum match include_match(struct eval *ev, const char *target, int depth)
{
    switch (check_host(ev, target, depth + 1).result) {
    case SPF_PASS:
        return M_YES;
    case SPF_FAIL:
    case SPF_SOFTFAIL:
    case SPF_NEUTRAL:
        return M_NO;
    case SPF_TEMPERROR:
        return M_TEMPERROR;
    case SPF_NONE:
        return permerror(ev, arena_printf(ev->a, "include:%s has no SPF record", target));
    case SPF_PERMERROR:
        break;
    }
    return permerror(ev, ev->why); /* the innermost reason names its domain */
}

/* confirm_names - of up to 10 PTR names, those resolving back to the client */
static size_t confirm_names(struct eval *ev, const struct dns_result *ptr, const char **out)
{
    struct dns_query *q[SPF_MAX_NAMES];
    size_t n = ptr->count < SPF_MAX_NAMES ? ptr->count : SPF_MAX_NAMES, found = 0;
    for (size_t i = 0; i < n; i++)
        q[i] = dns_submit(ev->c->dns, ptr->rr[i].u.host.name, addr_type(ev));
    for (size_t i = 0; i < n; i++) {
        const struct dns_result *r = conn_dns_wait(ev->c, q[i]);
        static const struct spf_term exact = {.cidr4 = -1, .cidr6 = -1};
        if (any_in_net(ev, r, &exact))
            out[found++] = arena_strdup(ev->a, ptr->rr[i].u.host.name);
        dns_release(&q[i]);
    }
    return found;
}

/* validated_names - the client's validated host names (section 5.5) */
static size_t validated_names(struct eval *ev, const char **out)
{
    char addr[IPADDR_STRLEN], rev[80];
    struct dns_query *q;
    ipaddr_format(&ev->in->ip, addr, sizeof(addr));
    if (dns_reverse_name(addr, rev, sizeof(rev)) < 0)
        return 0;
    const struct dns_result *r = lookup(ev, &q, rev, DNS_T_PTR);
    size_t n = 0;
    if (!void_lookup(ev, r) && r->status == DNS_FOUND)
        n = confirm_names(ev, r, out);
    dns_release(&q);
    return n;
}

/* in_domain - name is domain or a subdomain of it */
static bool in_domain(const char *name, const char *domain)
{
    size_t n = strlen(name), d = strlen(domain);
    if (d && domain[d - 1] == '.')
        d--;
    if (n < d || strncasecmp(name + n - d, domain, d) != 0)
        return false;
    return n == d || name[n - d - 1] == '.';
}

/* ptr_match - ptr[:domain]: a validated name in the target domain */
static enum match ptr_match(struct eval *ev, const char *target)
{
    const char *names[SPF_MAX_NAMES];
    size_t n = validated_names(ev, names);
    for (size_t i = 0; i < n; i++)
        if (in_domain(names[i], target))
            return M_YES;
    return ev->voids > SPF_MAX_VOIDS ? permerror(ev, "more than 2 void lookups") : M_NO;
}

/* p_macro - %{p}: a validated name in the domain, else any, else "unknown" */
static const char *p_macro(struct eval *ev, const char *domain)
{
    const char *names[SPF_MAX_NAMES];
    size_t n = validated_names(ev, names);
    for (size_t i = 0; i < n; i++)
        if (in_domain(names[i], domain))
            return names[i];
    return n ? names[0] : "unknown";
}

/* expand - a macro-string in the context of the current domain, or NULL */
static const char *expand(struct eval *ev, const char *spec, const char *domain, bool exp)
{
    char err[128];
    const struct spf_input *in = ev->in;
    const char *at = strrchr(in->sender, '@');
    struct spf_macro_ctx ctx = {
        .sender = in->sender,
        .local = at ? arena_strndup(ev->a, in->sender, (size_t)(at - in->sender)) : "postmaster",
        .o_domain = at ? at + 1 : in->sender,
        .domain = domain,
        .ip = &in->ip,
        .validated = spf_macro_needs_p(spec) ? p_macro(ev, domain) : "unknown",
        .helo = in->helo ? in->helo : "unknown",
        .receiver = in->receiver ? in->receiver : "unknown",
        .now = time(NULL),
    };
    return spf_macro_expand(spec, &ctx, exp, ev->a, err, sizeof(err));
}

/* term_match - does one term match? */
static enum match term_match(struct eval *ev, const struct spf_term *t, const char *domain,
                             int depth)
{
    if (t->mech == SPF_M_ALL)
        return M_YES;
    if (t->mech == SPF_M_IP4 || t->mech == SPF_M_IP6)
        return ip_match(ev, t);
    if (++ev->lookups > SPF_MAX_LOOKUPS)
        return permerror(ev, "more than 10 DNS-querying terms");
    const char *target = t->domain_spec ? expand(ev, t->domain_spec, domain, false) : domain;
    if (target == NULL || !domain_ok(target))
        return permerror(ev, "a domain-spec expands to a malformed domain");
    switch (t->mech) {
    case SPF_M_A:
        return addr_match(ev, target, t);
    case SPF_M_MX:
        return mx_match(ev, target, t);
    case SPF_M_PTR:
        return ptr_match(ev, target);
    case SPF_M_EXISTS:
        return addr_match(ev, target, NULL);
    default:
        return include_match(ev, target, depth);
    }
}

/* select_record - the one SPF record among a TXT answer; NULL with why */
static const struct dns_rr *select_record(const struct dns_result *r, const char **why)
{
    const struct dns_rr *found = NULL;
    for (size_t i = 0; r->status == DNS_FOUND && i < r->count; i++) {
        if (!spf_record_is_spf(r->rr[i].u.txt.data, r->rr[i].u.txt.len))
            continue;
        if (found) {
            *why = "more than one SPF record";
            return NULL;
        }
        found = &r->rr[i];
    }
    *why = found ? NULL : "no SPF record";
    return found;
}

/* explanation - the text of exp=, or a default (section 6.2) */
static const char *explanation(struct eval *ev, const struct spf_record *rec, const char *domain)
{
    char addr[IPADDR_STRLEN];
    const char *dflt = arena_printf(ev->a, "%s does not designate %s as a permitted sender", domain,
                                    ipaddr_format(&ev->in->ip, addr, sizeof(addr)));
    const char *target = rec->exp ? expand(ev, rec->exp, domain, false) : NULL;
    if (target == NULL || !domain_ok(target))
        return dflt;
    struct dns_query *q;
    const struct dns_result *r = lookup(ev, &q, target, DNS_T_TXT);
    const char *text = NULL;
    if (r->status == DNS_FOUND && r->count == 1 &&
        memchr(r->rr[0].u.txt.data, 0, r->rr[0].u.txt.len) == NULL)
        text =
            expand(ev, arena_strndup(ev->a, r->rr[0].u.txt.data, r->rr[0].u.txt.len), domain, true);
    dns_release(&q);
    return text && strlen(text) <= SPF_MAX_EXPLANATION ? text : dflt; /* section 6.2 */
}

/* qualified - the result a matching term's qualifier gives */
static struct spf_answer qualified(struct eval *ev, const struct spf_record *rec,
                                   const struct spf_term *t, const char *domain)
{
    static const char quals[] = "+-~?";
    static const enum spf_result results[] = {SPF_PASS, SPF_FAIL, SPF_SOFTFAIL, SPF_NEUTRAL};
    enum spf_result res = results[strchr(quals, t->qual) - quals];
    struct spf_answer a = answer(ev, res, arena_printf(ev->a, "matched in %s", domain));
    if (res == SPF_FAIL)
        a.explanation = explanation(ev, rec, domain);
    return a;
}

/* redirect - redirect=domain when no term matched (section 6.1) */
static struct spf_answer redirect(struct eval *ev, const struct spf_record *rec, const char *domain,
                                  int depth)
{
    if (++ev->lookups > SPF_MAX_LOOKUPS)
        return answer(ev, SPF_PERMERROR, "more than 10 DNS-querying terms");
    const char *target = expand(ev, rec->redirect, domain, false);
    if (target == NULL || !domain_ok(target))
        return answer(ev, SPF_PERMERROR, "redirect= to a malformed domain");
    struct spf_answer a = check_host(ev, target, depth + 1);
    return a.result == SPF_NONE ? answer(ev, SPF_PERMERROR, "redirect= to a domain without SPF")
                                : a;
}

/* evaluate - the terms of a parsed record, in order */
static struct spf_answer evaluate(struct eval *ev, const struct spf_record *rec, const char *domain,
                                  int depth)
{
    for (size_t i = 0; i < rec->nterms; i++) {
        switch (term_match(ev, &rec->terms[i], domain, depth)) {
        case M_YES:
            return qualified(ev, rec, &rec->terms[i], domain);
        case M_TEMPERROR:
            return answer(ev, SPF_TEMPERROR, arena_printf(ev->a, "DNS failure in %s", domain));
        case M_PERMERROR:
            return answer(ev, SPF_PERMERROR, ev->perm ? ev->perm : "permerror");
        case M_NO:
            break;
        }
    }
    if (rec->redirect)
        return redirect(ev, rec, domain, depth);
    return answer(ev, SPF_NEUTRAL, "no term matched");
}

/* check_host - section 4: fetch, select, parse and evaluate domain's record */
static struct spf_answer check_host(struct eval *ev, const char *domain, int depth)
{
    struct spf_record rec;
    struct dns_query *q;
    char err[160];
    const char *why;
    if (depth > SPF_MAX_DEPTH || !domain_ok(domain))
        return answer(ev, depth > SPF_MAX_DEPTH ? SPF_PERMERROR : SPF_NONE, "malformed domain");
    const struct dns_result *r = lookup(ev, &q, domain, DNS_T_TXT);
    const struct dns_rr *rr = select_record(r, &why);
    struct spf_answer a;
    if (r->status == DNS_TRYLATER)
        a = answer(ev, SPF_TEMPERROR, arena_printf(ev->a, "TXT lookup for %s: %s", domain, r->why));
    else if (rr == NULL)
        a = answer(ev, strcmp(why, "no SPF record") ? SPF_PERMERROR : SPF_NONE, why);
    else if (rr->u.txt.len > SPF_MAX_RECORD)
        a = answer(ev, SPF_PERMERROR,
                   arena_printf(ev->a, "%s: record longer than %d octets", domain, SPF_MAX_RECORD));
    else if (spf_record_parse(rr->u.txt.data, rr->u.txt.len, ev->a, &rec, err, sizeof(err)) < 0)
        a = answer(ev, SPF_PERMERROR, arena_printf(ev->a, "%s: %s", domain, err));
    else
        a = evaluate(ev, &rec, domain, depth);
    dns_release(&q);
    return a;
}

/* spf_check_host - evaluate for one identity */
struct spf_answer spf_check_host(struct conn *c, struct arena *arena, const struct spf_input *in)
{
    struct eval ev = {.c = c, .a = arena, .in = in};
    struct spf_answer a = check_host(&ev, in->domain, 0);
    a.why = ev.why;
    return a;
}
