/* dmarc_record.h - DMARC policy records: choosing the record among the TXT
 * strings of a _dmarc name and parsing it, per RFC 7489 (sections 6.3,
 * 6.6.3) or RFC 9989 (DMARCbis: sections 4.7, 4.8, 4.10, 4.10.1). Pure
 * functions: no DNS, no global state; any thread. */
#ifndef MXGATE_DMARC_RECORD_H
#define MXGATE_DMARC_RECORD_H

#include <stdbool.h>
#include <stddef.h>

/* Which text to follow. */
enum dmarc_std {
    DMARC_RFC7489 = 0,
    DMARC_RFC9989,
};

enum dmarc_policy {
    DMARC_POLICY_UNSET = 0, /* tag absent (or invalid, when that is allowed) */
    DMARC_POLICY_NONE,
    DMARC_POLICY_QUARANTINE,
    DMARC_POLICY_REJECT,
};

/* The psd= tag (RFC 9989 4.7); always U under RFC 7489. */
enum dmarc_psd {
    DMARC_PSD_U = 0,
    DMARC_PSD_Y,
    DMARC_PSD_N,
};

/* A parsed record, with the standard's defaults filled in. */
struct dmarc_record {
    enum dmarc_policy p;      /* never UNSET in a FOUND record */
    enum dmarc_policy sp, np; /* UNSET when absent: see dmarc_record_policy */
    bool strict_dkim;         /* adkim=s (default r) */
    bool strict_spf;          /* aspf=s (default r) */
    int pct;                  /* 0..100, default 100; always 100 under RFC 9989 */
    enum dmarc_psd psd;       /* RFC 9989 only */
    bool testing;             /* t=y; RFC 9989 only */
    bool rua;                 /* rua= holds at least one syntactically valid URI */
    bool forced_none;         /* p, sp or np was invalid but rua valid: all none */
};

/* What a _dmarc name gave; the walk and the evaluation take the same words. */
enum dmarc_select {
    DMARC_SELECT_NONE = 0, /* no string starts with v=DMARC1 (or no TXT at all) */
    DMARC_SELECT_FOUND,    /* exactly one, and usable */
    DMARC_SELECT_INVALID,  /* exactly one, unusable: no DMARC processing */
    DMARC_SELECT_MULTIPLE, /* two or more start with v=DMARC1 */
    DMARC_SELECT_TRYLATER, /* never from dmarc_record_select: the caller's DNS
                            * lookup failed temporarily */
};

/* dmarc_record_is_dmarc - whether a TXT string (len bytes, its
 * character-strings already joined) starts with the version tag: "v"
 * (either case, ABNF) *WSP "=" *WSP "DMARC1" (exactly this case), then
 * *WSP and ";" or the end. Nothing may precede the "v". */
bool dmarc_record_is_dmarc(const char *txt, size_t len);

/* dmarc_record_parse - parse a record that dmarc_record_is_dmarc accepts.
 * Tags: names any case; values case-insensitive; WSP around "=" and ";";
 * empty terms, unknown tags and terms that are not name=value are ignored
 * (RFC 9989 4.8; RFC 7489 6.3); a repeated tag keeps its first value; tags
 * may come in any order after v (RFC 7489's ABNF wants p second; records in
 * the wild do not all comply, RFC 9989 drops the rule). An
 * invalid adkim, aspf, pct, psd or t falls back to its default.
 *   RFC 7489 (6.6.3): p missing or invalid, or sp invalid, gives INVALID
 *   unless rua holds a valid URI, in which case the record acts as p=none
 *   (p, sp, np all none, forced_none set). pct is read; psd and t are
 *   unknown tags. np (RFC 9091's extension) is read, an invalid one ignored.
 *   RFC 9989 (4.7, 4.10.1): p missing means p=none; p, sp or np invalid is
 *   INVALID unless rua holds a valid URI (then all none, as above). pct is
 *   not read (always 100).
 * Returns FOUND or INVALID (out filled either way, for logs), or NONE when
 * the string is not a DMARC record at all. */
enum dmarc_select dmarc_record_parse(const char *txt, size_t len, enum dmarc_std std,
                                     struct dmarc_record *out);

/* dmarc_record_select - the record among all TXT strings at a _dmarc name
 * (txts[i] of lens[i] bytes, one per TXT record, character-strings joined).
 * Strings not starting with v=DMARC1 are discarded. None left: NONE; two or
 * more: MULTIPLE (RFC 7489 6.6.3: policy discovery ends; RFC 9989 4.10 step
 * 2: all are discarded); one: as dmarc_record_parse. out is zeroed unless
 * one record was parsed. */
enum dmarc_select dmarc_record_select(const char *const *txts, const size_t *lens, size_t n,
                                      enum dmarc_std std, struct dmarc_record *out);

/* dmarc_record_policy - the policy a record sets for the author domain: p
 * when the record is the author domain's own; for a subdomain of the record's
 * domain sp, or for a non-existent subdomain np, then sp, then p when absent
 * (RFC 9989 4.7, 4.10.1; RFC 7489 6.3; RFC 9091 np). */
enum dmarc_policy dmarc_record_policy(const struct dmarc_record *rec, bool own, bool exists);

/* dmarc_policy_word - "none", "quarantine", "reject", or "unset" */
const char *dmarc_policy_word(enum dmarc_policy policy);

/* dmarc_select_word - "none", "found", "invalid", "multiple", "trylater" */
const char *dmarc_select_word(enum dmarc_select sel);

#endif
