/* mserver.h - the milter listener: one socket in the MTA's words, one
 * thread per MTA connection, started as soon as the connection is accepted
 * (a callback that waits for DNS holds up its own connection only). */
#ifndef MXGATE_MSERVER_H
#define MXGATE_MSERVER_H

#include "mctx.h"
#include "sockspec.h"

#include <stddef.h>

/* How long a connection may stay silent before we close it (libmilter's
 * default, longer than any MTA's own milter timeouts). */
#define MSERVER_IDLE_MS (7210 * 1000)

/* mserver_listen - bind and listen (a stale unix socket is replaced; the
 * caller checked that nothing listens there). 0, or -1 with err. Call once. */
int mserver_listen(const struct sockspec *spec, char *err, size_t errlen);

/* mserver_run - accept connections and run each with cb on its own thread
 * until mserver_stop; then close the connections still open and wait for
 * their threads (bounded). 0, or -1 if accepting failed for good. */
int mserver_run(const struct mctx_callbacks *cb);

/* mserver_stop - make mserver_run return; any thread. */
void mserver_stop(void);

/* mserver_connections - connections open now. */
unsigned mserver_connections(void);

#endif
