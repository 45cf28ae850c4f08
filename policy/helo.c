/* helo.c - check helo: is the HELO/EHLO name plausible for this client?
 *
 * Words, first that applies wins: none missing forged literal_match
 * literal_mismatch bare_ip invalid not_fqdn bad_tld fcrdns match mismatch
 * no_address temperror (see helo.h for what each means).
 *
 * The syntax is judged at HELO; when it leaves DNS to decide, the A and AAAA
 * queries go out at once, in parallel. The answer waits first for iprev (a
 * HELO that is the forward-confirmed PTR name needs no lookup of its own),
 * then for the query of the client's family, then the other one if needed.
 * TLDs are those of the Public Suffix List plus checks.helo.extra_tlds. */
#include "helo.h"

#include "arena.h"
#include "check.h"
#include "conn.h"
#include "dns.h"

#include <libpsl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define HELO_NAME_MAX 253
#define HELO_LABEL_MAX 63

static const char *const helo_words[HELO_COUNT + 1] = {
    [HELO_NONE] = "none",
    [HELO_MISSING] = "missing",
    [HELO_FORGED] = "forged",
    [HELO_LITERAL_MATCH] = "literal_match",
    [HELO_LITERAL_MISMATCH] = "literal_mismatch",
    [HELO_BARE_IP] = "bare_ip",
    [HELO_INVALID] = "invalid",
    [HELO_NOT_FQDN] = "not_fqdn",
    [HELO_BAD_TLD] = "bad_tld",
    [HELO_FCRDNS] = "fcrdns",
    [HELO_MATCH] = "match",
    [HELO_MISMATCH] = "mismatch",
    [HELO_NO_ADDRESS] = "no_address",
    [HELO_TEMPERROR] = "temperror",
    [HELO_COUNT] = NULL,
};

/* What follows "HELO name" in a result's reason. */
static const char *const helo_reasons[HELO_COUNT] = {
    [HELO_NONE] = "was not judged",
    [HELO_MISSING] = "is empty",
    [HELO_FORGED] = "claims to be this server",
    [HELO_LITERAL_MATCH] = "is the client's own address literal",
    [HELO_LITERAL_MISMATCH] = "is an address literal that is not the client's address",
    [HELO_BARE_IP] = "is an IP address without brackets",
    [HELO_INVALID] = "is not a valid host name",
    [HELO_NOT_FQDN] = "is not a fully qualified domain name",
    [HELO_BAD_TLD] = "has no valid top-level domain",
    [HELO_FCRDNS] = "is the client's forward-confirmed reverse DNS name",
    [HELO_MATCH] = "resolves to the client address",
    [HELO_MISMATCH] = "does not resolve to the client address",
    [HELO_NO_ADDRESS] = "has no A or AAAA record",
    [HELO_TEMPERROR] = "lookup failed temporarily",
};

struct helo_settings {
    const char **extra_tlds; /* lowercase */
    size_t nextra_tlds;
};

struct helo_state {
    enum helo_word word;    /* the syntactic verdict; HELO_NONE: DNS decides */
    struct dns_query *q[2]; /* [0] A, [1] AAAA */
};

/* lower - ASCII lowercase, whatever the locale */
static char lower(char ch)
{
    return ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
}

/* is_ldh - a lowercase letter, digit or hyphen */
static bool is_ldh(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-';
}

/* valid_label - 1..63 letters, digits, hyphens; no hyphen at either end */
static bool valid_label(const char *s, size_t n)
{
    if (n == 0 || n > HELO_LABEL_MAX || s[0] == '-' || s[n - 1] == '-')
        return false;
    for (size_t i = 0; i < n; i++)
        if (!is_ldh(s[i]))
            return false;
    return true;
}

/* valid_hostname - every dot-separated label of a lowercase name is valid */
static bool valid_hostname(const char *name)
{
    for (;;) {
        size_t n = strcspn(name, ".");
        if (!valid_label(name, n))
            return false;
        if (name[n] == '\0')
            return true;
        name += n + 1;
    }
}

/* normalize - lowercase copy without one trailing dot; false if too long */
static bool normalize(const char *helo, char name[HELO_NAME_MAX + 2])
{
    size_t n = strlen(helo);
    if (n > 0 && helo[n - 1] == '.')
        n--;
    if (n > HELO_NAME_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        name[i] = lower(helo[i]);
    name[n] = '\0';
    return true;
}

/* same_name - a equals b ignoring case and one trailing dot */
static bool same_name(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    na -= na > 0 && a[na - 1] == '.';
    nb -= nb > 0 && b[nb - 1] == '.';
    return na == nb && strncasecmp(a, b, na) == 0;
}

/* ours_by_name - name is one of our host names */
static bool ours_by_name(const struct helo_facts *f, const char *name)
{
    for (size_t i = 0; i < f->nhostnames; i++)
        if (same_name(f->hostnames[i], name))
            return true;
    return false;
}

/* ours_by_address - a is one of our addresses */
static bool ours_by_address(const struct helo_facts *f, const struct ipaddr *a)
{
    for (size_t i = 0; i < f->naddresses; i++)
        if (ipaddr_equal(&f->addresses[i], a))
            return true;
    return false;
}

/* known_tld - tld (lowercase) is in the configured list or the PSL; without
 * a built-in list (a libpsl built without one) nothing is called bad */
static bool known_tld(const struct helo_facts *f, const char *tld)
{
    for (size_t i = 0; i < f->nextra_tlds; i++)
        if (strcmp(f->extra_tlds[i], tld) == 0)
            return true;
    const psl_ctx_t *psl = psl_builtin();
    return psl == NULL || psl_is_public_suffix2(psl, tld, PSL_TYPE_ANY | PSL_TYPE_NO_STAR_RULE);
}

/* classify_literal - "[192.0.2.7]" or "[IPv6:2001:db8::7]" (RFC 5321 4.1.3) */
static enum helo_word classify_literal(const struct helo_facts *f)
{
    char text[IPADDR_STRLEN + 8];
    struct ipaddr a;
    size_t n = strlen(f->helo);
    if (n < 3 || n - 2 >= sizeof(text) || f->helo[n - 1] != ']')
        return HELO_INVALID;
    memcpy(text, f->helo + 1, n - 2);
    text[n - 2] = '\0';
    bool v6 = strncasecmp(text, "IPv6:", 5) == 0;
    const char *ip = v6 ? text + 5 : text;
    if ((strchr(ip, ':') != NULL) != v6 || ipaddr_parse(ip, &a) < 0)
        return HELO_INVALID;
    if (ours_by_address(f, &a))
        return HELO_FORGED;
    return f->client && ipaddr_equal(&a, f->client) ? HELO_LITERAL_MATCH : HELO_LITERAL_MISMATCH;
}

/* helo_classify - the syntactic words, or HELO_NONE when DNS must decide */
enum helo_word helo_classify(const struct helo_facts *f)
{
    char name[HELO_NAME_MAX + 2];
    struct ipaddr a;
    if (f->helo == NULL || f->helo[0] == '\0')
        return HELO_MISSING;
    if (f->helo[0] == '[')
        return classify_literal(f);
    if (!normalize(f->helo, name))
        return HELO_INVALID;
    if (ipaddr_parse(name, &a) == 0)
        return ours_by_address(f, &a) ? HELO_FORGED : HELO_BARE_IP;
    if (ours_by_name(f, name))
        return HELO_FORGED;
    if (!valid_hostname(name))
        return HELO_INVALID;
    const char *dot = strrchr(name, '.');
    if (dot == NULL)
        return HELO_NOT_FQDN;
    return known_tld(f, dot + 1) ? HELO_NONE : HELO_BAD_TLD;
}

/* read_tld - one extra_tlds entry, lowercased into out; 0, or -1 with err */
static int read_tld(const char *v, char out[HELO_LABEL_MAX + 1], char *err, size_t errlen)
{
    if (v == NULL) {
        snprintf(err, errlen, "extra_tlds must hold strings, e.g. [ \"lan\" ]");
        return -1;
    }
    size_t n = strlen(v);
    for (size_t i = 0; i <= n && n <= HELO_LABEL_MAX; i++)
        out[i] = lower(v[i]);
    if (n > HELO_LABEL_MAX || !valid_label(out, n)) {
        snprintf(err, errlen, "extra_tlds: \"%s\" is not a top-level label", v);
        return -1;
    }
    return 0;
}

/* read_tlds - extra_tlds = [ "test", "lan" ] */
static int read_tlds(const config_setting_t *s, struct arena *arena, struct helo_settings *hs,
                     char *err, size_t errlen)
{
    if (!config_setting_is_array(s) && !config_setting_is_list(s)) {
        snprintf(err, errlen, "extra_tlds must be a list of names, e.g. [ \"lan\" ]");
        return -1;
    }
    hs->nextra_tlds = (size_t)config_setting_length(s);
    hs->extra_tlds = arena_alloc(arena, (hs->nextra_tlds + 1) * sizeof(char *));
    for (size_t i = 0; i < hs->nextra_tlds; i++) {
        char tld[HELO_LABEL_MAX + 1];
        if (read_tld(config_setting_get_string_elem(s, (int)i), tld, err, errlen) < 0)
            return -1;
        hs->extra_tlds[i] = arena_strdup(arena, tld);
    }
    return 0;
}

/* helo_configure - checks.helo = { extra_tlds = [ ... ]; } */
static int helo_configure(const config_setting_t *group, struct arena *arena, void **settings,
                          char *err, size_t errlen)
{
    struct helo_settings *hs = arena_alloc(arena, sizeof(*hs));
    *settings = hs;
    for (int i = 0; group && i < config_setting_length(group); i++) {
        const config_setting_t *s = config_setting_get_elem(group, (unsigned)i);
        if (strcmp(config_setting_name(s), "extra_tlds") != 0) {
            snprintf(err, errlen, "unknown setting \"%s\"", config_setting_name(s));
            return -1;
        }
        if (read_tlds(s, arena, hs, err, errlen) < 0)
            return -1;
    }
    return 0;
}

/* facts_of - what helo_classify needs, from the connection */
static struct helo_facts facts_of(const struct conn *c, const struct helo_settings *hs)
{
    return (struct helo_facts){
        .helo = c->helo,
        .client = &c->addr,
        .hostnames = c->cfg->hostnames,
        .nhostnames = c->cfg->nhostnames,
        .addresses = c->cfg->addresses,
        .naddresses = c->cfg->naddresses,
        .extra_tlds = hs ? hs->extra_tlds : NULL,
        .nextra_tlds = hs ? hs->nextra_tlds : 0,
    };
}

/* release_queries - arena destructor for the pending queries */
static void release_queries(void *arg)
{
    struct helo_state *st = arg;
    dns_release(&st->q[0]);
    dns_release(&st->q[1]);
}

/* helo_start - judge the syntax; send A and AAAA at once if DNS must decide */
static void helo_start(struct conn *c, const void *settings, struct arena *arena, void **state)
{
    struct helo_facts f = facts_of(c, settings);
    struct helo_state *st = arena_alloc(arena, sizeof(*st));
    *state = st;
    st->word = helo_classify(&f);
    if (st->word != HELO_NONE)
        return;
    st->q[0] = dns_submit(c->dns, c->helo, DNS_T_A);
    st->q[1] = dns_submit(c->dns, c->helo, DNS_T_AAAA);
    arena_on_release(arena, release_queries, st);
}

/* result - word w with "HELO name <what>[: why]" as its reason */
static struct check_result result(struct conn *c, enum helo_word w, const char *why)
{
    if (w == HELO_MISSING)
        return (struct check_result){w, "no HELO name was given"};
    return (struct check_result){w, arena_printf(c->arena, "HELO %s %s%s%s", c->helo,
                                                 helo_reasons[w], why ? ": " : "", why ? why : "")};
}

/* holds_client - an answer of the client's family contains its address */
static bool holds_client(const struct conn *c, const struct dns_result *r)
{
    size_t n = c->addr.family == AF_INET ? 4 : 16;
    for (size_t i = 0; c->addr.family != 0 && r->status == DNS_FOUND && i < r->count; i++)
        if (memcmp(n == 4 ? r->rr[i].u.a : r->rr[i].u.aaaa, c->addr.b, n) == 0)
            return true;
    return false;
}

/* resolve - match, mismatch, no_address or temperror from the A and AAAA
 * answers: the client's family first, the other only if that one is empty */
static struct check_result resolve(struct conn *c, struct helo_state *st)
{
    static const char *const types[2] = {"A", "AAAA"};
    int mine = c->addr.family == AF_INET6 ? 1 : 0;
    for (int k = 0; k < 2; k++) {
        int i = mine ^ k;
        const struct dns_result *r = conn_dns_wait(c, st->q[i]);
        if (k == 0 && holds_client(c, r))
            return result(c, HELO_MATCH, NULL);
        if (r->status == DNS_FOUND)
            return result(c, HELO_MISMATCH, NULL);
        if (r->status == DNS_TRYLATER)
            return result(c, HELO_TEMPERROR,
                          arena_printf(c->arena, "%s %s", types[i], r->why ? r->why : "try-later"));
    }
    return result(c, HELO_NO_ADDRESS, NULL);
}

/* helo_finish - the syntactic verdict, else fcrdns, else what DNS says */
static struct check_result helo_finish(struct conn *c, const void *settings, void *state)
{
    struct helo_state *st = state;
    (void)settings;
    if (st->word != HELO_NONE)
        return result(c, st->word, NULL);
    if (c->addr.family != 0) {
        conn_check_word(c, CHECK_ID_iprev);
        if (c->fcrdns_name && same_name(c->fcrdns_name, c->helo))
            return result(c, HELO_FCRDNS, NULL);
    }
    return resolve(c, st);
}

const struct check_def check_helo = {
    .name = "helo",
    .stage = STAGE_HELO,
    .words = helo_words,
    .needs = (const char *const[]){"iprev", NULL},
    .configure = helo_configure,
    .start = helo_start,
    .finish = helo_finish,
};
