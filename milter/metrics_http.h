/* metrics_http.h - the metrics endpoint: HTTP (libmicrohttpd, its own
 * thread) serving metrics_render() at /metrics, on the address that
 * metrics.listen names, and the parser of that address that the
 * configuration loader and mxgatectl share. */
#ifndef MXGATE_METRICS_HTTP_H
#define MXGATE_METRICS_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

/* metrics_listen_parse - "IPV4:PORT" or "[IPV6]:PORT" into sa (salen set);
 * *loopback tells whether the address is 127.0.0.0/8 or ::1. 0, or -1 with
 * the problem in err. */
int metrics_listen_parse(const char *spec, struct sockaddr_storage *sa, socklen_t *salen,
                         bool *loopback, char *err, size_t errlen);

/* metrics_http_apply - make the endpoint listen on spec (NULL: stop it).
 * The same spec as now changes nothing; another one is opened first and
 * the old one closed after, so a failure (0 returned only on success; -1
 * with err filled) leaves the endpoint where it was. Main thread only. */
int metrics_http_apply(const char *spec, char *err, size_t errlen);

#endif
