/* iprev.c - check iprev (RFC 8601 section 3): the client's PTR names, and
 * whether one of them resolves back to the client address.
 *
 *   pass       a PTR name resolves to the client address
 *   fail       PTR names exist but none resolves to the address
 *   temperror  a lookup that decides the outcome failed temporarily
 *   permerror  no PTR record is published for the address
 *   none       there is no IP client (local submission)
 *   generic    the PTR name (the confirmed one, else the first) looks like a
 *              dynamic pool's (see iprev_looks_generic); takes precedence over
 *              pass and fail, which Authentication-Results still reports
 *
 * The PTR query is sent at connect; the forward queries when the result is
 * first needed, all at once. At most 10 PTR names are tried (RFC 8601). */
#include "arena.h"
#include "check.h"
#include "conn.h"
#include "dns.h"
#include "iprev.h"
#include "util.h"

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#define IPREV_MAX_NAMES 10

enum { IPREV_NONE = 0, IPREV_PASS, IPREV_FAIL, IPREV_TEMPERROR, IPREV_PERMERROR, IPREV_GENERIC };

static const char *const iprev_words[] = {"none",      "pass",    "fail", "temperror",
                                          "permerror", "generic", NULL};

static const char *const default_generic[] = {
    "dyn",  "dsl",  "adsl",   "pool",      "dhcp",     "ppp",       "cable",
    "cust", "dial", "dialup", "static-ip", "staticip", "ip-static",
};

struct iprev_settings {
    const char *const *generic;
    size_t ngeneric;
};

struct iprev_state {
    struct dns_query *ptr;
    int rfc;          /* the RFC 8601 result, for Authentication-Results */
    const char *name; /* the PTR name the result is about */
};

/* read_patterns - a non-empty list of strings, lowercased, into arena */
static int read_patterns(const config_setting_t *g, struct arena *arena, struct iprev_settings *s,
                         char *err, size_t errlen)
{
    size_t n = (size_t)config_setting_length(g);
    const char **v = arena_alloc(arena, (n + 1) * sizeof(char *));
    for (size_t i = 0; i < n; i++) {
        const char *p = config_setting_get_string_elem(g, (unsigned)i);
        if ((!config_setting_is_array(g) && !config_setting_is_list(g)) || p == NULL || !*p) {
            snprintf(err, errlen, "generic must be a list of non-empty strings");
            return -1;
        }
        v[i] = str_lower(arena_strdup(arena, p));
    }
    s->generic = v;
    s->ngeneric = n;
    return 0;
}

/* iprev_configure - checks.iprev = { generic = [ "dyn", ... ]; } */
static int iprev_configure(const config_setting_t *group, struct arena *arena, void **settings,
                           char *err, size_t errlen)
{
    struct iprev_settings *s = arena_alloc(arena, sizeof(*s));
    *settings = s;
    s->generic = default_generic;
    s->ngeneric = ARRAY_LEN(default_generic);
    for (int i = 0; group && i < config_setting_length(group); i++) {
        const config_setting_t *g = config_setting_get_elem(group, (unsigned)i);
        if (strcmp(config_setting_name(g), "generic") != 0) {
            snprintf(err, errlen, "unknown setting \"%s\"", config_setting_name(g));
            return -1;
        }
        if (read_patterns(g, arena, s, err, errlen) < 0)
            return -1;
    }
    return 0;
}

/* release_query - arena destructor for a pending query */
static void release_query(void *arg)
{
    struct dns_query **qp = arg;
    dns_release(qp);
}

/* iprev_start - send the PTR query at connect */
static void iprev_start(struct conn *c, const void *settings, struct arena *arena, void **state)
{
    char name[80];
    (void)settings;
    if (c->addr.family == 0 || dns_reverse_name(c->client_addr, name, sizeof(name)) < 0)
        return;
    struct iprev_state *st = arena_alloc(arena, sizeof(*st));
    st->ptr = dns_submit(c->dns, name, DNS_T_PTR);
    arena_on_release(arena, release_query, &st->ptr);
    *state = st;
}

/* forward_matches - whether an A/AAAA answer holds the client address */
static bool forward_matches(const struct conn *c, const struct dns_result *r)
{
    for (size_t i = 0; r->status == DNS_FOUND && i < r->count; i++) {
        const unsigned char *b = c->addr.family == AF_INET ? r->rr[i].u.a : r->rr[i].u.aaaa;
        if (memcmp(b, c->addr.b, c->addr.family == AF_INET ? 4 : 16) == 0)
            return true;
    }
    return false;
}

/* confirm - forward-confirm the PTR names; all queries go out before the first wait */
static struct check_result confirm(struct conn *c, const struct dns_result *ptr,
                                   struct iprev_state *st)
{
    struct dns_query *q[IPREV_MAX_NAMES];
    size_t n = ptr->count < IPREV_MAX_NAMES ? ptr->count : IPREV_MAX_NAMES;
    enum dns_type t = c->addr.family == AF_INET ? DNS_T_A : DNS_T_AAAA;
    struct check_result res = {IPREV_FAIL, NULL};
    bool trylater = false;
    for (size_t i = 0; i < n; i++)
        q[i] = dns_submit(c->dns, ptr->rr[i].u.host.name, t);
    for (size_t i = 0; i < n; i++) {
        const struct dns_result *r = res.word == IPREV_PASS ? NULL : conn_dns_wait(c, q[i]);
        if (r && forward_matches(c, r))
            res = (struct check_result){IPREV_PASS, arena_strdup(c->arena, ptr->rr[i].u.host.name)};
        trylater |= r && r->status == DNS_TRYLATER;
        dns_release(&q[i]);
    }
    if (res.word == IPREV_PASS)
        c->fcrdns_name = res.reason;
    st->name = res.word == IPREV_PASS ? res.reason : arena_strdup(c->arena, ptr->rr[0].u.host.name);
    if (res.word == IPREV_FAIL)
        res = trylater
                  ? (struct check_result){IPREV_TEMPERROR, "forward lookup failed temporarily"}
                  : (struct check_result){
                        IPREV_FAIL, arena_printf(c->arena, "no PTR name of %s resolves back to it",
                                                 c->client_addr)};
    return res;
}

/* generic - the result turned generic when the name looks like a pool's */
static struct check_result generic(struct conn *c, const struct iprev_settings *s,
                                   struct iprev_state *st, struct check_result res)
{
    st->rfc = res.word;
    if ((res.word != IPREV_PASS && res.word != IPREV_FAIL) ||
        !iprev_looks_generic(st->name, &c->addr, s->generic, s->ngeneric))
        return res;
    return (struct check_result){IPREV_GENERIC,
                                 arena_printf(c->arena, "%s looks generic", st->name)};
}

/* iprev_finish - decide */
static struct check_result iprev_finish(struct conn *c, const void *settings, void *state)
{
    struct iprev_state *st = state;
    if (st == NULL)
        return (struct check_result){IPREV_NONE, "no IP client"};
    const struct dns_result *ptr = conn_dns_wait(c, st->ptr);
    switch (ptr->status) {
    case DNS_FOUND:
        return generic(c, settings, st, confirm(c, ptr, st));
    case DNS_NXDOMAIN:
    case DNS_NODATA:
        st->rfc = IPREV_PERMERROR;
        return (struct check_result){
            IPREV_PERMERROR, arena_printf(c->arena, "no PTR record for %s", c->client_addr)};
    case DNS_TRYLATER:
        break;
    }
    st->rfc = IPREV_TEMPERROR;
    return (struct check_result){IPREV_TEMPERROR,
                                 arena_printf(c->arena, "PTR lookup failed: %s", ptr->why)};
}

/* iprev_rfc - the RFC 8601 result of a finished iprev */
const char *iprev_rfc(const struct conn *c, const char **name)
{
    const struct iprev_state *st = c->slots[CHECK_ID_iprev].state_ptr;
    if (st == NULL || conn_check_result(c, CHECK_ID_iprev) == NULL || st->rfc == IPREV_NONE)
        return NULL;
    *name = st->name;
    return iprev_words[st->rfc];
}

const struct check_def check_iprev = {
    .name = "iprev",
    .stage = STAGE_CONNECT,
    .words = iprev_words,
    .configure = iprev_configure,
    .start = iprev_start,
    .finish = iprev_finish,
};
