/* metrics_http.c - the /metrics endpoint over libmicrohttpd */
#include "metrics_http.h"

#include "addr.h"
#include "log.h"
#include "metrics.h"
#include "util.h"

#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

static struct MHD_Daemon *server; /* main thread only */
static char *server_spec;

/* split_spec - host and port of "HOST:PORT" or "[HOST]:PORT" */
static int split_spec(const char *spec, char *host, size_t hlen, unsigned long *port)
{
    const char *colon = strrchr(spec, ':');
    const char *h = spec;
    size_t n = colon ? (size_t)(colon - spec) : 0;
    char *end;
    if (colon == NULL)
        return -1;
    if (spec[0] == '[') {
        if (n < 2 || spec[n - 1] != ']')
            return -1;
        h++, n -= 2;
    } else if (memchr(spec, ':', n)) {
        return -1; /* a bare IPv6 address: brackets needed */
    }
    if (n >= hlen)
        return -1;
    snprintf(host, hlen, "%.*s", (int)n, h);
    errno = 0;
    *port = strtoul(colon + 1, &end, 10);
    return colon[1] == '\0' || *end != '\0' || errno || *port < 1 || *port > 65535 ? -1 : 0;
}

/* is_loopback - 127.0.0.0/8 or ::1 */
static bool is_loopback(const struct ipaddr *a)
{
    static const unsigned char one[16] = {[15] = 1};
    if (a->family == AF_INET)
        return a->b[0] == 127;
    return memcmp(a->b, one, sizeof(one)) == 0;
}

/* metrics_listen_parse - an address and port for the endpoint */
int metrics_listen_parse(const char *spec, struct sockaddr_storage *sa, socklen_t *salen,
                         bool *loopback, char *err, size_t errlen)
{
    char host[64];
    unsigned long port;
    struct ipaddr a;
    if (split_spec(spec, host, sizeof(host), &port) < 0 || ipaddr_parse(host, &a) < 0) {
        snprintf(err, errlen, "\"%s\" is not ADDRESS:PORT or [IPV6]:PORT", spec);
        return -1;
    }
    memset(sa, 0, sizeof(*sa));
    if (a.family == AF_INET) {
        struct sockaddr_in *in = (struct sockaddr_in *)sa;
        *in = (struct sockaddr_in){.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
        memcpy(&in->sin_addr, a.b, 4);
        *salen = sizeof(*in);
    } else {
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)sa;
        *in6 = (struct sockaddr_in6){.sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port)};
        memcpy(&in6->sin6_addr, a.b, 16);
        *salen = sizeof(*in6);
    }
    *loopback = is_loopback(&a);
    return 0;
}

/* reply - one response, queued and released */
static enum MHD_Result reply(struct MHD_Connection *conn, unsigned status, char *body, size_t len,
                             enum MHD_ResponseMemoryMode mode)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(len, body, mode);
    if (r == NULL)
        return MHD_NO;
    MHD_add_response_header(r, "Content-Type", CONTENT_TYPE);
    enum MHD_Result ok = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return ok;
}

/* on_request - GET (or HEAD) /metrics; anything else is 404 or 405 */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_len, void **con_cls)
{
    static char not_found[] = "mxgate: metrics are at /metrics\n";
    static char not_allowed[] = "mxgate: only GET\n";
    size_t len;
    (void)cls, (void)version, (void)upload, (void)upload_len, (void)con_cls;
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED, not_allowed, strlen(not_allowed),
                     MHD_RESPMEM_PERSISTENT);
    if (strcmp(url, "/metrics") != 0)
        return reply(conn, MHD_HTTP_NOT_FOUND, not_found, strlen(not_found),
                     MHD_RESPMEM_PERSISTENT);
    char *text = metrics_render(&len);
    return reply(conn, MHD_HTTP_OK, text, len, MHD_RESPMEM_MUST_FREE);
}

/* start - a daemon listening on spec, or NULL with err */
static struct MHD_Daemon *start(const char *spec, char *err, size_t errlen)
{
    struct sockaddr_storage sa;
    socklen_t salen;
    bool loopback;
    if (metrics_listen_parse(spec, &sa, &salen, &loopback, err, errlen) < 0)
        return NULL;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL;
    if (sa.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    struct MHD_Daemon *d = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, NULL, MHD_OPTION_SOCK_ADDR, &sa,
        MHD_OPTION_CONNECTION_LIMIT, 16u, MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_END);
    if (d == NULL)
        snprintf(err, errlen, "metrics: cannot listen on %s (address in use or not ours?)", spec);
    return d;
}

/* metrics_http_apply - listen on spec, close, or leave as is */
int metrics_http_apply(const char *spec, char *err, size_t errlen)
{
    if (spec && server_spec && strcmp(spec, server_spec) == 0)
        return 0;
    struct MHD_Daemon *d = NULL;
    if (spec && (d = start(spec, err, errlen)) == NULL)
        return -1;
    if (server)
        MHD_stop_daemon(server);
    free(server_spec);
    server = d;
    server_spec = spec ? xstrdup(spec) : NULL;
    if (spec)
        log_info("metrics endpoint listening on http://%s/metrics", spec);
    return 0;
}
