/* test_mime_field.c - Content-Type, Content-Transfer-Encoding and
 * Content-Disposition values as the walker reads them */
#include "mime_field.h"
#include "testing.h"
#include "util.h"

/* ctype - parse a NUL-terminated Content-Type value */
static struct mime_ctype ctype(const char *v)
{
    struct mime_ctype ct;
    mime_field_ctype(v, strlen(v), &ct);
    return ct;
}

/* CHECK_BOUNDARY - the boundary kept is want */
#define CHECK_BOUNDARY(ct, want)                              \
    do {                                                      \
        CHECK_INT((ct).blen, strlen(want));                   \
        CHECK(memcmp((ct).boundary, (want), (ct).blen) == 0); \
    } while (0)

static void types_and_subtypes_ignore_case(void)
{
    static const struct {
        const char *v;
        enum mime_type type;
    } rows[] = {
        {.v = " text/plain", .type = MIME_T_TEXT_PLAIN},
        {.v = "TEXT/HTML; charset=x", .type = MIME_T_TEXT_HTML},
        {.v = "text/calendar", .type = MIME_T_TEXT_OTHER},
        {.v = "Multipart/Mixed; boundary=x", .type = MIME_T_MULTIPART},
        {.v = "message/rfc822", .type = MIME_T_MESSAGE},
        {.v = "message/global", .type = MIME_T_MESSAGE},
        {.v = "message/partial; id=1", .type = MIME_T_OTHER},
        {.v = "application/pdf", .type = MIME_T_OTHER},
        {.v = " (comment) text (more) / (and (nested)) html", .type = MIME_T_TEXT_HTML},
        {.v = "\r\n text/plain", .type = MIME_T_TEXT_PLAIN},
        {.v = "text", .type = MIME_T_NONE},
        {.v = "text/", .type = MIME_T_NONE},
        {.v = "/plain", .type = MIME_T_NONE},
        {.v = "", .type = MIME_T_NONE},
        {.v = "(unclosed comment text/plain", .type = MIME_T_NONE},
        {.v = "te\"x\"t/plain", .type = MIME_T_NONE},
    };
    for (size_t i = 0; i < ARRAY_LEN(rows); i++)
        CHECK_INT(ctype(rows[i].v).type, rows[i].type);
    CHECK(ctype("multipart/digest; boundary=d").digest);
    CHECK(!ctype("multipart/mixed; boundary=d").digest);
}

static void boundary_quoted_unquoted_and_commented(void)
{
    struct mime_ctype ct = ctype("multipart/mixed; boundary=\"----=_Part_1_2.3\"");
    CHECK_INT(ct.bstate, MIME_B_OK);
    CHECK_BOUNDARY(ct, "----=_Part_1_2.3");
    ct = ctype("multipart/mixed;\r\n\tBOUNDARY = ----=_NextPart_000_0001 (Outlook)");
    CHECK_INT(ct.bstate, MIME_B_OK);
    CHECK_BOUNDARY(ct, "----=_NextPart_000_0001");
    ct = ctype("multipart/mixed; charset=\"a;b\"; boundary=\"a\\\"b\"; boundary=second");
    CHECK_INT(ct.bstate, MIME_B_BAD_CHARS);
    CHECK_BOUNDARY(ct, "a\"b");
    ct = ctype("multipart/mixed; (boundary=no) boundary=\"with space\"");
    CHECK_INT(ct.bstate, MIME_B_OK);
    CHECK_BOUNDARY(ct, "with space");
    ct = ctype("multipart/mixed; boundary=\"folded\r\n here\"");
    CHECK_BOUNDARY(ct, "folded here");
}

static void boundary_problems(void)
{
    CHECK_INT(ctype("multipart/mixed").bstate, MIME_B_MISSING);
    CHECK_INT(ctype("multipart/mixed; boundary=").bstate, MIME_B_MISSING);
    CHECK_INT(ctype("multipart/mixed; boundary=\"\"").bstate, MIME_B_MISSING);
    CHECK_INT(ctype("multipart/mixed; boundary*0=a; boundary*1=b").bstate, MIME_B_MISSING);
    CHECK_INT(ctype("multipart/mixed; boundary").bstate, MIME_B_MISSING);
    CHECK_INT(ctype("multipart/mixed; boundary=\"trailing \"").bstate, MIME_B_BAD_CHARS);
    CHECK_INT(ctype("multipart/mixed; boundary=a<b>").bstate, MIME_B_BAD_CHARS);
    char v[200];
    snprintf(v, sizeof(v), "multipart/mixed; boundary=%070d", 7);
    CHECK_INT(ctype(v).bstate, MIME_B_OK);
    snprintf(v, sizeof(v), "multipart/mixed; boundary=\"%071d\"", 7);
    CHECK_INT(ctype(v).bstate, MIME_B_TOO_LONG);
    CHECK_INT(ctype(v).blen, 0);
    CHECK_INT(ctype("text/plain").bstate, MIME_B_OK);
}

static void charset_present_only_when_not_empty(void)
{
    CHECK(ctype("text/plain; charset=us-ascii").charset);
    CHECK(ctype("text/plain; format=flowed; CharSet=\"utf-8\"").charset);
    CHECK(ctype("text/plain; charset*=utf-8''").charset);
    CHECK(ctype("text/plain; charset*0*=utf-8''").charset);
    CHECK(!ctype("text/plain; charset=").charset);
    CHECK(!ctype("text/plain; charset=\"\"").charset);
    CHECK(!ctype("text/plain; charsets=x").charset);
    CHECK(!ctype("text/plain; name=\"charset=x\"").charset);
    CHECK(!ctype("text/plain (charset=x)").charset);
}

static void nul_and_8bit_octets_do_not_stop_parsing(void)
{
    static const char v[] = "text/plain; name=\"a\0b\xff\"; charset=x";
    struct mime_ctype ct;
    mime_field_ctype(v, sizeof(v) - 1, &ct);
    CHECK_INT(ct.type, MIME_T_TEXT_PLAIN);
    CHECK(ct.charset);
    mime_field_ctype("text/plain\0; charset=x", 10, &ct);
    CHECK(!ct.charset);
}

static void transfer_encodings(void)
{
    static const struct {
        const char *v;
        enum mime_cte cte;
    } rows[] = {
        {.v = "", .cte = MIME_CTE_NONE},
        {.v = " ", .cte = MIME_CTE_NONE},
        {.v = " 7bit", .cte = MIME_CTE_7BIT},
        {.v = "8BIT", .cte = MIME_CTE_8BIT},
        {.v = "binary (raw)", .cte = MIME_CTE_BINARY},
        {.v = " Base64", .cte = MIME_CTE_BASE64},
        {.v = "quoted-printable", .cte = MIME_CTE_QP},
        {.v = "x-uuencode", .cte = MIME_CTE_OTHER},
        {.v = "base64x", .cte = MIME_CTE_OTHER},
        {.v = "\"base64\"", .cte = MIME_CTE_OTHER},
    };
    for (size_t i = 0; i < ARRAY_LEN(rows); i++)
        CHECK_INT(mime_field_cte(rows[i].v, strlen(rows[i].v)), rows[i].cte);
}

static void dispositions(void)
{
    CHECK(mime_field_attachment(" attachment; filename=a.pdf", 27));
    CHECK(mime_field_attachment("ATTACHMENT", 10));
    CHECK(!mime_field_attachment(" inline", 7));
    CHECK(!mime_field_attachment("attachments", 11));
    CHECK(!mime_field_attachment("", 0));
}

#define MIME_FIELD_TESTS(T)                    \
    T(types_and_subtypes_ignore_case)          \
    T(boundary_quoted_unquoted_and_commented)  \
    T(boundary_problems)                       \
    T(charset_present_only_when_not_empty)     \
    T(nul_and_8bit_octets_do_not_stop_parsing) \
    T(transfer_encodings)                      \
    T(dispositions)

TEST_MAIN(MIME_FIELD_TESTS)
