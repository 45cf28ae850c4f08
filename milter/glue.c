/* glue.c - the libmilter callbacks */
#include "glue.h"

#include "arena.h"
#include "authres.h"
#include "conn.h"
#include "decide.h"
#include "log.h"
#include "metrics.h"
#include "mta.h"
#include "signer.h"
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
static sfsistat answer(SMFICTX *ctx, const struct reply *rep, unsigned long nr_flag)
{
    bool noreply = rep->kind <= ACTION_ACCEPT && (c_proto(ctx) & nr_flag);
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
    conn_set_client(c, hostname, ip ? &addr : NULL);
    log_debug("connect %lu from %s[%s]%s", c->id, c->client_name, c->client_addr,
              c->trusted_net ? " (trusted network)" : "");
    conn_start_checks(c, STAGE_CONNECT);
    struct reply rep = decide(c, STAGE_CONNECT);
    return answer(ctx, &rep, SMFIP_NR_CONN);
}

/* on_helo - record the HELO name */
static sfsistat on_helo(SMFICTX *ctx, char *helo)
{
    struct conn *c = bind_ctx(ctx);
    if (c == NULL)
        return SMFIS_TEMPFAIL;
    if (c->helo)
        conn_forget_stage(c, STAGE_HELO);
    c->helo = arena_strdup(c->arena, helo);
    conn_start_checks(c, STAGE_HELO);
    struct reply rep = decide(c, STAGE_HELO);
    return answer(ctx, &rep, SMFIP_NR_HELO);
}

/* on_mail - a new transaction */
static sfsistat on_mail(SMFICTX *ctx, char **argv)
{
    struct conn *c = bind_ctx(ctx);
    if (c == NULL)
        return SMFIS_TEMPFAIL;
    conn_msg_reset(c);
    c->sender = mta_address(c->msg, argv[0]);
    c->auth_user = mta_auth_user(c);
    c->queue_id = arena_strdup(c->msg, conn_macro(c, "i"));
    conn_start_checks(c, STAGE_MAIL);
    struct reply rep = decide(c, STAGE_MAIL);
    return answer(ctx, &rep, SMFIP_NR_MAIL);
}

/* on_rcpt - the stage where rejections are delivered by default */
static sfsistat on_rcpt(SMFICTX *ctx, char **argv)
{
    struct conn *c = bind_ctx(ctx);
    if (c == NULL)
        return SMFIS_TEMPFAIL;
    conn_set_rcpt(c, mta_address(c->msg, argv[0]));
    const char *qid = conn_macro(c, "i");
    if (qid && *qid)
        c->queue_id = arena_strdup(c->msg, qid);
    conn_start_checks(c, STAGE_RCPT);
    struct reply rep = decide(c, STAGE_RCPT);
    if (rep.kind == ACTION_CONTINUE || rep.kind == ACTION_ACCEPT)
        conn_add_rcpt(c);
    conn_tally_rcpt(c, rep.kind == ACTION_CONTINUE || rep.kind == ACTION_ACCEPT);
    return answer(ctx, &rep, SMFIP_NR_RCPT);
}

/* on_header - keep the header for the content checks */
static sfsistat on_header(SMFICTX *ctx, char *name, char *value)
{
    struct conn *c = bind_ctx(ctx);
    if (c == NULL)
        return SMFIS_TEMPFAIL;
    if (value == NULL)
        value = "";
    conn_add_header(c, name, value, (c->proto & SMFIP_HDR_LEADSPC) != 0);
    return (c->proto & SMFIP_NR_HDR) ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

/* on_eoh - the headers are complete: start the checks that read content */
static sfsistat on_eoh(SMFICTX *ctx)
{
    struct conn *c = bind_ctx(ctx);
    if (c == NULL)
        return SMFIS_TEMPFAIL;
    conn_start_content(c);
    signer_start(c);
    return (c->proto & SMFIP_NR_EOH) ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

/* on_body - a body chunk (its reply, SMFIP_NR_BODY, carries no decision) */
static sfsistat on_body(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
    struct conn *c = bind_ctx(ctx);
    if (c == NULL)
        return SMFIS_TEMPFAIL;
    conn_body(c, chunk, len);
    signer_body(c, chunk, len);
    return (c->proto & SMFIP_NR_BODY) ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

/* insert_header - prepend one header, or warn. With SMFIP_HDR_LEADSPC the
 * MTA writes the value right after the colon: the space is ours to send. */
static void insert_header(SMFICTX *ctx, const struct conn *c, const char *name, const char *value)
{
    if (value && (c->proto & SMFIP_HDR_LEADSPC))
        value = arena_printf(c->msg, " %s", value);
    if (value && smfi_insheader(ctx, 0, (char *)name, (char *)value) != MI_SUCCESS)
        log_warn("%s: could not add %s (does the MTA allow adding headers?)", conn_queue_id(c),
                 name);
}

/* remove_forged_authres - delete every incoming Authentication-Results
 * header that claims our authserv-id, last first so that the indexes of the
 * others do not move */
static void remove_forged_authres(SMFICTX *ctx, const struct conn *c)
{
    for (unsigned i = c->nauthres_ours; i-- > 0;)
        if (smfi_chgheader(ctx, "Authentication-Results", (int)c->authres_ours[i], NULL) !=
            MI_SUCCESS)
            log_warn("%s: could not remove a forged Authentication-Results header",
                     conn_queue_id(c));
}

/* add_authres - remove forged Authentication-Results, prepend Received-SPF,
 * then our Authentication-Results above it */
static void add_authres(SMFICTX *ctx, struct conn *c)
{
    remove_forged_authres(ctx, c);
    insert_header(ctx, c, "Received-SPF", authres_received_spf(c));
    insert_header(ctx, c, "Authentication-Results", authres_value(c));
}

/* add_signatures - prepend our DKIM signatures, if the message is signed */
static void add_signatures(SMFICTX *ctx, struct conn *c)
{
    const char *const *sigs = signer_finish(c);
    for (; sigs && *sigs; sigs++)
        insert_header(ctx, c, "DKIM-Signature", *sigs);
}

/* add_rule_headers - the headers add_header rules asked for, in rule order */
static void add_rule_headers(SMFICTX *ctx, const struct conn *c, const struct reply *rep)
{
    for (unsigned i = rep->nheaders; i-- > 0;)
        insert_header(ctx, c, rep->headers[i].name, rep->headers[i].value);
}

/* on_eom - end of message: the rules that need the whole message */
static sfsistat on_eom(SMFICTX *ctx)
{
    struct conn *c = bind_ctx(ctx);
    if (c == NULL)
        return SMFIS_TEMPFAIL;
    const char *qid = conn_macro(c, "i");
    if (qid && *qid)
        c->queue_id = arena_strdup(c->msg, qid);
    else
        mta_warn_missing("i", STAGE_EOM);
    conn_tally_message(c);
    conn_start_checks(c, STAGE_EOM);
    struct reply rep = decide(c, STAGE_EOM);
    if (rep.kind == ACTION_QUARANTINE && smfi_quarantine(ctx, (char *)rep.text) != MI_SUCCESS)
        log_warn("%s: could not quarantine (does the MTA allow it?)", conn_queue_id(c));
    if (rep.kind == ACTION_CONTINUE || rep.kind == ACTION_ACCEPT || rep.kind == ACTION_QUARANTINE) {
        add_rule_headers(ctx, c, &rep);
        add_signatures(ctx, c);
        add_authres(ctx, c);
    }
    return answer(ctx, &rep, 0);
}

/* on_abort - the transaction ended without a message */
static sfsistat on_abort(SMFICTX *ctx)
{
    struct conn *c = bind_ctx(ctx);
    if (c)
        conn_msg_reset(c);
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
