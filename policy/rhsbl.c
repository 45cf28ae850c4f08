/* rhsbl.c - check rhsbl: is the envelope sender's domain on the configured
 * right-hand-side block lists (RFC 5782 section 3)? Asked at MAIL. The null
 * sender, an address without a domain or with an address literal, and a
 * client without IP are none. Words as check dnsbl. */
#include "check.h"
#include "conn.h"
#include "dnsl.h"

#include <string.h>

/* rhsbl_start - the sender's domain in every zone */
static void rhsbl_start(struct conn *c, const void *settings, struct arena *arena, void **state)
{
    const char *at = c->sender ? strrchr(c->sender, '@') : NULL;
    const char *why = c->addr.family == 0                ? "no IP client"
                      : c->sender == NULL || !*c->sender ? "null sender"
                      : at == NULL || at[1] == '\0'      ? "sender address without a domain"
                      : at[1] == '['                     ? "sender domain is an address literal"
                                                         : NULL;
    dnsl_start_domain(c, settings, arena, state, "sender domain", why ? NULL : at + 1, why);
}

const struct check_def check_rhsbl = {
    .name = "rhsbl",
    .stage = STAGE_MAIL,
    .words = dnsl_words,
    .configure = dnsl_configure,
    .start = rhsbl_start,
    .finish = dnsl_finish,
};
