/* spf.c - check spf: RFC 7208 for the MAIL FROM identity (for the null
 * sender, postmaster@HELO). Words: none, neutral, pass, fail, softfail,
 * temperror, permerror; a fail's reason is the domain's explanation. The TXT
 * query for the sender's domain goes out at MAIL; the evaluation runs when a
 * rule first asks. Trusted clients skip it (their rules do not run). */
#include "arena.h"
#include "check.h"
#include "conn.h"
#include "dns.h"
#include "spf.h"

/* release_query - arena destructor for the early TXT query */
static void release_query(void *arg)
{
    dns_release(arg);
}

/* spf_start - pick the identity and send its TXT query */
static void spf_start(struct conn *c, const void *settings, struct arena *arena, void **state)
{
    struct spf_state *st = arena_alloc(arena, sizeof(*st));
    struct dns_query **early = arena_alloc(arena, sizeof(*early));
    (void)settings;
    *state = spf_identity(c, false, arena, st) ? st : NULL;
    if (*state == NULL)
        return;
    *early = dns_submit(c->dns, st->in.domain, DNS_T_TXT);
    arena_on_release(arena, release_query, early);
}

/* spf_finish - evaluate */
static struct check_result spf_finish(struct conn *c, const void *settings, void *state)
{
    (void)settings;
    return spf_run(c, c->msg, state, "no IP client or no domain to check");
}

/* spf_mailfrom_state - for Received-SPF and Authentication-Results */
const struct spf_state *spf_mailfrom_state(const struct conn *c)
{
    if (conn_check_result(c, CHECK_ID_spf) == NULL)
        return NULL;
    return c->slots[CHECK_ID_spf].state_ptr;
}

const struct check_def check_spf = {
    .name = "spf",
    .stage = STAGE_MAIL,
    .words = spf_result_words,
    .start = spf_start,
    .finish = spf_finish,
};
