/* rhsbl_helo.c - check rhsbl_helo: is the HELO name on the configured
 * right-hand-side block lists? Asked at HELO (again after a second HELO). An
 * address literal or bare address, no HELO, and a client without IP are
 * none. Words as check dnsbl. */
#include "addr.h"
#include "check.h"
#include "conn.h"
#include "dnsl.h"

/* rhsbl_helo_start - the HELO name in every zone */
static void rhsbl_helo_start(struct conn *c, const void *settings, struct arena *arena,
                             void **state)
{
    struct ipaddr a;
    const char *why = c->addr.family == 0              ? "no IP client"
                      : c->helo == NULL || !*c->helo   ? "no HELO name"
                      : c->helo[0] == '['              ? "HELO is an address literal"
                      : ipaddr_parse(c->helo, &a) == 0 ? "HELO is an address"
                                                       : NULL;
    dnsl_start_domain(c, settings, arena, state, "HELO name", why ? NULL : c->helo, why);
}

const struct check_def check_rhsbl_helo = {
    .name = "rhsbl_helo",
    .stage = STAGE_HELO,
    .words = dnsl_words,
    .configure = dnsl_configure,
    .start = rhsbl_helo_start,
    .finish = dnsl_finish,
};
