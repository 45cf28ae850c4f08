/* test_msgwalk.c - the walker's findings, one golden message (or a few) per
 * finding, each walked whole, octet by octet and in random chunks with the
 * same result (msgwalk_feed.c); MIME structure and limits are in
 * test_msgwalk_mime.c */
#include "msgwalk_feed.h"

#include "util.h"

/* The header fields of a well-formed message, to prefix a test's own. */
#define GOOD_HEADERS                             \
    "From: Alice <alice@example.org>\n"          \
    "To: Bob <bob@example.net>\n"                \
    "Date: Mon, 2 Mar 2026 10:00:00 +0100\n"     \
    "Message-ID: <1234.5678@mail.example.org>\n" \
    "Subject: Lunch on Thursday\n"

/* long_text - n copies of c in a static buffer (n < 1200), NUL-terminated */
static const char *long_text(char c, size_t n)
{
    static char buf[1200];
    CHECK(n < sizeof(buf));
    memset(buf, c, n);
    buf[n] = '\0';
    return buf;
}

/* walk_str - feed_all over a NUL-terminated text */
static struct msgwalk_result walk_str(const char *s)
{
    return feed_all(s, strlen(s), NULL);
}

static void clean_plain_message_has_no_findings(void)
{
    struct msgwalk_result r = WALK(GOOD_HEADERS "\nSee you at noon.\n");
    CHECK_FINDINGS(r.findings, 0);
    CHECK_INT(r.parts, 1);
    CHECK_INT(r.depth, 0);
    CHECK_INT(r.hdr_count[MSGWALK_H_FROM], 1);
    CHECK_INT(r.hdr_count[MSGWALK_H_SUBJECT], 1);
    CHECK_INT(r.hdr_count[MSGWALK_H_CC], 0);
}

static void clean_multipart_alternative_has_no_findings(void)
{
    struct msgwalk_result r = WALK(GOOD_HEADERS "MIME-Version: 1.0\n"
                                                "Content-Type: multipart/alternative;\n"
                                                "\tboundary=\"----=_Part_42_1.2\"\n"
                                                "\n"
                                                "This is a multi-part message in MIME format.\n"
                                                "------=_Part_42_1.2\n"
                                                "Content-Type: text/plain; charset=utf-8\n"
                                                "Content-Transfer-Encoding: 8bit\n"
                                                "\n"
                                                "Caf\xc3\xa9 at noon.\n"
                                                "------=_Part_42_1.2\n"
                                                "Content-Type: text/html; charset=\"utf-8\"\n"
                                                "Content-Transfer-Encoding: quoted-printable\n"
                                                "\n"
                                                "<p>Caf=C3=A9 at noon.</p>\n"
                                                "------=_Part_42_1.2--\n"
                                                "epilogue\n");
    CHECK_FINDINGS(r.findings, 0);
    CHECK_INT(r.parts, 3);
    CHECK_INT(r.depth, 1);
}

static void from_missing(void)
{
    struct msgwalk_result r = WALK("To: bob@example.net\n"
                                   "Date: Mon, 2 Mar 2026 10:00:00 +0100\n"
                                   "Message-ID: <1@example.org>\n"
                                   "\nbody\n");
    CHECK_FINDINGS(r.findings, BIT(FROM_MISSING));
}

static void from_multiple(void)
{
    struct msgwalk_result r = WALK(GOOD_HEADERS "FROM: Mallory <m@example.com>\n\nbody\n");
    CHECK_FINDINGS(r.findings, BIT(FROM_MULTIPLE));
    CHECK_INT(r.hdr_count[MSGWALK_H_FROM], 2);
    CHECK_INT(r.dup_headers, 0);
}

static void date_missing(void)
{
    struct msgwalk_result r = WALK("From: alice@example.org\n"
                                   "Message-ID: <1@example.org>\n"
                                   "\nbody\n");
    CHECK_FINDINGS(r.findings, BIT(DATE_MISSING));
}

static void date_multiple(void)
{
    struct msgwalk_result r = WALK(GOOD_HEADERS "date: Tue, 3 Mar 2026 10:00:00 +0100\n\nx\n");
    CHECK_FINDINGS(r.findings, BIT(DATE_MULTIPLE));
}

static void msgid_missing(void)
{
    struct msgwalk_result r = WALK("From: alice@example.org\n"
                                   "Date: Mon, 2 Mar 2026 10:00:00 +0100\n"
                                   "\nbody\n");
    CHECK_FINDINGS(r.findings, BIT(MSGID_MISSING));
}

static void no_header_at_all_misses_from_date_and_msgid(void)
{
    struct msgwalk_result r = WALK("\nbody\n");
    CHECK_FINDINGS(r.findings, BIT(FROM_MISSING) | BIT(DATE_MISSING) | BIT(MSGID_MISSING));
}

static void dup_header_names_each_repeated_field(void)
{
    struct msgwalk_result r = WALK(GOOD_HEADERS "Reply-To: a@example.org\n"
                                                "reply-to : b@example.org\n"
                                                "Subject: again\n"
                                                "References: <1@x>\n"
                                                "\nbody\n");
    CHECK_FINDINGS(r.findings, BIT(DUP_HEADER));
    CHECK_INT(r.dup_headers, (1u << MSGWALK_H_REPLY_TO) | (1u << MSGWALK_H_SUBJECT));
    CHECK_STR(msgwalk_hdr_name(MSGWALK_H_REPLY_TO), "reply-to");
    static const int once[] = {MSGWALK_H_SENDER,     MSGWALK_H_TO,          MSGWALK_H_CC,
                               MSGWALK_H_MESSAGE_ID, MSGWALK_H_IN_REPLY_TO, MSGWALK_H_REFERENCES};
    for (size_t i = 0; i < ARRAY_LEN(once); i++) {
        char msg[512];
        const char *name = msgwalk_hdr_name(once[i]);
        snprintf(msg, sizeof(msg), GOOD_HEADERS "%s: x\n%s: y\n\nbody\n", name, name);
        r = walk_str(msg);
        bool third_rcpt = once[i] == MSGWALK_H_TO || once[i] == MSGWALK_H_CC;
        CHECK_FINDINGS(r.findings, BIT(DUP_HEADER) | (third_rcpt ? BIT(HEADER_INJECTION) : 0));
        CHECK_INT(r.dup_headers, 1u << once[i]);
    }
}

static void header_8bit_latin1_is_not_utf8(void)
{
    struct msgwalk_result r = WALK(GOOD_HEADERS "Comments: caf\xe9\n\nbody\n");
    CHECK_FINDINGS(r.findings, BIT(HEADER_8BIT));
}

static void header_utf8_when_every_8bit_header_is_utf8(void)
{
    struct msgwalk_result r =
        WALK(GOOD_HEADERS "Comments: caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\n\nbody\n");
    CHECK_FINDINGS(r.findings, BIT(HEADER_8BIT) | BIT(HEADER_UTF8));
    r = WALK(GOOD_HEADERS "Comments: caf\xc3\xa9\nKeywords: caf\xe9\n\nbody\n");
    CHECK_FINDINGS(r.findings, BIT(HEADER_8BIT));
}

static void malformed_utf8_is_not_utf8(void)
{
    static const char *const bad[] = {
        "\xc0\x80",         /* overlong NUL */
        "\xe0\x80\xaf",     /* overlong '/' */
        "\xed\xa0\x80",     /* surrogate */
        "\xf4\x90\x80\x80", /* over U+10FFFF */
        "\xc3",             /* cut short at the end */
        "\xe2\x82\r\n x",   /* cut short by a fold */
        "\x80",             /* lone continuation */
        "\xf8\x88\x80\x80\x80",
    };
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        char msg[512];
        snprintf(msg, sizeof(msg), GOOD_HEADERS "Comments: a%s\n\nbody\n", bad[i]);
        CHECK_FINDINGS(walk_str(msg).findings, BIT(HEADER_8BIT));
    }
}

static void header_8bit_in_a_part_header(void)
{
    struct msgwalk_result r = WALK(GOOD_HEADERS "Content-Type: multipart/mixed; boundary=b\n"
                                                "\n"
                                                "--b\n"
                                                "Content-Type: text/plain; charset=us-ascii\n"
                                                "\n"
                                                "see attached\n"
                                                "--b\n"
                                                "Content-Type: application/pdf; name=\"\xc3\x9c"
                                                "bersicht.pdf\"\n"
                                                "Content-Disposition: attachment;\n"
                                                " filename=\"\xc3\x9c"
                                                "bersicht.pdf\"\n"
                                                "Content-Transfer-Encoding: base64\n"
                                                "\n"
                                                "JVBERi0xLjQK\n"
                                                "--b--\n");
    CHECK_FINDINGS(r.findings, BIT(HEADER_8BIT) | BIT(HEADER_UTF8));
}

static void rfc2047_encoded_header_is_clean(void)
{
    struct msgwalk_result r = WALK("From: =?utf-8?B?QWxpY2U=?= <alice@example.org>\n"
                                   "Date: Mon, 2 Mar 2026 10:00:00 +0100\n"
                                   "Message-ID: <1@example.org>\n"
                                   "Subject: =?utf-8?Q?Caf=C3=A9?=\n"
                                   "\nbody\n");
    CHECK_FINDINGS(r.findings, 0);
}

static void text_8bit_nocharset(void)
{
    struct msgwalk_result r = WALK(GOOD_HEADERS "MIME-Version: 1.0\n"
                                                "Content-Type: text/plain\n"
                                                "Content-Transfer-Encoding: 8bit\n"
                                                "\nCaf\xe9\n");
    CHECK_FINDINGS(r.findings, BIT(TEXT_8BIT_NOCHARSET));
    r = WALK(GOOD_HEADERS "\nno MIME at all: caf\xc3\xa9\n");
    CHECK_FINDINGS(r.findings, BIT(TEXT_8BIT_NOCHARSET));
    r = WALK(GOOD_HEADERS "Content-Type: text/plain; format=flowed\n\nCaf\xe9\n");
    CHECK_FINDINGS(r.findings, BIT(TEXT_8BIT_NOCHARSET));
}

static void text_8bit_with_charset_or_encoding_is_fine(void)
{
    struct msgwalk_result r =
        WALK(GOOD_HEADERS "Content-Type: text/plain; charset=iso-8859-1\n\nCaf\xe9\n");
    CHECK_FINDINGS(r.findings, 0);
    r = WALK(GOOD_HEADERS "Content-Type: text/plain; charset*=utf-8''x\n\nCaf\xc3\xa9\n");
    CHECK_FINDINGS(r.findings, 0);
    r = WALK(GOOD_HEADERS "Content-Type: application/octet-stream\n\n\xff\xfe\n");
    CHECK_FINDINGS(r.findings, 0);
    r = WALK(GOOD_HEADERS "Content-Type: text/plain\n\nonly ascii\n");
    CHECK_FINDINGS(r.findings, 0);
    r = WALK(GOOD_HEADERS "Content-Type: text/plain; charset=\"\"\n\nCaf\xe9\n");
    CHECK_FINDINGS(r.findings, BIT(TEXT_8BIT_NOCHARSET));
}

static void text_8bit_nocharset_in_a_part_only(void)
{
    struct msgwalk_result r = WALK(GOOD_HEADERS "Content-Type: multipart/mixed; boundary=x\n"
                                                "\n"
                                                "--x\n"
                                                "Content-Type: text/plain; charset=utf-8\n"
                                                "\n"
                                                "caf\xc3\xa9\n"
                                                "--x\n"
                                                "Content-Type: text/html\n"
                                                "\n"
                                                "<p>caf\xe9</p>\n"
                                                "--x--\n");
    CHECK_FINDINGS(r.findings, BIT(TEXT_8BIT_NOCHARSET));
    r = WALK(GOOD_HEADERS "Content-Type: multipart/mixed; boundary=x\n"
                          "\n"
                          "preamble caf\xe9\n"
                          "--x\n"
                          "Content-Type: text/plain; charset=utf-8\n"
                          "\n"
                          "caf\xc3\xa9\n"
                          "--x\n"
                          "Content-Type: text/plain\n"
                          "Content-Transfer-Encoding: quoted-printable\n"
                          "\n"
                          "caf=E9\n"
                          "--x--\n"
                          "epilogue caf\xe9\n");
    CHECK_FINDINGS(r.findings, 0);
}

static void html_only_top_level(void)
{
    struct msgwalk_result r = WALK(GOOD_HEADERS "MIME-Version: 1.0\n"
                                                "Content-Type: text/html; charset=us-ascii\n"
                                                "\n<html><body>Buy now</body></html>\n");
    CHECK_FINDINGS(r.findings, BIT(HTML_ONLY));
}

static void html_only_in_multipart_without_text_alternative(void)
{
    struct msgwalk_result r = WALK(GOOD_HEADERS "Content-Type: multipart/alternative; boundary=a\n"
                                                "\n"
                                                "--a\n"
                                                "Content-Type: text/html; charset=us-ascii\n"
                                                "\n"
                                                "<p>Buy now</p>\n"
                                                "--a--\n");
    CHECK_FINDINGS(r.findings, BIT(HTML_ONLY));
    r = WALK(GOOD_HEADERS "Content-Type: multipart/mixed; boundary=m\n"
                          "\n"
                          "--m\n"
                          "Content-Type: text/html; charset=us-ascii\n"
                          "\n"
                          "<p>Invoice attached</p>\n"
                          "--m\n"
                          "Content-Type: text/plain; charset=us-ascii\n"
                          "Content-Disposition: attachment; filename=notes.txt\n"
                          "\n"
                          "an attached text is no alternative\n"
                          "--m--\n");
    CHECK_FINDINGS(r.findings, BIT(HTML_ONLY));
}

static void html_with_text_alternative_is_fine(void)
{
    struct msgwalk_result r = WALK(GOOD_HEADERS "Content-Type: multipart/alternative; boundary=a\n"
                                                "\n"
                                                "--a\n"
                                                "Content-Type: text/plain; charset=us-ascii\n"
                                                "\n"
                                                "Hello\n"
                                                "--a\n"
                                                "Content-Type: text/html; charset=us-ascii\n"
                                                "\n"
                                                "<p>Hello</p>\n"
                                                "--a--\n");
    CHECK_FINDINGS(r.findings, 0);
    r = WALK(GOOD_HEADERS "Content-Type: multipart/mixed; boundary=m\n"
                          "\n"
                          "--m\n"
                          "\n"
                          "plain by default\n"
                          "--m\n"
                          "Content-Type: message/rfc822\n"
                          "\n"
                          "Content-Type: text/html; charset=us-ascii\n"
                          "\n"
                          "<p>a forwarded HTML message is not ours</p>\n"
                          "--m--\n");
    CHECK_FINDINGS(r.findings, 0);
}

static void long_line_in_a_top_level_header(void)
{
    char msg[3000];
    snprintf(msg, sizeof(msg), GOOD_HEADERS "X-Long: %s\n\nbody\n", long_text('x', 991));
    CHECK_FINDINGS(walk_str(msg).findings, BIT(LONG_LINE));
    snprintf(msg, sizeof(msg), GOOD_HEADERS "X-Long: %s\n\nbody\n", long_text('x', 990));
    CHECK_FINDINGS(walk_str(msg).findings, 0); /* 998 octets exactly */
    snprintf(msg, sizeof(msg), GOOD_HEADERS "X-Folded: a\n %s\n\nbody\n", long_text('y', 998));
    CHECK_FINDINGS(walk_str(msg).findings, BIT(LONG_LINE));
    snprintf(msg, sizeof(msg), GOOD_HEADERS "X-Folded: a\n%s\n\nbody\n", long_text(' ', 998));
    CHECK_FINDINGS(walk_str(msg).findings, 0);
}

static void long_line_in_a_part_header(void)
{
    char msg[3000];
    snprintf(msg, sizeof(msg),
             GOOD_HEADERS
             "Content-Type: multipart/mixed; boundary=b\n\n"
             "--b\nContent-Type: text/plain; charset=us-ascii;\n x-pad=%s\n\nhi\n--b--\n",
             long_text('p', 992));
    CHECK_FINDINGS(walk_str(msg).findings, BIT(LONG_LINE));
}

static void long_body_line(void)
{
    char msg[3000];
    snprintf(msg, sizeof(msg), GOOD_HEADERS "\nshort\n%s\nshort\n", long_text('z', 999));
    CHECK_FINDINGS(walk_str(msg).findings, BIT(LONG_BODY_LINE));
    snprintf(msg, sizeof(msg), GOOD_HEADERS "\nshort\n%s\nshort\n", long_text('z', 998));
    CHECK_FINDINGS(walk_str(msg).findings, 0);
    snprintf(msg, sizeof(msg), GOOD_HEADERS "\n%s", long_text('z', 999)); /* no final CRLF */
    CHECK_FINDINGS(walk_str(msg).findings, BIT(LONG_BODY_LINE));
}

static void nul_in_a_header(void)
{
    struct msgwalk_result r = WALK(GOOD_HEADERS "X-Nul: a\0b\n\nbody\n");
    CHECK_FINDINGS(r.findings, BIT(NUL));
}

static void nul_in_the_body(void)
{
    struct msgwalk_result r = WALK(GOOD_HEADERS "\nline one\nline\0two\n");
    CHECK_FINDINGS(r.findings, BIT(NUL));
    r = WALK(GOOD_HEADERS "Content-Type: multipart/mixed; boundary=b\n\n"
                          "--b\nContent-Type: application/octet-stream\n\n\0\0\0\n--b--\n");
    CHECK_FINDINGS(r.findings, BIT(NUL));
}

static void header_injection_by_many_recipient_fields(void)
{
    struct msgwalk_result r = WALK(GOOD_HEADERS "Cc: c@example.net\nBcc: d@example.net\n\nx\n");
    CHECK_FINDINGS(r.findings, BIT(HEADER_INJECTION));
    r = WALK(GOOD_HEADERS "Cc: c@example.net\n\nx\n");
    CHECK_FINDINGS(r.findings, 0);
}

static void header_injection_by_a_folded_subject(void)
{
    static const char *const subjects[] = {
        "hello\n Bcc: victim1@example.com",
        "hello\n\tto : victim@example.com",
        "hello\n Content-Type: text/html",
        "hello\n a@example.com, b@example.com; c@example.com",
    };
    for (size_t i = 0; i < ARRAY_LEN(subjects); i++) {
        char msg[512];
        snprintf(msg, sizeof(msg),
                 "From: a@example.org\nDate: Mon, 2 Mar 2026 10:00:00 +0100\n"
                 "Message-ID: <1@example.org>\nSubject: %s\n\nbody\n",
                 subjects[i]);
        CHECK_FINDINGS(walk_str(msg).findings, BIT(HEADER_INJECTION));
    }
}

static void folded_subject_without_signs_is_fine(void)
{
    struct msgwalk_result r = WALK("From: a@example.org\nDate: Mon, 2 Mar 2026 10:00:00 +0100\n"
                                   "Message-ID: <1@example.org>\n"
                                   "Subject: a long subject\n Re: folded, mail from a@example.org\n"
                                   "\nbody\n");
    CHECK_FINDINGS(r.findings, 0);
}

static void subject_markup(void)
{
    static const char *const subjects[] = {
        "<a href=\"http://x.example/\">win</a>",
        "Deal <HTML>",
        "x <script>alert(1)</script>",
        "<IMG src=x>",
        "<div class=a>",
        "bold </b>",
        "<br/>",
    };
    for (size_t i = 0; i < ARRAY_LEN(subjects); i++) {
        char msg[512];
        snprintf(msg, sizeof(msg),
                 "From: a@example.org\nDate: Mon, 2 Mar 2026 10:00:00 +0100\n"
                 "Message-ID: <1@example.org>\nSubject: %s\n\nbody\n",
                 subjects[i]);
        CHECK_FINDINGS(walk_str(msg).findings, BIT(SUBJECT_MARKUP));
    }
}

static void subject_angle_brackets_without_tags_are_fine(void)
{
    static const char *const subjects[] = {
        "mail from <a@b.example>",
        "Re: <ticket 42>",
        "x < y and y > z",
        "<https://x.example/>",
        "<",
    };
    for (size_t i = 0; i < ARRAY_LEN(subjects); i++) {
        char msg[512];
        snprintf(msg, sizeof(msg),
                 "From: a@example.org\nDate: Mon, 2 Mar 2026 10:00:00 +0100\n"
                 "Message-ID: <1@example.org>\nSubject: %s\n\nbody\n",
                 subjects[i]);
        struct msgwalk_result r = walk_str(msg);
        CHECK_FINDINGS(r.findings, 0);
    }
}

static void every_finding_has_a_distinct_lowercase_name(void)
{
    for (int f = 0; f < MSGWALK_NFINDINGS; f++) {
        const char *name = msgwalk_finding_name(f);
        CHECK(name != NULL && *name != '\0');
        CHECK(strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_") == strlen(name));
        for (int g = 0; g < f; g++)
            CHECK(strcmp(name, msgwalk_finding_name(g)) != 0);
    }
    CHECK_STR(msgwalk_finding_name(MSGWALK_FROM_MULTIPLE), "from_multiple");
    CHECK_STR(msgwalk_finding_name(MSGWALK_NFINDINGS), NULL);
    CHECK_STR(msgwalk_finding_name(-1), NULL);
    CHECK_STR(msgwalk_hdr_name(MSGWALK_NHDRS), NULL);
    CHECK_STR(msgwalk_bproblem_name(MSGWALK_B_UNTERMINATED), "unterminated");
    CHECK_STR(msgwalk_limit_name(MSGWALK_L_HEADER_BYTES), "header_bytes");
}

static void calls_out_of_order_are_tolerated(void)
{
    struct msgwalk *w = msgwalk_create(NULL);
    msgwalk_body(w, "x\r\n", 3); /* implies end of headers */
    msgwalk_header(w, "From", 4, " a@example.org", 14);
    msgwalk_end(w);
    msgwalk_end(w);
    msgwalk_body(w, "\0", 1);
    const struct msgwalk_result *r = msgwalk_result(w);
    CHECK_FINDINGS(r->findings, BIT(FROM_MISSING) | BIT(DATE_MISSING) | BIT(MSGID_MISSING));
    CHECK(msgwalk_has(r, MSGWALK_FROM_MISSING));
    CHECK(!msgwalk_has(r, MSGWALK_NUL));
    msgwalk_destroy(&w);
    msgwalk_destroy(&w);
}

#define MSGWALK_TESTS(T)                               \
    T(clean_plain_message_has_no_findings)             \
    T(clean_multipart_alternative_has_no_findings)     \
    T(from_missing)                                    \
    T(from_multiple)                                   \
    T(date_missing)                                    \
    T(date_multiple)                                   \
    T(msgid_missing)                                   \
    T(no_header_at_all_misses_from_date_and_msgid)     \
    T(dup_header_names_each_repeated_field)            \
    T(header_8bit_latin1_is_not_utf8)                  \
    T(header_utf8_when_every_8bit_header_is_utf8)      \
    T(malformed_utf8_is_not_utf8)                      \
    T(header_8bit_in_a_part_header)                    \
    T(rfc2047_encoded_header_is_clean)                 \
    T(text_8bit_nocharset)                             \
    T(text_8bit_with_charset_or_encoding_is_fine)      \
    T(text_8bit_nocharset_in_a_part_only)              \
    T(html_only_top_level)                             \
    T(html_only_in_multipart_without_text_alternative) \
    T(html_with_text_alternative_is_fine)              \
    T(long_line_in_a_top_level_header)                 \
    T(long_line_in_a_part_header)                      \
    T(long_body_line)                                  \
    T(nul_in_a_header)                                 \
    T(nul_in_the_body)                                 \
    T(header_injection_by_many_recipient_fields)       \
    T(header_injection_by_a_folded_subject)            \
    T(folded_subject_without_signs_is_fine)            \
    T(subject_markup)                                  \
    T(subject_angle_brackets_without_tags_are_fine)    \
    T(every_finding_has_a_distinct_lowercase_name)     \
    T(calls_out_of_order_are_tolerated)

TEST_MAIN(MSGWALK_TESTS)
