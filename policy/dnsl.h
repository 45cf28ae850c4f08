/* dnsl.h - DNS lists (DNSBL, DNSWL, RHSBL), shared by the checks dnsbl,
 * dnswl, rhsbl and rhsbl_helo: their settings, the names they query, which
 * answers count as a listing, and the decision, as functions that tests can
 * call without a connection or DNS.
 *
 * A list is asked with an A query for the subject under the zone: the
 * client's address reversed (192.0.2.1 in zen.example is
 * 1.2.0.192.zen.example; IPv6 by nibbles, RFC 5782) or a domain
 * (example.com.dbl.example). An A answer in the zone's codes is a listing;
 * NXDOMAIN or NODATA is not. Answers the list uses to refuse us (Spamhaus's
 * 127.255.255.252-255, dnswl.org's 127.0.0.255) or that are not in
 * 127.0.0.0/8 at all (a resolver that rewrites NXDOMAIN) are errors, never
 * listings. The weights of the listing zones are summed against a threshold. */
#ifndef MXGATE_DNSL_H
#define MXGATE_DNSL_H

#include "check.h"
#include "dns.h"

#include <libconfig.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct arena;
struct conn;
struct ipaddr;

/* The result words; the values index the checks' words[]. */
enum dnsl_word {
    DNSL_NONE = 0,  /* not checked: no IP client, no usable domain, no zones */
    DNSL_LISTED,    /* the listing zones' weights reach the threshold */
    DNSL_NOTLISTED, /* they do not, and no zone that failed could change that */
    DNSL_TEMPERROR, /* below the threshold, but zones that failed could reach it */
    DNSL_COUNT
};

/* The words as text, NULL-terminated. */
extern const char *const dnsl_words[DNSL_COUNT + 1];

/* An inclusive range of IPv4 answers, host byte order. */
struct dnsl_range {
    uint32_t lo, hi;
};

struct dnsl_zone {
    const char *zone; /* lowercase, no trailing dot */
    const struct dnsl_range *codes;
    size_t ncodes; /* 0: any answer in 127.0.0.0/8 that is not an error */
    double weight; /* 0: queried and reported, never counted */
    bool txt;      /* when listed, ask TXT too and quote it in the reason */
};

struct dnsl_settings {
    const struct dnsl_zone *zones;
    size_t nzones;
    double threshold; /* > 0; default 1 */
};

/* dnsl_configure - checks.NAME = { zones = ( { zone = "Z"; codes = [
 * "127.0.0.2", "127.0.0.4-127.0.0.7" ]; weight = 2; txt = true; }, ... );
 * threshold = 1; }
 * into *settings (in arena); group may be NULL (no zones: the check says
 * none). 0, or -1 with the problem in err. */
int dnsl_configure(const config_setting_t *group, struct arena *arena, void **settings, char *err,
                   size_t errlen);

/* dnsl_parse_range - "127.0.0.2" or "127.0.0.4-127.0.0.7" (lo <= hi). 0 or -1. */
int dnsl_parse_range(const char *s, struct dnsl_range *out);

/* dnsl_zone_ok - a zone name we can query under: labels of letters, digits,
 * '-' and '_', at most 63 each, at most 180 in all (room for an IPv6
 * subject), no empty label; one trailing dot allowed. */
bool dnsl_zone_ok(const char *zone);

/* dnsl_ip_name - the query name of an address in zone into buf:
 * "d.c.b.a.ZONE" or 32 nibbles then ZONE. 0, or -1 if it does not fit. */
int dnsl_ip_name(const struct ipaddr *a, const char *zone, char *buf, size_t len);

/* dnsl_domain_name - "DOMAIN.ZONE" for a host or domain name (lowercased,
 * a trailing dot dropped) into buf. -1 if it is not a usable name (empty, an
 * address literal, an empty label) or the result is longer than 253. */
int dnsl_domain_name(const char *domain, const char *zone, char *buf, size_t len);

/* How one A record of a zone's answer counts. */
enum dnsl_code {
    DNSL_CODE_OTHER = 0, /* in 127.0.0.0/8 but not in the zone's codes: not a listing */
    DNSL_CODE_LISTED,    /* a listing */
    DNSL_CODE_ERROR,     /* the list refuses us, or an answer outside 127.0.0.0/8 */
};

/* dnsl_code - how the answer a (4 bytes, network order) counts for zone z. */
enum dnsl_code dnsl_code(const struct dnsl_zone *z, const unsigned char a[4]);

/* One zone's answer, as the decision sees it. */
struct dnsl_answer {
    const struct dnsl_zone *zone;
    const struct dns_result *r;   /* NULL: the zone was not asked (the name did not fit) */
    const struct dns_result *txt; /* the TXT answer for the same name, or NULL */
};

/* dnsl_lists - whether an A answer holds a listing code of zone z. */
bool dnsl_lists(const struct dnsl_zone *z, const struct dns_result *r);

/* dnsl_decide - the word for the zones' answers about subject ("192.0.2.1",
 * "domain example.com", ...), with a text for {reason} in reason (len bytes,
 * always terminated). listed, if not NULL, gets a bit per zone (index in
 * settings order, first 32) that listed the subject. Pure; any thread. */
enum dnsl_word dnsl_decide(const struct dnsl_settings *s, const struct dnsl_answer *ans,
                           const char *subject, char *reason, size_t len, uint32_t *listed);

/* The checks' common start and finish, for the subject a check names:
 * dnsl_start_ip queries every zone for the client address (none without
 * one); dnsl_start_domain for a domain, named "WHAT DOMAIN" in the reason
 * (none when domain is NULL, with why, or when it is not a usable name). */
void dnsl_start_ip(struct conn *c, const void *settings, struct arena *arena, void **state);
void dnsl_start_domain(struct conn *c, const void *settings, struct arena *arena, void **state,
                       const char *what, const char *domain, const char *why);
/* dnsl_finish - wait for every zone within the DNS budget and decide. */
struct check_result dnsl_finish(struct conn *c, const void *settings, void *state);

/* dnsl_zone_value - the i-th value (from 0) of a finished check's state for
 * the rules' facts dnsbl_zone, dnswl_zone, rhsbl_zone, rhsbl_helo_zone: for
 * each zone that listed the subject (whatever the threshold), in settings
 * order, "ZONE" then "ZONE=CODE" for each listing code; NULL past the end,
 * or when the check did not finish or checked nothing. */
const char *dnsl_zone_value(const void *state, unsigned i);

#endif
