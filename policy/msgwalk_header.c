/* msgwalk_header.c - the top-level header fields: RFC 5322 section 3.6
 * counts, octets (8-bit, UTF-8, NUL), line lengths, and the signs of header
 * injection and of markup in Subject */
#include "msgwalk_int.h"

#include "util.h"

#include <string.h>
#include <strings.h>

/* Tags that make a Subject markup when written "<tag" or "</tag" followed by
 * white space, '>', '/' or the end ("<a href", "<br>", but not "<a@b.example>"). */
static const char *const markup_tags[] = {
    "a",    "b",      "i",      "u",      "p",     "br",       "hr",    "em",    "strong",
    "font", "span",   "div",    "img",    "html",  "head",     "body",  "title", "meta",
    "link", "style",  "script", "iframe", "frame", "form",     "input", "table", "tr",
    "td",   "center", "object", "embed",  "svg",   "!doctype",
};

/* Field names that, at the start of a folded Subject line, look injected. */
static const char *const injected_fields[] = {
    "to",          "cc",           "bcc",          "from",
    "sender",      "reply-to",     "subject",      "date",
    "message-id",  "mime-version", "content-type", "content-transfer-encoding",
    "return-path",
};

/* is_wsp - SP or HT */
static bool is_wsp(char c)
{
    return c == ' ' || c == '\t';
}

/* starts_word - whether [p, end) starts with word, whatever the case */
static bool starts_word(const char *p, const char *end, const char *word)
{
    size_t n = strlen(word);
    return (size_t)(end - p) >= n && strncasecmp(p, word, n) == 0;
}

/* tag_at - whether [p, end), just after a '<', is a tag of markup_tags */
static bool tag_at(const char *p, const char *end)
{
    if (p < end && *p == '/')
        p++;
    for (size_t i = 0; i < ARRAY_LEN(markup_tags); i++) {
        const char *q = p + strlen(markup_tags[i]);
        if (starts_word(p, end, markup_tags[i]) &&
            (q == end || is_wsp(*q) || *q == '>' || *q == '/' || *q == '\r' || *q == '\n'))
            return true;
    }
    return false;
}

/* has_markup - whether the raw value holds an HTML tag (RFC 2047 words are
 * not decoded: markup hidden in one goes unseen) */
static bool has_markup(const char *v, size_t n)
{
    const char *end = v + n;
    for (const char *p = memchr(v, '<', n); p; p = memchr(p + 1, '<', (size_t)(end - p - 1)))
        if (tag_at(p + 1, end))
            return true;
    return false;
}

/* line_is_field - whether a folded line [p, end) starts like an injected field */
static bool line_is_field(const char *p, const char *end)
{
    while (p < end && is_wsp(*p))
        p++;
    for (size_t i = 0; i < ARRAY_LEN(injected_fields); i++) {
        const char *q = p + strlen(injected_fields[i]);
        if (!starts_word(p, end, injected_fields[i]))
            continue;
        while (q < end && is_wsp(*q))
            q++;
        if (q < end && *q == ':')
            return true;
    }
    return false;
}

/* line_is_list - whether a folded line [p, end) holds an address list: two
 * '@' and a ',' or ';' */
static bool line_is_list(const char *p, const char *end)
{
    size_t at = 0;
    bool sep = false;
    for (; p < end; p++) {
        at += *p == '@';
        sep |= *p == ',' || *p == ';';
    }
    return at >= 2 && sep;
}

/* subject_injected - whether a line after a fold of the Subject value looks
 * like a header field or an address list */
static bool subject_injected(const char *v, size_t n)
{
    const char *end = v + n, *nl = memchr(v, '\n', n);
    while (nl) {
        const char *s = nl + 1;
        nl = memchr(s, '\n', (size_t)(end - s));
        const char *e = nl ? nl : end;
        if (line_is_field(s, e) || line_is_list(s, e))
            return true;
    }
    return false;
}

/* hdr_find - the counted field a name is, or -1 */
static int hdr_find(const char *name, size_t n)
{
    for (int h = 0; h < MSGWALK_NHDRS; h++)
        if (strlen(msgwalk_hdr_name(h)) == n && strncasecmp(name, msgwalk_hdr_name(h), n) == 0)
            return h;
    return -1;
}

/* count_field - count a field; Subject's value is looked at too */
static void count_field(struct msgwalk *w, int h, const char *v, size_t vn)
{
    if (w->res.hdr_count[h] < ~0u)
        w->res.hdr_count[h]++;
    if (h != MSGWALK_H_SUBJECT)
        return;
    if (has_markup(v, vn))
        msgwalk_set(w, MSGWALK_SUBJECT_MARKUP);
    if (subject_injected(v, vn))
        msgwalk_set(w, MSGWALK_HEADER_INJECTION);
}

/* check_octets - NUL and 8-bit octets of a name or value (8-bit ones must
 * also be UTF-8 for header_utf8) */
static void check_octets(struct msgwalk *w, const char *p, size_t n)
{
    if (memchr(p, '\0', n))
        msgwalk_set(w, MSGWALK_NUL);
    if (!msgwalk_has_8bit(p, n))
        return;
    struct msgwalk_utf8 u = {0};
    msgwalk_utf8_feed(&u, p, n);
    msgwalk_header_8bit(w, !u.bad && u.need == 0);
}

/* check_lines - whether a physical line of the field (the first one holds
 * the name and colon) is over 998 octets */
static void check_lines(struct msgwalk *w, size_t nlen, const char *v, size_t vn)
{
    const char *end = v + vn, *s = v;
    size_t extra = nlen + 1;
    for (;;) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        const char *e = nl ? nl : end;
        size_t len = (size_t)(e - s) - (e > s && e[-1] == '\r');
        if (len + extra > MSGWALK_LINE_MAX)
            msgwalk_set(w, MSGWALK_LONG_LINE);
        if (!nl)
            return;
        s = nl + 1, extra = 0;
    }
}

/* msgwalk_header - count, look at the octets and lines, pass MIME fields on */
void msgwalk_header(struct msgwalk *w, const char *name, size_t nlen, const char *value,
                    size_t vlen)
{
    if (w->eoh)
        return;
    check_octets(w, name, nlen);
    check_octets(w, value, vlen);
    check_lines(w, nlen, value, vlen);
    size_t n = nlen;
    while (n > 0 && is_wsp(name[n - 1]))
        n--;
    int h = hdr_find(name, n);
    if (h >= 0)
        count_field(w, h, value, vlen);
    msgwalk_entity_field(w, name, n, value, vlen);
}

/* judge_counts - RFC 5322 section 3.6: From and Date once, the others at
 * most once, Message-ID expected; three or more To/Cc/Bcc look injected */
static void judge_counts(struct msgwalk *w)
{
    const unsigned *c = w->res.hdr_count;
    if (c[MSGWALK_H_FROM] != 1)
        msgwalk_set(w, c[MSGWALK_H_FROM] ? MSGWALK_FROM_MULTIPLE : MSGWALK_FROM_MISSING);
    if (c[MSGWALK_H_DATE] != 1)
        msgwalk_set(w, c[MSGWALK_H_DATE] ? MSGWALK_DATE_MULTIPLE : MSGWALK_DATE_MISSING);
    if (c[MSGWALK_H_MESSAGE_ID] == 0)
        msgwalk_set(w, MSGWALK_MSGID_MISSING);
    for (int h = MSGWALK_H_SENDER; h < MSGWALK_NHDRS; h++)
        if (c[h] > 1)
            w->res.dup_headers |= 1u << h;
    if (w->res.dup_headers)
        msgwalk_set(w, MSGWALK_DUP_HEADER);
    if ((unsigned long)c[MSGWALK_H_TO] + c[MSGWALK_H_CC] + c[MSGWALK_H_BCC] >= 3)
        msgwalk_set(w, MSGWALK_HEADER_INJECTION);
}

/* msgwalk_eoh - judge the counts once; the top-level entity's body begins */
void msgwalk_eoh(struct msgwalk *w)
{
    if (w->eoh)
        return;
    w->eoh = true;
    judge_counts(w);
    msgwalk_headers_done(w);
}
