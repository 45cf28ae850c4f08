/* rcptverify.h - the rcptverify check (a backup MX knows which recipients of
 * its relayed domains exist): its words and settings, the SMTP probe of the
 * primaries (rcptverify_probe.c) and the cache that coalesces and bounds
 * probes (rcptverify_cache.c). mxgate probes only the configured primaries,
 * never a sender's servers. */
#ifndef MXGATE_RCPTVERIFY_H
#define MXGATE_RCPTVERIFY_H

#include "lists.h"

#include <libconfig.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct arena;
struct conn;

/* The result words; the values index the check's words[]. */
enum rcptverify_word {
    RV_NONE = 0,  /* not a relayed domain, or not configured */
    RV_OK,        /* a known recipient (listed, or a primary said 2xx) */
    RV_UNKNOWN,   /* a primary said 5xx to RCPT, or not in an authoritative list */
    RV_TEMPERROR, /* no primary could tell (down, 4xx, timeout, bounds) and nothing cached */
    RV_COUNT
};

extern const char *const rcptverify_words[RV_COUNT + 1];

#define RV_MAX_PRIMARIES 8

/* A primary MX to probe: an address literal and a port. */
struct rv_primary {
    struct sockaddr_storage sa;
    socklen_t len;
    char name[96]; /* "192.0.2.25:25", "[2001:db8::25]:25" for logs */
};

/* checks.rcptverify = { ... } (see mxgate.conf(5)). The recipients list is
 * authoritative when no primary is given; with primaries, a listed address
 * is known without a probe and every other one is probed. */
struct rcptverify_settings {
    struct list domains, recipients; /* patterns, lowercase */
    struct rv_primary primaries[RV_MAX_PRIMARIES];
    unsigned nprimaries;
    unsigned positive_ttl, negative_ttl; /* seconds an answer is remembered */
    unsigned timeout_ms;                 /* per primary: connect to QUIT */
    unsigned max_connections;            /* probes in flight, process-wide */
    unsigned max_rate;                   /* probes started per second, process-wide */
};

/* rv_configure - the check's configure (rcptverify_config.c). */
int rv_configure(const config_setting_t *group, struct arena *arena, void **settings, char *err,
                 size_t errlen);

/* --- the SMTP probe (rcptverify_probe.c) ------------------------------- */

enum rv_reply_state { RV_REPLY_MORE = 0, RV_REPLY_DONE, RV_REPLY_BAD };

/* rv_reply_parse - one SMTP reply at the start of buf[0..n): RV_REPLY_DONE
 * with its code (200..599) and *used (bytes through its last line's end),
 * RV_REPLY_MORE when it is not complete yet, RV_REPLY_BAD when it is not an
 * SMTP reply (a line that is not "DDD", "DDD text" or "DDD-text" with a
 * code from 200 to 599, or lines whose codes differ). Lines end in LF (a CR
 * before it is allowed). Pure. */
enum rv_reply_state rv_reply_parse(const char *buf, size_t n, int *code, size_t *used);

enum rv_answer {
    RV_ANSWER_TRYLATER = 0, /* the primary could not tell: next primary */
    RV_ANSWER_KNOWN,        /* 2xx to RCPT TO */
    RV_ANSWER_REFUSED,      /* 5xx to RCPT TO */
};

/* rv_probe - one dialogue with p: EHLO helo, MAIL FROM:<>, RCPT TO:<addr>,
 * QUIT (never DATA), finished by deadline_ms (now_mono_ms() clock). what
 * gets the primary's last reply ("550 5.1.1 ...", first line) or what went
 * wrong ("connect: Connection refused", "timed out waiting for the reply to
 * RCPT"). Any thread; blocks at most until the deadline. */
enum rv_answer rv_probe(const struct rv_primary *p, const char *helo, const char *addr,
                        int64_t deadline_ms, char *what, size_t whatlen);

/* --- the cache (rcptverify_cache.c) ----------------------------------- */

/* rv_verify - what the primaries say about addr (lowercase): the store's
 * remembered answer, else a probe of the primaries in order, coalesced
 * with one in flight for the same address and bounded by max_connections
 * and max_rate, within the transaction's budget (c->budget_ms, charged);
 * the answer is remembered for positive_ttl / negative_ttl. *reason gets a
 * text in c->msg. One log line per probe. */
enum rcptverify_word rv_verify(struct conn *c, const struct rcptverify_settings *s,
                               const char *addr, const char **reason);

#endif
