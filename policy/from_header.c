/* from_header.c - the author domain of a From header (RFC 5322 3.4, 3.6.2, 4.4) */
#include "from_header.h"

#include "util.h"

#include <stdbool.h>
#include <string.h>

/* Comments nest; deeper than this is hostile, not mail. */
#define COMMENT_DEPTH_MAX 64
/* A domain of 253 bytes, its trailing dot and the NUL. */
#define DOMAIN_BUF (FROM_HEADER_DOMAIN_MAX + 2)

enum tok_kind {
    TOK_END = 0,
    TOK_WORD,    /* a run of atext and dots, encoded-words included */
    TOK_QUOTED,  /* a quoted-string */
    TOK_LITERAL, /* a domain literal "[...]" */
    TOK_SPECIAL, /* one of < > @ , : ; */
    TOK_ERROR,
};

struct tok {
    enum tok_kind kind;
    const char *s; /* into the input */
    size_t n;
};

/* One pass over the value; cur is the next token, not yet consumed. */
struct lexer {
    const char *p;
    size_t len, pos;
    struct tok cur;
};

enum dom_kind {
    DOM_NONE = 0, /* no '@': a mailbox without a domain */
    DOM_NAME,
    DOM_LITERAL,
};

/* One mailbox's addr-spec, fed token by token. Errors are remembered, not
 * raised: the tokens may turn out to be a display name once '<' follows. */
struct mailbox {
    size_t local_words;
    bool after_at, bad;
    enum dom_kind kind;
    char buf[DOMAIN_BUF];
    size_t dlen;
};

struct parser {
    struct lexer lx;
    size_t mailboxes;
    bool in_group;
    bool same_domain;     /* every mailbox so far has the first one's domain */
    struct mailbox first; /* the first mailbox */
};

/* is_ctl - a control byte that no part of a header value may hold */
static bool is_ctl(unsigned char c)
{
    return (c < 0x20 && c != '\t' && c != '\r' && c != '\n') || c == 0x7f;
}

/* is_space - whitespace, folding included */
static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* is_atext - RFC 5322 atext, plus UTF-8 bytes (RFC 6532) */
static bool is_atext(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80)
        return true;
    return c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

/* skip_comment - past the comment opening at lx->pos, nesting bounded */
static int skip_comment(struct lexer *lx)
{
    int depth = 0;
    while (lx->pos < lx->len) {
        unsigned char c = (unsigned char)lx->p[lx->pos++];
        if (is_ctl(c))
            return -1;
        if (c == '\\' && lx->pos++ >= lx->len)
            return -1;
        if (c == '(' && ++depth > COMMENT_DEPTH_MAX)
            return -1;
        if (c == ')' && --depth == 0)
            return 0;
    }
    return -1;
}

/* skip_cfws - past whitespace, folding and comments */
static int skip_cfws(struct lexer *lx)
{
    while (lx->pos < lx->len) {
        if (is_space(lx->p[lx->pos]))
            lx->pos++;
        else if (lx->p[lx->pos] == '(') {
            if (skip_comment(lx) < 0)
                return -1;
        } else
            break;
    }
    return 0;
}

/* encoded_word_len - length of an RFC 2047 encoded-word "=?cs?e?text?=" at s,
 * or 0; its text may hold specials (',' '@' '<') but no '?' or space */
static size_t encoded_word_len(const char *s, size_t n)
{
    size_t i = 2, start;
    if (n < 2 || s[0] != '=' || s[1] != '?')
        return 0;
    for (start = i; i < n && s[i] != '?' && !is_space(s[i]) && !is_ctl((unsigned char)s[i]); i++)
        ;
    if (i == start || i + 2 >= n || s[i] != '?' || s[i + 2] != '?' || s[i + 1] == '\0' ||
        !strchr("bBqQ", s[i + 1]))
        return 0;
    for (i += 3; i < n && s[i] != '?' && !is_space(s[i]) && !is_ctl((unsigned char)s[i]); i++)
        ;
    return i + 1 < n && s[i] == '?' && s[i + 1] == '=' ? i + 2 : 0;
}

/* lex_delimited - a quoted-string or domain literal from lx->pos to close,
 * quoted-pairs allowed; open must not recur inside (literals) */
static void lex_delimited(struct lexer *lx, enum tok_kind kind, char open, char close)
{
    size_t i = lx->pos + 1;
    lx->cur = (struct tok){.kind = TOK_ERROR};
    for (; i < lx->len && lx->p[i] != close; i++) {
        if (is_ctl((unsigned char)lx->p[i]) || (open != close && lx->p[i] == open))
            return;
        if (lx->p[i] == '\\' && ++i >= lx->len)
            return;
    }
    if (i >= lx->len)
        return;
    lx->cur = (struct tok){.kind = kind, .s = lx->p + lx->pos, .n = i + 1 - lx->pos};
    lx->pos = i + 1;
}

/* lex_word - a run of atext, dots and encoded-words */
static void lex_word(struct lexer *lx)
{
    size_t start = lx->pos, ew;
    while (lx->pos < lx->len) {
        if ((ew = encoded_word_len(lx->p + lx->pos, lx->len - lx->pos)) > 0)
            lx->pos += ew;
        else if (is_atext((unsigned char)lx->p[lx->pos]) || lx->p[lx->pos] == '.')
            lx->pos++;
        else
            break;
    }
    lx->cur = (struct tok){.kind = TOK_WORD, .s = lx->p + start, .n = lx->pos - start};
}

/* lex_next - the next token into lx->cur */
static void lex_next(struct lexer *lx)
{
    lx->cur = (struct tok){.kind = TOK_ERROR};
    if (skip_cfws(lx) < 0)
        return;
    if (lx->pos == lx->len) {
        lx->cur = (struct tok){.kind = TOK_END};
        return;
    }
    char c = lx->p[lx->pos];
    if (c == '"')
        lex_delimited(lx, TOK_QUOTED, '"', '"');
    else if (c == '[')
        lex_delimited(lx, TOK_LITERAL, '[', ']');
    else if (c != '\0' && strchr("<>@,:;", c)) {
        lx->cur = (struct tok){.kind = TOK_SPECIAL, .s = lx->p + lx->pos++, .n = 1};
    } else if (is_atext((unsigned char)c) || c == '.')
        lex_word(lx);
}

/* is_special - the current token is the special c */
static bool is_special(const struct lexer *lx, char c)
{
    return lx->cur.kind == TOK_SPECIAL && lx->cur.s[0] == c;
}

/* feed_domain - one token after the '@' */
static void feed_domain(struct mailbox *mb, const struct tok *t)
{
    if (t->kind == TOK_LITERAL && mb->dlen == 0 && mb->kind != DOM_LITERAL) {
        mb->kind = DOM_LITERAL;
        return;
    }
    if (t->kind != TOK_WORD || mb->kind == DOM_LITERAL || mb->dlen + t->n >= sizeof(mb->buf)) {
        mb->bad = true;
        return;
    }
    /* obs-domain: CFWS may stand around the dots, not inside a label */
    if (mb->dlen > 0 && mb->buf[mb->dlen - 1] != '.' && t->s[0] != '.')
        mb->bad = true;
    memcpy(mb->buf + mb->dlen, t->s, t->n);
    mb->dlen += t->n;
    mb->buf[mb->dlen] = '\0';
}

/* feed - one token of an addr-spec */
static void feed(struct mailbox *mb, const struct tok *t)
{
    bool at = t->kind == TOK_SPECIAL && t->s[0] == '@';
    if (mb->after_at && !at)
        feed_domain(mb, t);
    else if (at) {
        mb->bad |= mb->after_at || mb->local_words == 0;
        mb->after_at = true;
        mb->kind = DOM_NAME;
    } else if (t->kind == TOK_WORD || t->kind == TOK_QUOTED)
        mb->local_words++;
    else
        mb->bad = true;
}

/* is_label_char - what a DNS name from mail may hold: LDH, '_', UTF-8 */
static bool is_label_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c >= 0x80;
}

/* valid_domain - dot-separated non-empty labels of label chars, at most 253
 * bytes once one trailing dot is dropped; lowercases it */
static bool valid_domain(struct mailbox *mb)
{
    size_t label = 0;
    if (mb->dlen > 0 && mb->buf[mb->dlen - 1] == '.')
        mb->buf[--mb->dlen] = '\0';
    if (mb->dlen == 0 || mb->dlen > FROM_HEADER_DOMAIN_MAX - 1)
        return false;
    for (size_t i = 0; i < mb->dlen; i++) {
        unsigned char c = (unsigned char)mb->buf[i];
        if ((c == '.' && label == 0) || (c != '.' && !is_label_char(c)))
            return false;
        label = c == '.' ? 0 : label + 1;
    }
    str_lower(mb->buf);
    return label > 0;
}

/* add_mailbox - count a complete mailbox; -1 if its addr-spec is bad */
static int add_mailbox(struct parser *ps, struct mailbox *mb)
{
    if (mb->bad || (mb->kind == DOM_NAME && !valid_domain(mb)))
        return -1;
    if (mb->kind == DOM_LITERAL)
        mb->buf[0] = '\0';
    if (ps->mailboxes++ == 0) {
        ps->first = *mb;
        ps->same_domain = mb->kind == DOM_NAME;
    } else
        ps->same_domain &= mb->kind == DOM_NAME && strcmp(ps->first.buf, mb->buf) == 0;
    return 0;
}

/* skip_route - an obsolete source route "@a,@b:" inside angle brackets */
static int skip_route(struct lexer *lx)
{
    while (!is_special(lx, ':')) {
        if (lx->cur.kind == TOK_END || lx->cur.kind == TOK_ERROR || is_special(lx, '>'))
            return -1;
        lex_next(lx);
    }
    lex_next(lx);
    return 0;
}

/* parse_angle - "<" [route] addr-spec ">", the display name already read */
static int parse_angle(struct parser *ps)
{
    struct mailbox mb = {0};
    struct lexer *lx = &ps->lx;
    lex_next(lx);
    if (is_special(lx, '@') && skip_route(lx) < 0)
        return -1;
    while (!is_special(lx, '>')) {
        if (lx->cur.kind == TOK_END || lx->cur.kind == TOK_ERROR || is_special(lx, '<') ||
            is_special(lx, ',') || is_special(lx, ':') || is_special(lx, ';'))
            return -1;
        feed(&mb, &lx->cur);
        lex_next(lx);
    }
    lex_next(lx);
    if (lx->cur.kind != TOK_END && !is_special(lx, ',') && !is_special(lx, ';'))
        return -1;
    return add_mailbox(ps, &mb);
}

/* parse_element - a group's start, a name-addr, or an addr-spec */
static int parse_element(struct parser *ps)
{
    struct mailbox mb = {0};
    struct lexer *lx = &ps->lx;
    while (lx->cur.kind == TOK_WORD || lx->cur.kind == TOK_QUOTED || lx->cur.kind == TOK_LITERAL ||
           is_special(lx, '@')) {
        feed(&mb, &lx->cur);
        lex_next(lx);
    }
    if (is_special(lx, '<'))
        return parse_angle(ps);
    if (is_special(lx, ':')) {
        if (ps->in_group || mb.after_at)
            return -1;
        ps->in_group = true;
        lex_next(lx);
        return 0;
    }
    if (lx->cur.kind == TOK_ERROR || is_special(lx, '>'))
        return -1;
    return add_mailbox(ps, &mb);
}

/* parse_list - every element of the mailbox list (groups tolerated) */
static int parse_list(struct parser *ps)
{
    struct lexer *lx = &ps->lx;
    lex_next(lx);
    for (;;) {
        if (lx->cur.kind == TOK_END)
            return 0;
        if (lx->cur.kind == TOK_ERROR)
            return -1;
        if (is_special(lx, ',') || is_special(lx, ';')) {
            if (is_special(lx, ';') && !ps->in_group)
                return -1;
            ps->in_group &= !is_special(lx, ';');
            lex_next(lx);
        } else if (parse_element(ps) < 0)
            return -1;
    }
}

/* copy_domain - the result domain into the caller's buffer; -1 if too small */
static int copy_domain(const char *d, char *domain, size_t size)
{
    if (strlen(d) >= size)
        return -1;
    memcpy(domain, d, strlen(d) + 1);
    return 0;
}

/* from_header_domain - parse and classify */
enum from_header_status from_header_domain(const char *p, size_t len, char *domain, size_t size)
{
    struct parser ps = {.lx = {.p = p, .len = len}};
    if (size > 0)
        domain[0] = '\0';
    if (parse_list(&ps) < 0)
        return FROM_HEADER_SYNTAX;
    if (ps.mailboxes == 0)
        return FROM_HEADER_NONE;
    if (ps.mailboxes > 1) {
        if (ps.same_domain)
            (void)copy_domain(ps.first.buf, domain, size);
        return FROM_HEADER_MULTIPLE_ADDRESSES;
    }
    if (ps.first.kind != DOM_NAME)
        return FROM_HEADER_NODOMAIN;
    return copy_domain(ps.first.buf, domain, size) < 0 ? FROM_HEADER_SYNTAX : FROM_HEADER_OK;
}

/* from_header_status - the count of headers decides first */
enum from_header_status from_header_status(size_t nheaders, enum from_header_status parsed)
{
    if (nheaders == 0)
        return FROM_HEADER_NONE;
    return nheaders > 1 ? FROM_HEADER_MULTIPLE_HEADERS : parsed;
}

/* from_header_word - log word of a status */
const char *from_header_word(enum from_header_status status)
{
    static const char *const words[] = {
        [FROM_HEADER_NONE] = "none",
        [FROM_HEADER_OK] = "ok",
        [FROM_HEADER_MULTIPLE_HEADERS] = "multiple-headers",
        [FROM_HEADER_MULTIPLE_ADDRESSES] = "multiple-addresses",
        [FROM_HEADER_NODOMAIN] = "no-domain",
        [FROM_HEADER_SYNTAX] = "syntax",
    };
    return (size_t)status < ARRAY_LEN(words) ? words[status] : "syntax";
}
