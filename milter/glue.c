/* glue.c - the libmilter callbacks */
#include "glue.h"

#include "arena.h"
#include "conn.h"
#include "log.h"
#include "metrics.h"
#include "mta.h"
#include "session.h"
#include "util.h"

#include <stdatomic.h>
#include <string.h>

static struct dns_resolver *glue_dns;
static atomic_ulong conn_seq;

/* CTX - the connection context of a callback */
#define CTX(ctx) ((struct conn *)smfi_getpriv(ctx))

/* read_macro - conn's macro reader over libmilter */
static const char *read_macro(void *ctx, const char *name)
{
    return smfi_getsymval((SMFICTX *)ctx, (char *)name);
}

/* bind_ctx - point the context's macro reader at this callback's SMFICTX */
static struct conn *bind_ctx(SMFICTX *ctx)
{
    struct conn *c = CTX(ctx);
    if (c) {
        c->macro = read_macro;
        c->macro_ctx = ctx;
    }
    return c;
}

/* c_proto - the protocol flags negotiated for this connection */
static unsigned long c_proto(SMFICTX *ctx)
{
    struct conn *c = CTX(ctx);
    return c ? c->proto : 0;
}

/* answer - map a reply to libmilter; noreply when the step was negotiated
 * so. A tarpitted client waits before every reply it gets. */
static sfsistat answer(SMFICTX *ctx, const struct reply *rep, enum stage stage)
{
    bool noreply = mta_noreply(c_proto(ctx), rep->kind, stage);
    if (!noreply && CTX(ctx))
        conn_tarpit_wait(CTX(ctx));
    switch (rep->kind) {
    case ACTION_REJECT:
    case ACTION_DEFER:
        metrics_add(METRIC_REPLIES, 1, METRIC_LABELS(rep->code, rep->ecode));
        if (smfi_setreply(ctx, (char *)rep->code, (char *)rep->ecode, (char *)rep->text) !=
            MI_SUCCESS)
            log_warn("could not set reply \"%s %s %s\"", rep->code, rep->ecode, rep->text);
        return rep->kind == ACTION_REJECT ? SMFIS_REJECT : SMFIS_TEMPFAIL;
    case ACTION_ACCEPT:
    case ACTION_CONTINUE:
    case ACTION_TARPIT:
    case ACTION_LOG:
    case ACTION_GREYLIST:   /* decide() turns a greylisting into a deferral */
    case ACTION_QUARANTINE: /* on_eom asked the MTA to hold the message */
    case ACTION_ADD_HEADER: /* on_eom added the headers */
    case ACTION_SCORE:
        break;
    }
    return noreply ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

/* new_conn - the context, created when the MTA opens the conversation */
static struct conn *new_conn(SMFICTX *ctx)
{
    struct config *cfg = config_current();
    struct conn *c = conn_new(cfg, glue_dns, atomic_fetch_add(&conn_seq, 1) + 1);
    config_unref(&cfg);
    smfi_setpriv(ctx, c);
    return c;
}

/* on_negotiate - ask only for the steps and replies our rules need */
static sfsistat on_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1, unsigned long f2,
                             unsigned long f3, unsigned long *pf0, unsigned long *pf1,
                             unsigned long *pf2, unsigned long *pf3)
{
    struct conn *c = new_conn(ctx);
    (void)f2, (void)f3;
    *pf2 = *pf3 = 0;
    return mta_negotiate(ctx, c, f0, f1, pf0, pf1);
}

/* on_connect - a new client: take the live configuration, start its checks */
static sfsistat on_connect(SMFICTX *ctx, char *hostname, _SOCK_ADDR *hostaddr)
{
    struct ipaddr addr;
    struct conn *c = CTX(ctx) ? CTX(ctx) : new_conn(ctx);
    bind_ctx(ctx);
    bool ip = ipaddr_from_sockaddr(hostaddr, &addr) == 0;
    struct reply rep = session_connect(c, hostname, ip ? &addr : NULL);
    return answer(ctx, &rep, STAGE_CONNECT);
}

/* on_helo - record the HELO name */
static sfsistat on_helo(SMFICTX *ctx, char *helo)
{
    struct conn *c = bind_ctx(ctx);
    if (c == NULL)
        return SMFIS_TEMPFAIL;
    struct reply rep = session_helo(c, helo);
    return answer(ctx, &rep, STAGE_HELO);
}

/* on_mail - a new transaction */
static sfsistat on_mail(SMFICTX *ctx, char **argv)
{
    struct conn *c = bind_ctx(ctx);
    if (c == NULL)
        return SMFIS_TEMPFAIL;
    struct reply rep = session_mail(c, argv[0]);
    return answer(ctx, &rep, STAGE_MAIL);
}

/* on_rcpt - the stage where rejections are delivered by default */
static sfsistat on_rcpt(SMFICTX *ctx, char **argv)
{
    struct conn *c = bind_ctx(ctx);
    if (c == NULL)
        return SMFIS_TEMPFAIL;
    struct reply rep = session_rcpt(c, argv[0]);
    return answer(ctx, &rep, STAGE_RCPT);
}

/* on_header - keep the header for the content checks */
static sfsistat on_header(SMFICTX *ctx, char *name, char *value)
{
    struct conn *c = bind_ctx(ctx);
    if (c == NULL)
        return SMFIS_TEMPFAIL;
    session_header(c, name, value);
    return (c->proto & SMFIP_NR_HDR) ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

/* on_eoh - the headers are complete: start the checks that read content */
static sfsistat on_eoh(SMFICTX *ctx)
{
    struct conn *c = bind_ctx(ctx);
    if (c == NULL)
        return SMFIS_TEMPFAIL;
    session_eoh(c);
    return (c->proto & SMFIP_NR_EOH) ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

/* on_body - a body chunk (its reply, SMFIP_NR_BODY, carries no decision) */
static sfsistat on_body(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
    struct conn *c = bind_ctx(ctx);
    if (c == NULL)
        return SMFIS_TEMPFAIL;
    session_body(c, chunk, len);
    return (c->proto & SMFIP_NR_BODY) ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

/* edit_quarantine - ask the MTA to hold the message, or warn */
static void edit_quarantine(void *ctx, const struct conn *c, const char *reason)
{
    if (smfi_quarantine(ctx, (char *)reason) != MI_SUCCESS)
        log_warn("%s: could not quarantine (does the MTA allow it?)", conn_queue_id(c));
}

/* edit_remove - delete a header (a forged Authentication-Results), or warn */
static void edit_remove(void *ctx, const struct conn *c, const char *name, unsigned index)
{
    if (smfi_chgheader(ctx, (char *)name, (int)index, NULL) != MI_SUCCESS)
        log_warn("%s: could not remove a forged %s header", conn_queue_id(c), name);
}

/* edit_insert - prepend one header, or warn. With SMFIP_HDR_LEADSPC the
 * MTA writes the value right after the colon: the space is ours to send. */
static void edit_insert(void *ctx, const struct conn *c, const char *name, const char *value)
{
    if (c->proto & SMFIP_HDR_LEADSPC)
        value = arena_printf(c->msg, " %s", value);
    if (smfi_insheader(ctx, 0, (char *)name, (char *)value) != MI_SUCCESS)
        log_warn("%s: could not add %s (does the MTA allow adding headers?)", conn_queue_id(c),
                 name);
}

/* on_eom - end of message: the rules that need the whole message */
static sfsistat on_eom(SMFICTX *ctx)
{
    struct conn *c = bind_ctx(ctx);
    if (c == NULL)
        return SMFIS_TEMPFAIL;
    struct session_edits ed = {
        .quarantine = edit_quarantine, .remove = edit_remove, .insert = edit_insert, .arg = ctx};
    struct reply rep = session_eom(c, &ed);
    return answer(ctx, &rep, STAGE_EOM);
}

/* on_abort - the transaction ended without a message */
static sfsistat on_abort(SMFICTX *ctx)
{
    struct conn *c = bind_ctx(ctx);
    if (c)
        session_abort(c);
    return SMFIS_CONTINUE;
}

/* on_close - the connection ended, normally or not: release everything */
static sfsistat on_close(SMFICTX *ctx)
{
    struct conn *c = CTX(ctx);
    smfi_setpriv(ctx, NULL);
    conn_free(&c);
    return SMFIS_CONTINUE;
}

static struct smfiDesc filter = {
    .xxfi_name = "mxgate",
    .xxfi_version = SMFI_VERSION,
    .xxfi_flags = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_QUARANTINE | SMFIF_SETSYMLIST,
    .xxfi_connect = on_connect,
    .xxfi_helo = on_helo,
    .xxfi_envfrom = on_mail,
    .xxfi_envrcpt = on_rcpt,
    .xxfi_header = on_header,
    .xxfi_eoh = on_eoh,
    .xxfi_body = on_body,
    .xxfi_eom = on_eom,
    .xxfi_abort = on_abort,
    .xxfi_close = on_close,
    .xxfi_negotiate = on_negotiate,
};

/* glue_filter - the filter description */
struct smfiDesc *glue_filter(struct dns_resolver *dns)
{
    glue_dns = dns;
    return &filter;
}
