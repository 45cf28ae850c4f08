/* msgwalk.h - a streaming walk over one message as a milter receives it: the
 * top-level header fields, end of headers, the body in chunks of any size,
 * end of message. It follows the MIME structure (RFC 2045, 2046) and reports
 * sanity findings a rule can use (RFC 5322 section 3.6 header counts, 8-bit
 * and NUL octets, long lines, HTML without a text alternative, header
 * injection and markup signs, broken boundaries). Its memory is bounded by
 * its limits whatever the input (see msgwalk_mem). Pure: no I/O, no global
 * state. A walker serves one message and one thread at a time; walkers are
 * independent of each other. */
#ifndef MXGATE_MSGWALK_H
#define MXGATE_MSGWALK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct msgwalk;

#define MSGWALK_DEFAULT_DEPTH 20
#define MSGWALK_DEFAULT_PARTS 1000
#define MSGWALK_DEFAULT_HEADER_BYTES 65536
#define MSGWALK_DEFAULT_LINE 128
#define MSGWALK_MIN_LINE 76 /* "--" boundary "--" and two octets of padding */

/* Limits; a zero field takes its default. */
struct msgwalk_limits {
    unsigned max_depth;      /* entities deeper than this are not entered (top level is 0) */
    unsigned max_parts;      /* entities examined, the top level included */
    size_t max_header_bytes; /* one MIME part's header block (not the top level's) */
    size_t max_line;         /* octets of a body line kept to match boundaries (>= MIN_LINE) */
};

/* The findings; bit (1u << f) of msgwalk_result.findings. */
enum msgwalk_finding {
    MSGWALK_FROM_MISSING = 0,    /* no From header field */
    MSGWALK_FROM_MULTIPLE,       /* more than one From */
    MSGWALK_DATE_MISSING,        /* no Date */
    MSGWALK_DATE_MULTIPLE,       /* more than one Date */
    MSGWALK_DUP_HEADER,          /* an at-most-once field repeated: see dup_headers */
    MSGWALK_MSGID_MISSING,       /* no Message-ID */
    MSGWALK_HEADER_8BIT,         /* octets >= 0x80 in a header (never valid in RFC 2047 words) */
    MSGWALK_HEADER_UTF8,         /* with header_8bit: all of them were well-formed UTF-8 */
    MSGWALK_TEXT_8BIT_NOCHARSET, /* text part, unencoded 8-bit content, no charset */
    MSGWALK_HTML_ONLY,           /* HTML is the message's only text: no text/plain */
    MSGWALK_LONG_LINE,           /* a header line over 998 octets (any header block) */
    MSGWALK_LONG_BODY_LINE,      /* a body line over 998 octets */
    MSGWALK_NUL,                 /* a NUL octet in a header or the body */
    MSGWALK_HEADER_INJECTION,    /* >= 3 To/Cc/Bcc, or a fold in Subject holding a field or list */
    MSGWALK_SUBJECT_MARKUP,      /* an HTML tag in the raw Subject */
    MSGWALK_MIME_BAD_BOUNDARY,   /* see boundary_problems */
    MSGWALK_MIME_LIMITS,         /* a limit was reached: see limits_hit */
    MSGWALK_NFINDINGS
};

/* The fields RFC 5322 section 3.6 counts; bit (1u << h) of dup_headers. */
enum msgwalk_hdr {
    MSGWALK_H_FROM = 0,
    MSGWALK_H_DATE,
    MSGWALK_H_SENDER,
    MSGWALK_H_REPLY_TO,
    MSGWALK_H_TO,
    MSGWALK_H_CC,
    MSGWALK_H_BCC,
    MSGWALK_H_SUBJECT,
    MSGWALK_H_MESSAGE_ID,
    MSGWALK_H_IN_REPLY_TO,
    MSGWALK_H_REFERENCES,
    MSGWALK_NHDRS
};

/* Why mime_bad_boundary; bit (1u << b) of boundary_problems. */
enum msgwalk_bproblem {
    MSGWALK_B_MISSING = 0,  /* a multipart without a (non-empty) boundary: not entered */
    MSGWALK_B_TOO_LONG,     /* a boundary over 70 octets: not entered */
    MSGWALK_B_BAD_CHARS,    /* octets outside RFC 2046 bchars: entered all the same */
    MSGWALK_B_REUSED,       /* the same boundary as an enclosing multipart */
    MSGWALK_B_UNUSED,       /* a multipart whose boundary never starts a part */
    MSGWALK_B_UNTERMINATED, /* no close delimiter before the end or an outer boundary */
    MSGWALK_NBPROBLEMS
};

/* Which limit; bit (1u << l) of limits_hit. */
enum msgwalk_limit {
    MSGWALK_L_DEPTH = 0,    /* a multipart or message at max_depth: not entered */
    MSGWALK_L_PARTS,        /* parts after max_parts: not examined */
    MSGWALK_L_HEADER_BYTES, /* a part's headers over max_header_bytes: the rest ignored */
    MSGWALK_NLIMITS
};

struct msgwalk_result {
    uint32_t findings;                 /* 1u << enum msgwalk_finding */
    uint32_t dup_headers;              /* 1u << enum msgwalk_hdr, From and Date excluded */
    uint32_t boundary_problems;        /* 1u << enum msgwalk_bproblem */
    uint32_t limits_hit;               /* 1u << enum msgwalk_limit */
    unsigned hdr_count[MSGWALK_NHDRS]; /* top-level occurrences of each field */
    unsigned parts;                    /* entities examined: top level, parts, attached
                                          messages; at most max_parts */
    unsigned depth;                    /* deepest entity entered: 0 without MIME structure,
                                          1 in a multipart, 2 in a multipart in a multipart... */
};

/* msgwalk_create - a walker for one message; lim NULL (or zero fields) for the
 * defaults. Never NULL (aborts on OOM). Free with msgwalk_destroy. */
struct msgwalk *msgwalk_create(const struct msgwalk_limits *lim);

/* msgwalk_destroy - free the walker and set *wp to NULL; accepts NULL. */
void msgwalk_destroy(struct msgwalk **wp);

/* msgwalk_header - one top-level header field: name without the colon (nlen
 * octets), value as the MTA gives it, i.e. everything after the colon,
 * leading space and folding CRLFs (or bare LFs) included (vlen octets). Both
 * may hold any octets. Ignored after msgwalk_eoh. */
void msgwalk_header(struct msgwalk *w, const char *name, size_t nlen, const char *value,
                    size_t vlen);

/* msgwalk_eoh - end of the top-level headers: the header-count findings are
 * decided here. Implied by the first msgwalk_body or msgwalk_end. */
void msgwalk_eoh(struct msgwalk *w);

/* msgwalk_body - the next n octets of the body (CRLF line ends; a chunk may
 * end anywhere). Ignored after msgwalk_end. */
void msgwalk_body(struct msgwalk *w, const void *p, size_t n);

/* msgwalk_end - end of the message: a last line without CRLF is taken as a
 * line, open multiparts are unterminated, html_only is decided. Idempotent. */
void msgwalk_end(struct msgwalk *w);

/* msgwalk_result - the findings and counts so far (final after msgwalk_end);
 * valid until the next call on w. */
const struct msgwalk_result *msgwalk_result(const struct msgwalk *w);

/* msgwalk_has - whether r holds finding f. */
bool msgwalk_has(const struct msgwalk_result *r, enum msgwalk_finding f);

/* msgwalk_mem - octets the walker holds now (itself and its buffers); at most
 * a fixed size plus max_header_bytes + max_line + max_depth boundaries. */
size_t msgwalk_mem(const struct msgwalk *w);

/* msgwalk_finding_name, msgwalk_hdr_name, msgwalk_bproblem_name,
 * msgwalk_limit_name - lowercase names for result words and logs
 * ("from_multiple", "reply-to", "unterminated", "header_bytes"); NULL when
 * out of range. Static strings. */
const char *msgwalk_finding_name(int f);
const char *msgwalk_hdr_name(int h);
const char *msgwalk_bproblem_name(int b);
const char *msgwalk_limit_name(int l);

#endif
