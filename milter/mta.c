/* mta.c - negotiation with the MTA and the macros it sends */
#include "mta.h"

#include "arena.h"
#include "log.h"
#include "util.h"

#include <stdatomic.h>
#include <string.h>

/* Steps whose reply never carries a decision, and steps we never read. */
#define ALWAYS_NR (SMFIP_NR_HDR | SMFIP_NR_EOH | SMFIP_NR_BODY | SMFIP_NR_UNKN | SMFIP_NR_DATA)
#define EARLY_NR (SMFIP_NR_CONN | SMFIP_NR_HELO | SMFIP_NR_MAIL)
#define CONTENT_STEPS (SMFIP_NOHDRS | SMFIP_NOEOH | SMFIP_NOBODY)
#define OUR_ACTIONS (MACT_ADDHDRS | MACT_CHGHDRS | MACT_QUARANTINE | MACT_SETSYMLIST)

static const struct {
    enum mstage stage;
    const char *list;
} macro_lists[] = {
    {MSTAGE_CONNECT, "j {daemon_name} {client_addr} {client_name}"},
    {MSTAGE_MAIL, "i {auth_type} {auth_authen} {mail_addr}"},
    {MSTAGE_RCPT, "i {rcpt_addr}"},
    {MSTAGE_EOM, "i"},
};

/* Where each macro we rely on is configured in the two MTAs. */
static struct {
    const char *name;
    enum stage stage;
    const char *postfix, *sendmail;
    atomic_bool warned;
} hints[] = {
    {"{mail_addr}", STAGE_MAIL, "milter_mail_macros", "confMILTER_MACROS_ENVFROM", false},
    {"i", STAGE_EOM, "milter_end_of_data_macros", "confMILTER_MACROS_EOM", false},
};

/* needs_content - whether any used check reads headers or body, or we
 * remove forged Authentication-Results headers (which needs the headers),
 * or sign */
static bool needs_content(const struct config *cfg)
{
    if (cfg->authserv_id || cfg->sign)
        return true;
    for (int id = 0; id < CHECK_COUNT; id++)
        if ((cfg->rules.used_checks & (1u << id)) && check_table[id]->stage >= STAGE_EOH)
            return true;
    return false;
}

/* needs_body - whether any used check reads the body, or we sign */
static bool needs_body(const struct config *cfg)
{
    if (cfg->sign) /* DKIM signing hashes the body */
        return true;
    for (int id = 0; id < CHECK_COUNT; id++)
        if ((cfg->rules.used_checks & (1u << id)) && check_table[id]->body)
            return true;
    return false;
}

/* request_macros - ask for exactly the macros we read; those the rules
 * name come with MAIL's */
static void request_macros(struct mctx *ctx, const struct conn *c)
{
    for (size_t i = 0; i < ARRAY_LEN(macro_lists); i++) {
        const char *list = macro_lists[i].list;
        if (macro_lists[i].stage == MSTAGE_MAIL && c->cfg->rules.macros)
            list = arena_printf(c->arena, "%s %s", list, c->cfg->rules.macros);
        if (mctx_set_symlist(ctx, macro_lists[i].stage, list) < 0)
            log_warn("could not request macros \"%s\"", list);
    }
}

/* mta_protocol - the steps and replies cfg needs, of those offered */
unsigned long mta_protocol(const struct config *cfg, unsigned long offered)
{
    unsigned long want = ALWAYS_NR | SMFIP_NOUNKNOWN | SMFIP_NODATA;
    if (cfg->delay_reject)
        want |= EARLY_NR;
    if (!needs_content(cfg))
        want |= CONTENT_STEPS;
    else
        want |= SMFIP_HDR_LEADSPC | (needs_body(cfg) ? 0 : SMFIP_NOBODY);
    return want & offered;
}

/* mta_noreply - a reply without a decision to a step negotiated NR */
bool mta_noreply(unsigned long proto, enum action_kind kind, enum stage stage)
{
    static const unsigned long nr[STAGE_COUNT] = {
        [STAGE_CONNECT] = SMFIP_NR_CONN,
        [STAGE_HELO] = SMFIP_NR_HELO,
        [STAGE_MAIL] = SMFIP_NR_MAIL,
        [STAGE_RCPT] = SMFIP_NR_RCPT,
    };
    return kind <= ACTION_ACCEPT && (proto & nr[stage]);
}

/* mta_negotiate - protocol flags and actions */
enum mstat mta_negotiate(struct mctx *ctx, struct conn *c, unsigned long f0, unsigned long f1,
                         unsigned long *pf0, unsigned long *pf1)
{
    *pf0 = OUR_ACTIONS & f0;
    *pf1 = mta_protocol(c->cfg, f1);
    c->proto = *pf1;
    if (f0 & MACT_SETSYMLIST)
        request_macros(ctx, c);
    log_debug("negotiated with the MTA: actions 0x%lx of 0x%lx, protocol 0x%lx of 0x%lx", *pf0, f0,
              *pf1, f1);
    return MSTAT_CONTINUE;
}

/* mta_address - strip <> from an envelope address */
const char *mta_address(struct arena *arena, const char *arg)
{
    if (arg == NULL)
        return "";
    size_t n = strlen(arg);
    if (n >= 2 && arg[0] == '<' && arg[n - 1] == '>')
        return arena_strndup(arena, arg + 1, n - 2);
    return arena_strdup(arena, arg);
}

/* mta_warn_missing - once per process, name the MTA settings */
void mta_warn_missing(const char *name, enum stage stage)
{
    for (size_t i = 0; i < ARRAY_LEN(hints); i++) {
        if (strcmp(hints[i].name, name) != 0 || hints[i].stage != stage)
            continue;
        if (!atomic_exchange(&hints[i].warned, true))
            log_warn("the MTA did not send the macro %s; add it to %s (Postfix) or %s (Sendmail), "
                     "or let the MTA honour mxgate's macro requests",
                     name, hints[i].postfix, hints[i].sendmail);
    }
}

/* mta_auth_user - SMTP AUTH identity from the MAIL macros */
const char *mta_auth_user(struct conn *c)
{
    const char *user = conn_macro(c, "{auth_authen}");
    if (user && *user)
        return arena_strdup(c->msg, user);
    if (c->cfg->trusted.authenticated && conn_macro(c, "{mail_addr}") == NULL)
        mta_warn_missing("{mail_addr}", STAGE_MAIL);
    return NULL;
}
