/* signer.c - DKIM signing of one message, from end of headers to end of
 * message */
#include "signer.h"

#include "arena.h"
#include "dkim_canon.h"
#include "dkim_sign.h"
#include "log.h"
#include "metrics.h"
#include "sign_table.h"
#include "util.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define LOG_SIGS_LEN 1024

struct signer {
    const struct sign_rule *rule;
    struct dkim_body *body[2]; /* by enum dkim_canon; NULL if no key uses it */
};

/* client_is_ours - SMTP AUTH, a trusted network, or no IP client at all */
static bool client_is_ours(const struct conn *c)
{
    return c->auth_user != NULL || c->trusted_net || c->addr.family == 0;
}

/* skip_cfws - past white space, folds and (nested) comments */
static const char *skip_cfws(const char *p)
{
    int depth = 0;
    for (; *p; p++) {
        if (*p == '(')
            depth++;
        else if (*p == ')' && depth > 0)
            depth--;
        else if (depth == 0 && !strchr(" \t\r\n", *p))
            break;
        else if (*p == '\\' && p[1])
            p++;
    }
    return p;
}

/* address_end - where the first addr-spec ends: '>' , ',', ';' or white
 * space outside quotes */
static size_t address_end(const char *p)
{
    bool quoted = false;
    size_t i = 0;
    for (; p[i]; i++) {
        if (p[i] == '\\' && p[i + 1])
            i++;
        else if (p[i] == '"')
            quoted = !quoted;
        else if (!quoted && strchr(">,; \t\r\n(", p[i]))
            break;
    }
    return i;
}

/* angle_start - the character after the first '<' outside quotes and
 * comments, or NULL */
static const char *angle_start(const char *p)
{
    bool quoted = false;
    int depth = 0;
    for (; *p; p++) {
        if (*p == '\\' && p[1])
            p++;
        else if (*p == '"' && depth == 0)
            quoted = !quoted;
        else if (!quoted && (*p == '(' || (*p == ')' && depth > 0)))
            depth += *p == '(' ? 1 : -1;
        else if (!quoted && depth == 0 && *p == '<')
            return p + 1;
    }
    return NULL;
}

/* signer_from_domain - first address of a From value and its domain */
int signer_from_domain(struct arena *arena, const char *value, const char **address,
                       const char **domain)
{
    const char *p = angle_start(value);
    p = skip_cfws(p ? p : value);
    size_t n = address_end(p);
    const char *at = NULL;
    for (size_t i = 0; i < n; i++)
        at = p[i] == '@' ? p + i : at;
    if (at == NULL || at == p || at + 1 >= p + n)
        return -1;
    char *a = str_lower(arena_strndup(arena, p, n));
    *address = a;
    *domain = a + (at - p) + 1;
    return 0;
}

/* identity - the signing address and domain; -1 (logged) if there is none */
static int identity(struct conn *c, const char **address, const char **domain)
{
    unsigned count = 0;
    if (c->cfg->sign->by == SIGN_BY_SENDER) {
        const char *at = c->sender ? strrchr(c->sender, '@') : NULL;
        if (at && at[1]) {
            *address = str_lower(arena_strdup(c->msg, c->sender));
            *domain = *address + (at - c->sender) + 1;
            return 0;
        }
        log_debug("%s: not signed: the envelope sender <%s> has no domain", conn_queue_id(c),
                  c->sender ? c->sender : "");
        return -1;
    }
    const struct msg_header *from = conn_header(c, "From", 0, &count);
    if (count > 1) {
        log_info("%s: not signed: %u From header fields", conn_queue_id(c), count);
        return -1;
    }
    if (from == NULL || signer_from_domain(c->msg, from->value, address, domain) < 0) {
        log_debug("%s: not signed: no From address with a domain", conn_queue_id(c));
        return -1;
    }
    return 0;
}

/* free_body - arena destructor */
static void free_body(void *b)
{
    dkim_body_free(b);
}

/* signer_start - decide at end of headers; start the body hashes */
void signer_start(struct conn *c)
{
    const char *address, *domain;
    c->signer = NULL;
    if (c->cfg->sign == NULL || !client_is_ours(c))
        return;
    if (c->hdrs_overflow) {
        log_warn("%s: not signed: the header is too large to be kept", conn_queue_id(c));
        return;
    }
    if (identity(c, &address, &domain) < 0)
        return;
    const struct sign_rule *rule = sign_table_match(c->cfg->sign, address, domain, c->auth_user);
    if (rule == NULL) {
        log_debug("%s: not signed: %s is not in the signing table", conn_queue_id(c), address);
        return;
    }
    struct signer *s = arena_alloc(c->msg, sizeof(*s));
    s->rule = rule;
    for (size_t i = 0; i < rule->nkeys; i++) {
        int canon = rule->keys[i]->bcanon;
        if (s->body[canon])
            continue;
        if ((s->body[canon] = dkim_body_new(canon)) == NULL) {
            log_err("%s: not signed: OpenSSL cannot hash", conn_queue_id(c));
            return;
        }
        arena_on_release(c->msg, free_body, s->body[canon]);
    }
    c->signer = s;
}

/* signer_body - feed the body hashes */
void signer_body(struct conn *c, const unsigned char *p, size_t n)
{
    struct signer *s = c->signer;
    for (int i = 0; s && i < 2; i++)
        if (s->body[i])
            dkim_body_update(s->body[i], p, n);
}

/* for_mta - a value as smfi_insheader takes it: LF line ends, no space
 * after the colon (the glue adds it when the MTA wants it) */
static const char *for_mta(const struct conn *c, const char *v)
{
    char *out = arena_strdup(c->msg, v + (*v == ' ')), *o = out;
    for (const char *p = out; *p; p++)
        if (*p != '\r')
            *o++ = *p;
    *o = '\0';
    return out;
}

/* sign_one - one signature, appended to out and to the log text */
static void sign_one(struct conn *c, const struct dkim_key *k, const unsigned char *bh,
                     const char **out, size_t *n, char *logs)
{
    const struct sign_config *sc = c->cfg->sign;
    char err[256];
    struct dkim_sign_req r = {.key = k,
                              .hdrs = c->hdrs,
                              .nhdrs = c->nhdrs,
                              .bh = bh,
                              .t = (int64_t)time(NULL),
                              .expire = sc->expire,
                              .oversign = sc->oversign,
                              .noversign = sc->noversign};
    int64_t t0 = metrics_now_us();
    const char *v = dkim_sign(c->msg, &r, err, sizeof(err));
    metrics_signed(v != NULL, t0);
    if (v == NULL) {
        log_err("%s: not signed with key %s: %s", conn_queue_id(c), k->name, err);
        return;
    }
    out[(*n)++] = for_mta(c, v);
    size_t used = strlen(logs);
    snprintf(logs + used, LOG_SIGS_LEN - used, "%sd=%s s=%s a=%s", used ? ", " : "", k->domain,
             k->selector, dkim_alg_name(k->alg));
}

/* signer_finish - the signatures */
const char *const *signer_finish(struct conn *c)
{
    struct signer *s = c->signer;
    unsigned char bh[2][DKIM_HASH_LEN];
    char logs[LOG_SIGS_LEN] = "";
    size_t n = 0;
    if (s == NULL)
        return NULL;
    c->signer = NULL;
    for (int i = 0; i < 2; i++)
        if (s->body[i] && dkim_body_final(s->body[i], bh[i]) < 0) {
            log_err("%s: not signed: OpenSSL cannot hash the body", conn_queue_id(c));
            return NULL;
        }
    const char **out = arena_alloc(c->msg, (s->rule->nkeys + 1) * sizeof(*out));
    for (size_t i = 0; i < s->rule->nkeys; i++)
        sign_one(c, s->rule->keys[i], bh[s->rule->keys[i]->bcanon], out, &n, logs);
    if (n)
        log_info("%s: signed: %s", conn_queue_id(c), logs);
    return out;
}
