/* iprev.c - check iprev (RFC 8601 section 3): the client's PTR names, and
 * whether one of them resolves back to the client address.
 *
 *   pass       a PTR name resolves to the client address
 *   fail       PTR names exist but none resolves to the address
 *   temperror  a lookup that decides the outcome failed temporarily
 *   permerror  no PTR record is published for the address
 *   none       there is no IP client (local submission)
 *
 * The PTR query is sent at connect; the forward queries when the result is
 * first needed, all at once. At most 10 PTR names are tried (RFC 8601). */
#include "arena.h"
#include "check.h"
#include "conn.h"
#include "dns.h"

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#define IPREV_MAX_NAMES 10

enum { IPREV_NONE = 0, IPREV_PASS, IPREV_FAIL, IPREV_TEMPERROR, IPREV_PERMERROR };

static const char *const iprev_words[] = {"none", "pass", "fail", "temperror", "permerror", NULL};

struct iprev_state {
    struct dns_query *ptr;
};

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
static struct check_result confirm(struct conn *c, const struct dns_result *ptr)
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
    if (res.word == IPREV_FAIL)
        res = trylater
                  ? (struct check_result){IPREV_TEMPERROR, "forward lookup failed temporarily"}
                  : (struct check_result){
                        IPREV_FAIL, arena_printf(c->arena, "no PTR name of %s resolves back to it",
                                                 c->client_addr)};
    return res;
}

/* iprev_finish - decide */
static struct check_result iprev_finish(struct conn *c, const void *settings, void *state)
{
    struct iprev_state *st = state;
    (void)settings;
    if (st == NULL)
        return (struct check_result){IPREV_NONE, "no IP client"};
    const struct dns_result *ptr = conn_dns_wait(c, st->ptr);
    switch (ptr->status) {
    case DNS_FOUND:
        return confirm(c, ptr);
    case DNS_NXDOMAIN:
    case DNS_NODATA:
        return (struct check_result){
            IPREV_PERMERROR, arena_printf(c->arena, "no PTR record for %s", c->client_addr)};
    case DNS_TRYLATER:
        break;
    }
    return (struct check_result){IPREV_TEMPERROR,
                                 arena_printf(c->arena, "PTR lookup failed: %s", ptr->why)};
}

const struct check_def check_iprev = {
    .name = "iprev",
    .stage = STAGE_CONNECT,
    .words = iprev_words,
    .start = iprev_start,
    .finish = iprev_finish,
};
