/* dkim.h - what the dkim check (DKIM verification, RFC 6376, 8301, 8463)
 * exposes beyond its result word: one verdict per signature, for DMARC and
 * for Authentication-Results */
#ifndef MXGATE_DKIM_H
#define MXGATE_DKIM_H

#include "dkim_tags.h"

#include <stdbool.h>
#include <stddef.h>

struct conn;

/* The check's result words, in its words[] order. The message's word is the
 * best of its signatures': pass, temperror, fail, policy, permerror, neutral. */
enum dkim_word {
    DKIM_W_NONE = 0,
    DKIM_W_PASS,
    DKIM_W_FAIL,
    DKIM_W_NEUTRAL,
    DKIM_W_POLICY,
    DKIM_W_TEMPERROR,
    DKIM_W_PERMERROR,
};

/* One signature's verdict. Strings live in the message's arena. */
struct dkim_sig {
    enum dkim_word word;
    const char *domain;    /* d=, lowercase; NULL if absent */
    const char *selector;  /* s=, or NULL */
    const char *algorithm; /* a=, or NULL */
    const char *b;         /* the start of b= that tells it from the others */
    const char *reason;    /* why it is not a pass, or the l= note; NULL */
    long length;           /* l=, or -1 */
};

/* dkim_sigs - the verdicts of the finished check, in header order (at most
 * checks.dkim.max_signatures); NULL and *n = 0 when it did not run. */
const struct dkim_sig *dkim_sigs(const struct conn *c, size_t *n);

/* dkim_word_rfc - the RFC 8601 word of a verdict ("pass", ...). */
const char *dkim_word_rfc(enum dkim_word w);

#endif
