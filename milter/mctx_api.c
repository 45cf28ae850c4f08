/* mctx_api.c - what a callback asks of its MTA connection: macros, the
 * reply text, end-of-message edits; and the negotiation reply */
#include "mctx_impl.h"

#include "log.h"
#include "util.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* mctx_fail - a protocol error ends the connection */
int mctx_fail(struct mctx *m, const char *what)
{
    log_warn("milter: protocol error from the MTA (%s): connection closed", what);
    m->broken = true;
    return -1;
}

/* stage_of - the macro stage of an SMFIC_* command, or -1 */
static int stage_of(char cmd)
{
    static const char cmds[MSTAGE_COUNT] = {
        [MSTAGE_CONNECT] = SMFIC_CONNECT, [MSTAGE_HELO] = SMFIC_HELO, [MSTAGE_MAIL] = SMFIC_MAIL,
        [MSTAGE_RCPT] = SMFIC_RCPT,       [MSTAGE_DATA] = SMFIC_DATA, [MSTAGE_EOM] = SMFIC_BODYEOB,
        [MSTAGE_EOH] = SMFIC_EOH};
    for (int i = 0; i < MSTAGE_COUNT; i++)
        if (cmds[i] == cmd)
            return i;
    return -1;
}

/* mctx_clear_macros - forget stages from on */
void mctx_clear_macros(struct mctx *m, enum mstage from)
{
    for (int i = from; i < MSTAGE_COUNT; i++) {
        free(m->macbuf[i]);
        free(m->macv[i]);
        m->macbuf[i] = NULL;
        m->macv[i] = NULL;
    }
}

/* mctx_cmd_macro - keep a copy of the name/value pairs for their stage */
int mctx_cmd_macro(struct mctx *m)
{
    if (m->pkt.len < 1)
        return mctx_fail(m, "an empty macro packet");
    int stage = stage_of(m->pkt.data[0]);
    if (stage < 0)
        return 0; /* macros for a command we are not told about: as libmilter, ignored */
    char *buf = xmalloc(m->pkt.len + 1);
    memcpy(buf, m->pkt.data, m->pkt.len + 1);
    struct mpacket copy = {.data = buf, .len = m->pkt.len};
    size_t max = m->pkt.len / 2 + 2;
    char **v = xcalloc(max, sizeof(*v));
    int n = mpacket_strings(&copy, 1, v, (int)max - 1);
    if (n < 0 || n % 2) {
        free(buf);
        free(v);
        return mctx_fail(m, "a macro packet that is not name/value pairs");
    }
    free(m->macbuf[stage]); /* this stage's macros replaced, the others kept */
    free(m->macv[stage]);
    m->macbuf[stage] = buf;
    m->macv[stage] = v;
    return 0;
}

/* name_matches - "x" and "{x}" are the same macro */
static bool name_matches(const char *have, const char *want)
{
    if (strcmp(have, want) == 0)
        return true;
    size_t h = strlen(have), w = strlen(want);
    if (h == 3 && w == 1)
        return have[0] == '{' && have[1] == want[0] && have[2] == '}';
    if (h == 1 && w == 3)
        return want[0] == '{' && want[1] == have[0] && want[2] == '}';
    return false;
}

/* mctx_macro - search the stages from the latest */
const char *mctx_macro(const struct mctx *m, const char *name)
{
    if (name == NULL || *name == '\0')
        return NULL;
    for (int i = MSTAGE_COUNT - 1; i >= 0; i--)
        for (char **v = m->macv[i]; v && v[0]; v += 2)
            if (name_matches(v[0], name))
                return v[1];
    return NULL;
}

/* mctx_set_symlist - macros to ask for at stage */
int mctx_set_symlist(struct mctx *m, enum mstage stage, const char *list)
{
    if (!m->negotiating || (int)stage < 0 || stage >= MSTAGE_COUNT || list == NULL)
        return -1;
    free(m->symlist[stage]);
    m->symlist[stage] = xstrdup(list);
    return 0;
}

/* put32 - a number in network order */
static void put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24), p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8), p[3] = (unsigned char)v;
}

/* mctx_send_optneg - version, actions, protocol, then (version 6, when the
 * MTA lets us) the macro list of each stage */
int mctx_send_optneg(struct mctx *m)
{
    size_t cap = 12, len = 12;
    for (int i = 0; i < MSTAGE_COUNT; i++)
        cap += m->symlist[i] ? 4 + strlen(m->symlist[i]) + 1 : 0;
    unsigned char *buf = xmalloc(cap);
    put32(buf, (uint32_t)m->version);
    put32(buf + 4, (uint32_t)m->actions);
    put32(buf + 8, (uint32_t)m->proto);
    bool lists = m->version >= 6 && (m->actions & MACT_SETSYMLIST);
    for (int i = 0; lists && i < MSTAGE_COUNT; i++) {
        if (m->symlist[i] == NULL)
            continue;
        put32(buf + len, (uint32_t)i);
        size_t n = strlen(m->symlist[i]) + 1;
        memcpy(buf + len + 4, m->symlist[i], n);
        len += 4 + n;
    }
    const void *parts[] = {buf};
    size_t lens[] = {len};
    int rc = mpacket_write(m->fd, m->timeout_ms, SMFIC_OPTNEG, parts, lens, 1);
    free(buf);
    if (rc < 0)
        m->broken = true;
    return rc;
}

/* mctx_connect_addr - family '4' or '6', a port, the address text */
bool mctx_connect_addr(const struct mpacket *p, size_t off, struct ipaddr *out)
{
    if (off + 3 >= p->len || (p->data[off] != SMFIA_INET && p->data[off] != SMFIA_INET6))
        return false;
    const char *s = p->data + off + 3; /* the packet is NUL-guarded */
    if (p->data[off] == SMFIA_INET6 && strncasecmp(s, "IPv6:", 5) == 0)
        s += 5;
    return ipaddr_parse(s, out) == 0;
}

/* mctx_set_priv - the caller's pointer */
void mctx_set_priv(struct mctx *m, void *priv)
{
    m->priv = priv;
}

/* mctx_priv - the caller's pointer */
void *mctx_priv(const struct mctx *m)
{
    return m->priv;
}

/* mctx_proto - negotiated steps */
unsigned long mctx_proto(const struct mctx *m)
{
    return m->proto;
}

/* mctx_set_reply - "CODE ECODE TEXT", checked as libmilter checks it */
int mctx_set_reply(struct mctx *m, const char *code, const char *ecode, const char *text)
{
    if (code == NULL || strlen(code) != 3 || (code[0] != '4' && code[0] != '5') ||
        !isdigit((unsigned char)code[1]) || !isdigit((unsigned char)code[2]))
        return -1;
    if ((ecode && strpbrk(ecode, "\r\n")) || (text && strpbrk(text, "\r\n")))
        return -1;
    size_t n = 3 + (ecode ? strlen(ecode) + 1 : 0) + (text ? strlen(text) + 1 : 0) + 1;
    char *r = xmalloc(n);
    snprintf(r, n, "%s%s%s%s%s", code, ecode ? " " : "", ecode ? ecode : "", text ? " " : "",
             text ? text : "");
    free(m->reply);
    m->reply = r;
    return 0;
}

/* edit - one end-of-message edit, if allowed */
static int edit(struct mctx *m, unsigned long action, char cmd, const void *const *parts,
                const size_t *lens, size_t n)
{
    if (!m->in_eom || !(m->actions & action) || m->broken)
        return -1;
    if (mpacket_write(m->fd, m->timeout_ms, cmd, parts, lens, n) < 0) {
        m->broken = true;
        return -1;
    }
    return 0;
}

/* mctx_insheader - insert a header at index */
int mctx_insheader(struct mctx *m, unsigned index, const char *name, const char *value)
{
    unsigned char idx[4];
    put32(idx, index);
    const void *parts[] = {idx, name, value};
    size_t lens[] = {4, strlen(name) + 1, strlen(value) + 1};
    return edit(m, MACT_ADDHDRS, SMFIR_INSHEADER, parts, lens, 3);
}

/* mctx_chgheader - change or (NULL value) remove the index'th header name */
int mctx_chgheader(struct mctx *m, const char *name, unsigned index, const char *value)
{
    unsigned char idx[4];
    put32(idx, index);
    value = value ? value : "";
    const void *parts[] = {idx, name, value};
    size_t lens[] = {4, strlen(name) + 1, strlen(value) + 1};
    return edit(m, MACT_CHGHDRS, SMFIR_CHGHEADER, parts, lens, 3);
}

/* mctx_quarantine - ask the MTA to hold the message */
int mctx_quarantine(struct mctx *m, const char *reason)
{
    if (reason == NULL || *reason == '\0')
        return -1;
    const void *parts[] = {reason};
    size_t lens[] = {strlen(reason) + 1};
    return edit(m, MACT_QUARANTINE, SMFIR_QUARANTINE, parts, lens, 1);
}
