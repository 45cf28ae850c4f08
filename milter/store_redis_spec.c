/* store_redis_spec.c - the Redis backend's spec: where the server is and
 * the options, "tcp://HOST[:PORT][/DB][?OPTS]" or "unix:/PATH[?OPTS]" */
#include "store_redis.h"

#include "util.h"

#include <ctype.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_PORT 6379
#define DEFAULT_PREFIX "mxgate:"
#define DEFAULT_TIMEOUT_MS 500
#define DEFAULT_CONNS 4

/* An option: a number within [min, max] or a string, at off in struct rd_conf. */
struct rd_opt {
    const char *name;
    size_t off;
    bool text;
    int min, max;
};

static const struct rd_opt opts[] = {
    {.name = "db", .off = offsetof(struct rd_conf, db), .min = 0, .max = INT_MAX},
    {.name = "prefix", .off = offsetof(struct rd_conf, prefix), .text = true},
    {.name = "user", .off = offsetof(struct rd_conf, user), .text = true},
    {.name = "password", .off = offsetof(struct rd_conf, password), .text = true},
    {.name = "timeout", .off = offsetof(struct rd_conf, timeout_ms), .min = 1, .max = 60000},
    {.name = "connections", .off = offsetof(struct rd_conf, conns), .min = 1, .max = RD_POOL_MAX},
};

/* number - s is a decimal integer in [min, max] */
static bool number(const char *s, int min, int max, int *out)
{
    char *end;
    if (!isdigit((unsigned char)s[0]))
        return false;
    long v = strtol(s, &end, 10);
    if (*end != '\0' || v < min || v > max)
        return false;
    *out = (int)v;
    return true;
}

/* unescape - s with its %XX escapes decoded, or NULL when one is bad */
static char *unescape(const char *s)
{
    char *out = xmalloc(strlen(s) + 1), *o = out;
    for (; *s; s++) {
        unsigned v;
        if (*s != '%') {
            *o++ = *s;
            continue;
        }
        if (!isxdigit((unsigned char)s[1]) || !isxdigit((unsigned char)s[2]) ||
            sscanf(s + 1, "%2x", &v) != 1 || v == 0) {
            free(out);
            return NULL;
        }
        *o++ = (char)v;
        s += 2;
    }
    *o = '\0';
    return out;
}

/* set_opt - one key=value of the options into c; seen marks those given */
static int set_opt(struct rd_conf *c, const char *kv, unsigned *seen, char *err, size_t errlen)
{
    const char *eq = strchr(kv, '=');
    size_t klen = eq ? (size_t)(eq - kv) : strlen(kv);
    for (size_t i = 0; i < ARRAY_LEN(opts); i++) {
        const struct rd_opt *o = &opts[i];
        if (strlen(o->name) != klen || strncmp(kv, o->name, klen) != 0)
            continue;
        if (*seen & (1u << i)) {
            snprintf(err, errlen, "redis store: option \"%s\" is given twice", o->name);
            return -1;
        }
        char *v = eq ? unescape(eq + 1) : NULL;
        bool good =
            v && (o->text ? v[0] != '\0' : number(v, o->min, o->max, (int *)((char *)c + o->off)));
        if (!good) {
            free(v);
            snprintf(err, errlen, "redis store: option \"%s\" has a bad value", o->name);
            return -1;
        }
        if (o->text)
            *(char **)((char *)c + o->off) = v;
        else
            free(v);
        *seen |= 1u << i;
        return 0;
    }
    snprintf(err, errlen,
             "redis store: unknown option \"%.*s\" (known: db, prefix, user, password, timeout, "
             "connections)",
             (int)klen, kv);
    return -1;
}

/* parse_opts - the '&'-separated options after '?' */
static int parse_opts(struct rd_conf *c, const char *q, unsigned *seen, char *err, size_t errlen)
{
    char *copy = xstrdup(q), *save = NULL;
    int rc = 0;
    for (char *kv = strtok_r(copy, "&", &save); kv && rc == 0; kv = strtok_r(NULL, "&", &save))
        rc = set_opt(c, kv, seen, err, errlen);
    free(copy);
    return rc;
}

/* parse_host - "HOST[:PORT]" or "[V6ADDR][:PORT]" of len bytes */
static int parse_host(struct rd_conf *c, const char *s, size_t len, char *err, size_t errlen)
{
    char *a = xstrndup(s, len), *host = a, *port = NULL;
    if (a[0] == '[') {
        char *close = strchr(a, ']');
        host = a + 1;
        port = close && close[1] == ':' ? close + 2 : NULL;
        if (close == NULL || (close[1] != '\0' && close[1] != ':'))
            host = NULL;
        else
            *close = '\0';
    } else if ((port = strchr(a, ':')) != NULL) {
        *port++ = '\0';
    }
    c->port = DEFAULT_PORT;
    int rc = host && *host && !strpbrk(host, "/?@") ? 0 : -1;
    if (rc == 0 && port && !number(port, 1, 65535, &c->port))
        rc = -1;
    if (rc == 0)
        c->host = xstrdup(host);
    else
        snprintf(err, errlen, "redis store: bad host or port in \"%s\" (HOST[:PORT], PORT 1-65535)",
                 a);
    free(a);
    return rc;
}

/* parse_tcp - "HOST[:PORT][/DB]" up to '?' */
static int parse_tcp(struct rd_conf *c, const char *s, unsigned *seen, char *err, size_t errlen)
{
    size_t len = strcspn(s, "/");
    if (parse_host(c, s, len, err, errlen) < 0)
        return -1;
    if (s[len] != '/' || s[len + 1] == '\0')
        return 0;
    if (!number(s + len + 1, 0, INT_MAX, &c->db)) {
        snprintf(err, errlen, "redis store: bad database number \"%s\"", s + len + 1);
        return -1;
    }
    *seen |= 1u; /* opts[0] is db */
    return 0;
}

/* parse_where - tcp://... or unix:/... (s ends before '?') */
static int parse_where(struct rd_conf *c, const char *s, unsigned *seen, char *err, size_t errlen)
{
    if (strncmp(s, "tcp://", 6) == 0)
        return parse_tcp(c, s + 6, seen, err, errlen);
    if (strncmp(s, "unix:", 5) == 0 && s[5] == '/') {
        c->socket = xstrdup(s + 5);
        return 0;
    }
    if (strncmp(s, "unix:", 5) == 0)
        snprintf(err, errlen, "redis store needs an absolute socket path, not \"%s\"", s + 5);
    else
        snprintf(err, errlen,
                 "redis store is tcp://HOST[:PORT][/DB] or unix:/PATH, with ?options, not \"%s\"",
                 s);
    return -1;
}

/* rd_conf_parse - the whole spec, defaults filled in */
int rd_conf_parse(const char *arg, struct rd_conf *c, char *err, size_t errlen)
{
    *c = (struct rd_conf){.timeout_ms = DEFAULT_TIMEOUT_MS, .conns = DEFAULT_CONNS};
    unsigned seen = 0;
    char *where = xstrndup(arg, strcspn(arg, "?"));
    const char *q = strchr(arg, '?');
    int rc = parse_where(c, where, &seen, err, errlen);
    if (rc == 0 && q)
        rc = parse_opts(c, q + 1, &seen, err, errlen);
    if (rc == 0 && c->user && !c->password) {
        snprintf(err, errlen, "redis store: user needs a password");
        rc = -1;
    }
    free(where);
    if (rc < 0)
        rd_conf_free(c);
    else if (c->prefix == NULL)
        c->prefix = xstrdup(DEFAULT_PREFIX);
    return rc;
}

/* rd_conf_free - the strings */
void rd_conf_free(struct rd_conf *c)
{
    free(c->host);
    free(c->socket);
    free(c->prefix);
    free(c->user);
    free(c->password);
    *c = (struct rd_conf){0};
}

/* rd_check - the spec parses */
int rd_check(const char *arg, char *err, size_t errlen)
{
    struct rd_conf c;
    if (rd_conf_parse(arg, &c, err, errlen) < 0)
        return -1;
    rd_conf_free(&c);
    return 0;
}
