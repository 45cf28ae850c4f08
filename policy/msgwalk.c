/* msgwalk.c - the walker's life, the top-level header findings (RFC 5322
 * section 3.6 counts, 8-bit and NUL octets, long lines, injection and markup
 * signs) and the result */
#include "msgwalk_int.h"

#include "util.h"

#include <stdlib.h>
#include <string.h>

static const char *const finding_names[] = {
    [MSGWALK_FROM_MISSING] = "from_missing",
    [MSGWALK_FROM_MULTIPLE] = "from_multiple",
    [MSGWALK_DATE_MISSING] = "date_missing",
    [MSGWALK_DATE_MULTIPLE] = "date_multiple",
    [MSGWALK_DUP_HEADER] = "dup_header",
    [MSGWALK_MSGID_MISSING] = "msgid_missing",
    [MSGWALK_HEADER_8BIT] = "header_8bit",
    [MSGWALK_HEADER_UTF8] = "header_utf8",
    [MSGWALK_TEXT_8BIT_NOCHARSET] = "text_8bit_nocharset",
    [MSGWALK_HTML_ONLY] = "html_only",
    [MSGWALK_LONG_LINE] = "long_line",
    [MSGWALK_LONG_BODY_LINE] = "long_body_line",
    [MSGWALK_NUL] = "nul",
    [MSGWALK_HEADER_INJECTION] = "header_injection",
    [MSGWALK_SUBJECT_MARKUP] = "subject_markup",
    [MSGWALK_MIME_BAD_BOUNDARY] = "mime_bad_boundary",
    [MSGWALK_MIME_LIMITS] = "mime_limits",
};
_Static_assert(ARRAY_LEN(finding_names) == MSGWALK_NFINDINGS, "a name per finding");

static const char *const hdr_names[] = {
    [MSGWALK_H_FROM] = "from",
    [MSGWALK_H_DATE] = "date",
    [MSGWALK_H_SENDER] = "sender",
    [MSGWALK_H_REPLY_TO] = "reply-to",
    [MSGWALK_H_TO] = "to",
    [MSGWALK_H_CC] = "cc",
    [MSGWALK_H_BCC] = "bcc",
    [MSGWALK_H_SUBJECT] = "subject",
    [MSGWALK_H_MESSAGE_ID] = "message-id",
    [MSGWALK_H_IN_REPLY_TO] = "in-reply-to",
    [MSGWALK_H_REFERENCES] = "references",
};
_Static_assert(ARRAY_LEN(hdr_names) == MSGWALK_NHDRS, "a name per header");

static const char *const bproblem_names[] = {
    [MSGWALK_B_MISSING] = "missing",     [MSGWALK_B_TOO_LONG] = "too_long",
    [MSGWALK_B_BAD_CHARS] = "bad_chars", [MSGWALK_B_REUSED] = "reused",
    [MSGWALK_B_UNUSED] = "unused",       [MSGWALK_B_UNTERMINATED] = "unterminated",
};
_Static_assert(ARRAY_LEN(bproblem_names) == MSGWALK_NBPROBLEMS, "a name per problem");

static const char *const limit_names[] = {
    [MSGWALK_L_DEPTH] = "depth",
    [MSGWALK_L_PARTS] = "parts",
    [MSGWALK_L_HEADER_BYTES] = "header_bytes",
};
_Static_assert(ARRAY_LEN(limit_names) == MSGWALK_NLIMITS, "a name per limit");

/* name_of - names[i], or NULL out of range */
static const char *name_of(const char *const *names, int n, int i)
{
    return i >= 0 && i < n ? names[i] : NULL;
}

/* msgwalk_finding_name, msgwalk_hdr_name, msgwalk_bproblem_name,
 * msgwalk_limit_name - the name tables */
const char *msgwalk_finding_name(int f)
{
    return name_of(finding_names, MSGWALK_NFINDINGS, f);
}

const char *msgwalk_hdr_name(int h)
{
    return name_of(hdr_names, MSGWALK_NHDRS, h);
}

const char *msgwalk_bproblem_name(int b)
{
    return name_of(bproblem_names, MSGWALK_NBPROBLEMS, b);
}

const char *msgwalk_limit_name(int l)
{
    return name_of(limit_names, MSGWALK_NLIMITS, l);
}

/* or_default - v, or def when v is zero */
static size_t or_default(size_t v, size_t def)
{
    return v ? v : def;
}

/* msgwalk_create - limits resolved, a line buffer, the top-level entity */
struct msgwalk *msgwalk_create(const struct msgwalk_limits *lim)
{
    struct msgwalk *w = xcalloc(1, sizeof(*w));
    if (lim)
        w->lim = *lim;
    w->lim.max_depth = (unsigned)or_default(w->lim.max_depth, MSGWALK_DEFAULT_DEPTH);
    w->lim.max_parts = (unsigned)or_default(w->lim.max_parts, MSGWALK_DEFAULT_PARTS);
    w->lim.max_header_bytes = or_default(w->lim.max_header_bytes, MSGWALK_DEFAULT_HEADER_BYTES);
    w->lim.max_line = or_default(w->lim.max_line, MSGWALK_DEFAULT_LINE);
    if (w->lim.max_line < MSGWALK_MIN_LINE)
        w->lim.max_line = MSGWALK_MIN_LINE;
    w->line.cap = w->lim.max_line;
    w->line.buf = xmalloc(w->line.cap);
    w->line.ws_tail = true;
    msgwalk_entity_begin(w, 0, false, false, true);
    w->res.parts = 1;
    return w;
}

/* msgwalk_destroy - free the buffers and the walker */
void msgwalk_destroy(struct msgwalk **wp)
{
    if (wp == NULL || *wp == NULL)
        return;
    free((*wp)->line.buf);
    free((*wp)->field);
    free((*wp)->frames);
    free(*wp);
    *wp = NULL;
}

/* msgwalk_mem - the walker and the current size of its three buffers */
size_t msgwalk_mem(const struct msgwalk *w)
{
    return sizeof(*w) + w->line.cap + w->fcap + w->frames_cap * sizeof(struct msgwalk_frame);
}

/* msgwalk_set - one bit */
void msgwalk_set(struct msgwalk *w, enum msgwalk_finding f)
{
    w->res.findings |= 1u << f;
}

/* msgwalk_has - one bit */
bool msgwalk_has(const struct msgwalk_result *r, enum msgwalk_finding f)
{
    return (unsigned)f < MSGWALK_NFINDINGS && (r->findings & (1u << f)) != 0;
}

/* msgwalk_result - the result as it stands */
const struct msgwalk_result *msgwalk_result(const struct msgwalk *w)
{
    return &w->res;
}

/* msgwalk_has_8bit - any octet with the high bit */
bool msgwalk_has_8bit(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)p[i] >= 0x80)
            return true;
    return false;
}

/* utf8_lead - set up the continuation octets a lead octet c announces */
static void utf8_lead(struct msgwalk_utf8 *u, unsigned char c)
{
    u->lo = 0x80, u->hi = 0xbf;
    if (c < 0x80) {
        u->need = 0;
    } else if (c >= 0xc2 && c <= 0xdf) {
        u->need = 1;
    } else if (c >= 0xe0 && c <= 0xef) {
        u->need = 2;
        u->lo = c == 0xe0 ? 0xa0 : 0x80; /* overlong */
        u->hi = c == 0xed ? 0x9f : 0xbf; /* surrogates */
    } else if (c >= 0xf0 && c <= 0xf4) {
        u->need = 3;
        u->lo = c == 0xf0 ? 0x90 : 0x80; /* overlong */
        u->hi = c == 0xf4 ? 0x8f : 0xbf; /* over U+10FFFF */
    } else {
        u->bad = true;
    }
}

/* msgwalk_utf8_feed - one octet at a time, across calls */
void msgwalk_utf8_feed(struct msgwalk_utf8 *u, const char *p, size_t n)
{
    for (size_t i = 0; i < n && !u->bad; i++) {
        unsigned char c = (unsigned char)p[i];
        if (u->need == 0) {
            utf8_lead(u, c);
        } else if (c < u->lo || c > u->hi) {
            u->bad = true;
        } else {
            u->need--;
            u->lo = 0x80, u->hi = 0xbf;
        }
    }
}

/* msgwalk_header_8bit - 8-bit octets in a header; header_utf8 holds while
 * every such header was UTF-8 */
void msgwalk_header_8bit(struct msgwalk *w, bool utf8)
{
    msgwalk_set(w, MSGWALK_HEADER_8BIT);
    w->utf8_bad |= !utf8;
    if (w->utf8_bad)
        w->res.findings &= ~(1u << MSGWALK_HEADER_UTF8);
    else
        msgwalk_set(w, MSGWALK_HEADER_UTF8);
}

/* msgwalk_body - implies the end of headers */
void msgwalk_body(struct msgwalk *w, const void *p, size_t n)
{
    msgwalk_eoh(w);
    if (!w->ended && n > 0)
        msgwalk_body_feed(w, p, n);
}

/* msgwalk_end - the last line, open multiparts, and whether HTML stood alone */
void msgwalk_end(struct msgwalk *w)
{
    msgwalk_eoh(w);
    if (w->ended)
        return;
    w->ended = true;
    msgwalk_body_end(w);
    if (w->has_html && !w->has_plain)
        msgwalk_set(w, MSGWALK_HTML_ONLY);
}
