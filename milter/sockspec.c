/* sockspec.c - milter socket specs */
#include "sockspec.h"

#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* parse_port - decimal 1..65535 */
static int parse_port(const char *s, size_t n, unsigned *out)
{
    if (n == 0 || n > 5)
        return -1;
    unsigned v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    if (v == 0 || v > 65535)
        return -1;
    *out = v;
    return 0;
}

/* parse_unix - unix:PATH */
static int parse_unix(const char *path, struct sockspec *out, char *err, size_t errlen)
{
    if (path[0] != '/') {
        snprintf(err, errlen, "unix socket path \"%s\" is not absolute", path);
        return -1;
    }
    if (strlcpy_(out->path, path, sizeof(out->path)) >= sizeof(out->path)) {
        snprintf(err, errlen, "unix socket path is longer than %zu bytes", sizeof(out->path) - 1);
        return -1;
    }
    out->kind = SOCK_UNIX;
    return 0;
}

/* parse_host - the HOST part, brackets removed, checked as an address */
static int parse_host(const char *host, int family, struct sockspec *out)
{
    size_t n = strlen(host);
    if (family == AF_INET6 && n >= 2 && host[0] == '[' && host[n - 1] == ']') {
        host++;
        n -= 2;
    }
    if (n == 0 || n >= sizeof(out->host))
        return -1;
    memcpy(out->host, host, n);
    out->host[n] = '\0';
    unsigned char b[16];
    return inet_pton(family, out->host, b) == 1 ? 0 : -1;
}

/* parse_inet - PORT@HOST for inet and inet6 */
static int parse_inet(const char *rest, enum sock_kind kind, struct sockspec *out, char *err,
                      size_t errlen)
{
    const char *at = strchr(rest, '@');
    int family = kind == SOCK_INET ? AF_INET : AF_INET6;
    if (at == NULL || parse_port(rest, (size_t)(at - rest), &out->port) < 0) {
        snprintf(err, errlen, "expected PORT@%s after \"%s:\"",
                 kind == SOCK_INET ? "ADDRESS" : "[ADDRESS]", kind == SOCK_INET ? "inet" : "inet6");
        return -1;
    }
    if (parse_host(at + 1, family, out) < 0) {
        snprintf(err, errlen, "\"%s\" is not an %s address", at + 1,
                 kind == SOCK_INET ? "IPv4" : "IPv6");
        return -1;
    }
    out->kind = kind;
    return 0;
}

/* sockspec_parse - spec text to struct */
int sockspec_parse(const char *spec, struct sockspec *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    if (strncmp(spec, "unix:", 5) == 0)
        return parse_unix(spec + 5, out, err, errlen);
    if (strncmp(spec, "local:", 6) == 0)
        return parse_unix(spec + 6, out, err, errlen);
    if (spec[0] == '/')
        return parse_unix(spec, out, err, errlen);
    if (strncmp(spec, "inet:", 5) == 0)
        return parse_inet(spec + 5, SOCK_INET, out, err, errlen);
    if (strncmp(spec, "inet6:", 6) == 0)
        return parse_inet(spec + 6, SOCK_INET6, out, err, errlen);
    snprintf(err, errlen,
             "socket \"%s\" is not unix:PATH, inet:PORT@ADDRESS or inet6:PORT@[ADDRESS]", spec);
    return -1;
}

/* sockspec_sockaddr - the address to bind */
socklen_t sockspec_sockaddr(const struct sockspec *s, struct sockaddr_storage *ss)
{
    memset(ss, 0, sizeof(*ss));
    if (s->kind == SOCK_UNIX) {
        struct sockaddr_un *un = (struct sockaddr_un *)ss;
        un->sun_family = AF_UNIX;
        strlcpy_(un->sun_path, s->path, sizeof(un->sun_path));
        return sizeof(*un);
    }
    if (s->kind == SOCK_INET) {
        struct sockaddr_in *in = (struct sockaddr_in *)ss;
        in->sin_family = AF_INET;
        in->sin_port = htons((unsigned short)s->port);
        inet_pton(AF_INET, s->host, &in->sin_addr);
        return sizeof(*in);
    }
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons((unsigned short)s->port);
    inet_pton(AF_INET6, s->host, &in6->sin6_addr);
    return sizeof(*in6);
}

/* unix_in_use - a listening unix socket accepts a connection */
static int unix_in_use(const struct sockspec *s, char *err, size_t errlen)
{
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    strlcpy_(sun.sun_path, s->path, sizeof(sun.sun_path));
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    int rc = connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0 ? 1 : 0;
    close(fd);
    if (rc)
        snprintf(err, errlen, "socket unix:%s is already in use by another process", s->path);
    return rc;
}

/* inet_in_use - try to bind the address ourselves */
static int inet_in_use(const struct sockspec *s, char *err, size_t errlen)
{
    struct sockaddr_storage ss;
    socklen_t sl = sockspec_sockaddr(s, &ss);
    int family = s->kind == SOCK_INET ? AF_INET : AF_INET6;
    int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1, rc = 0;
    if (fd < 0)
        return -1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, (struct sockaddr *)&ss, sl) < 0) {
        rc = errno == EADDRINUSE ? 1 : -1;
        snprintf(err, errlen, "cannot listen on %s:%u@%s: %s", family == AF_INET ? "inet" : "inet6",
                 s->port, s->host,
                 errno == EADDRINUSE ? "address already in use" : strerror(errno));
    }
    close(fd);
    return rc;
}

/* sockspec_in_use - is something already listening there */
int sockspec_in_use(const struct sockspec *s, char *err, size_t errlen)
{
    if (s->kind == SOCK_UNIX)
        return unix_in_use(s, err, errlen);
    return inet_in_use(s, err, errlen);
}
