/* conn.h - per-connection and per-message state: what is known about the
 * SMTP session, the checks' states and results, and two arenas (connection
 * and message) that are the only release points. One connection's callbacks
 * run one at a time on that connection's thread (mserver): no locks. */
#ifndef MXGATE_CONN_H
#define MXGATE_CONN_H

#include "addr.h"
#include "check.h"
#include "config.h"
#include "conn_tally.h"
#include "registry.h"

#include <stdbool.h>
#include <stdint.h>

struct dns_resolver;
struct dns_query;
struct dns_result;
struct signer;
struct rule;

/* What mxgatectl explain is told as the rules run; NULL in the daemon,
 * whose behaviour and log lines it never changes. */
struct conn_trace {
    /* rule - rule r was evaluated at stage: whether its condition held */
    void (*rule)(void *arg, enum stage stage, const struct rule *r, bool matched);
    /* decision - the decision the daemon logs: what ("reject", "tarpit
     * 20.000s", ...) and the reply or remark, with the line logged */
    void (*decision)(void *arg, enum stage stage, const struct rule *r, const char *what,
                     const char *reply, const char *line);
    void *arg;
};

enum slot_state { SLOT_IDLE = 0, SLOT_STARTED, SLOT_DONE };

/* A recipient the MTA was told to accept. */
struct conn_rcpt {
    const char *addr;
    bool exempt;     /* a rule accepted it (postmaster@, ...) */
    bool grey_later; /* null sender: greylisted at end of message */
};

/* A header as the MTA sent it. value is what follows the colon, leading
 * white space included (the MTA's one dropped space is put back when
 * SMFIP_HDR_LEADSPC was not negotiated), with folds as CRLF: "Name:" value
 * is the header field as it was in the message. */
struct msg_header {
    const char *name;
    const char *value; /* NUL-terminated, but may hold NULs: use vlen */
    size_t vlen;
};

/* Bounds on the headers kept per message: beyond them the rest is not kept
 * and hdrs_overflow is set (a hostile message cannot make us allocate). */
#define CONN_MAX_HEADERS 4096
#define CONN_MAX_HEADER_BYTES (1024 * 1024)

struct check_slot {
    enum slot_state state;
    void *state_ptr;
    struct check_result result;
    unsigned also; /* bit per further word that holds too: a check with several
                    * findings sets it in its finish */
};

struct conn {
    struct arena *arena; /* lives as long as the connection */
    struct arena *msg;   /* reset at each MAIL and at abort */
    struct config *cfg;  /* the snapshot this connection started with */
    struct dns_resolver *dns;
    unsigned long id;    /* connection number, for debug logs */
    unsigned long proto; /* SMFIP_* flags negotiated with the MTA */

    /* connection facts */
    const char *client_name; /* the MTA's name for the client, or "unknown" */
    char client_addr[IPADDR_STRLEN];
    struct ipaddr addr; /* family 0 when there is no IP client (local submission) */
    const char *helo;
    const char *fcrdns_name; /* the PTR name iprev confirmed (iprev pass), else NULL */
    bool trusted_net;
    bool allowed; /* an accept rule decided at connect (an allow list): no
                   * later check starts, no later rule runs */

    /* message facts (in msg) */
    const char *sender, *rcpt, *auth_user, *queue_id;
    const char *from_domain; /* the From header's domain, once the dmarc check read it */
    unsigned tarpit_ms;      /* delay before each reply; 0: not tarpitted */
    struct conn_rcpt *rcpts; /* the accepted recipients, in order */
    unsigned nrcpts, rcpts_cap, rcpts_exempt;
    bool rcpt_exempt, grey_later; /* the current recipient's, set by the rules */
    int64_t grey_retry_in;        /* greylisted: seconds until a retry passes */
    const struct rule *grey_rule; /* the rule that postponed greylisting */
    int64_t budget_ms;            /* DNS waiting left for this transaction */
    double score;                 /* the transaction's score: the score rules that matched */
    unsigned char *scored;        /* bit per rule whose points count already; NULL: none */

    /* message content (in msg) */
    struct msg_header *hdrs; /* in the order received */
    unsigned nhdrs, hdrs_cap;
    size_t hdr_bytes;
    bool hdrs_overflow;     /* some headers were not kept (CONN_MAX_*) */
    bool content;           /* end of headers seen: content checks started */
    uint64_t body_bytes;    /* body octets received so far */
    unsigned nauthres;      /* Authentication-Results headers seen */
    unsigned *authres_ours; /* 1-based indexes of those claiming our authserv-id */
    unsigned nauthres_ours, authres_ours_cap;
    struct signer *signer; /* DKIM signing state (signer.c); NULL: not signed */

    /* MTA macros: the glue sets a reader; NULL answers NULL */
    const char *(*macro)(void *ctx, const char *name);
    void *macro_ctx;

    struct check_slot slots[CHECK_COUNT];
    struct conn_tally tally;        /* counts for metrics and the closing line */
    const struct conn_trace *trace; /* explain's; NULL in the daemon */
};

/* conn_new - a context holding a reference to cfg; never NULL. */
struct conn *conn_new(struct config *cfg, struct dns_resolver *dns, unsigned long id);

/* conn_free - release everything (arenas, queries, the snapshot); clears *cp. */
void conn_free(struct conn **cp);

/* conn_msg_reset - forget the message (at MAIL and abort): message facts and
 * the results of message-stage checks; refills the DNS budget. */
void conn_msg_reset(struct conn *c);

/* conn_set_rcpt - a new RCPT: its address (in msg), the rules' flags cleared. */
void conn_set_rcpt(struct conn *c, const char *addr);

/* conn_add_rcpt - record the current recipient (c->rcpt, with the flags the
 * rules set) as accepted. */
void conn_add_rcpt(struct conn *c);

/* conn_add_header - keep one header (name and value copied into msg); value
 * as the MTA sends it; leadspc: the MTA kept the space after the colon.
 * An Authentication-Results header that claims our authserv-id is noted in
 * authres_ours (counted even beyond the bounds). */
void conn_add_header(struct conn *c, const char *name, const char *value, bool leadspc);

/* conn_header - the n-th (0-based) header named name (case-insensitive), or
 * NULL; *count, if not NULL, gets how many there are. */
const struct msg_header *conn_header(const struct conn *c, const char *name, unsigned n,
                                     unsigned *count);

/* conn_start_content - end of headers: start every used check of stages EOH
 * and EOM, which then see the body through conn_body. */
void conn_start_content(struct conn *c);

/* conn_body - a body chunk: handed to every started check that reads it. */
void conn_body(struct conn *c, const unsigned char *p, size_t n);

/* conn_set_client - record the client; addr NULL for a non-IP client. */
void conn_set_client(struct conn *c, const char *name, const struct ipaddr *addr);

/* conn_trusted - whether inbound checks are skipped: trusted network, a
 * client an accept rule allowed at connect, or an authenticated sender when
 * trusted.authenticated is on. */
bool conn_trusted(const struct conn *c);

/* conn_forget_stage - the facts of stage changed (a second HELO/EHLO, e.g.
 * after STARTTLS): its checks' results are dropped and will run again. */
void conn_forget_stage(struct conn *c, enum stage stage);

/* conn_start_checks - start every check of stage that a rule uses. */
void conn_start_checks(struct conn *c, enum stage stage);

/* conn_check_word - the result word of check id, starting and finishing it
 * if needed (this may wait for DNS within the budget). */
int conn_check_word(struct conn *c, int id);

/* conn_check_words - bit per result word of check id (its word and the
 * further ones it set), finishing it if needed. */
unsigned conn_check_words(struct conn *c, int id);

/* conn_check_result - the result of check id if it has finished, else NULL. */
const struct check_result *conn_check_result(const struct conn *c, int id);

/* conn_dns_submit - dns_submit(name, type) whose handle lives until arena
 * (the connection's or the message's) is reset or destroyed: the caller
 * never releases it. */
struct dns_query *conn_dns_submit(struct conn *c, struct arena *arena, const char *name, int type);

/* conn_queue_id - the MTA's queue id for logs, or "NOQUEUE" before there is one. */
const char *conn_queue_id(const struct conn *c);

/* conn_dns_wait - wait for q within what is left of the transaction's DNS
 * budget, and charge the time waited to it. For checks. */
const struct dns_result *conn_dns_wait(struct conn *c, struct dns_query *q);

/* conn_tarpit - tarpit the connection: every later reply waits delay_ms.
 * Returns false, changing nothing, when max connections are tarpitted
 * already (a connection already tarpitted always fits). Any thread. */
bool conn_tarpit(struct conn *c, unsigned delay_ms, unsigned max);

/* conn_tarpit_wait - sleep the connection's tarpit delay, if any. */
void conn_tarpit_wait(const struct conn *c);

/* conn_macro - an MTA macro's value, or NULL. */
const char *conn_macro(const struct conn *c, const char *name);

#endif
