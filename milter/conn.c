/* conn.c - per-connection and per-message state */
#include "conn.h"

#include "arena.h"
#include "authres.h"
#include "dns.h"
#include "metrics.h"
#include "util.h"

#include <stdatomic.h>
#include <strings.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static atomic_uint tarpitted; /* connections with tarpit_ms set */

/* conn_new - a fresh context */
struct conn *conn_new(struct config *cfg, struct dns_resolver *dns, unsigned long id)
{
    struct conn *c = xcalloc(1, sizeof(*c));
    c->arena = arena_create();
    c->msg = arena_create();
    c->cfg = config_ref(cfg);
    c->dns = dns;
    c->id = id;
    c->client_name = "unknown";
    strcpy(c->client_addr, "unknown");
    c->budget_ms = cfg->dns.budget_ms;
    conn_tally_open(c);
    return c;
}

/* conn_free - release the context */
void conn_free(struct conn **cp)
{
    if (cp == NULL || *cp == NULL)
        return;
    struct conn *c = *cp;
    conn_tally_close(c);
    if (c->tarpit_ms)
        atomic_fetch_sub(&tarpitted, 1);
    arena_destroy(&c->msg);
    arena_destroy(&c->arena);
    config_unref(&c->cfg);
    free(c);
    *cp = NULL;
}

/* conn_msg_reset - forget the message */
void conn_msg_reset(struct conn *c)
{
    for (int id = 0; id < CHECK_COUNT; id++)
        if (check_table[id]->stage >= STAGE_MAIL)
            memset(&c->slots[id], 0, sizeof(c->slots[id]));
    arena_reset(c->msg);
    c->sender = c->rcpt = c->auth_user = c->queue_id = c->from_domain = NULL;
    c->rcpts = NULL;
    c->nrcpts = c->rcpts_cap = c->rcpts_exempt = 0;
    c->rcpt_exempt = c->grey_later = false;
    c->grey_retry_in = 0;
    c->grey_rule = NULL;
    c->score = 0;
    c->scored = NULL;
    c->hdrs = NULL;
    c->nhdrs = c->hdrs_cap = 0;
    c->hdr_bytes = 0;
    c->hdrs_overflow = c->content = false;
    c->body_bytes = 0;
    c->nauthres = c->nauthres_ours = c->authres_ours_cap = 0;
    c->authres_ours = NULL;
    c->signer = NULL;
    c->budget_ms = c->cfg->dns.budget_ms;
}

/* conn_set_rcpt - the recipient of this RCPT */
void conn_set_rcpt(struct conn *c, const char *addr)
{
    c->rcpt = addr;
    c->rcpt_exempt = c->grey_later = false;
    conn_forget_stage(c, STAGE_RCPT); /* their results are about the previous recipient */
}

/* conn_add_rcpt - append to the message's recipients */
void conn_add_rcpt(struct conn *c)
{
    c->rcpts = arena_grow(c->msg, c->rcpts, c->nrcpts, &c->rcpts_cap, sizeof(*c->rcpts), 4);
    c->rcpts[c->nrcpts++] =
        (struct conn_rcpt){.addr = c->rcpt, .exempt = c->rcpt_exempt, .grey_later = c->grey_later};
    c->rcpts_exempt += c->rcpt_exempt;
}

/* crlf_value - value with bare LFs made CRLF and, when the MTA dropped it,
 * the space after the colon put back; in msg */
static char *crlf_value(struct arena *msg, const char *value, bool leadspc, size_t *len)
{
    size_t n = strlen(value), lf = 0;
    for (size_t i = 0; i < n; i++)
        lf += value[i] == '\n' && (i == 0 || value[i - 1] != '\r');
    char *out = arena_alloc(msg, n + lf + 2), *o = out;
    if (!leadspc)
        *o++ = ' ';
    for (size_t i = 0; i < n; i++) {
        if (value[i] == '\n' && (i == 0 || value[i - 1] != '\r'))
            *o++ = '\r';
        *o++ = value[i];
    }
    *o = '\0';
    *len = (size_t)(o - out);
    return out;
}

/* note_authres - count an Authentication-Results header; remember the
 * index of one that claims our authserv-id (forged: the glue removes it) */
static void note_authres(struct conn *c, const char *value)
{
    c->nauthres++;
    if (c->cfg->authserv_id == NULL || !authres_claims(value, strlen(value), c->cfg->authserv_id))
        return;
    c->authres_ours = arena_grow(c->msg, c->authres_ours, c->nauthres_ours, &c->authres_ours_cap,
                                 sizeof(*c->authres_ours), 4);
    c->authres_ours[c->nauthres_ours++] = c->nauthres;
}

/* conn_add_header - append to the message's headers, within the bounds */
void conn_add_header(struct conn *c, const char *name, const char *value, bool leadspc)
{
    if (strcasecmp(name, "Authentication-Results") == 0)
        note_authres(c, value); /* counted even beyond the bounds */
    size_t size = strlen(name) + strlen(value) + 3;
    if (c->nhdrs >= CONN_MAX_HEADERS || c->hdr_bytes + size > CONN_MAX_HEADER_BYTES) {
        c->hdrs_overflow = true;
        return;
    }
    c->hdrs = arena_grow(c->msg, c->hdrs, c->nhdrs, &c->hdrs_cap, sizeof(*c->hdrs), 32);
    struct msg_header *h = &c->hdrs[c->nhdrs++];
    h->name = arena_strdup(c->msg, name);
    h->value = crlf_value(c->msg, value, leadspc, &h->vlen);
    c->hdr_bytes += size;
}

/* conn_header - find a header by name and occurrence */
const struct msg_header *conn_header(const struct conn *c, const char *name, unsigned n,
                                     unsigned *count)
{
    const struct msg_header *found = NULL;
    unsigned seen = 0;
    for (unsigned i = 0; i < c->nhdrs; i++)
        if (strcasecmp(c->hdrs[i].name, name) == 0 && seen++ == n)
            found = &c->hdrs[i];
    if (count)
        *count = seen;
    return found;
}

/* conn_set_client - record the client and whether its network is trusted.
 * MTAs pass "[address]" when the client has no (verified) name; log it the
 * way Postfix does, as "unknown". */
void conn_set_client(struct conn *c, const char *name, const struct ipaddr *addr)
{
    bool named = name && *name && *name != '[';
    c->client_name = arena_strdup(c->arena, named ? name : "unknown");
    if (addr == NULL)
        return;
    c->addr = *addr;
    ipaddr_format(addr, c->client_addr, sizeof(c->client_addr));
    for (size_t i = 0; i < c->cfg->trusted.nnetworks; i++)
        if (cidr_match(&c->cfg->trusted.networks[i], addr))
            c->trusted_net = true;
}

/* conn_trusted - skip inbound checks for this client/message? */
bool conn_trusted(const struct conn *c)
{
    return c->trusted_net || c->allowed || (c->cfg->trusted.authenticated && c->auth_user != NULL);
}

/* conn_forget_stage - clear the slots of one stage; their old state stays in
 * the connection's arena (and its queries pending) until the connection ends */
void conn_forget_stage(struct conn *c, enum stage stage)
{
    for (int id = 0; id < CHECK_COUNT; id++)
        if (check_table[id]->stage == stage)
            memset(&c->slots[id], 0, sizeof(c->slots[id]));
}

/* slot_arena - connection-stage checks live in the connection's arena */
static struct arena *slot_arena(const struct conn *c, int id)
{
    return check_table[id]->stage >= STAGE_MAIL ? c->msg : c->arena;
}

/* start_one - start check id once */
static void start_one(struct conn *c, int id)
{
    const struct check_def *def = check_table[id];
    struct check_slot *slot = &c->slots[id];
    if (slot->state != SLOT_IDLE)
        return;
    slot->state = SLOT_STARTED;
    if (def->start)
        def->start(c, c->cfg->check_settings[id], slot_arena(c, id), &slot->state_ptr);
}

/* conn_start_checks - start the used checks of a stage */
void conn_start_checks(struct conn *c, enum stage stage)
{
    if (conn_trusted(c))
        return;
    for (int id = 0; id < CHECK_COUNT; id++)
        if (check_table[id]->stage == stage && (c->cfg->rules.used_checks & (1u << id)))
            start_one(c, id);
}

/* conn_start_content - start the used content checks */
void conn_start_content(struct conn *c)
{
    c->content = true;
    conn_start_checks(c, STAGE_EOH);
    conn_start_checks(c, STAGE_EOM);
}

/* conn_body - feed a chunk to the started checks that read bodies */
void conn_body(struct conn *c, const unsigned char *p, size_t n)
{
    c->body_bytes += n;
    for (int id = 0; id < CHECK_COUNT; id++)
        if (c->slots[id].state == SLOT_STARTED && check_table[id]->body)
            check_table[id]->body(c, c->cfg->check_settings[id], c->slots[id].state_ptr, p, n);
}

/* conn_check_word - result word of a check, computed on first demand */
int conn_check_word(struct conn *c, int id)
{
    struct check_slot *slot = &c->slots[id];
    if (slot->state == SLOT_DONE)
        return slot->result.word;
    start_one(c, id);
    int64_t t0 = metrics_now_us();
    slot->result = check_table[id]->finish(c, c->cfg->check_settings[id], slot->state_ptr);
    metrics_check(check_table[id]->name, check_word_name(id, slot->result.word), t0);
    slot->state = SLOT_DONE;
    return slot->result.word;
}

/* conn_check_words - the word and the further words, as bits */
unsigned conn_check_words(struct conn *c, int id)
{
    int w = conn_check_word(c, id);
    return 1u << w | c->slots[id].also;
}

/* conn_check_result - a finished result, or NULL */
const struct check_result *conn_check_result(const struct conn *c, int id)
{
    return c->slots[id].state == SLOT_DONE ? &c->slots[id].result : NULL;
}

/* release_query - arena destructor of a query from conn_dns_submit */
static void release_query(void *q)
{
    struct dns_query *query = q;
    dns_release(&query);
}

/* conn_dns_submit - a query tied to an arena's lifetime */
struct dns_query *conn_dns_submit(struct conn *c, struct arena *arena, const char *name, int type)
{
    struct dns_query *q = dns_submit(c->dns, name, (enum dns_type)type);
    arena_on_release(arena, release_query, q);
    return q;
}

/* conn_queue_id - for log lines */
const char *conn_queue_id(const struct conn *c)
{
    return c->queue_id && *c->queue_id ? c->queue_id : "NOQUEUE";
}

/* conn_dns_wait - budgeted wait */
const struct dns_result *conn_dns_wait(struct conn *c, struct dns_query *q)
{
    int64_t start = now_mono_ms();
    const struct dns_result *r = dns_wait(q, start + (c->budget_ms > 0 ? c->budget_ms : 0));
    metrics_dns_waited(r->why);
    c->budget_ms -= now_mono_ms() - start;
    return r;
}

/* conn_tarpit - take a tarpit slot, unless all are taken */
bool conn_tarpit(struct conn *c, unsigned delay_ms, unsigned max)
{
    if (c->tarpit_ms == 0) {
        unsigned n = atomic_load(&tarpitted);
        do
            if (n >= max)
                return false;
        while (!atomic_compare_exchange_weak(&tarpitted, &n, n + 1));
    }
    if (delay_ms > c->tarpit_ms)
        c->tarpit_ms = delay_ms;
    return true;
}

/* conn_tarpit_wait - the delay before a reply */
void conn_tarpit_wait(const struct conn *c)
{
    struct timespec ts = {.tv_sec = c->tarpit_ms / 1000,
                          .tv_nsec = (c->tarpit_ms % 1000) * 1000000L};
    while (c->tarpit_ms && nanosleep(&ts, &ts) < 0)
        ;
}

/* conn_macro - read an MTA macro */
const char *conn_macro(const struct conn *c, const char *name)
{
    return c->macro ? c->macro(c->macro_ctx, name) : NULL;
}
