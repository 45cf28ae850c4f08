/* mime_field.c - Content-Type, Content-Transfer-Encoding and
 * Content-Disposition values (RFC 2045, 2046, 2183) */
#include "mime_field.h"

#include "util.h"

#include <string.h>
#include <strings.h>

/* A structured field value being read. */
struct lex {
    const char *p, *end;
};

/* is_fws - white space or the CR LF of a fold */
static bool is_fws(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* is_tchar - an RFC 2045 token octet: visible ASCII but tspecials */
static bool is_tchar(char c)
{
    return c > ' ' && c < 0x7f && strchr("()<>@,;:\\\"/[]?=", c) == NULL;
}

/* is_bchar - an RFC 2046 boundary octet (bchars) */
static bool is_bchar(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c != '\0' && strchr("'()+_,-./:=? ", c) != NULL);
}

/* is_word - whether s (n octets) is word, whatever the case */
static bool is_word(const char *s, size_t n, const char *word)
{
    return n == strlen(word) && strncasecmp(s, word, n) == 0;
}

/* skip_cfws - skip white space, folds and comments (nested, with quoted-pairs);
 * an unclosed comment runs to the end */
static void skip_cfws(struct lex *x)
{
    size_t depth = 0;
    for (; x->p < x->end; x->p++) {
        char c = *x->p;
        if (depth == 0 && is_fws(c))
            continue;
        if (c == '(')
            depth++;
        else if (depth == 0)
            return;
        else if (c == ')')
            depth--;
        else if (c == '\\' && x->p + 1 < x->end)
            x->p++;
    }
}

/* lex_token - read a token; returns its length, 0 if none is here */
static size_t lex_token(struct lex *x, const char **s)
{
    *s = x->p;
    while (x->p < x->end && is_tchar(*x->p))
        x->p++;
    return (size_t)(x->p - *s);
}

/* lex_char - consume c if it comes next */
static bool lex_char(struct lex *x, char c)
{
    if (x->p >= x->end || *x->p != c)
        return false;
    x->p++;
    return true;
}

/* lex_quoted - read a quoted-string after its opening quote into out (up to
 * cap octets, quoted-pairs undone, folds removed); returns its full length */
static size_t lex_quoted(struct lex *x, char *out, size_t cap)
{
    size_t len = 0;
    while (x->p < x->end && *x->p != '"') {
        char c = *x->p++;
        if (c == '\r' || c == '\n')
            continue;
        if (c == '\\' && x->p < x->end)
            c = *x->p++;
        if (len < cap)
            out[len] = c;
        len++;
    }
    lex_char(x, '"');
    return len;
}

/* lex_value - read a parameter value into out (up to cap octets): a
 * quoted-string, or leniently anything up to white space, ';', '"' or '('
 * (real mail has unquoted "=" in boundaries); returns its full length */
static size_t lex_value(struct lex *x, char *out, size_t cap)
{
    if (lex_char(x, '"'))
        return lex_quoted(x, out, cap);
    size_t len = 0;
    for (; x->p < x->end; x->p++, len++) {
        unsigned char c = (unsigned char)*x->p;
        if (c <= ' ' || c == 0x7f || c == ';' || c == '"' || c == '(')
            break;
        if (len < cap)
            out[len] = (char)c;
    }
    return len;
}

/* skip_param - move past the next ';' outside quoted-strings and comments;
 * false at the end of the value */
static bool skip_param(struct lex *x)
{
    while (x->p < x->end) {
        if (lex_char(x, ';'))
            return true;
        if (lex_char(x, '"'))
            lex_quoted(x, NULL, 0);
        else if (*x->p == '(')
            skip_cfws(x);
        else
            x->p++;
    }
    return false;
}

/* boundary_state - judge a boundary of n octets against RFC 2046's syntax */
static enum mime_boundary boundary_state(const char *b, size_t n)
{
    if (n == 0)
        return MIME_B_MISSING;
    if (n > MIME_BOUNDARY_MAX)
        return MIME_B_TOO_LONG;
    for (size_t i = 0; i < n; i++)
        if (!is_bchar(b[i]))
            return MIME_B_BAD_CHARS;
    return b[n - 1] == ' ' ? MIME_B_BAD_CHARS : MIME_B_OK;
}

/* is_charset_name - "charset", or its RFC 2231 forms "charset*", "charset*0"... */
static bool is_charset_name(const char *a, size_t n)
{
    return n >= 7 && strncasecmp(a, "charset", 7) == 0 && (n == 7 || a[7] == '*');
}

/* param - read one attribute's value into ct; *seen_b tells whether a boundary came before */
static void param(struct lex *x, const char *a, size_t an, struct mime_ctype *ct, bool *seen_b)
{
    if (is_word(a, an, "boundary") && !*seen_b) {
        size_t n = lex_value(x, ct->boundary, sizeof(ct->boundary));
        ct->bstate = boundary_state(ct->boundary, n);
        ct->blen = ct->bstate == MIME_B_OK || ct->bstate == MIME_B_BAD_CHARS ? n : 0;
        *seen_b = true;
    } else if (is_charset_name(a, an)) {
        ct->charset |= lex_value(x, NULL, 0) > 0;
    } else {
        lex_value(x, NULL, 0);
    }
}

/* params - read the parameters after "type/subtype" */
static void params(struct lex *x, struct mime_ctype *ct)
{
    bool seen_b = false;
    while (skip_param(x)) {
        const char *a;
        skip_cfws(x);
        size_t an = lex_token(x, &a);
        skip_cfws(x);
        if (an == 0 || !lex_char(x, '='))
            continue;
        skip_cfws(x);
        param(x, a, an, ct, &seen_b);
    }
    if (ct->type == MIME_T_MULTIPART && !seen_b)
        ct->bstate = MIME_B_MISSING;
}

/* classify - the mime_type of type/subtype */
static enum mime_type classify(const char *t, size_t tn, const char *s, size_t sn, bool *digest)
{
    if (is_word(t, tn, "text")) {
        if (is_word(s, sn, "plain"))
            return MIME_T_TEXT_PLAIN;
        return is_word(s, sn, "html") ? MIME_T_TEXT_HTML : MIME_T_TEXT_OTHER;
    }
    if (is_word(t, tn, "multipart")) {
        *digest = is_word(s, sn, "digest");
        return MIME_T_MULTIPART;
    }
    if (is_word(t, tn, "message") && (is_word(s, sn, "rfc822") || is_word(s, sn, "global")))
        return MIME_T_MESSAGE;
    return MIME_T_OTHER;
}

/* mime_field_ctype - type/subtype, then the parameters that matter */
void mime_field_ctype(const char *v, size_t n, struct mime_ctype *out)
{
    struct lex x = {.p = v, .end = v + n};
    const char *t, *s;
    memset(out, 0, sizeof(*out));
    skip_cfws(&x);
    size_t tn = lex_token(&x, &t);
    skip_cfws(&x);
    if (tn == 0 || !lex_char(&x, '/'))
        return;
    skip_cfws(&x);
    size_t sn = lex_token(&x, &s);
    if (sn == 0)
        return;
    out->type = classify(t, tn, s, sn, &out->digest);
    params(&x, out);
}

/* mime_field_cte - the mechanism token, matched without regard to case */
enum mime_cte mime_field_cte(const char *v, size_t n)
{
    static const struct {
        const char *name;
        enum mime_cte cte;
    } names[] = {
        {.name = "7bit", .cte = MIME_CTE_7BIT},
        {.name = "8bit", .cte = MIME_CTE_8BIT},
        {.name = "binary", .cte = MIME_CTE_BINARY},
        {.name = "base64", .cte = MIME_CTE_BASE64},
        {.name = "quoted-printable", .cte = MIME_CTE_QP},
    };
    struct lex x = {.p = v, .end = v + n};
    const char *t;
    skip_cfws(&x);
    size_t tn = lex_token(&x, &t);
    if (tn == 0)
        return x.p == x.end ? MIME_CTE_NONE : MIME_CTE_OTHER;
    for (size_t i = 0; i < ARRAY_LEN(names); i++)
        if (is_word(t, tn, names[i].name))
            return names[i].cte;
    return MIME_CTE_OTHER;
}

/* mime_field_attachment - the disposition type is "attachment" */
bool mime_field_attachment(const char *v, size_t n)
{
    struct lex x = {.p = v, .end = v + n};
    const char *t;
    skip_cfws(&x);
    size_t tn = lex_token(&x, &t);
    return is_word(t, tn, "attachment");
}
