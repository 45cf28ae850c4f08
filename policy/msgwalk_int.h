/* msgwalk_int.h - the walker's private state, shared by msgwalk.c (life,
 * top-level headers, result) and msgwalk_body.c (lines, parts, boundaries).
 * Not for other modules. */
#ifndef MXGATE_MSGWALK_INT_H
#define MXGATE_MSGWALK_INT_H

#include "mime_field.h"
#include "msgwalk.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* RFC 5322 section 2.1.1: a line is at most 998 octets without its CRLF. */
#define MSGWALK_LINE_MAX 998

/* A UTF-8 decoder's state between octets (RFC 3629: no overlong forms, no
 * surrogates, nothing over U+10FFFF). */
struct msgwalk_utf8 {
    uint8_t need;   /* continuation octets still due */
    uint8_t lo, hi; /* range of the next one */
    bool bad;
};

enum msgwalk_phase {
    MSGWALK_PH_HEADERS = 0, /* an entity's header block, in the body stream */
    MSGWALK_PH_BODY,        /* a body, a preamble or an epilogue */
};

/* The entity being read: the message, a body part or an attached message. */
struct msgwalk_entity {
    struct mime_ctype ct; /* from its first Content-Type */
    enum mime_type type;  /* ct.type, or the default when it has none */
    enum mime_cte cte;
    bool ct_seen, cte_seen;
    bool attachment; /* Content-Disposition: attachment */
    bool digest;     /* in a multipart/digest: defaults to message/rfc822 */
    bool encap;      /* inside an attached message */
    bool parsed;     /* its headers are examined (false past max_parts) */
    bool check8;     /* its body lines' 8-bit octets are text_8bit_nocharset */
    unsigned depth;
};

/* An open multipart. */
struct msgwalk_frame {
    char boundary[MIME_BOUNDARY_MAX];
    uint8_t blen;
    bool digest, encap;
    bool opened; /* a delimiter line started a part */
    unsigned depth;
};

/* The body line being read: only its start is kept. */
struct msgwalk_line {
    char *buf;
    size_t cap, kept, len; /* kept <= cap octets of len */
    size_t mark;           /* field length before this line */
    bool started, cr;      /* an octet seen; the last one was CR */
    bool nokeep;           /* does not start "--": cannot be a boundary line */
    bool ws_tail;          /* every octet after the kept ones is SP, HT or CR */
    bool hi8, colon, cont; /* 8-bit octet, a ':', starts with WSP (a fold) */
    bool ftrunc;           /* did not fit the field buffer */
    struct msgwalk_utf8 u;
};

struct msgwalk {
    struct msgwalk_limits lim;
    struct msgwalk_result res;
    bool eoh, ended;
    bool utf8_bad; /* an 8-bit header was not UTF-8 */
    bool has_plain, has_html;
    enum msgwalk_phase phase;
    struct msgwalk_entity ent;
    struct msgwalk_frame *frames;
    size_t nframes, frames_cap;
    struct msgwalk_line line;
    char *field; /* the part header field being unfolded */
    size_t flen, fcap;
    bool field_on;    /* a field is being collected */
    size_t hdr_bytes; /* of the current part's header block */
    bool hdr_over;    /* it went over max_header_bytes */
};

/* msgwalk_set - record finding f. */
void msgwalk_set(struct msgwalk *w, enum msgwalk_finding f);

/* msgwalk_header_8bit - a header held 8-bit octets, all UTF-8 or not. */
void msgwalk_header_8bit(struct msgwalk *w, bool utf8);

/* msgwalk_utf8_feed - decode n more octets; sets u->bad on the first error. */
void msgwalk_utf8_feed(struct msgwalk_utf8 *u, const char *p, size_t n);

/* msgwalk_has_8bit - whether any of n octets is >= 0x80. */
bool msgwalk_has_8bit(const char *p, size_t n);

/* msgwalk_entity_begin - start a new entity's header block at depth. */
void msgwalk_entity_begin(struct msgwalk *w, unsigned depth, bool digest, bool encap, bool parsed);

/* msgwalk_entity_field - a header field of the current entity (the MIME ones
 * matter). */
void msgwalk_entity_field(struct msgwalk *w, const char *name, size_t nlen, const char *v,
                          size_t vn);

/* msgwalk_headers_done - the current entity's header block ended: decide
 * how its body is read (enter a multipart or message, check text). */
void msgwalk_headers_done(struct msgwalk *w);

/* msgwalk_body_feed - body octets, line by line. */
void msgwalk_body_feed(struct msgwalk *w, const char *p, size_t n);

/* msgwalk_body_end - the last line, and every multipart still open. */
void msgwalk_body_end(struct msgwalk *w);

#endif
