/* glue.c - the milter protocol callbacks */
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
#define CTX(ctx) ((struct conn *)mctx_priv(ctx))

/* read_macro - conn's macro reader over the MTA connection */
static const char *read_macro(void *ctx, const char *name)
{
    return mctx_macro(ctx, name);
}

/* bind_ctx - point the context's macro reader at this callback's SMFICTX */
static struct conn *bind_ctx(struct mctx *ctx)
{
    struct conn *c = CTX(ctx);
    if (c) {
        c->macro = read_macro;
        c->macro_ctx = ctx;
    }
    return c;
}

/* answer - map a reply to the protocol's; noreply when the step was negotiated
 * so. A tarpitted client waits before every reply it gets. */
static enum mstat answer(struct mctx *ctx, const struct reply *rep, enum stage stage)
{
    bool noreply = mta_noreply(mctx_proto(ctx), rep->kind, stage);
    if (!noreply && CTX(ctx))
        conn_tarpit_wait(CTX(ctx));
    switch (rep->kind) {
    case ACTION_REJECT:
    case ACTION_DEFER:
        metrics_add(METRIC_REPLIES, 1, METRIC_LABELS(rep->code, rep->ecode));
        if (mctx_set_reply(ctx, rep->code, rep->ecode, rep->text) < 0)
            log_warn("could not set reply \"%s %s %s\"", rep->code, rep->ecode, rep->text);
        return rep->kind == ACTION_REJECT ? MSTAT_REJECT : MSTAT_TEMPFAIL;
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
    return noreply ? MSTAT_NOREPLY : MSTAT_CONTINUE;
}

/* new_conn - the context, created when the MTA opens the conversation */
static struct conn *new_conn(struct mctx *ctx)
{
    struct config *cfg = config_current();
    struct conn *c = conn_new(cfg, glue_dns, atomic_fetch_add(&conn_seq, 1) + 1);
    config_unref(&cfg);
    c->proto = mctx_proto(ctx); /* as negotiated; a connection after QUIT_NC keeps it */
    mctx_set_priv(ctx, c);
    return c;
}

/* on_negotiate - ask only for the steps and replies our rules need */
static enum mstat on_negotiate(struct mctx *ctx, unsigned long f0, unsigned long f1,
                               unsigned long *pf0, unsigned long *pf1)
{
    struct conn *c = new_conn(ctx);
    return mta_negotiate(ctx, c, f0, f1, pf0, pf1);
}

/* on_connect - a new client: take the live configuration, start its checks */
static enum mstat on_connect(struct mctx *ctx, const char *hostname, const struct ipaddr *addr)
{
    struct conn *c = CTX(ctx) ? CTX(ctx) : new_conn(ctx);
    bind_ctx(ctx);
    struct reply rep = session_connect(c, hostname, addr);
    return answer(ctx, &rep, STAGE_CONNECT);
}

/* on_helo - record the HELO name */
static enum mstat on_helo(struct mctx *ctx, const char *helo)
{
    struct conn *c = bind_ctx(ctx);
    if (c == NULL)
        return MSTAT_TEMPFAIL;
    struct reply rep = session_helo(c, helo);
    return answer(ctx, &rep, STAGE_HELO);
}

/* on_mail - a new transaction */
static enum mstat on_mail(struct mctx *ctx, char **argv)
{
    struct conn *c = bind_ctx(ctx);
    if (c == NULL)
        return MSTAT_TEMPFAIL;
    struct reply rep = session_mail(c, argv[0]);
    return answer(ctx, &rep, STAGE_MAIL);
}

/* on_rcpt - the stage where rejections are delivered by default */
static enum mstat on_rcpt(struct mctx *ctx, char **argv)
{
    struct conn *c = bind_ctx(ctx);
    if (c == NULL)
        return MSTAT_TEMPFAIL;
    struct reply rep = session_rcpt(c, argv[0]);
    return answer(ctx, &rep, STAGE_RCPT);
}

/* on_header - keep the header for the content checks */
static enum mstat on_header(struct mctx *ctx, const char *name, const char *value)
{
    struct conn *c = bind_ctx(ctx);
    if (c == NULL)
        return MSTAT_TEMPFAIL;
    session_header(c, name, value);
    return (c->proto & SMFIP_NR_HDR) ? MSTAT_NOREPLY : MSTAT_CONTINUE;
}

/* on_eoh - the headers are complete: start the checks that read content */
static enum mstat on_eoh(struct mctx *ctx)
{
    struct conn *c = bind_ctx(ctx);
    if (c == NULL)
        return MSTAT_TEMPFAIL;
    session_eoh(c);
    return (c->proto & SMFIP_NR_EOH) ? MSTAT_NOREPLY : MSTAT_CONTINUE;
}

/* on_body - a body chunk (its reply, SMFIP_NR_BODY, carries no decision) */
static enum mstat on_body(struct mctx *ctx, const unsigned char *chunk, size_t len)
{
    struct conn *c = bind_ctx(ctx);
    if (c == NULL)
        return MSTAT_TEMPFAIL;
    session_body(c, chunk, len);
    return (c->proto & SMFIP_NR_BODY) ? MSTAT_NOREPLY : MSTAT_CONTINUE;
}

/* edit_quarantine - ask the MTA to hold the message, or warn */
static void edit_quarantine(void *ctx, const struct conn *c, const char *reason)
{
    if (mctx_quarantine(ctx, reason) < 0)
        log_warn("%s: could not quarantine (does the MTA allow it?)", conn_queue_id(c));
}

/* edit_remove - delete a header (a forged Authentication-Results), or warn */
static void edit_remove(void *ctx, const struct conn *c, const char *name, unsigned index)
{
    if (mctx_chgheader(ctx, name, index, NULL) < 0)
        log_warn("%s: could not remove a forged %s header", conn_queue_id(c), name);
}

/* edit_insert - prepend one header, or warn. With SMFIP_HDR_LEADSPC the
 * MTA writes the value right after the colon: the space is ours to send. */
static void edit_insert(void *ctx, const struct conn *c, const char *name, const char *value)
{
    if (c->proto & SMFIP_HDR_LEADSPC)
        value = arena_printf(c->msg, " %s", value);
    if (mctx_insheader(ctx, 0, name, value) < 0)
        log_warn("%s: could not add %s (does the MTA allow adding headers?)", conn_queue_id(c),
                 name);
}

/* on_eom - end of message: the rules that need the whole message */
static enum mstat on_eom(struct mctx *ctx)
{
    struct conn *c = bind_ctx(ctx);
    if (c == NULL)
        return MSTAT_TEMPFAIL;
    struct session_edits ed = {
        .quarantine = edit_quarantine, .remove = edit_remove, .insert = edit_insert, .arg = ctx};
    struct reply rep = session_eom(c, &ed);
    return answer(ctx, &rep, STAGE_EOM);
}

/* on_abort - the transaction ended without a message */
static void on_abort(struct mctx *ctx)
{
    struct conn *c = bind_ctx(ctx);
    if (c)
        session_abort(c);
}

/* on_close - the connection ended, normally or not: release everything */
static void on_close(struct mctx *ctx)
{
    struct conn *c = CTX(ctx);
    mctx_set_priv(ctx, NULL);
    conn_free(&c);
}

static const struct mctx_callbacks callbacks = {
    .negotiate = on_negotiate,
    .connect = on_connect,
    .helo = on_helo,
    .mail = on_mail,
    .rcpt = on_rcpt,
    .header = on_header,
    .eoh = on_eoh,
    .body = on_body,
    .eom = on_eom,
    .abort = on_abort,
    .close = on_close,
};

/* glue_callbacks - the callbacks, sharing resolver dns */
const struct mctx_callbacks *glue_callbacks(struct dns_resolver *dns)
{
    glue_dns = dns;
    return &callbacks;
}
