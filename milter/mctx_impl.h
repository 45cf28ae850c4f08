/* mctx_impl.h - the connection record shared by mctx.c (the commands) and
 * mctx_api.c (what callbacks ask of it); not for other modules */
#ifndef MXGATE_MCTX_IMPL_H
#define MXGATE_MCTX_IMPL_H

#include "mctx.h"
#include "mpacket.h"

#include <stdbool.h>

struct mctx {
    int fd, timeout_ms;
    const struct mctx_callbacks *cb;
    void *priv;
    unsigned long version, actions, proto; /* negotiated */
    bool negotiating, in_eom, quit, broken;
    bool negotiated, connected, in_mail; /* what the MTA has sent so far */
    char *symlist[MSTAGE_COUNT];         /* macros we ask for, per stage */
    char *macbuf[MSTAGE_COUNT];          /* the MTA's macro packet data, per stage */
    char **macv[MSTAGE_COUNT];           /* name, value, ..., NULL: into macbuf */
    char *reply;                         /* "CODE ECODE TEXT" for the next reject/tempfail */
    struct mpacket pkt;
};

/* mctx_fail - log a protocol error; -1 (the connection is closed) */
int mctx_fail(struct mctx *m, const char *what);

/* mctx_cmd_macro - SMFIC_MACRO: the macros for one command's stage */
int mctx_cmd_macro(struct mctx *m);

/* mctx_clear_macros - forget the macros of stage from and the later ones */
void mctx_clear_macros(struct mctx *m, enum mstage from);

/* mctx_send_optneg - the negotiation reply, with our macro lists */
int mctx_send_optneg(struct mctx *m);

/* mctx_connect_addr - the client address of a connect packet, from off
 * (family, port, address); false when it is not IPv4 or IPv6 */
bool mctx_connect_addr(const struct mpacket *p, size_t off, struct ipaddr *out);

#endif
