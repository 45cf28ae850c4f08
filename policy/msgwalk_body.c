/* msgwalk_body.c - the body as lines: boundary lines of the open multiparts,
 * MIME part header blocks (one field unfolded at a time, at most
 * max_header_bytes), entering multiparts and attached messages, and the
 * body's findings. Only a line's first max_line octets are kept. */
#include "msgwalk_int.h"

#include "util.h"

#include <string.h>
#include <strings.h>

/* is_pad - transport padding after a boundary (a stray CR tolerated) */
static bool is_pad(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

/* is_name - whether a field name of n octets is word, whatever the case */
static bool is_name(const char *name, size_t n, const char *word)
{
    return n == strlen(word) && strncasecmp(name, word, n) == 0;
}

/* unencoded - whether content under this encoding is octets as they are */
static bool unencoded(enum mime_cte cte)
{
    return cte == MIME_CTE_NONE || cte == MIME_CTE_7BIT || cte == MIME_CTE_8BIT ||
           cte == MIME_CTE_BINARY;
}

/* limit - record that limit l was reached */
static void limit(struct msgwalk *w, enum msgwalk_limit l)
{
    w->res.limits_hit |= 1u << l;
    msgwalk_set(w, MSGWALK_MIME_LIMITS);
}

/* bad_boundary - record boundary problem b */
static void bad_boundary(struct msgwalk *w, enum msgwalk_bproblem b)
{
    w->res.boundary_problems |= 1u << b;
    msgwalk_set(w, MSGWALK_MIME_BAD_BOUNDARY);
}

/* msgwalk_entity_begin - a fresh entity; its header block comes next */
void msgwalk_entity_begin(struct msgwalk *w, unsigned depth, bool digest, bool encap, bool parsed)
{
    memset(&w->ent, 0, sizeof(w->ent));
    w->ent.depth = depth;
    w->ent.digest = digest;
    w->ent.encap = encap;
    w->ent.parsed = parsed;
    w->phase = MSGWALK_PH_HEADERS;
    w->hdr_bytes = 0;
    w->hdr_over = false;
    w->flen = 0;
    w->field_on = false;
    if (depth > w->res.depth)
        w->res.depth = depth;
}

/* msgwalk_entity_field - the first Content-Type and Content-Transfer-
 * Encoding count; Content-Disposition too */
void msgwalk_entity_field(struct msgwalk *w, const char *name, size_t nlen, const char *v,
                          size_t vn)
{
    struct msgwalk_entity *e = &w->ent;
    if (!e->parsed)
        return;
    if (is_name(name, nlen, "content-type") && !e->ct_seen) {
        mime_field_ctype(v, vn, &e->ct);
        e->ct_seen = true;
    } else if (is_name(name, nlen, "content-transfer-encoding") && !e->cte_seen) {
        e->cte = mime_field_cte(v, vn);
        e->cte_seen = true;
    } else if (is_name(name, nlen, "content-disposition")) {
        e->attachment = mime_field_attachment(v, vn);
    }
}

/* opaque_body - what follows is a body nobody looks into (an epilogue) */
static void opaque_body(struct msgwalk *w, unsigned depth, bool encap)
{
    msgwalk_entity_begin(w, depth, false, encap, false);
    w->phase = MSGWALK_PH_BODY;
}

/* boundary_open - whether an open multipart already uses boundary b */
static bool boundary_open(const struct msgwalk *w, const char *b, size_t n)
{
    for (size_t i = 0; i < w->nframes; i++)
        if (w->frames[i].blen == n && memcmp(w->frames[i].boundary, b, n) == 0)
            return true;
    return false;
}

/* push_frame - open the current entity's multipart (the stack grows by
 * doubling, never past max_depth frames) */
static void push_frame(struct msgwalk *w)
{
    const struct msgwalk_entity *e = &w->ent;
    if (w->nframes == w->frames_cap) {
        size_t cap = w->frames_cap ? w->frames_cap * 2 : 4;
        cap = cap < w->lim.max_depth ? cap : w->lim.max_depth;
        w->frames = xrealloc(w->frames, cap * sizeof(*w->frames));
        w->frames_cap = cap;
    }
    struct msgwalk_frame *f = &w->frames[w->nframes++];
    memcpy(f->boundary, e->ct.boundary, e->ct.blen);
    f->blen = (uint8_t)e->ct.blen;
    f->digest = e->ct.digest;
    f->encap = e->encap;
    f->opened = false;
    f->depth = e->depth;
}

/* enter_multipart - a usable boundary within the depth limit opens a frame;
 * otherwise the body stays opaque */
static void enter_multipart(struct msgwalk *w)
{
    const struct mime_ctype *ct = &w->ent.ct;
    if (ct->bstate == MIME_B_MISSING || ct->bstate == MIME_B_TOO_LONG) {
        bad_boundary(w, ct->bstate == MIME_B_MISSING ? MSGWALK_B_MISSING : MSGWALK_B_TOO_LONG);
        return;
    }
    if (ct->bstate == MIME_B_BAD_CHARS)
        bad_boundary(w, MSGWALK_B_BAD_CHARS);
    if (w->ent.depth >= w->lim.max_depth || w->nframes >= w->lim.max_depth) {
        limit(w, MSGWALK_L_DEPTH);
        return;
    }
    if (boundary_open(w, ct->boundary, ct->blen))
        bad_boundary(w, MSGWALK_B_REUSED);
    push_frame(w);
}

/* enter_message - an attached message's headers follow, unless it is
 * encoded or a limit stops it */
static void enter_message(struct msgwalk *w)
{
    const struct msgwalk_entity *e = &w->ent;
    if (!unencoded(e->cte))
        return;
    if (e->depth >= w->lim.max_depth) {
        limit(w, MSGWALK_L_DEPTH);
        return;
    }
    if (w->res.parts >= w->lim.max_parts) {
        limit(w, MSGWALK_L_PARTS);
        return;
    }
    w->res.parts++;
    msgwalk_entity_begin(w, e->depth + 1, false, true, true);
}

/* enter_text - tally the message's own texts (not attachments, not inside
 * attached messages); unencoded text without charset has its octets checked */
static void enter_text(struct msgwalk *w)
{
    struct msgwalk_entity *e = &w->ent;
    if (!e->encap && !e->attachment) {
        w->has_plain |= e->type == MIME_T_TEXT_PLAIN;
        w->has_html |= e->type == MIME_T_TEXT_HTML;
    }
    e->check8 = !e->ct.charset && unencoded(e->cte);
}

/* field_flush - hand the unfolded field collected so far to the entity */
static void field_flush(struct msgwalk *w)
{
    const char *colon = w->field_on && w->flen ? memchr(w->field, ':', w->flen) : NULL;
    if (colon) {
        size_t off = (size_t)(colon - w->field) + 1, n = off - 1;
        while (n > 0 && (w->field[n - 1] == ' ' || w->field[n - 1] == '\t'))
            n--;
        msgwalk_entity_field(w, w->field, n, colon + 1, w->flen - off);
    }
    w->flen = 0;
    w->field_on = false;
}

/* msgwalk_headers_done - the entity's type (or default) decides its body */
void msgwalk_headers_done(struct msgwalk *w)
{
    struct msgwalk_entity *e = &w->ent;
    field_flush(w);
    w->phase = MSGWALK_PH_BODY;
    if (!e->parsed)
        return;
    e->type = e->ct.type != MIME_T_NONE ? e->ct.type
              : e->digest               ? MIME_T_MESSAGE
                                        : MIME_T_TEXT_PLAIN;
    if (e->type == MIME_T_MULTIPART)
        enter_multipart(w);
    else if (e->type == MIME_T_MESSAGE)
        enter_message(w);
    else if (e->type != MIME_T_OTHER)
        enter_text(w);
}

/* field_add - append to the field, within max_header_bytes; false if it does not fit */
static bool field_add(struct msgwalk *w, const char *p, size_t n)
{
    if (n > w->lim.max_header_bytes - w->flen)
        return false;
    if (w->flen + n > w->fcap) {
        size_t cap = w->fcap ? w->fcap : 256;
        while (cap < w->flen + n)
            cap *= 2;
        cap = cap < w->lim.max_header_bytes ? cap : w->lim.max_header_bytes;
        w->field = xrealloc(w->field, cap);
        w->fcap = cap;
    }
    memcpy(w->field + w->flen, p, n);
    w->flen += n;
    return true;
}

/* close_frames - every multipart above keep ends unterminated */
static void close_frames(struct msgwalk *w, size_t keep)
{
    while (w->nframes > keep) {
        const struct msgwalk_frame *f = &w->frames[--w->nframes];
        bad_boundary(w, MSGWALK_B_UNTERMINATED);
        if (!f->opened)
            bad_boundary(w, MSGWALK_B_UNUSED);
    }
}

/* part_begin - a delimiter line of frame k: a new body part (examined while
 * under max_parts) */
static void part_begin(struct msgwalk *w, size_t k)
{
    struct msgwalk_frame *f = &w->frames[k];
    bool parsed = w->res.parts < w->lim.max_parts;
    f->opened = true;
    if (parsed)
        w->res.parts++;
    else
        limit(w, MSGWALK_L_PARTS);
    msgwalk_entity_begin(w, f->depth + 1, f->digest, f->encap, parsed);
}

/* boundary_line - a delimiter or close delimiter of frame k; frames inside
 * it were never closed */
static void boundary_line(struct msgwalk *w, size_t k, bool close)
{
    if (w->phase == MSGWALK_PH_HEADERS) {
        w->flen = w->line.mark;
        msgwalk_headers_done(w);
    }
    if (w->line.len > MSGWALK_LINE_MAX)
        msgwalk_set(w, MSGWALK_LONG_BODY_LINE);
    close_frames(w, k + 1);
    if (!close) {
        part_begin(w, k);
        return;
    }
    const struct msgwalk_frame *f = &w->frames[k];
    if (!f->opened)
        bad_boundary(w, MSGWALK_B_UNUSED);
    w->nframes = k;
    opaque_body(w, f->depth, f->encap);
}

/* frame_matches - whether the line is "--" boundary ["--"] padding for f */
static bool frame_matches(const struct msgwalk_frame *f, const struct msgwalk_line *l, bool *close)
{
    size_t b = 2 + (size_t)f->blen;
    if (l->kept < b || memcmp(l->buf + 2, f->boundary, f->blen) != 0)
        return false;
    *close = l->kept >= b + 2 && l->buf[b] == '-' && l->buf[b + 1] == '-';
    for (size_t i = b + (*close ? 2 : 0); i < l->kept; i++)
        if (!is_pad(l->buf[i]))
            return false;
    return l->len == l->kept || l->ws_tail;
}

/* boundary_match - the innermost open multipart whose boundary the line is */
static bool boundary_match(const struct msgwalk *w, size_t *k, bool *close)
{
    const struct msgwalk_line *l = &w->line;
    if (w->nframes == 0 || l->nokeep || l->kept < 2)
        return false;
    for (size_t i = w->nframes; i-- > 0;) {
        if (frame_matches(&w->frames[i], l, close)) {
            *k = i;
            return true;
        }
    }
    return false;
}

/* body_line - a line of a body, preamble or epilogue */
static void body_line(struct msgwalk *w)
{
    const struct msgwalk_line *l = &w->line;
    if (l->len > MSGWALK_LINE_MAX)
        msgwalk_set(w, MSGWALK_LONG_BODY_LINE);
    if (l->hi8 && w->ent.check8)
        msgwalk_set(w, MSGWALK_TEXT_8BIT_NOCHARSET);
}

/* header_line - a line of a part's header block: the blank line ends it, a
 * line that is neither a field nor a fold starts the body without one */
static void header_line(struct msgwalk *w)
{
    struct msgwalk_line *l = &w->line;
    if (l->len == 0 || (!l->cont && !l->colon)) {
        w->flen = l->mark;
        msgwalk_headers_done(w);
        if (l->len > 0)
            body_line(w);
        return;
    }
    if (l->len > MSGWALK_LINE_MAX)
        msgwalk_set(w, MSGWALK_LONG_LINE);
    if (l->hi8)
        msgwalk_header_8bit(w, !l->u.bad && l->u.need == 0);
    if (l->ftrunc)
        w->field_on = false;
    w->hdr_bytes += l->len + 2;
    if (w->hdr_bytes > w->lim.max_header_bytes && !w->hdr_over) {
        w->hdr_over = true;
        w->field_on = false;
        limit(w, MSGWALK_L_HEADER_BYTES);
    }
}

/* line_reset - ready for the next line; the buffer stays */
static void line_reset(struct msgwalk_line *l)
{
    char *buf = l->buf;
    size_t cap = l->cap;
    memset(l, 0, sizeof(*l));
    l->buf = buf;
    l->cap = cap;
    l->ws_tail = true;
}

/* line_end - drop a final CR, then the line is a boundary, a header line or
 * a body line */
static void line_end(struct msgwalk *w)
{
    struct msgwalk_line *l = &w->line;
    size_t k;
    bool close;
    if (l->cr) {
        l->len--;
        l->kept = l->kept < l->len ? l->kept : l->len;
        if (w->phase == MSGWALK_PH_HEADERS && w->field_on && !l->ftrunc)
            w->flen--;
    }
    if (boundary_match(w, &k, &close))
        boundary_line(w, k, close);
    else if (w->phase == MSGWALK_PH_HEADERS)
        header_line(w);
    else
        body_line(w);
    line_reset(l);
}

/* line_first - in a header block, a line's first octet tells a fold from a
 * new field, which ends the field before it */
static void line_first(struct msgwalk *w, char c)
{
    struct msgwalk_line *l = &w->line;
    l->started = true;
    if (w->phase != MSGWALK_PH_HEADERS)
        return;
    l->cont = c == ' ' || c == '\t';
    if (!l->cont) {
        field_flush(w);
        w->field_on = w->ent.parsed && !w->hdr_over;
    }
    l->mark = w->flen;
    if (l->cont && w->field_on && !field_add(w, "\r\n", 2))
        l->ftrunc = true;
}

/* line_keep - keep the line's start while it may be a boundary line; past
 * the buffer, only note whether it is all padding */
static void line_keep(struct msgwalk *w, const char *p, size_t n)
{
    struct msgwalk_line *l = &w->line;
    if (w->nframes == 0 || l->nokeep)
        return;
    size_t k = l->cap - l->kept < n ? l->cap - l->kept : n;
    memcpy(l->buf + l->kept, p, k);
    l->kept += k;
    if (l->buf[0] != '-' || (l->kept >= 2 && l->buf[1] != '-')) {
        l->nokeep = true;
        return;
    }
    for (; k < n && l->ws_tail; k++)
        l->ws_tail = is_pad(p[k]);
}

/* header_octets - a header line's ':', 8-bit octets (decoded as UTF-8) and
 * its place in the field */
static void header_octets(struct msgwalk *w, const char *p, size_t n)
{
    struct msgwalk_line *l = &w->line;
    l->colon = l->colon || memchr(p, ':', n) != NULL;
    if (l->hi8 || msgwalk_has_8bit(p, n)) {
        l->hi8 = true;
        msgwalk_utf8_feed(&l->u, p, n);
    }
    if (w->field_on && !l->ftrunc && !field_add(w, p, n))
        l->ftrunc = true;
}

/* line_add - n (> 0) more octets of the current line */
static void line_add(struct msgwalk *w, const char *p, size_t n)
{
    struct msgwalk_line *l = &w->line;
    if (!l->started)
        line_first(w, p[0]);
    if (!msgwalk_has(&w->res, MSGWALK_NUL) && memchr(p, '\0', n))
        msgwalk_set(w, MSGWALK_NUL);
    line_keep(w, p, n);
    if (w->phase == MSGWALK_PH_HEADERS)
        header_octets(w, p, n);
    else if (w->ent.check8 && !l->hi8)
        l->hi8 = msgwalk_has_8bit(p, n);
    l->len += n;
    l->cr = p[n - 1] == '\r';
}

/* msgwalk_body_feed - split at LF; a line may span chunks */
void msgwalk_body_feed(struct msgwalk *w, const char *p, size_t n)
{
    const char *end = p + n;
    while (p < end) {
        const char *lf = memchr(p, '\n', (size_t)(end - p));
        const char *e = lf ? lf : end;
        if (e > p)
            line_add(w, p, (size_t)(e - p));
        if (!lf)
            return;
        line_end(w);
        p = lf + 1;
    }
}

/* msgwalk_body_end - a last line without LF, a header block without end,
 * multiparts without close delimiter */
void msgwalk_body_end(struct msgwalk *w)
{
    if (w->line.started)
        line_end(w);
    if (w->phase == MSGWALK_PH_HEADERS)
        msgwalk_headers_done(w);
    close_frames(w, 0);
}
