/* addr.c - IP addresses and CIDR networks */
#include "addr.h"

#include "util.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const unsigned char v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

/* set_v6 - store 16 bytes, folding IPv4-mapped addresses to IPv4 */
static void set_v6(struct ipaddr *out, const unsigned char *b)
{
    memset(out, 0, sizeof(*out));
    if (memcmp(b, v4mapped, sizeof(v4mapped)) == 0) {
        out->family = AF_INET;
        memcpy(out->b, b + 12, 4);
    } else {
        out->family = AF_INET6;
        memcpy(out->b, b, 16);
    }
}

/* ipaddr_parse - text to address */
int ipaddr_parse(const char *s, struct ipaddr *out)
{
    unsigned char b[16];
    memset(out, 0, sizeof(*out));
    if (inet_pton(AF_INET, s, b) == 1) {
        out->family = AF_INET;
        memcpy(out->b, b, 4);
        return 0;
    }
    if (inet_pton(AF_INET6, s, b) == 1) {
        set_v6(out, b);
        return 0;
    }
    return -1;
}

/* ipaddr_from_sockaddr - socket address to address */
int ipaddr_from_sockaddr(const struct sockaddr *sa, struct ipaddr *out)
{
    memset(out, 0, sizeof(*out));
    if (sa == NULL)
        return -1;
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
        out->family = AF_INET;
        memcpy(out->b, &in->sin_addr, 4);
        return 0;
    }
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
        set_v6(out, in6->sin6_addr.s6_addr);
        return 0;
    }
    return -1;
}

/* ipaddr_format - address to canonical text */
const char *ipaddr_format(const struct ipaddr *a, char *buf, size_t len)
{
    if (a->family == 0 || inet_ntop(a->family, a->b, buf, (socklen_t)len) == NULL)
        strlcpy_(buf, "unknown", len);
    return buf;
}

/* ipaddr_equal - compare two addresses */
bool ipaddr_equal(const struct ipaddr *a, const struct ipaddr *b)
{
    size_t n = a->family == AF_INET ? 4 : 16;
    return a->family == b->family && a->family != 0 && memcmp(a->b, b->b, n) == 0;
}

/* prefix_bits_clear - whether all bits of b after prefix are zero */
static bool prefix_bits_clear(const unsigned char *b, unsigned prefix, unsigned total)
{
    for (unsigned bit = prefix; bit < total; bit++)
        if (b[bit / 8] & (0x80 >> (bit % 8)))
            return false;
    return true;
}

/* parse_prefix - the decimal after '/', bounded by max */
static int parse_prefix(const char *p, unsigned max, unsigned *out)
{
    char *end;
    if (*p < '0' || *p > '9')
        return -1;
    unsigned long v = strtoul(p, &end, 10);
    if (*end != '\0' || v > max || (p[0] == '0' && p[1] != '\0'))
        return -1;
    *out = (unsigned)v;
    return 0;
}

/* cidr_parse - network text to network */
int cidr_parse(const char *s, struct cidr *out, char *err, size_t errlen)
{
    char buf[64];
    if (strlcpy_(buf, s, sizeof(buf)) >= sizeof(buf)) {
        snprintf(err, errlen, "\"%.40s...\" is not an address or network", s);
        return -1;
    }
    char *slash = strchr(buf, '/');
    if (slash)
        *slash = '\0';
    if (ipaddr_parse(buf, &out->net) < 0) {
        snprintf(err, errlen, "\"%s\" is not an IP address or network", s);
        return -1;
    }
    unsigned total = out->net.family == AF_INET ? 32 : 128;
    out->prefix = total;
    if (slash && parse_prefix(slash + 1, total, &out->prefix) < 0) {
        snprintf(err, errlen, "\"%s\": bad prefix length (0..%u)", s, total);
        return -1;
    }
    if (!prefix_bits_clear(out->net.b, out->prefix, total)) {
        snprintf(err, errlen, "\"%s\": address has bits set beyond the /%u prefix", s, out->prefix);
        return -1;
    }
    return 0;
}

/* cidr_match - whether a is inside c */
bool cidr_match(const struct cidr *c, const struct ipaddr *a)
{
    if (a->family != c->net.family)
        return false;
    unsigned full = c->prefix / 8, rest = c->prefix % 8;
    if (memcmp(a->b, c->net.b, full) != 0)
        return false;
    if (rest == 0)
        return true;
    unsigned char mask = (unsigned char)(0xff << (8 - rest));
    return (a->b[full] & mask) == (c->net.b[full] & mask);
}
