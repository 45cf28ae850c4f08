/* authres.c - the Authentication-Results header value (RFC 8601) */
#include "authres.h"

#include "arena.h"
#include "conn.h"
#include "dkim.h"
#include "dmarc.h"
#include "iprev.h"
#include "spf.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* clean - a DNS name as a comment: drop what would end or nest it */
static void clean(const char *in, char *out, size_t len)
{
    size_t n = 0;
    for (; in && *in && n + 1 < len; in++)
        if (*in > 0x20 && *in < 0x7f && *in != '(' && *in != ')' && *in != '\\')
            out[n++] = *in;
    out[n] = '\0';
}

/* iprev_clause - "iprev=RESULT policy.iprev=ADDR (NAME)", or "" */
static void iprev_clause(struct conn *c, char *buf, size_t len)
{
    const char *name = NULL, *result;
    char safe[256];
    conn_check_word(c, CHECK_ID_iprev);
    result = iprev_rfc(c, &name);
    if (result == NULL) {
        buf[0] = '\0';
        return;
    }
    clean(name, safe, sizeof(safe));
    snprintf(buf, len, "iprev=%s policy.iprev=%s%s%s%s", result, c->client_addr,
             safe[0] ? " (" : "", safe, safe[0] ? ")" : "");
}

/* finish_spf - an SPF check started for a rule that never asked (dmarc
 * found no policy) is finished for the trace headers */
static void finish_spf(struct conn *c)
{
    if (c->cfg->rules.used_checks & (1u << CHECK_ID_spf))
        conn_check_word(c, CHECK_ID_spf);
}

/* spf_clause - "spf=RESULT smtp.mailfrom=ADDR" (or smtp.helo=NAME), or "" */
static void spf_clause(const struct conn *c, char *buf, size_t len)
{
    const struct spf_state *st = spf_mailfrom_state(c);
    char who[300];
    buf[0] = '\0';
    if (st == NULL || st->in.domain == NULL)
        return;
    clean(st->helo_identity ? st->in.domain : st->in.sender, who, sizeof(who));
    snprintf(buf, len, "spf=%s smtp.%s=%s", spf_result_name(st->answer.result),
             st->helo_identity ? "helo" : "mailfrom", who);
}

/* dkim_clause - "dkim=RESULT (REASON) header.d=D header.s=S header.a=A
 * header.b=B" for one signature; the reason is our own text (the check's,
 * or libopendkim's fixed error strings), never the message's */
static const char *dkim_clause(struct conn *c, const struct dkim_sig *s)
{
    char d[256], sel[256], a[64], b[64];
    clean(s->domain, d, sizeof(d));
    clean(s->selector, sel, sizeof(sel));
    clean(s->algorithm, a, sizeof(a));
    clean(s->b, b, sizeof(b));
    return arena_printf(c->msg, "dkim=%s%s%s%s%s%s%s%s%s%s%s%s", dkim_word_rfc(s->word),
                        s->reason ? " (" : "", s->reason ? s->reason : "", s->reason ? ")" : "",
                        d[0] ? " header.d=" : "", d, sel[0] ? " header.s=" : "", sel,
                        a[0] ? " header.a=" : "", a, b[0] ? " header.b=" : "", b);
}

/* append - clause to the list being built, "; "-separated */
static const char *append(struct conn *c, const char *list, const char *clause)
{
    if (clause == NULL || clause[0] == '\0')
        return list;
    return list[0] ? arena_printf(c->msg, "%s; %s", list, clause) : clause;
}

/* dkim_clauses - one clause per signature checked, or "dkim=none" when the
 * check ran and found none */
static const char *dkim_clauses(struct conn *c, const char *list)
{
    size_t n;
    if (!c->content)
        return list;
    conn_check_word(c, CHECK_ID_dkim);
    const struct dkim_sig *sigs = dkim_sigs(c, &n);
    if (n == 0)
        return append(c, list, "dkim=none");
    for (size_t i = 0; i < n; i++)
        list = append(c, list, dkim_clause(c, &sigs[i]));
    return list;
}

/* dmarc_clause - "dmarc=RESULT (p=P dis=D) header.from=DOMAIN
 * policy.dmarc=P", or a permerror naming the From header's problem */
static const char *dmarc_clause(struct conn *c)
{
    char from[256];
    if (!c->content || !(c->cfg->rules.used_checks & (1u << CHECK_ID_dmarc)))
        return NULL;
    conn_check_word(c, CHECK_ID_dmarc);
    const struct check_result *r = conn_check_result(c, CHECK_ID_dmarc);
    const struct dmarc_report *rep = dmarc_report_of(c);
    if (rep == NULL)
        return r ? arena_printf(c->msg, "dmarc=permerror (From header: %s)", r->reason) : NULL;
    const struct dmarc_outcome *o = &rep->outcome;
    clean(rep->from_domain, from, sizeof(from));
    if (o->published == DMARC_POLICY_UNSET)
        return arena_printf(c->msg, "dmarc=%s header.from=%s", dmarc_result_word(o->result), from);
    return arena_printf(
        c->msg, "dmarc=%s (p=%s dis=%s) header.from=%s policy.dmarc=%s",
        dmarc_result_word(o->result), dmarc_policy_name(o->published),
        dmarc_policy_name(o->applied == DMARC_POLICY_UNSET ? DMARC_POLICY_NONE : o->applied), from,
        dmarc_policy_name(o->published));
}

/* authres_value - the whole value, or NULL */
const char *authres_value(struct conn *c)
{
    char iprev[400], spf[400];
    if (c->cfg->authserv_id == NULL || conn_trusted(c))
        return NULL;
    iprev_clause(c, iprev, sizeof(iprev));
    finish_spf(c);
    spf_clause(c, spf, sizeof(spf));
    const char *list = append(c, append(c, "", iprev), spf);
    list = dkim_clauses(c, list);
    list = append(c, list, dmarc_clause(c));
    return arena_printf(c->msg, "%s; %s", c->cfg->authserv_id, list[0] ? list : "none");
}

/* spf_comment - the human part of Received-SPF, as in RFC 7208's examples:
 * text[0] X text[1] Y text[2] */
static const char *spf_comment(const struct conn *c, const struct spf_state *st, const char *who)
{
    static const char *const text[][3] = {
        [SPF_NONE] = {"domain of ", " does not publish SPF (", ")"},
        [SPF_NEUTRAL] = {"", " is neither permitted nor denied by domain of ", ""},
        [SPF_PASS] = {"domain of ", " designates ", " as permitted sender"},
        [SPF_FAIL] = {"domain of ", " does not designate ", " as permitted sender"},
        [SPF_SOFTFAIL] = {"domain of transitioning ", " does not designate ",
                          " as permitted sender"},
        [SPF_TEMPERROR] = {"error in processing during lookup of ", ": ", ""},
        [SPF_PERMERROR] = {"error in processing during lookup of ", ": ", ""},
    };
    enum spf_result r = st->answer.result;
    const char *x = r == SPF_NEUTRAL ? c->client_addr : who;
    const char *y = r == SPF_NEUTRAL                      ? who
                    : r == SPF_NONE || r >= SPF_TEMPERROR ? st->answer.why
                                                          : c->client_addr;
    return arena_printf(c->msg, "%s%s%s%s%s", text[r][0], x, text[r][1], y ? y : "-", text[r][2]);
}

/* authres_received_spf - "RESULT (comment) key=value; ..." */
const char *authres_received_spf(struct conn *c)
{
    if (!conn_trusted(c))
        finish_spf(c);
    const struct spf_state *st = conn_trusted(c) ? NULL : spf_mailfrom_state(c);
    char sender[300], helo[300];
    if (st == NULL || st->in.domain == NULL)
        return NULL;
    clean(st->in.sender, sender, sizeof(sender));
    clean(c->helo, helo, sizeof(helo));
    return arena_printf(c->msg,
                        "%s (%s: %s) client-ip=%s; envelope-from=\"%s\"; helo=%s; receiver=%s; "
                        "identity=%s;",
                        spf_result_name(st->answer.result), st->in.receiver,
                        spf_comment(c, st, sender), c->client_addr, sender,
                        helo[0] ? helo : "unknown", st->in.receiver,
                        st->helo_identity ? "helo" : "mailfrom");
}

/* skip_cfws - past white space and (nested) comments; NULL if a comment
 * never ends */
static const char *skip_cfws(const char *p, const char *end)
{
    int depth = 0;
    for (; p < end; p++) {
        if (*p == '\\' && depth > 0 && p + 1 < end)
            p++;
        else if (*p == '(')
            depth++;
        else if (*p == ')' && depth > 0)
            depth--;
        else if (depth == 0 && !strchr(" \t\r\n", *p))
            return p;
    }
    return depth ? NULL : p;
}

/* authres_claims - compare the authserv-id */
bool authres_claims(const char *value, size_t len, const char *authserv_id)
{
    const char *end = value + len, *p = skip_cfws(value, end);
    char id[256];
    size_t n = 0;
    if (p == NULL || p == end)
        return false;
    if (*p == '"') {
        for (p++; p < end && *p != '"' && n + 1 < sizeof(id); p++)
            id[n++] = *p == '\\' && p + 1 < end ? *++p : *p;
    } else {
        for (; p < end && !strchr(" \t\r\n;(", *p) && n + 1 < sizeof(id); p++)
            id[n++] = *p;
    }
    id[n] = '\0';
    return strcasecmp(id, authserv_id) == 0;
}
