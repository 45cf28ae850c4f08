/* mctx.h - one MTA connection speaking the milter protocol (versions 2 to
 * 6, as Postfix and Sendmail speak it): each command goes to a callback, on
 * the connection's own thread; the context keeps the macros the MTA sent,
 * the reply text a callback set, and sends the end-of-message edits. Replaces
 * libmilter, whose worker pool (Debian's build) queues a ready connection
 * behind callbacks that wait for DNS. */
#ifndef MXGATE_MCTX_H
#define MXGATE_MCTX_H

#include "addr.h"

#include <stddef.h>

#include <libmilter/mfdef.h> /* the protocol's letters and bits: no libmilter code */

/* The actions (edits) a filter may ask the MTA to allow, as the protocol
 * numbers them (libmilter's SMFIF_*). */
#define MACT_ADDHDRS 0x001UL
#define MACT_CHGHDRS 0x010UL
#define MACT_QUARANTINE 0x020UL
#define MACT_SETSYMLIST 0x100UL

/* What a callback answers. */
enum mstat {
    MSTAT_CONTINUE = 0,
    MSTAT_REJECT,
    MSTAT_TEMPFAIL,
    MSTAT_ACCEPT,
    MSTAT_DISCARD,
    MSTAT_NOREPLY, /* the step was negotiated SMFIP_NR_*: nothing is sent */
};

/* Macro stages, as SMFIM_* numbers them in smfi_setsymlist(). */
enum mstage {
    MSTAGE_CONNECT = 0,
    MSTAGE_HELO,
    MSTAGE_MAIL,
    MSTAGE_RCPT,
    MSTAGE_DATA,
    MSTAGE_EOM,
    MSTAGE_EOH,
    MSTAGE_COUNT
};

struct mctx;

/* The callbacks, all optional. connect's addr is NULL when the client is not
 * on IPv4 or IPv6. argv of mail and rcpt: the address, then ESMTP
 * parameters, NULL-terminated. close runs once, however the connection ends. */
struct mctx_callbacks {
    enum mstat (*negotiate)(struct mctx *m, unsigned long actions, unsigned long proto,
                            unsigned long *want_actions, unsigned long *want_proto);
    enum mstat (*connect)(struct mctx *m, const char *host, const struct ipaddr *addr);
    enum mstat (*helo)(struct mctx *m, const char *name);
    enum mstat (*mail)(struct mctx *m, char **argv);
    enum mstat (*rcpt)(struct mctx *m, char **argv);
    enum mstat (*header)(struct mctx *m, const char *name, const char *value);
    enum mstat (*eoh)(struct mctx *m);
    enum mstat (*body)(struct mctx *m, const unsigned char *chunk, size_t len);
    enum mstat (*eom)(struct mctx *m);
    void (*abort)(struct mctx *m);
    void (*close)(struct mctx *m);
};

/* mctx_run - speak the protocol on fd until the MTA quits, the connection
 * breaks, a packet is malformed or nothing arrives for timeout_ms; then run
 * close and return. fd stays open (the caller closes it). */
void mctx_run(int fd, const struct mctx_callbacks *cb, int timeout_ms);

/* mctx_set_priv, mctx_priv - the caller's per-connection pointer. */
void mctx_set_priv(struct mctx *m, void *priv);
void *mctx_priv(const struct mctx *m);

/* mctx_proto - the SMFIP_* flags negotiated. */
unsigned long mctx_proto(const struct mctx *m);

/* mctx_macro - a macro's value, "x" and "{x}" alike, the latest stage's
 * first; NULL if the MTA did not send it. Valid until the next command. */
const char *mctx_macro(const struct mctx *m, const char *name);

/* mctx_set_symlist - from negotiate only: ask for these macros (space
 * separated) at stage. 0, or -1 if not negotiating or stage is out of range. */
int mctx_set_symlist(struct mctx *m, enum mstage stage, const char *list);

/* mctx_set_reply - the reply text for the next reject (code 5xx) or tempfail
 * (4xx): "CODE ECODE TEXT". -1 for a code that is not 4xx/5xx or a text with
 * CR or LF. */
int mctx_set_reply(struct mctx *m, const char *code, const char *ecode, const char *text);

/* mctx_insheader, mctx_chgheader, mctx_quarantine - end-of-message edits,
 * sent at once; -1 outside eom, when the MTA did not allow the action, or
 * when the connection is gone. chgheader with a NULL value removes the
 * index'th (from 1) header of that name. */
int mctx_insheader(struct mctx *m, unsigned index, const char *name, const char *value);
int mctx_chgheader(struct mctx *m, const char *name, unsigned index, const char *value);
int mctx_quarantine(struct mctx *m, const char *reason);

#endif
