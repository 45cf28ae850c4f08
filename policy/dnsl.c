/* dnsl.c - DNS lists: the settings of a list check, the names it queries,
 * and how an answer counts (see dnsl.h) */
#include "dnsl.h"
#include "settings.h"

#include "addr.h"
#include "arena.h"
#include "util.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#define DNSL_MAX_WEIGHT 1000.0
#define DNSL_ZONE_MAX 180

const char *const dnsl_words[DNSL_COUNT + 1] = {
    [DNSL_NONE] = "none",           [DNSL_LISTED] = "listed", [DNSL_NOTLISTED] = "notlisted",
    [DNSL_TEMPERROR] = "temperror", [DNSL_COUNT] = NULL,
};

/* ipv4_of - a dotted quad as a host-order number; -1 if it is not one */
static int ipv4_of(const char *s, size_t n, uint32_t *out)
{
    char text[16];
    struct in_addr a;
    if (n == 0 || n >= sizeof(text))
        return -1;
    memcpy(text, s, n);
    text[n] = '\0';
    if (inet_pton(AF_INET, text, &a) != 1)
        return -1;
    *out = ntohl(a.s_addr);
    return 0;
}

/* dnsl_parse_range - "A" or "A-B" */
int dnsl_parse_range(const char *s, struct dnsl_range *out)
{
    const char *dash = strchr(s, '-');
    size_t n = dash ? (size_t)(dash - s) : strlen(s);
    if (ipv4_of(s, n, &out->lo) < 0)
        return -1;
    if (dash == NULL) {
        out->hi = out->lo;
        return 0;
    }
    if (ipv4_of(dash + 1, strlen(dash + 1), &out->hi) < 0 || out->hi < out->lo)
        return -1;
    return 0;
}

/* dnsl_zone_ok - a queryable zone name */
bool dnsl_zone_ok(const char *zone)
{
    size_t n = strlen(zone), label = 0;
    if (n > 0 && zone[n - 1] == '.')
        n--;
    if (n == 0 || n > DNSL_ZONE_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char ch = zone[i];
        if (ch == '.') {
            if (label == 0)
                return false;
            label = 0;
        } else if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                   (ch >= '0' && ch <= '9') || ch == '-' || ch == '_') {
            if (++label > 63)
                return false;
        } else {
            return false;
        }
    }
    return label > 0;
}

/* dnsl_ip_name - reversed octets or nibbles, then the zone */
int dnsl_ip_name(const struct ipaddr *a, const char *zone, char *buf, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    if (a->family == AF_INET) {
        int n = snprintf(buf, len, "%u.%u.%u.%u.", a->b[3], a->b[2], a->b[1], a->b[0]);
        o = n < 0 ? len : (size_t)n;
    } else if (a->family == AF_INET6 && len > 64) {
        for (int i = 15; i >= 0; i--) {
            buf[o++] = hex[a->b[i] & 15];
            buf[o++] = '.';
            buf[o++] = hex[a->b[i] >> 4];
            buf[o++] = '.';
        }
    } else {
        return -1;
    }
    if (o >= len || (size_t)snprintf(buf + o, len - o, "%s", zone) >= len - o)
        return -1;
    return 0;
}

/* dnsl_domain_name - "DOMAIN.ZONE", lowercase */
int dnsl_domain_name(const char *domain, const char *zone, char *buf, size_t len)
{
    size_t n = domain ? strlen(domain) : 0;
    if (n > 0 && domain[n - 1] == '.')
        n--;
    if (n == 0 || domain[0] == '[' || domain[0] == '.')
        return -1;
    for (size_t i = 1; i < n; i++)
        if (domain[i] == '.' && domain[i - 1] == '.')
            return -1;
    int w = snprintf(buf, len, "%.*s.%s", (int)n, domain, zone);
    if (w < 0 || (size_t)w >= len || w > 253)
        return -1;
    str_lower(buf);
    return 0;
}

/* dnsl_code - error, listing or neither */
enum dnsl_code dnsl_code(const struct dnsl_zone *z, const unsigned char a[4])
{
    uint32_t v = (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3];
    if (a[0] != 127 || (v & 0xffffff00u) == 0x7fffff00u || v == 0x7f0000ffu)
        return DNSL_CODE_ERROR;
    if (z->ncodes == 0)
        return DNSL_CODE_LISTED;
    for (size_t i = 0; i < z->ncodes; i++)
        if (v >= z->codes[i].lo && v <= z->codes[i].hi)
            return DNSL_CODE_LISTED;
    return DNSL_CODE_OTHER;
}

/* dnsl_lists - some A record of r is a listing code of z */
bool dnsl_lists(const struct dnsl_zone *z, const struct dns_result *r)
{
    for (size_t i = 0; r && r->status == DNS_FOUND && i < r->count; i++)
        if (dnsl_code(z, r->rr[i].u.a) == DNSL_CODE_LISTED)
            return true;
    return false;
}

/* read_number - a weight (from 0) or threshold (above 0), whole or not,
 * at most DNSL_MAX_WEIGHT */
static int read_number(const config_setting_t *g, bool positive, double *out, char *err,
                       size_t errlen)
{
    double v = settings_number(g);
    if (!(v >= 0 && v <= DNSL_MAX_WEIGHT) || (positive && v == 0)) {
        snprintf(err, errlen, "%s must be a number %s 0%s %g", config_setting_name(g),
                 positive ? "above" : "from", positive ? ", at most" : " to", DNSL_MAX_WEIGHT);
        return -1;
    }
    *out = v;
    return 0;
}

/* read_bool - true or false */
static int read_bool(const config_setting_t *g, const struct dnsl_zone *z, bool *out, char *err,
                     size_t errlen)
{
    if (config_setting_type(g) != CONFIG_TYPE_BOOL) {
        snprintf(err, errlen, "zone %s: %s must be true or false", z->zone, config_setting_name(g));
        return -1;
    }
    *out = config_setting_get_bool(g);
    return 0;
}

/* read_codes - codes = [ "127.0.0.2", "127.0.0.4-127.0.0.7" ] */
static int read_codes(const config_setting_t *g, struct arena *arena, struct dnsl_zone *z,
                      char *err, size_t errlen)
{
    size_t n = (size_t)config_setting_length(g);
    struct dnsl_range *r = arena_alloc(arena, (n + 1) * sizeof(*r));
    if ((!config_setting_is_array(g) && !config_setting_is_list(g)) || n == 0) {
        snprintf(err, errlen, "zone %s: codes must be a list of addresses or ranges", z->zone);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        const char *s = config_setting_get_string_elem(g, (unsigned)i);
        if (s == NULL || dnsl_parse_range(s, &r[i]) < 0) {
            snprintf(err, errlen, "zone %s: code \"%s\" is not an IPv4 address or range A-B",
                     z->zone, s ? s : "?");
            return -1;
        }
    }
    z->codes = r;
    z->ncodes = n;
    return 0;
}

/* zone_name - the zone = "..." of a zone group, checked and lowercased */
static int zone_name(const config_setting_t *g, struct arena *arena, struct dnsl_zone *z,
                     unsigned idx, char *err, size_t errlen)
{
    const char *name = NULL;
    if (!config_setting_is_group(g) || !config_setting_lookup_string(g, "zone", &name)) {
        snprintf(err, errlen, "zones entry %u must be a group with zone = \"NAME\"", idx + 1);
        return -1;
    }
    if (!dnsl_zone_ok(name)) {
        snprintf(err, errlen, "zone \"%s\" is not a DNS zone name", name);
        return -1;
    }
    char *copy = str_lower(arena_strdup(arena, name));
    if (copy[strlen(copy) - 1] == '.')
        copy[strlen(copy) - 1] = '\0';
    z->zone = copy;
    return 0;
}

/* read_zone - { zone = "Z"; codes = [ ... ]; weight = W; } */
static int read_zone(const config_setting_t *g, struct arena *arena, struct dnsl_zone *z,
                     unsigned idx, char *err, size_t errlen)
{
    z->weight = 1;
    if (zone_name(g, arena, z, idx, err, errlen) < 0)
        return -1;
    for (int i = 0; i < config_setting_length(g); i++) {
        const config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
        const char *name = config_setting_name(s);
        int rc = 0;
        if (strcmp(name, "codes") == 0)
            rc = read_codes(s, arena, z, err, errlen);
        else if (strcmp(name, "weight") == 0)
            rc = read_number(s, false, &z->weight, err, errlen);
        else if (strcmp(name, "txt") == 0)
            rc = read_bool(s, z, &z->txt, err, errlen);
        else if (strcmp(name, "zone") != 0) {
            snprintf(err, errlen, "zone %s: unknown setting \"%s\"", z->zone, name);
            rc = -1;
        }
        if (rc < 0)
            return -1;
    }
    return 0;
}

/* read_zones - zones = ( { ... }, ... ) */
static int read_zones(const config_setting_t *g, struct arena *arena, struct dnsl_settings *s,
                      char *err, size_t errlen)
{
    size_t n = (size_t)config_setting_length(g);
    struct dnsl_zone *z = arena_alloc(arena, (n + 1) * sizeof(*z));
    if (!config_setting_is_list(g) && !config_setting_is_array(g)) {
        snprintf(err, errlen, "zones must be a list ( { zone = \"NAME\"; }, ... )");
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        if (read_zone(config_setting_get_elem(g, (unsigned)i), arena, &z[i], (unsigned)i, err,
                      errlen) < 0)
            return -1;
    s->zones = z;
    s->nzones = n;
    return 0;
}

/* dnsl_configure - zones and threshold */
int dnsl_configure(const config_setting_t *group, struct arena *arena, void **settings, char *err,
                   size_t errlen)
{
    struct dnsl_settings *s = arena_alloc(arena, sizeof(*s));
    s->threshold = 1;
    *settings = s;
    for (int i = 0; group && i < config_setting_length(group); i++) {
        const config_setting_t *g = config_setting_get_elem(group, (unsigned)i);
        const char *name = config_setting_name(g);
        int rc;
        if (strcmp(name, "zones") == 0)
            rc = read_zones(g, arena, s, err, errlen);
        else if (strcmp(name, "threshold") == 0)
            rc = read_number(g, true, &s->threshold, err, errlen);
        else {
            snprintf(err, errlen, "unknown setting \"%s\"", name);
            rc = -1;
        }
        if (rc < 0)
            return -1;
    }
    return 0;
}
