/* dnswl.c - check dnswl: is the client's address (IPv4 or IPv6) on the
 * configured DNS allow lists? The same lookups and words as check dnsbl; a
 * rule "dnswl is listed" accepting at connect lets the client skip every
 * later check. */
#include "check.h"
#include "dnsl.h"

const struct check_def check_dnswl = {
    .name = "dnswl",
    .stage = STAGE_CONNECT,
    .words = dnsl_words,
    .configure = dnsl_configure,
    .start = dnsl_start_ip,
    .finish = dnsl_finish,
};
