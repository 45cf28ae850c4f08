/* authres.c - the Authentication-Results header value (RFC 8601) */
#include "authres.h"

#include "arena.h"
#include "conn.h"
#include "iprev.h"

#include <stdio.h>

/* clean - a DNS name as a comment: drop what would end or nest it */
static void clean(const char *in, char *out, size_t len)
{
    size_t n = 0;
    for (; in && *in && n + 1 < len; in++)
        if (*in > 0x20 && *in < 0x7f && *in != '(' && *in != ')' && *in != '\\')
            out[n++] = *in;
    out[n] = '\0';
}

/* iprev_clause - "iprev=RESULT policy.iprev=ADDR (NAME)", or "" */
static void iprev_clause(struct conn *c, char *buf, size_t len)
{
    const char *name = NULL, *result;
    char safe[256];
    conn_check_word(c, CHECK_ID_iprev);
    result = iprev_rfc(c, &name);
    if (result == NULL) {
        buf[0] = '\0';
        return;
    }
    clean(name, safe, sizeof(safe));
    snprintf(buf, len, "iprev=%s policy.iprev=%s%s%s%s", result, c->client_addr,
             safe[0] ? " (" : "", safe, safe[0] ? ")" : "");
}

/* authres_value - the whole value, or NULL */
const char *authres_value(struct conn *c)
{
    char iprev[400];
    if (c->cfg->authserv_id == NULL || conn_trusted(c))
        return NULL;
    iprev_clause(c, iprev, sizeof(iprev));
    return arena_printf(c->msg, "%s; %s", c->cfg->authserv_id, iprev[0] ? iprev : "none");
}
