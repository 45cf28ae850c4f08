/* spf_identity.c - what the spf checks share: which identity they evaluate
 * (RFC 7208 2.3, 2.4) and how a result becomes a check result */
#include "arena.h"
#include "conn.h"
#include "spf.h"

#include <string.h>

/* spf_identity - the sender, or postmaster@HELO */
bool spf_identity(const struct conn *c, bool helo_only, struct arena *arena, struct spf_state *st)
{
    const char *at = c->sender ? strrchr(c->sender, '@') : NULL;
    memset(st, 0, sizeof(*st));
    if (c->addr.family == 0)
        return false;
    st->in.ip = c->addr;
    st->in.helo = c->helo;
    /* authserv_id already defaults to the first of hostnames */
    st->in.receiver = c->cfg->authserv_id ? c->cfg->authserv_id : "unknown";
    st->helo_identity = helo_only || at == NULL || at[1] == '\0';
    if (!st->helo_identity) {
        st->in.domain = at + 1;
        st->in.sender = at == c->sender ? arena_printf(arena, "postmaster%s", at) : c->sender;
        return true;
    }
    if (c->helo == NULL || c->helo[0] == '\0' || c->helo[0] == '[')
        return false;
    st->in.domain = c->helo;
    st->in.sender = arena_printf(arena, "postmaster@%s", c->helo);
    return true;
}

/* spf_run - evaluate and map to a check result */
struct check_result spf_run(struct conn *c, struct arena *arena, struct spf_state *st,
                            const char *none_why)
{
    if (st == NULL)
        return (struct check_result){SPF_NONE, none_why};
    st->answer = spf_check_host(c, arena, &st->in);
    const char *reason = st->answer.result == SPF_FAIL ? st->answer.explanation : st->answer.why;
    return (struct check_result){(int)st->answer.result, reason};
}
