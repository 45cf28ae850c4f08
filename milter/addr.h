/* addr.h - IP addresses and CIDR networks, as the policy sees them */
#ifndef MXGATE_ADDR_H
#define MXGATE_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

/* An IPv4 address is kept as 4 bytes with family AF_INET; an IPv4-mapped IPv6
 * address (::ffff:a.b.c.d) is folded into its IPv4 form so that one client is
 * one address whatever socket the MTA accepted it on. */
struct ipaddr {
    int family;          /* 0 (none), AF_INET or AF_INET6 */
    unsigned char b[16]; /* network order; 4 bytes used for AF_INET */
};

struct cidr {
    struct ipaddr net;
    unsigned prefix; /* 0..32 or 0..128 */
};

#define IPADDR_STRLEN 46

/* ipaddr_parse - textual IPv4 or IPv6 address (no brackets, no zone) into *out.
 * Returns 0, or -1 if s is not an address. */
int ipaddr_parse(const char *s, struct ipaddr *out);

/* ipaddr_from_sockaddr - the address of an AF_INET/AF_INET6 sockaddr; -1 for
 * other families or NULL. */
int ipaddr_from_sockaddr(const struct sockaddr *sa, struct ipaddr *out);

/* ipaddr_format - canonical text (inet_ntop) into buf of IPADDR_STRLEN bytes. */
const char *ipaddr_format(const struct ipaddr *a, char *buf, size_t len);

/* ipaddr_equal - same family and bytes. */
bool ipaddr_equal(const struct ipaddr *a, const struct ipaddr *b);

/* cidr_parse - "192.0.2.0/24", "2001:db8::/32" or a bare address (a host
 * network). Host bits set beyond the prefix are an error, as in Postfix's
 * cidr tables. Returns 0, or -1 with a reason in err. */
int cidr_parse(const char *s, struct cidr *out, char *err, size_t errlen);

/* cidr_match - whether a lies inside the network. */
bool cidr_match(const struct cidr *c, const struct ipaddr *a);

#endif
