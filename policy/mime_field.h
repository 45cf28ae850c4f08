/* mime_field.h - the values of the MIME header fields a message walk needs:
 * Content-Type with its parameters (RFC 2045 section 5, RFC 2046), Content-
 * Transfer-Encoding (RFC 2045 section 6) and Content-Disposition (RFC 2183).
 * Pure functions over (pointer, length): a value may hold any octets,
 * including NUL and folding CRLFs. Comments, quoted-strings and quoted-pairs
 * are understood; names compare without regard to case. RFC 2231 parameter
 * continuations are not joined (a "boundary*0" is not a boundary). */
#ifndef MXGATE_MIME_FIELD_H
#define MXGATE_MIME_FIELD_H

#include <stdbool.h>
#include <stddef.h>

/* The longest boundary RFC 2046 allows. */
#define MIME_BOUNDARY_MAX 70

/* What a Content-Type names, as far as the walk cares. */
enum mime_type {
    MIME_T_NONE = 0,   /* absent or not "type/subtype": the context's default applies */
    MIME_T_TEXT_PLAIN, /* text/plain */
    MIME_T_TEXT_HTML,  /* text/html */
    MIME_T_TEXT_OTHER, /* any other text/ subtype */
    MIME_T_MULTIPART,  /* multipart/ any subtype */
    MIME_T_MESSAGE,    /* message/rfc822 or message/global: an encapsulated message */
    MIME_T_OTHER,      /* anything else */
};

/* The boundary parameter of a multipart. */
enum mime_boundary {
    MIME_B_OK = 0,
    MIME_B_MISSING,   /* no boundary parameter, or an empty one */
    MIME_B_TOO_LONG,  /* over MIME_BOUNDARY_MAX octets: not kept */
    MIME_B_BAD_CHARS, /* octets outside bchars, or a final space: kept all the same */
};

/* A parsed Content-Type. */
struct mime_ctype {
    enum mime_type type;
    bool digest;                      /* multipart/digest: parts default to message/rfc822 */
    bool charset;                     /* a non-empty charset (or RFC 2231 charset*) parameter */
    enum mime_boundary bstate;        /* multipart only; the first boundary parameter counts */
    char boundary[MIME_BOUNDARY_MAX]; /* not NUL-terminated; quoted-pairs undone */
    size_t blen;                      /* boundary's length when bstate is OK or BAD_CHARS */
};

enum mime_cte {
    MIME_CTE_NONE = 0, /* absent or empty: 7bit */
    MIME_CTE_7BIT,
    MIME_CTE_8BIT,
    MIME_CTE_BINARY,
    MIME_CTE_BASE64,
    MIME_CTE_QP,    /* quoted-printable */
    MIME_CTE_OTHER, /* unknown (x-uuencode, ...): opaque content */
};

/* mime_field_ctype - parse a Content-Type value of n octets into *out
 * (always filled; type MIME_T_NONE when it does not start with a valid
 * "type/subtype", which RFC 2045 says to treat as absent). */
void mime_field_ctype(const char *v, size_t n, struct mime_ctype *out);

/* mime_field_cte - the encoding a Content-Transfer-Encoding value names. */
enum mime_cte mime_field_cte(const char *v, size_t n);

/* mime_field_attachment - whether a Content-Disposition value's type is
 * "attachment". */
bool mime_field_attachment(const char *v, size_t n);

#endif
