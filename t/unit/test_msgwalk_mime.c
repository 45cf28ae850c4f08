/* test_msgwalk_mime.c - the walker's MIME structure: nesting, attached
 * messages, malformed boundaries, the limits, and memory that stays bounded
 * on a 50 MB message of 100,000 parts. Every message is also walked octet
 * by octet and in random chunks with the same result (msgwalk_feed.c). */
#include "msgwalk_feed.h"

#include "util.h"

#include <stdarg.h>

/* The header fields of a well-formed message, to prefix a test's own. */
#define GOOD_HEADERS                             \
    "From: alice@example.org\n"                  \
    "To: bob@example.net\n"                      \
    "Date: Mon, 2 Mar 2026 10:00:00 +0100\n"     \
    "Message-ID: <1234.5678@mail.example.org>\n" \
    "Subject: structure\n"                       \
    "MIME-Version: 1.0\n"

#define BAD_BOUNDARY BIT(MIME_BAD_BOUNDARY)

/* A multipart/mixed > alternative > related tree, 7 entities, depth 3. */
#define THREE_LEVELS(HTML_CHARSET)                                    \
    GOOD_HEADERS "Content-Type: multipart/mixed; boundary=\"L1\"\n"   \
                 "\n"                                                 \
                 "--L1\n"                                             \
                 "Content-Type: multipart/alternative; boundary=L2\n" \
                 "\n"                                                 \
                 "--L2\n"                                             \
                 "Content-Type: text/plain; charset=utf-8\n"          \
                 "\n"                                                 \
                 "caf\xc3\xa9\n"                                      \
                 "--L2\n"                                             \
                 "Content-Type: multipart/related; boundary=L3\n"     \
                 "\n"                                                 \
                 "--L3\n"                                             \
                 "Content-Type: text/html" HTML_CHARSET "\n"          \
                 "\n"                                                 \
                 "<p>caf\xc3\xa9<img src=cid:1></p>\n"                \
                 "--L3\n"                                             \
                 "Content-Type: image/png\n"                          \
                 "Content-Transfer-Encoding: base64\n"                \
                 "\n"                                                 \
                 "iVBORw0KGgo=\n"                                     \
                 "--L3--\n"                                           \
                 "--L2--\n"                                           \
                 "--L1\n"                                             \
                 "Content-Type: application/pdf\n"                    \
                 "Content-Disposition: attachment; filename=a.pdf\n"  \
                 "\n"                                                 \
                 "\xff\xfe binary\n"                                  \
                 "--L1--\n"

/* limits - max_depth, max_parts, max_header_bytes; defaults for zeros */
static struct msgwalk_limits limits(unsigned depth, unsigned parts, size_t header_bytes)
{
    return (struct msgwalk_limits){
        .max_depth = depth, .max_parts = parts, .max_header_bytes = header_bytes};
}

static void three_levels_are_walked(void)
{
    struct msgwalk_result r = WALK(THREE_LEVELS("; charset=utf-8"));
    CHECK_FINDINGS(r.findings, 0);
    CHECK_INT(r.parts, 7);
    CHECK_INT(r.depth, 3);
}

static void findings_come_from_the_innermost_part(void)
{
    struct msgwalk_result r = WALK(THREE_LEVELS(""));
    CHECK_FINDINGS(r.findings, BIT(TEXT_8BIT_NOCHARSET));
    CHECK_INT(r.parts, 7);
}

static void multipart_without_boundary(void)
{
    struct msgwalk_result r =
        WALK(GOOD_HEADERS "Content-Type: multipart/mixed\n"
                          "\n--b\nContent-Type: text/html\n\n<p>x</p>\n--b--\n");
    CHECK_FINDINGS(r.findings, BAD_BOUNDARY);
    CHECK_INT(r.boundary_problems, 1u << MSGWALK_B_MISSING);
    CHECK_INT(r.parts, 1);
    r = WALK(GOOD_HEADERS "Content-Type: multipart/mixed; boundary=\"\"\n\nx\n");
    CHECK_INT(r.boundary_problems, 1u << MSGWALK_B_MISSING);
    r = WALK(GOOD_HEADERS "Content-Type: multipart/mixed; boundary*0=a; boundary*1=b\n\nx\n");
    CHECK_INT(r.boundary_problems, 1u << MSGWALK_B_MISSING);
}

static void boundary_over_70_octets(void)
{
    struct msgwalk_result r = WALK(
        GOOD_HEADERS
        "Content-Type: multipart/mixed;\n"
        " boundary=\"12345678901234567890123456789012345678901234567890123456789012345678901\"\n"
        "\n"
        "--12345678901234567890123456789012345678901234567890123456789012345678901\n"
        "\nx\n"
        "--12345678901234567890123456789012345678901234567890123456789012345678901--\n");
    CHECK_FINDINGS(r.findings, BAD_BOUNDARY);
    CHECK_INT(r.boundary_problems, 1u << MSGWALK_B_TOO_LONG);
    CHECK_INT(r.parts, 1);
}

static void boundary_of_70_octets_at_the_smallest_line_buffer(void)
{
    struct msgwalk_limits lim = {.max_line = 1};
    static const char msg[] = GOOD_HEADERS
        "Content-Type: multipart/mixed;\n"
        " boundary=\"1234567890123456789012345678901234567890123456789012345678901234567890\"\n"
        "\n"
        "--1234567890123456789012345678901234567890123456789012345678901234567890\n"
        "\nx\n"
        "--1234567890123456789012345678901234567890123456789012345678901234567890--    "
        "                                                                            \n";
    struct msgwalk_result r = feed_all(msg, sizeof(msg) - 1, &lim);
    CHECK_FINDINGS(r.findings, 0);
    CHECK_INT(r.parts, 2);
}

static void boundary_with_bad_chars_is_still_walked(void)
{
    struct msgwalk_result r = WALK(GOOD_HEADERS "Content-Type: multipart/mixed; boundary=\"<b#>\"\n"
                                                "\n--<b#>\n\nx\n--<b#>--\n");
    CHECK_FINDINGS(r.findings, BAD_BOUNDARY);
    CHECK_INT(r.boundary_problems, 1u << MSGWALK_B_BAD_CHARS);
    CHECK_INT(r.parts, 2);
}

static void multipart_without_close_delimiter(void)
{
    struct msgwalk_result r =
        WALK(GOOD_HEADERS "Content-Type: multipart/mixed; boundary=b\n\n--b\n\nx\n--b\n\ny");
    CHECK_FINDINGS(r.findings, BAD_BOUNDARY);
    CHECK_INT(r.boundary_problems, 1u << MSGWALK_B_UNTERMINATED);
    CHECK_INT(r.parts, 3);
    r = WALK(GOOD_HEADERS "Content-Type: multipart/mixed; boundary=b\n\n--b\n\nx\n--b--x\n");
    CHECK_INT(r.boundary_problems, 1u << MSGWALK_B_UNTERMINATED);
}

static void boundary_never_seen(void)
{
    struct msgwalk_result r =
        WALK(GOOD_HEADERS "Content-Type: multipart/mixed; boundary=b\n\n--c\n\nx\n--c--\n");
    CHECK_FINDINGS(r.findings, BAD_BOUNDARY);
    CHECK_INT(r.boundary_problems, (1u << MSGWALK_B_UNUSED) | (1u << MSGWALK_B_UNTERMINATED));
    CHECK_INT(r.parts, 1);
    r = WALK(GOOD_HEADERS "Content-Type: multipart/mixed; boundary=b\n\npreamble\n--b--\n");
    CHECK_INT(r.boundary_problems, 1u << MSGWALK_B_UNUSED);
}

static void boundary_prefix_of_another(void)
{
    struct msgwalk_result r =
        WALK(GOOD_HEADERS "Content-Type: multipart/mixed; boundary=abc\n"
                          "\n"
                          "--abc\n"
                          "Content-Type: multipart/alternative; boundary=abcdef\n"
                          "\n"
                          "--abcdef\n\nplain\n"
                          "--abcdef\nContent-Type: text/html\n\n<p>x</p>\n"
                          "--abcdef--\n"
                          "--abc\n\nsecond\n"
                          "--abc--\n");
    CHECK_FINDINGS(r.findings, 0);
    CHECK_INT(r.parts, 5);
    r = WALK(GOOD_HEADERS "Content-Type: multipart/mixed; boundary=abcdef\n"
                          "\n"
                          "--abcdef\n"
                          "Content-Type: multipart/alternative; boundary=abc\n"
                          "\n"
                          "--abc\n\nplain\n"
                          "--abcdef-not-a-boundary\n"
                          "--abc--\n"
                          "--abcdef\n\nsecond\n"
                          "--abcdef--\n");
    CHECK_FINDINGS(r.findings, 0);
    CHECK_INT(r.parts, 4);
}

static void outer_boundary_ends_an_unterminated_inner_one(void)
{
    struct msgwalk_result r = WALK(GOOD_HEADERS "Content-Type: multipart/mixed; boundary=out\n"
                                                "\n"
                                                "--out\n"
                                                "Content-Type: multipart/alternative; boundary=in\n"
                                                "\n"
                                                "--in\n\nplain\n"
                                                "--out\n"
                                                "Content-Type: text/plain; charset=us-ascii\n"
                                                "\n"
                                                "parsed as the outer's part\n"
                                                "--out--\n");
    CHECK_FINDINGS(r.findings, BAD_BOUNDARY);
    CHECK_INT(r.boundary_problems, 1u << MSGWALK_B_UNTERMINATED);
    CHECK_INT(r.parts, 4);
}

static void inner_multipart_reusing_the_outer_boundary(void)
{
    struct msgwalk_result r = WALK(GOOD_HEADERS "Content-Type: multipart/mixed; boundary=b\n"
                                                "\n"
                                                "--b\n"
                                                "Content-Type: multipart/mixed; boundary=b\n"
                                                "\n"
                                                "--b\n\nx\n"
                                                "--b--\n");
    CHECK(msgwalk_has(&r, MSGWALK_MIME_BAD_BOUNDARY));
    CHECK(r.boundary_problems & (1u << MSGWALK_B_REUSED));
    CHECK(r.boundary_problems & (1u << MSGWALK_B_UNTERMINATED));
}

static void padding_after_a_boundary_is_allowed(void)
{
    char msg[2048];
    snprintf(msg, sizeof(msg),
             GOOD_HEADERS "Content-Type: multipart/mixed; boundary=b\n"
                          "\n--b \t\n\nx\n--b%*s\n\ny\n--b--  \n",
             300, "");
    struct msgwalk_result r = feed_all(msg, strlen(msg), NULL);
    CHECK_FINDINGS(r.findings, 0);
    CHECK_INT(r.parts, 3);
    snprintf(msg, sizeof(msg),
             GOOD_HEADERS "Content-Type: multipart/mixed; boundary=b\n"
                          "\n--b\n\nx\n--b%*sx\n\ny\n--b--\n",
             300, "");
    r = feed_all(msg, strlen(msg), NULL);
    CHECK_FINDINGS(r.findings, 0);
    CHECK_INT(r.parts, 2);
}

static void part_without_blank_line_starts_its_body(void)
{
    struct msgwalk_result r = WALK(GOOD_HEADERS "Content-Type: multipart/mixed; boundary=b\n"
                                                "\n--b\nhello caf\xe9\n--b--\n");
    CHECK_FINDINGS(r.findings, BIT(TEXT_8BIT_NOCHARSET));
    CHECK_INT(r.parts, 2);
    r = WALK(GOOD_HEADERS "Content-Type: multipart/mixed; boundary=b\n"
                          "\n--b\nContent-Type: text/plain; charset=utf-8\nhello caf\xe9\n--b--\n");
    CHECK_FINDINGS(r.findings, 0);
}

static void part_headers_ended_by_a_boundary(void)
{
    struct msgwalk_result r = WALK(GOOD_HEADERS "Content-Type: multipart/mixed; boundary=b\n"
                                                "\n--b\n"
                                                "Content-Type: multipart/mixed; boundary=c\n"
                                                "--b--\n");
    CHECK_FINDINGS(r.findings, BAD_BOUNDARY);
    CHECK_INT(r.boundary_problems, (1u << MSGWALK_B_UNUSED) | (1u << MSGWALK_B_UNTERMINATED));
    CHECK_INT(r.parts, 2);
}

static void digest_parts_default_to_messages(void)
{
    struct msgwalk_result r = WALK(GOOD_HEADERS "Content-Type: multipart/digest; boundary=d\n"
                                                "\n--d\n"
                                                "\n"
                                                "From: x@example.com\n"
                                                "From: y@example.com\n"
                                                "Content-Type: text/html; charset=us-ascii\n"
                                                "\n"
                                                "<p>digested</p>\n"
                                                "--d--\n");
    CHECK_FINDINGS(r.findings, 0);
    CHECK_INT(r.parts, 3);
    CHECK_INT(r.depth, 2);
    CHECK_INT(r.hdr_count[MSGWALK_H_FROM], 1);
}

static void attached_message_is_walked(void)
{
    struct msgwalk_result r =
        WALK(GOOD_HEADERS "Content-Type: multipart/mixed; boundary=b\n"
                          "\n--b\nContent-Type: text/plain; charset=utf-8\n\nfwd\n"
                          "--b\n"
                          "Content-Type: message/rfc822\n"
                          "\n"
                          "Subject: inner\n"
                          "Content-Type: multipart/alternative; boundary=i\n"
                          "\n"
                          "--i\n"
                          "Content-Type: text/plain\n"
                          "\n"
                          "caf\xe9\n"
                          "--b--\n");
    CHECK_FINDINGS(r.findings, BAD_BOUNDARY | BIT(TEXT_8BIT_NOCHARSET));
    CHECK_INT(r.boundary_problems, 1u << MSGWALK_B_UNTERMINATED);
    CHECK_INT(r.parts, 5);
    CHECK_INT(r.depth, 3);
    r = WALK(GOOD_HEADERS "Content-Type: message/rfc822\nContent-Transfer-Encoding: base64\n"
                          "\nU3ViamVjdDogeAoK\n");
    CHECK_FINDINGS(r.findings, 0);
    CHECK_INT(r.parts, 1);
}

static void depth_limit_stops_descending(void)
{
    struct msgwalk_limits lim = limits(2, 0, 0);
    static const char msg[] = THREE_LEVELS("");
    struct msgwalk_result r = feed_all(msg, sizeof(msg) - 1, &lim);
    CHECK_FINDINGS(r.findings, BIT(MIME_LIMITS));
    CHECK_INT(r.limits_hit, 1u << MSGWALK_L_DEPTH);
    CHECK_INT(r.depth, 2);
    CHECK_INT(r.parts, 5);
}

static void parts_limit_stops_examining(void)
{
    struct msgwalk_limits lim = limits(0, 3, 0);
    static const char msg[] = GOOD_HEADERS "Content-Type: multipart/mixed; boundary=b\n\n"
                                           "--b\n\none\n--b\n\ntwo\n"
                                           "--b\nContent-Type: text/plain\n\ncaf\xe9\n"
                                           "--b\nContent-Type: multipart/mixed\n\nx\n--b--\n";
    struct msgwalk_result r = feed_all(msg, sizeof(msg) - 1, &lim);
    CHECK_FINDINGS(r.findings, BIT(MIME_LIMITS));
    CHECK_INT(r.limits_hit, 1u << MSGWALK_L_PARTS);
    CHECK_INT(r.parts, 3);
}

static void header_bytes_limit_ignores_the_rest(void)
{
    struct msgwalk_limits lim = limits(0, 0, 200);
    struct msgwalk_result r = WALK(GOOD_HEADERS "Content-Type: multipart/mixed; boundary=b\n\n"
                                                "--b\n"
                                                "X-Pad: 0123456789012345678901234567890123456789\n"
                                                "X-Pad: 0123456789012345678901234567890123456789\n"
                                                "X-Pad: 0123456789012345678901234567890123456789\n"
                                                "X-Pad: 0123456789012345678901234567890123456789\n"
                                                "Content-Type: text/html; charset=us-ascii\n"
                                                "\n<p>x</p>\n--b--\n");
    CHECK_FINDINGS(r.findings, BIT(HTML_ONLY));
    static const char msg[] = GOOD_HEADERS "Content-Type: multipart/mixed; boundary=b\n\n"
                                           "--b\n"
                                           "X-Pad: 0123456789012345678901234567890123456789\n"
                                           "X-Pad: 0123456789012345678901234567890123456789\n"
                                           "X-Pad: 0123456789012345678901234567890123456789\n"
                                           "X-Pad: 0123456789012345678901234567890123456789\n"
                                           "Content-Type: text/html; charset=us-ascii\n"
                                           "\n<p>x</p>\n--b--\n";
    r = feed_all(msg, sizeof(msg) - 1, &lim);
    CHECK_FINDINGS(r.findings, BIT(MIME_LIMITS));
    CHECK_INT(r.limits_hit, 1u << MSGWALK_L_HEADER_BYTES);
    CHECK_INT(r.parts, 2);
}

/* A body generated and fed on the fly, in random chunks, with the walker's
 * memory checked after each. */
struct gen {
    struct msgwalk *w;
    uint64_t rng;
    size_t n, total, peak;
    char buf[1 << 16];
};

/* gen_flush - feed what is buffered in chunks of 1..8192 octets */
static void gen_flush(struct gen *g)
{
    for (size_t i = 0, k; i < g->n; i += k) {
        k = 1 + feed_rand(&g->rng) % 8192;
        k = k < g->n - i ? k : g->n - i;
        msgwalk_body(g->w, g->buf + i, k);
        size_t mem = msgwalk_mem(g->w);
        g->peak = mem > g->peak ? mem : g->peak;
        CHECK(mem <= 256 * 1024);
    }
    g->total += g->n;
    g->n = 0;
}

/* gen_put - n octets of s, or n copies of c when s is NULL */
static void gen_put(struct gen *g, const char *s, char c, size_t n)
{
    while (n > 0) {
        size_t k = sizeof(g->buf) - g->n < n ? sizeof(g->buf) - g->n : n;
        if (s)
            memcpy(g->buf + g->n, s, k), s += k;
        else
            memset(g->buf + g->n, c, k);
        g->n += k, n -= k;
        if (g->n == sizeof(g->buf))
            gen_flush(g);
    }
}

/* gen_printf - formatted text */
__attribute__((format(printf, 2, 3))) static void gen_printf(struct gen *g, const char *fmt, ...)
{
    char line[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    CHECK(n > 0 && (size_t)n < sizeof(line));
    gen_put(g, line, 0, (size_t)n);
}

/* gen_hostile - 40 nested multiparts, a 100 KiB header block, a 2 MB
 * header line and a 1 MB body line, each in a part of "outer" */
static void gen_hostile(struct gen *g)
{
    gen_printf(g, "--outer\r\nContent-Type: multipart/mixed; boundary=lv0\r\n\r\n");
    for (int i = 1; i < 40; i++)
        gen_printf(g, "--lv%d\r\nContent-Type: multipart/mixed; boundary=\"lv%d\"\r\n\r\n", i - 1,
                   i);
    gen_printf(g, "--lv39\r\n\r\ndeep\r\n");
    for (int i = 39; i >= 0; i--)
        gen_printf(g, "--lv%d--\r\n", i);
    gen_printf(g, "--outer\r\nContent-Type: text/plain; charset=us-ascii\r\n");
    for (int i = 0; i < 2000; i++)
        gen_printf(g, "X-Pad-%d: %048d\r\n", i, i);
    gen_printf(g, "\r\nafter the pad\r\n--outer\r\nX-Huge: ");
    gen_put(g, NULL, 'h', 2 << 20);
    gen_printf(g, "\r\n\r\nafter the huge line\r\n--outer\r\n\r\n");
    gen_put(g, NULL, 'b', 1 << 20);
    gen_printf(g, "\r\n");
}

/* gen_headers - a new walker, given a multipart/mixed message's fields */
static void gen_headers(struct gen *g)
{
    static const char *const hdrs[][2] = {
        {"From", " a@example.org"},
        {"Date", " Mon, 2 Mar 2026 10:00:00 +0100"},
        {"Message-ID", " <big@example.org>"},
        {"Content-Type", " multipart/mixed; boundary=\"outer\""},
    };
    g->w = msgwalk_create(NULL);
    g->rng = 88172645463325252ull;
    for (size_t i = 0; i < ARRAY_LEN(hdrs); i++)
        msgwalk_header(g->w, hdrs[i][0], strlen(hdrs[i][0]), hdrs[i][1], strlen(hdrs[i][1]));
}

static void memory_bound_50mb_100k_parts(void)
{
    static struct gen g;
    gen_headers(&g);
    gen_hostile(&g);
    for (int i = 0; i < 100000; i++) {
        gen_printf(&g, "--outer\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n");
        for (int j = 0; j < 7; j++)
            gen_printf(&g, "%064d\r\n", i * 7 + j);
    }
    gen_printf(&g, "--outer--\r\n");
    gen_flush(&g);
    msgwalk_end(g.w);
    const struct msgwalk_result *r = msgwalk_result(g.w);
    printf("%zu octets, %u parts examined, depth %u, peak %zu octets held\n", g.total, r->parts,
           r->depth, g.peak);
    CHECK(g.total > 50u * 1000 * 1000);
    CHECK_FINDINGS(r->findings, BIT(MIME_LIMITS) | BIT(LONG_LINE) | BIT(LONG_BODY_LINE));
    CHECK_INT(r->limits_hit,
              (1u << MSGWALK_L_DEPTH) | (1u << MSGWALK_L_PARTS) | (1u << MSGWALK_L_HEADER_BYTES));
    CHECK_INT(r->parts, MSGWALK_DEFAULT_PARTS);
    CHECK_INT(r->depth, MSGWALK_DEFAULT_DEPTH);
    CHECK(g.peak <= 256 * 1024);
    msgwalk_destroy(&g.w);
}

#define MSGWALK_MIME_TESTS(T)                            \
    T(three_levels_are_walked)                           \
    T(findings_come_from_the_innermost_part)             \
    T(multipart_without_boundary)                        \
    T(boundary_over_70_octets)                           \
    T(boundary_of_70_octets_at_the_smallest_line_buffer) \
    T(boundary_with_bad_chars_is_still_walked)           \
    T(multipart_without_close_delimiter)                 \
    T(boundary_never_seen)                               \
    T(boundary_prefix_of_another)                        \
    T(outer_boundary_ends_an_unterminated_inner_one)     \
    T(inner_multipart_reusing_the_outer_boundary)        \
    T(padding_after_a_boundary_is_allowed)               \
    T(part_without_blank_line_starts_its_body)           \
    T(part_headers_ended_by_a_boundary)                  \
    T(digest_parts_default_to_messages)                  \
    T(attached_message_is_walked)                        \
    T(depth_limit_stops_descending)                      \
    T(parts_limit_stops_examining)                       \
    T(header_bytes_limit_ignores_the_rest)               \
    T(memory_bound_50mb_100k_parts)

TEST_MAIN(MSGWALK_MIME_TESTS)
