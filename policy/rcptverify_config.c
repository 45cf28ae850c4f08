/* rcptverify_config.c - checks.rcptverify = { domains; recipients;
 * primaries; positive_ttl; negative_ttl; timeout; max_connections;
 * max_rate; } read into struct rcptverify_settings */
#include "rcptverify.h"

#include "arena.h"
#include "settings.h"
#include "util.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *name;
    size_t offset;
    unsigned min, max;
} numbers[] = {
    {"positive_ttl", offsetof(struct rcptverify_settings, positive_ttl), 0, 366 * 86400},
    {"negative_ttl", offsetof(struct rcptverify_settings, negative_ttl), 0, 366 * 86400},
    {"max_connections", offsetof(struct rcptverify_settings, max_connections), 1, 1000},
    {"max_rate", offsetof(struct rcptverify_settings, max_rate), 1, 100000},
};

/* read_list - [ "pattern", ... ] or "file:PATH" (relative to the
 * configuration file), lowercased */
static int read_list(const config_setting_t *g, struct arena *arena, struct list *out, char *err,
                     size_t errlen)
{
    const char *v = config_setting_get_string(g), *file = config_setting_source_file(g);
    out->name = arena_strdup(arena, config_setting_name(g));
    if (v && strncmp(v, "file:", 5) == 0 && v[5] != '\0') {
        const char *slash = file ? strrchr(file, '/') : NULL, *path = v + 5;
        if (path[0] != '/' && slash)
            path = arena_printf(arena, "%.*s/%s", (int)(slash - file), file, path);
        unsigned *lines;
        return lists_read_file(path, arena, &out->patterns, &out->count, &lines, err, errlen);
    }
    if (!config_setting_is_array(g) || config_setting_length(g) < 1) {
        snprintf(err, errlen, "%s must be [ \"pattern\", ... ] or \"file:PATH\"", out->name);
        return -1;
    }
    out->count = (size_t)config_setting_length(g);
    out->patterns = arena_alloc(arena, (out->count + 1) * sizeof(char *));
    for (size_t i = 0; i < out->count; i++) {
        const char *p = config_setting_get_string_elem(g, (int)i);
        if (p == NULL || *p == '\0') {
            snprintf(err, errlen, "%s must hold non-empty strings", out->name);
            return -1;
        }
        out->patterns[i] = str_lower(arena_strdup(arena, p));
    }
    out->patterns[out->count] = NULL;
    return 0;
}

/* parse_primary - "ADDR[:PORT]" or "[ADDR6][:PORT]", address literals only: 0 or -1 */
static int parse_primary(const char *v, struct rv_primary *p)
{
    char host[64];
    const char *port = NULL, *close = v[0] == '[' ? strchr(v, ']') : NULL;
    if (v[0] == '[' && (close == NULL || (close[1] != '\0' && close[1] != ':')))
        return -1;
    size_t hlen = close ? (size_t)(close - v - 1) : strcspn(v, ":");
    if (hlen == 0 || hlen >= sizeof(host))
        return -1;
    memcpy(host, close ? v + 1 : v, hlen);
    host[hlen] = '\0';
    port = close ? (close[1] ? close + 2 : NULL) : (v[hlen] ? v + hlen + 1 : NULL);
    char *end;
    long n = port ? strtol(port, &end, 10) : 25;
    if ((port && (*port == '\0' || *end != '\0')) || n < 1 || n > 65535)
        return -1;
    struct sockaddr_in *a4 = (struct sockaddr_in *)&p->sa;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&p->sa;
    memset(p, 0, sizeof(*p));
    if (!close && inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET, a4->sin_port = htons((uint16_t)n), p->len = sizeof(*a4);
        snprintf(p->name, sizeof(p->name), "%s:%ld", host, n);
    } else if (close && inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
        a6->sin6_family = AF_INET6, a6->sin6_port = htons((uint16_t)n), p->len = sizeof(*a6);
        snprintf(p->name, sizeof(p->name), "[%s]:%ld", host, n);
    } else {
        return -1;
    }
    return 0;
}

/* read_primaries - [ "192.0.2.25:25", "[2001:db8::25]:25", ... ] */
static int read_primaries(const config_setting_t *g, struct rcptverify_settings *s, char *err,
                          size_t errlen)
{
    int n = config_setting_is_array(g) ? config_setting_length(g) : -1;
    if (n < 1 || n > RV_MAX_PRIMARIES) {
        snprintf(err, errlen, "primaries must be [ \"ADDRESS:PORT\", ... ] (1 to %d)",
                 RV_MAX_PRIMARIES);
        return -1;
    }
    for (int i = 0; i < n; i++) {
        const char *v = config_setting_get_string_elem(g, i);
        if (v == NULL || parse_primary(v, &s->primaries[i]) < 0) {
            snprintf(err, errlen,
                     "primaries: \"%s\" is not an address literal with an optional port "
                     "(\"192.0.2.25:25\", \"[2001:db8::25]:25\")",
                     v ? v : "?");
            return -1;
        }
    }
    s->nprimaries = (unsigned)n;
    return 0;
}

/* read_timeout - seconds, fractions allowed, 0.1 to 120 */
static int read_timeout(const config_setting_t *g, struct rcptverify_settings *s, char *err,
                        size_t errlen)
{
    double v = settings_number(g);
    if (v < 0.1 || v > 120) {
        snprintf(err, errlen, "timeout must be a number of seconds from 0.1 to 120");
        return -1;
    }
    s->timeout_ms = (unsigned)(v * 1000 + 0.5);
    return 0;
}

/* read_one - one setting: 0, -1 (err), or 1 when g is not a setting */
static int read_one(const config_setting_t *g, struct arena *arena, struct rcptverify_settings *s,
                    char *err, size_t errlen)
{
    const char *name = config_setting_name(g);
    if (strcmp(name, "domains") == 0)
        return read_list(g, arena, &s->domains, err, errlen);
    if (strcmp(name, "recipients") == 0)
        return read_list(g, arena, &s->recipients, err, errlen);
    if (strcmp(name, "primaries") == 0)
        return read_primaries(g, s, err, errlen);
    if (strcmp(name, "timeout") == 0)
        return read_timeout(g, s, err, errlen);
    for (size_t i = 0; i < ARRAY_LEN(numbers); i++)
        if (strcmp(name, numbers[i].name) == 0)
            return settings_uint(g, numbers[i].min, numbers[i].max,
                                 (unsigned *)((char *)s + numbers[i].offset), err, errlen);
    return 1;
}

/* rv_configure - the group, or defaults that leave the check at none */
int rv_configure(const config_setting_t *group, struct arena *arena, void **settings, char *err,
                 size_t errlen)
{
    struct rcptverify_settings *s = arena_alloc(arena, sizeof(*s));
    *s = (struct rcptverify_settings){.positive_ttl = 7 * 86400,
                                      .negative_ttl = 3600,
                                      .timeout_ms = 10000,
                                      .max_connections = 20,
                                      .max_rate = 50};
    *settings = s;
    for (int i = 0; group && i < config_setting_length(group); i++) {
        const config_setting_t *g = config_setting_get_elem(group, (unsigned)i);
        int r = read_one(g, arena, s, err, errlen);
        if (r > 0)
            snprintf(err, errlen, "unknown setting \"%s\"", config_setting_name(g));
        if (r != 0)
            return -1;
    }
    if (group && s->domains.count == 0) {
        snprintf(err, errlen, "rcptverify needs domains (the relayed domains it verifies)");
        return -1;
    }
    if (group && s->recipients.count == 0 && s->nprimaries == 0) {
        snprintf(err, errlen, "rcptverify needs primaries to probe, or a recipients list");
        return -1;
    }
    return 0;
}
