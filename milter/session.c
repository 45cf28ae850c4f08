/* session.c - the steps of one SMTP session, for the glue and explain */
#include "session.h"

#include "arena.h"
#include "authres.h"
#include "conn_tally.h"
#include "log.h"
#include "mta.h"
#include "signer.h"

/* session_connect - record the client, start its checks, decide */
struct reply session_connect(struct conn *c, const char *name, const struct ipaddr *addr)
{
    conn_set_client(c, name, addr);
    log_debug("connect %lu from %s[%s]%s", c->id, c->client_name, c->client_addr,
              c->trusted_net ? " (trusted network)" : "");
    conn_start_checks(c, STAGE_CONNECT);
    return decide(c, STAGE_CONNECT);
}

/* session_helo - record the HELO name, start its checks, decide */
struct reply session_helo(struct conn *c, const char *helo)
{
    if (c->helo)
        conn_forget_stage(c, STAGE_HELO);
    c->helo = arena_strdup(c->arena, helo);
    conn_start_checks(c, STAGE_HELO);
    return decide(c, STAGE_HELO);
}

/* take_queue_id - the MTA's queue id, when it sent one */
static void take_queue_id(struct conn *c)
{
    const char *qid = conn_macro(c, "i");
    if (qid && *qid)
        c->queue_id = arena_strdup(c->msg, qid);
}

/* session_mail - a new transaction */
struct reply session_mail(struct conn *c, const char *arg)
{
    conn_msg_reset(c);
    c->sender = mta_address(c->msg, arg);
    c->auth_user = mta_auth_user(c);
    c->queue_id = arena_strdup(c->msg, conn_macro(c, "i"));
    conn_start_checks(c, STAGE_MAIL);
    return decide(c, STAGE_MAIL);
}

/* session_rcpt - the stage where rejections are delivered by default */
struct reply session_rcpt(struct conn *c, const char *arg)
{
    conn_set_rcpt(c, mta_address(c->msg, arg));
    take_queue_id(c);
    conn_start_checks(c, STAGE_RCPT);
    struct reply rep = decide(c, STAGE_RCPT);
    bool kept = rep.kind == ACTION_CONTINUE || rep.kind == ACTION_ACCEPT;
    if (kept)
        conn_add_rcpt(c);
    conn_tally_rcpt(c, kept);
    return rep;
}

/* session_header - keep the header for the content checks */
void session_header(struct conn *c, const char *name, const char *value)
{
    conn_add_header(c, name, value ? value : "", (c->proto & SMFIP_HDR_LEADSPC) != 0);
}

/* session_eoh - start the checks that read content, and signing */
void session_eoh(struct conn *c)
{
    conn_start_content(c);
    signer_start(c);
}

/* session_body - a body chunk for the checks and the signer */
void session_body(struct conn *c, const unsigned char *p, size_t n)
{
    conn_body(c, p, n);
    signer_body(c, p, n);
}

/* add_headers - as the daemon always did: the add_header rules' headers
 * and our DKIM signatures in; forged
 * Authentication-Results out (last first, so that the indexes of the others
 * do not move); Received-SPF in, then our Authentication-Results above it */
static void add_headers(struct conn *c, const struct reply *rep, const struct session_edits *ed)
{
    for (unsigned i = rep->nheaders; i-- > 0;) /* add_header rules' headers, in rule order */
        if (rep->headers[i].value)
            ed->insert(ed->arg, c, rep->headers[i].name, rep->headers[i].value);
    const char *const *sigs = signer_finish(c);
    for (; sigs && *sigs; sigs++)
        ed->insert(ed->arg, c, "DKIM-Signature", *sigs);
    for (unsigned i = c->nauthres_ours; i-- > 0;)
        ed->remove(ed->arg, c, "Authentication-Results", c->authres_ours[i]);
    const char *spf = authres_received_spf(c);
    if (spf)
        ed->insert(ed->arg, c, "Received-SPF", spf);
    const char *ar = authres_value(c);
    if (ar)
        ed->insert(ed->arg, c, "Authentication-Results", ar);
}

/* session_eom - the rules that need the whole message, then the edits */
struct reply session_eom(struct conn *c, const struct session_edits *ed)
{
    const char *qid = conn_macro(c, "i");
    if (qid && *qid)
        c->queue_id = arena_strdup(c->msg, qid);
    else
        mta_warn_missing("i", STAGE_EOM);
    conn_tally_message(c);
    conn_start_checks(c, STAGE_EOM);
    struct reply rep = decide(c, STAGE_EOM);
    if (rep.kind == ACTION_QUARANTINE)
        ed->quarantine(ed->arg, c, rep.text);
    if (rep.kind == ACTION_CONTINUE || rep.kind == ACTION_ACCEPT || rep.kind == ACTION_QUARANTINE)
        add_headers(c, &rep, ed);
    return rep;
}

/* session_abort - forget the transaction */
void session_abort(struct conn *c)
{
    conn_msg_reset(c);
}
