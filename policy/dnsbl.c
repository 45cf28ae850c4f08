/* dnsbl.c - check dnsbl: is the client's address (IPv4 or IPv6) on the
 * configured DNS block lists (RFC 5782)? Every zone is asked at connect, in
 * parallel. Words none, listed, notlisted, temperror; settings and decision
 * in dnsl.c and dnsl_decide.c. */
#include "check.h"
#include "dnsl.h"

const struct check_def check_dnsbl = {
    .name = "dnsbl",
    .stage = STAGE_CONNECT,
    .words = dnsl_words,
    .configure = dnsl_configure,
    .start = dnsl_start_ip,
    .finish = dnsl_finish,
};
