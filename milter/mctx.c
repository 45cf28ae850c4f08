/* mctx.c - one MTA connection: the milter protocol's commands to callbacks */
#include "mctx.h"

#include "log.h"
#include "mctx_impl.h"
#include "util.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ARGS 64

/* reply - a packet of parts to the MTA; -1 when it cannot be sent */
static int reply(struct mctx *m, char cmd, const void *const *parts, const size_t *lens, size_t n)
{
    if (mpacket_write(m->fd, m->timeout_ms, cmd, parts, lens, n) < 0) {
        m->broken = true;
        return -1;
    }
    return 0;
}

/* reply_str - a packet whose data is one NUL-terminated string */
static int reply_str(struct mctx *m, char cmd, const char *s)
{
    const void *parts[] = {s};
    size_t lens[] = {strlen(s) + 1};
    return reply(m, cmd, parts, lens, 1);
}

/* stat_letter - the reply for a callback's answer; the reply text goes with
 * a reject or tempfail whose code it matches */
static int send_stat(struct mctx *m, enum mstat st)
{
    char *text = m->reply;
    m->reply = NULL;
    int rc;
    if ((st == MSTAT_REJECT || st == MSTAT_TEMPFAIL) && text &&
        text[0] == (st == MSTAT_REJECT ? '5' : '4'))
        rc = reply_str(m, SMFIR_REPLYCODE, text);
    else {
        static const char letters[] = {
            [MSTAT_CONTINUE] = SMFIR_CONTINUE, [MSTAT_REJECT] = SMFIR_REJECT,
            [MSTAT_TEMPFAIL] = SMFIR_TEMPFAIL, [MSTAT_ACCEPT] = SMFIR_ACCEPT,
            [MSTAT_DISCARD] = SMFIR_DISCARD,   [MSTAT_NOREPLY] = SMFIR_CONTINUE};
        rc = reply(m, letters[st], NULL, NULL, 0);
    }
    free(text);
    return rc;
}

/* answer - reply to a step, unless it was negotiated without a reply (nr):
 * then nothing may be sent, or the MTA would take it for the next reply */
static int answer(struct mctx *m, enum mstat st, unsigned long nr)
{
    if (nr && (m->proto & nr)) {
        if (st != MSTAT_CONTINUE && st != MSTAT_NOREPLY)
            log_warn("milter: a decision for a step negotiated without reply was dropped");
        free(m->reply);
        m->reply = NULL;
        return 0;
    }
    return send_stat(m, st);
}

/* cmd_optneg - versions, actions and steps; our macro lists with version 6 */
static int cmd_optneg(struct mctx *m)
{
    uint32_t version = mpacket_u32(&m->pkt, 0), actions = mpacket_u32(&m->pkt, 4);
    uint32_t proto = mpacket_u32(&m->pkt, 8);
    if (m->pkt.len < 12 || version < 2)
        return mctx_fail(m, "option negotiation with protocol version < 2 or too short");
    if (m->negotiated)
        return mctx_fail(m, "a second option negotiation");
    unsigned long want_a = 0, want_p = 0;
    m->negotiating = true;
    enum mstat st =
        m->cb->negotiate ? m->cb->negotiate(m, actions, proto, &want_a, &want_p) : MSTAT_CONTINUE;
    m->negotiating = false;
    if (st != MSTAT_CONTINUE)
        return mctx_fail(m, "the filter refused the MTA's options");
    m->negotiated = true;
    m->version = version < SMFI_PROT_VERSION ? version : SMFI_PROT_VERSION;
    m->actions = want_a & actions;
    m->proto = want_p & proto;
    return mctx_send_optneg(m);
}

/* cmd_connect - host name, family, port, address */
static int cmd_connect(struct mctx *m)
{
    char *s[1];
    if (mpacket_strings(&m->pkt, 0, s, 1) != 1)
        return mctx_fail(m, "a connect packet without a host name");
    if (m->connected)
        return mctx_fail(m, "a second connect without QUIT_NC");
    m->connected = true;
    struct ipaddr addr;
    bool ip = mctx_connect_addr(&m->pkt, strlen(s[0]) + 1, &addr);
    enum mstat st = m->cb->connect ? m->cb->connect(m, s[0], ip ? &addr : NULL) : MSTAT_CONTINUE;
    return answer(m, st, SMFIP_NR_CONN);
}

/* cmd_helo - the HELO name */
static int cmd_helo(struct mctx *m)
{
    char *s[1];
    if (mpacket_strings(&m->pkt, 0, s, 1) != 1)
        return mctx_fail(m, "a HELO packet without a name");
    enum mstat st = m->cb->helo ? m->cb->helo(m, s[0]) : MSTAT_CONTINUE;
    return answer(m, st, SMFIP_NR_HELO);
}

/* envelope - the address and ESMTP parameters of MAIL or RCPT */
static int envelope(struct mctx *m, char **argv)
{
    int n = mpacket_strings(&m->pkt, 0, argv, MAX_ARGS);
    if (n < 1)
        return mctx_fail(m, "an envelope packet without an address");
    argv[n] = NULL;
    return n;
}

/* cmd_mail - a new transaction: the last one's later macros are gone */
static int cmd_mail(struct mctx *m)
{
    char *argv[MAX_ARGS + 1];
    if (envelope(m, argv) < 0)
        return -1;
    mctx_clear_macros(m, MSTAGE_RCPT);
    m->in_mail = true;
    enum mstat st = m->cb->mail ? m->cb->mail(m, argv) : MSTAT_CONTINUE;
    return answer(m, st, SMFIP_NR_MAIL);
}

/* cmd_rcpt - one recipient */
static int cmd_rcpt(struct mctx *m)
{
    char *argv[MAX_ARGS + 1];
    if (envelope(m, argv) < 0)
        return -1;
    enum mstat st = m->cb->rcpt ? m->cb->rcpt(m, argv) : MSTAT_CONTINUE;
    return answer(m, st, SMFIP_NR_RCPT);
}

/* cmd_header - one header, name and value */
static int cmd_header(struct mctx *m)
{
    char *s[2];
    if (mpacket_strings(&m->pkt, 0, s, 2) != 2)
        return mctx_fail(m, "a header packet without name and value");
    enum mstat st = m->cb->header ? m->cb->header(m, s[0], s[1]) : MSTAT_CONTINUE;
    return answer(m, st, SMFIP_NR_HDR);
}

/* cmd_eoh - end of headers */
static int cmd_eoh(struct mctx *m)
{
    enum mstat st = m->cb->eoh ? m->cb->eoh(m) : MSTAT_CONTINUE;
    return answer(m, st, SMFIP_NR_EOH);
}

/* cmd_body - a body chunk */
static int cmd_body(struct mctx *m)
{
    enum mstat st = m->cb->body ? m->cb->body(m, (const unsigned char *)m->pkt.data, m->pkt.len)
                                : MSTAT_CONTINUE;
    return answer(m, st, SMFIP_NR_BODY);
}

/* cmd_eom - end of message (it may carry a last body chunk); edits go out
 * while the callback runs, the decision after them */
static int cmd_eom(struct mctx *m)
{
    if (m->pkt.len > 0 && m->cb->body)
        m->cb->body(m, (const unsigned char *)m->pkt.data, m->pkt.len);
    m->in_eom = true;
    enum mstat st = m->cb->eom ? m->cb->eom(m) : MSTAT_CONTINUE;
    m->in_eom = false;
    m->in_mail = false;
    return m->broken ? -1 : send_stat(m, st == MSTAT_NOREPLY ? MSTAT_CONTINUE : st);
}

/* cmd_abort - the transaction ended without a message; no reply */
static int cmd_abort(struct mctx *m)
{
    if (m->cb->abort)
        m->cb->abort(m);
    m->in_mail = false;
    mctx_clear_macros(m, MSTAGE_MAIL);
    return 0;
}

/* cmd_data - DATA, when the MTA sends it although we asked it not to */
static int cmd_data(struct mctx *m)
{
    return answer(m, MSTAT_CONTINUE, SMFIP_NR_DATA);
}

/* cmd_unknown - an SMTP command the MTA did not know */
static int cmd_unknown(struct mctx *m)
{
    return answer(m, MSTAT_CONTINUE, SMFIP_NR_UNKN);
}

/* cmd_quit_nc - this SMTP connection is over, another follows on ours */
static int cmd_quit_nc(struct mctx *m)
{
    if (m->cb->close)
        m->cb->close(m);
    m->priv = NULL;
    m->connected = m->in_mail = false;
    mctx_clear_macros(m, MSTAGE_CONNECT);
    return 0;
}

/* cmd_quit - the MTA is done with us */
static int cmd_quit(struct mctx *m)
{
    m->quit = true;
    return 0;
}

/* What a command needs to have come before it: real MTAs keep this order;
 * a stream that does not is refused rather than fed to the callbacks. */
enum need { ANY, NEGOTIATED, CONNECTED, IN_MAIL };

static const struct {
    char cmd;
    enum need need;
    int (*fn)(struct mctx *m);
} commands[] = {
    {SMFIC_OPTNEG, ANY, cmd_optneg},
    {SMFIC_MACRO, NEGOTIATED, mctx_cmd_macro},
    {SMFIC_CONNECT, NEGOTIATED, cmd_connect},
    {SMFIC_HELO, CONNECTED, cmd_helo},
    {SMFIC_MAIL, CONNECTED, cmd_mail},
    {SMFIC_RCPT, IN_MAIL, cmd_rcpt},
    {SMFIC_DATA, IN_MAIL, cmd_data},
    {SMFIC_HEADER, IN_MAIL, cmd_header},
    {SMFIC_EOH, IN_MAIL, cmd_eoh},
    {SMFIC_BODY, IN_MAIL, cmd_body},
    {SMFIC_BODYEOB, IN_MAIL, cmd_eom},
    {SMFIC_ABORT, NEGOTIATED, cmd_abort},
    {SMFIC_UNKNOWN, CONNECTED, cmd_unknown},
    {SMFIC_QUIT_NC, NEGOTIATED, cmd_quit_nc},
    {SMFIC_QUIT, ANY, cmd_quit},
};

/* in_order - whether what cmd needs has happened */
static bool in_order(const struct mctx *m, enum need need)
{
    switch (need) {
    case ANY:
        return true;
    case NEGOTIATED:
        return m->negotiated;
    case CONNECTED:
        return m->connected;
    case IN_MAIL:
        return m->in_mail;
    }
    return false;
}

/* dispatch - the handler of the packet's command */
static int dispatch(struct mctx *m)
{
    for (size_t i = 0; i < ARRAY_LEN(commands); i++) {
        if (commands[i].cmd != m->pkt.cmd)
            continue;
        if (!in_order(m, commands[i].need))
            return mctx_fail(m, "a command out of order");
        return commands[i].fn(m);
    }
    return mctx_fail(m, "an unknown command");
}

/* mctx_run - the conversation */
void mctx_run(int fd, const struct mctx_callbacks *cb, int timeout_ms)
{
    struct mctx m = {.fd = fd, .cb = cb, .timeout_ms = timeout_ms};
    while (!m.quit && !m.broken) {
        const char *why = NULL;
        enum mpacket_status st = mpacket_read(fd, timeout_ms, &m.pkt, &why);
        if (st == MPACKET_TIMEOUT)
            log_warn("milter: no command from the MTA for %d s: connection closed",
                     timeout_ms / 1000);
        if (st == MPACKET_ERROR)
            log_warn("milter: %s: connection closed", why);
        if (st != MPACKET_OK || dispatch(&m) < 0)
            break;
    }
    if (cb->close)
        cb->close(&m);
    mctx_clear_macros(&m, MSTAGE_CONNECT);
    for (int i = 0; i < MSTAGE_COUNT; i++)
        free(m.symlist[i]);
    free(m.reply);
    mpacket_free(&m.pkt);
}
