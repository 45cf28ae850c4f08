/* store.h - the state store: what mxgate remembers between connections
 * (greylist triplets, client networks that passed greylisting, the history
 * of DMARC evaluations for aggregate reports), behind a
 * backend chosen by a "type:spec" string: "sqlite:/var/lib/mxgate/state.db"
 * for one host, "redis:tcp://HOST:PORT/DB?options" for several MX hosts that
 * share what they learn.
 *
 * Every operation answers found, missing or try-later. Try-later means the
 * backend could not answer now (locked, read-only, corrupt, missing, down);
 * callers turn it into their configured action, never into a 5xx. A store
 * is thread-safe: any thread may call any operation at any time. */
#ifndef MXGATE_STORE_H
#define MXGATE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum store_status { STORE_FOUND = 0, STORE_MISSING, STORE_TRYLATER };

struct store;

/* store_spec_check - whether spec names a known backend with a well-formed
 * argument (sqlite: an absolute path). No I/O. 0, or -1 with the problem. */
int store_spec_check(const char *spec, char *err, size_t errlen);

/* store_path - the local file a spec names (sqlite: the database), or NULL
 * for a backend without one; points into spec. */
const char *store_path(const char *spec);

/* store_open - a store for spec, with one reference. NULL (with the problem
 * in err) only when the spec is bad: a backend that cannot be reached or
 * opened now still gives a store, whose operations answer try-later until
 * the backend is back (it is retried at most once a second). */
struct store *store_open(const char *spec, char *err, size_t errlen);

/* store_open_dry - store_open for a store that is only read: store_greylist
 * answers what the backend would answer now, from a read of the triplet and
 * the net (the same rules, nothing written back); store_dmarc_record counts
 * nothing (STORE_FOUND); store_net_allow, store_grey_drop and store_expire
 * answer try-later. For mxgatectl explain. Opening a SQLite store that does
 * not exist yet creates it empty, as the daemon would. */
struct store *store_open_dry(const char *spec, char *err, size_t errlen);

/* store_ref, store_unref - reference counting; the last unref closes the
 * store. store_unref clears *stp and accepts NULL. */
struct store *store_ref(struct store *st);
void store_unref(struct store **stp);

/* store_spec - the spec the store was opened with, for logs: the value of a
 * password= option masked. */
const char *store_spec(const struct store *st);

/* store_spec_redact - spec for logs, a password= option's value masked, into
 * out (cut to len - 1 bytes). */
void store_spec_redact(const char *spec, char *out, size_t len);

/* --- greylisting --------------------------------------------------------- */

/* A greylist attempt. net is the client network ("192.0.2.0/24",
 * "2001:db8:1:2::/64"): what auto-allow counts and allows. origin is net, or
 * "spf:DOMAIN" when SPF passed for the sender's domain, so that a retry from
 * any address of a sender's pool matches. sender is normalized ("" for the
 * null sender), rcpt lowercase. */
struct grey_key {
    const char *net, *origin, *sender, *rcpt;
};

/* Times in seconds since the epoch; durations in seconds. */
struct grey_policy {
    int64_t now;
    unsigned delay;        /* a retry passes this long after the first attempt */
    unsigned retry_window; /* a pending triplet waits this long for its retry */
    unsigned lifetime;     /* a passed triplet (or auto-allowed net) lives this long after use */
    unsigned auto_allow;   /* passed retries from one net that allow it; 0: never */
};

enum grey_state {
    GREY_NEW,     /* first attempt (or the old entry had expired): recorded */
    GREY_EARLY,   /* retried before the delay was over */
    GREY_RETRIED, /* retried after the delay: passes from now on */
    GREY_KNOWN,   /* passed before and still alive */
    GREY_ALLOWED, /* the client network is allowed (auto-allow or operator) */
};

struct grey_answer {
    enum grey_state state;
    int64_t first_seen; /* of the triplet; 0 for GREY_ALLOWED */
    int64_t pass_at;    /* NEW and EARLY: when a retry will pass */
};

/* store_greylist - look up and update one attempt, atomically:
 *  1. the net is allowed (allowed_until > now): GREY_ALLOWED;
 *  2. no triplet, or an expired one (pending and now > first_seen +
 *     retry_window, or passed and now > expires): record it pending,
 *     GREY_NEW, STORE_MISSING;
 *  3. pending and now < first_seen + delay: GREY_EARLY;
 *  4. pending and the delay is over: mark it passed (expires = now +
 *     lifetime), count a pass for the net; when the net's passes reach
 *     auto_allow (> 0) the net is allowed until now + lifetime; GREY_RETRIED;
 *  5. passed and alive: its expiry moves to now + lifetime; GREY_KNOWN.
 * Returns STORE_FOUND (cases 1, 3-5), STORE_MISSING (2) or STORE_TRYLATER
 * (nothing is known; *out is untouched). */
enum store_status store_greylist(struct store *st, const struct grey_key *key,
                                 const struct grey_policy *p, struct grey_answer *out);

/* --- operators (mxgatectl) ----------------------------------------------- */

struct grey_row {
    const char *origin, *sender, *rcpt;
    int64_t first_seen, last_seen;
    int64_t passed;  /* when the retry passed; 0: pending */
    int64_t expires; /* pending: first_seen + retry_window; passed: last use + lifetime */
    unsigned attempts;
};

struct net_row {
    const char *net;
    unsigned passes;       /* successful retries counted */
    int64_t allowed_until; /* 0: not allowed; INT64_MAX: allowed for good */
    bool by_operator;      /* allowed by mxgatectl rather than by auto-allow */
};

struct grey_stats {
    unsigned long pending, passed; /* live triplets */
    unsigned long expired;         /* triplets awaiting housekeeping */
    unsigned long nets_auto, nets_operator;
};

/* store_grey_each - call fn for each triplet whose origin, sender or rcpt
 * equals match (NULL: every triplet), oldest first; fn returns non-zero to
 * stop. Rows are valid during the call only. */
enum store_status store_grey_each(struct store *st, const char *match,
                                  int (*fn)(void *arg, const struct grey_row *row), void *arg);

/* store_net_each - call fn for each net row (allowed or counting passes). */
enum store_status store_net_each(struct store *st, int (*fn)(void *arg, const struct net_row *row),
                                 void *arg);

/* store_net_allow - allow net until until (INT64_MAX: for good); by_operator
 * marks it as the operator's. */
enum store_status store_net_allow(struct store *st, const char *net, int64_t until,
                                  bool by_operator);

/* store_grey_drop - delete the triplets whose origin, sender or rcpt equals
 * match, and the net row named match; *dropped counts rows. STORE_MISSING
 * when nothing matched. */
enum store_status store_grey_drop(struct store *st, const char *match, unsigned long *dropped);

/* store_grey_stats - counts as of now. */
enum store_status store_grey_stats(struct store *st, int64_t now, struct grey_stats *out);

/* store_expire - housekeeping: delete what expired before now (in small
 * batches, never holding the backend for long), DMARC history older than
 * STORE_DMARC_RETENTION_DAYS and expired recipient answers included;
 * *removed counts rows. */
enum store_status store_expire(struct store *st, int64_t now, unsigned long *removed);

/* --- recipient verification (rcptverify: the primaries' answers) ------- */

/* What a primary MX said about a recipient, remembered until expires. */
struct rcpt_entry {
    bool known;      /* the primary accepted RCPT TO (2xx); false: refused (5xx) */
    int64_t expires; /* unix time; store_expire drops the entry after it */
};

/* store_rcpt_get - the answer remembered for addr (lowercase) that is alive
 * at now (expires >= now): STORE_FOUND with *out, STORE_MISSING, or
 * STORE_TRYLATER (*out untouched). Any thread. */
enum store_status store_rcpt_get(struct store *st, const char *addr, int64_t now,
                                 struct rcpt_entry *out);

/* store_rcpt_put - remember e for addr (lowercase), replacing what was
 * there: STORE_FOUND, or STORE_TRYLATER when nothing was written. now is
 * the caller's clock (Redis: the key's TTL is e->expires - now). Any thread. */
enum store_status store_rcpt_put(struct store *st, const char *addr, const struct rcpt_entry *e,
                                 int64_t now);

/* --- DMARC history (for aggregate reports) ------------------------------ */

/* A day's DMARC rows are kept while day >= store_dmarc_day(now) -
 * STORE_DMARC_RETENTION_DAYS: today and the 31 days before it. store_expire
 * drops older days (Redis also gives each day's key a TTL that ends then). */
#define STORE_DMARC_RETENTION_DAYS 31

/* One kind of DMARC evaluation on one UTC day. Every string is a C string
 * (NULL is taken as ""); rows that agree on all fields are one row with a
 * count. Domains are lowercase, without a trailing dot. */
struct dmarc_row {
    int64_t day;                  /* UTC day number: store_dmarc_day(unix time) */
    const char *source_ip;        /* the client, "192.0.2.10", "2001:db8::1" */
    const char *header_from;      /* the From header's domain */
    const char *envelope_from;    /* MAIL FROM's domain; "" for the null sender */
    const char *spf_domain;       /* the domain SPF checked (MAIL FROM, or HELO); "" */
    const char *spf_result;       /* "pass", "fail", "softfail", ..., "none" */
    const char *dkim;             /* the signatures, built by the caller: "d=example.org
                                   * s=sel a=rsa-sha256 pass; d=example.net s=x a=... fail";
                                   * "" without one */
    const char *policy_published; /* "none", "quarantine", "reject" */
    const char *disposition;      /* the policy applied: "none", "quarantine", "reject" */
    const char *dmarc_result;     /* "pass", "fail", "temperror", "permerror", "none" */
};

/* store_dmarc_day - the UTC day number of a unix time (t / 86400, rounded
 * down). */
int64_t store_dmarc_day(int64_t t);

/* store_dmarc_record - count one evaluation: the row's count goes up by
 * one, atomically (several hosts may count into one Redis store). Returns
 * STORE_MISSING when this made a new row (count 1), STORE_FOUND when it
 * counted onto one, STORE_TRYLATER when nothing was counted. Any thread;
 * a write that may wait for the backend's timeout (SQLite: 1 s). */
enum store_status store_dmarc_record(struct store *st, const struct dmarc_row *row);

/* store_dmarc_each - call fn with each row of the days day_from to day_to
 * (both included) and its count, in order of day, then of the fields
 * (bytewise, in struct order); fn returns non-zero to stop. Rows are valid
 * during the call only. STORE_MISSING when there is none; STORE_TRYLATER
 * may come after some rows were given. For report generators and tests. */
enum store_status
store_dmarc_each(struct store *st, int64_t day_from, int64_t day_to,
                 int (*fn)(void *arg, const struct dmarc_row *row, unsigned long count), void *arg);

#endif
