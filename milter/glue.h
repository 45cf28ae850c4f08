/* glue.h - the milter protocol callbacks: they collect facts into the
 * connection context, call the rules for their stage and map the reply. No
 * policy here. */
#ifndef MXGATE_GLUE_H
#define MXGATE_GLUE_H

#include "mctx.h"

struct dns_resolver;

/* glue_callbacks - the callbacks for mserver_run(). The resolver is shared
 * by every connection; it must outlive the server. */
const struct mctx_callbacks *glue_callbacks(struct dns_resolver *dns);

#endif
