/* spf_eval.h - RFC 7208 check_host(): evaluate a domain's SPF record for a
 * client address and sender, with every lookup through the shared resolver
 * inside the transaction's DNS budget */
#ifndef MXGATE_SPF_EVAL_H
#define MXGATE_SPF_EVAL_H

#include "addr.h"

struct arena;
struct conn;

enum spf_result {
    SPF_NONE = 0,
    SPF_NEUTRAL,
    SPF_PASS,
    SPF_FAIL,
    SPF_SOFTFAIL,
    SPF_TEMPERROR,
    SPF_PERMERROR,
};

/* The question: is ip allowed to send for domain? */
struct spf_input {
    struct ipaddr ip;
    const char *sender; /* local-part@domain; for the HELO identity postmaster@HELO */
    const char *domain; /* the domain checked first */
    const char *helo;
    const char *receiver; /* our name, for %{r} */
};

struct spf_answer {
    enum spf_result result;
    const char *explanation; /* for fail: the domain's exp= text, or our default */
    const char *why;         /* for logs: the matching term or the error */
};

/* spf_check_host - evaluate; the answer's strings live in arena (the one of
 * the check's scope). Lookups wait through conn_dns_wait(), so the time is
 * charged to the transaction. */
struct spf_answer spf_check_host(struct conn *c, struct arena *arena, const struct spf_input *in);

/* spf_result_words - the results' names, indexed by enum spf_result and
 * NULL-terminated: the result words of the spf checks. */
extern const char *const spf_result_words[];

/* spf_result_name - "none", "neutral", "pass", ... */
const char *spf_result_name(enum spf_result r);

#endif
