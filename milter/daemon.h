/* daemon.h - the process around the filter: listening socket, detaching,
 * pid file, dropping privileges. Called from the main thread at start-up,
 * before any other thread exists. All return 0, or -1 with err filled. */
#ifndef MXGATE_DAEMON_H
#define MXGATE_DAEMON_H

#include "dns.h"

#include <stddef.h>

struct config;

/* daemon_open_socket - refuse a socket already in use, create a unix
 * socket's directory if missing, open the listening socket (mserver)
 * (removing a stale unix socket) and apply socket_mode and socket_owner. */
int daemon_open_socket(const struct config *cfg, char *err, size_t errlen);

/* daemon_make_parent_dir - create the directory of the file at path (mode
 * 0755, owned by the configured user) if it is missing. */
int daemon_make_parent_dir(const struct config *cfg, const char *path, char *err, size_t errlen);

/* daemon_detach - fork into the background, new session, stdio on /dev/null. */
int daemon_detach(char *err, size_t errlen);

/* daemon_write_pidfile - write our pid; refuses if the file names a live
 * mxgate process. An empty path writes nothing. */
int daemon_write_pidfile(const char *path, char *err, size_t errlen);

/* daemon_drop_privileges - become user (and group, or the user's primary
 * group). Nothing to do when user is NULL. Refuses to stay root when a user
 * is configured but cannot be switched to. */
int daemon_drop_privileges(const char *user, const char *group, char *err, size_t errlen);

/* daemon_check_ids - whether user, group and socket_owner name existing
 * accounts, for -n; 0, or -1 with the unknown name in err. */
int daemon_check_ids(const struct config *cfg, char *err, size_t errlen);

/* daemon_dns_settings - the resolver's settings from cfg's dns group (the
 * daemon's, and mxgatectl explain's). */
struct dns_settings daemon_dns_settings(const struct config *cfg);

#endif
