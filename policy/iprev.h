/* iprev.h - what the iprev check exposes beyond its result word */
#ifndef MXGATE_IPREV_H
#define MXGATE_IPREV_H

#include "addr.h"

#include <stdbool.h>
#include <stddef.h>

struct conn;

/* iprev_looks_generic - whether a PTR name looks like a dynamic pool's: it
 * embeds three consecutive octets of the IPv4 address (either order, any
 * separators, zero padding allowed) or its eight hex digits, or a pattern
 * starts a word of the host part (the name without its registrable domain). */
bool iprev_looks_generic(const char *name, const struct ipaddr *addr, const char *const *patterns,
                         size_t npatterns);

/* iprev_rfc - the RFC 8601 result ("pass", "fail", "temperror", "permerror")
 * and the PTR name it is about (may be NULL), once iprev has finished; NULL
 * when it did not run or had no IP client. For Authentication-Results. */
const char *iprev_rfc(const struct conn *c, const char **name);

#endif
