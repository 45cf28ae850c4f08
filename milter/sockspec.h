/* sockspec.h - milter socket specs in the MTA's words: unix:PATH,
 * inet:PORT@HOST, inet6:PORT@[HOST] */
#ifndef MXGATE_SOCKSPEC_H
#define MXGATE_SOCKSPEC_H

#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>

enum sock_kind { SOCK_NONE = 0, SOCK_UNIX, SOCK_INET, SOCK_INET6 };

struct sockspec {
    enum sock_kind kind;
    char path[sizeof(((struct sockaddr_un *)0)->sun_path)]; /* unix */
    char host[64];                                          /* inet, inet6: no brackets */
    unsigned port;
};

/* sockspec_parse - parse spec; also accepts "local:PATH" and a bare absolute
 * path as unix sockets, as Postfix does. 0, or -1 with the reason in err. */
int sockspec_parse(const char *spec, struct sockspec *out, char *err, size_t errlen);

/* sockspec_sockaddr - the address to bind s to, in *ss; its length. */
socklen_t sockspec_sockaddr(const struct sockspec *s, struct sockaddr_storage *ss);

/* sockspec_in_use - whether something already listens there: a unix socket
 * that accepts a connection, or an inet address that cannot be bound. Returns
 * 1 (in use, reason in err), 0 (free, or a stale unix socket), -1 (cannot
 * tell, reason in err: e.g. the address is not local). */
int sockspec_in_use(const struct sockspec *s, char *err, size_t errlen);

#endif
