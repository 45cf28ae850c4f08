/* spf.h - what the spf checks expose beyond their result words */
#ifndef MXGATE_SPF_H
#define MXGATE_SPF_H

#include "check.h"
#include "spf_eval.h"

struct conn;
struct arena;

/* The identity an SPF check evaluated, and its answer. */
struct spf_state {
    struct spf_input in;
    struct spf_answer answer;
    bool helo_identity; /* the domain checked is the HELO name (null sender) */
};

/* spf_identity - fill in for c: the sender address (or postmaster@HELO for
 * the null sender or helo_only), the domain to check, HELO and our name.
 * Returns false when there is nothing to check (no IP client, no usable
 * domain). Strings live in arena. */
bool spf_identity(const struct conn *c, bool helo_only, struct arena *arena, struct spf_state *st);

/* spf_run - evaluate st's identity (NULL: nothing to check, reported with
 * none_why) into st->answer, with the answer's strings in arena; the check
 * result's reason is a fail's explanation, else why. */
struct check_result spf_run(struct conn *c, struct arena *arena, struct spf_state *st,
                            const char *none_why);

/* spf_mailfrom_state - the finished MAIL FROM check's state, or NULL. */
const struct spf_state *spf_mailfrom_state(const struct conn *c);

#endif
