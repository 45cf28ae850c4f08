/* glue.h - the libmilter callbacks: they collect facts into the connection
 * context, call the rules for their stage and map the reply. No policy here. */
#ifndef MXGATE_GLUE_H
#define MXGATE_GLUE_H

#include <libmilter/mfapi.h>

struct dns_resolver;

/* glue_filter - the smfiDesc to register with smfi_register(). The resolver
 * is shared by every connection; set it before smfi_main(). */
struct smfiDesc *glue_filter(struct dns_resolver *dns);

#endif
