/* test_dkim_canon.c - RFC 6376 §3.4 canonicalization: the §3.4.5 examples,
 * the edge cases of the body's end, and every way of splitting a body into
 * chunks gives the same canonical octets and hash */
#include "dkim_canon.h"
#include "dkim_key.h"
#include "testing.h"

#include <stdlib.h>

/* What a tap collected. */
struct seen {
    char buf[4096];
    size_t n;
};

/* collect - the tap: append the canonical octets */
static void collect(void *arg, const unsigned char *p, size_t n)
{
    struct seen *s = arg;
    CHECK(s->n + n < sizeof(s->buf));
    memcpy(s->buf + s->n, p, n);
    s->n += n;
    s->buf[s->n] = '\0';
}

/* body_canon - the canonical form of body fed in chunks cut at the given
 * offsets (cuts ascending, ncuts of them); its base64 hash into b64 */
static const char *body_canon(enum dkim_canon canon, const char *body, const size_t *cuts,
                              size_t ncuts, char *b64)
{
    static struct seen s;
    unsigned char h[DKIM_HASH_LEN];
    struct dkim_body *b = dkim_body_new(canon);
    CHECK(b != NULL);
    s.n = 0;
    s.buf[0] = '\0';
    dkim_body_tap(b, collect, &s);
    size_t len = strlen(body), at = 0;
    for (size_t i = 0; i <= ncuts; i++) {
        size_t end = i < ncuts ? cuts[i] : len;
        dkim_body_update(b, (const unsigned char *)body + at, end - at);
        at = end;
    }
    CHECK(dkim_body_final(b, h) == 0);
    char *e = dkim_key_base64(h, sizeof(h));
    strcpy(b64, e);
    free(e);
    dkim_body_free(b);
    return s.buf;
}

/* expect_body - canonical form of body equals want, for every single cut
 * and every pair of cuts, and the hash is that of want */
static void expect_body(enum dkim_canon canon, const char *body, const char *want)
{
    char b64[64], first[64];
    size_t len = strlen(body);
    CHECK_STR(body_canon(canon, body, NULL, 0, first), want);
    for (size_t i = 0; i <= len; i++) {
        size_t one[1] = {i};
        CHECK_STR(body_canon(canon, body, one, 1, b64), want);
        CHECK_STR(b64, first);
        for (size_t j = i; j <= len; j++) {
            size_t two[2] = {i, j};
            CHECK_STR(body_canon(canon, body, two, 2, b64), want);
            CHECK_STR(b64, first);
        }
    }
}

/* header_canon - one header field's canonical form */
static const char *header_canon(enum dkim_canon canon, const char *name, const char *value,
                                bool crlf)
{
    static struct seen s;
    struct dkim_hash h;
    CHECK(dkim_hash_init(&h) == 0);
    s.n = 0;
    s.buf[0] = '\0';
    h.tap = collect;
    h.tap_arg = &s;
    dkim_canon_header(&h, canon, name, value, strlen(value), crlf);
    dkim_hash_free(&h);
    return s.buf;
}

static void rfc6376_example_relaxed(void)
{
    CHECK_STR(header_canon(DKIM_CANON_RELAXED, "A", " X", true), "a:X\r\n");
    CHECK_STR(header_canon(DKIM_CANON_RELAXED, "B ", " Y\t\r\n\tZ  ", true), "b:Y Z\r\n");
    expect_body(DKIM_CANON_RELAXED, " C \r\nD \t E\r\n\r\n\r\n", " C\r\nD E\r\n");
}

static void rfc6376_example_simple(void)
{
    CHECK_STR(header_canon(DKIM_CANON_SIMPLE, "A", " X", true), "A: X\r\n");
    CHECK_STR(header_canon(DKIM_CANON_SIMPLE, "B ", " Y\t\r\n\tZ  ", true), "B : Y\t\r\n\tZ  \r\n");
    expect_body(DKIM_CANON_SIMPLE, " C \r\nD \t E\r\n\r\n\r\n", " C \r\nD \t E\r\n");
}

static void the_signature_field_has_no_final_crlf(void)
{
    CHECK_STR(header_canon(DKIM_CANON_RELAXED, "DKIM-Signature", " v=1;\r\n\tb=", false),
              "dkim-signature:v=1; b=");
    CHECK_STR(header_canon(DKIM_CANON_SIMPLE, "DKIM-Signature", " v=1;\r\n\tb=", false),
              "DKIM-Signature: v=1;\r\n\tb=");
}

static void an_empty_body(void)
{
    char b64[64];
    expect_body(DKIM_CANON_SIMPLE, "", "\r\n");
    expect_body(DKIM_CANON_RELAXED, "", "");
    body_canon(DKIM_CANON_RELAXED, "", NULL, 0, b64);
    CHECK_STR(b64, "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
    body_canon(DKIM_CANON_SIMPLE, "", NULL, 0, b64);
    CHECK_STR(b64, "frcCV1k9oG9oKj3dpUqdJg1PxRT2RSN/XKdLCPjaYaY=");
}

static void a_body_of_only_line_ends(void)
{
    expect_body(DKIM_CANON_SIMPLE, "\r\n\r\n\r\n", "\r\n");
    expect_body(DKIM_CANON_RELAXED, "\r\n\r\n\r\n", "");
    expect_body(DKIM_CANON_RELAXED, " \r\n\t\r\n  \r\n", "");
    expect_body(DKIM_CANON_SIMPLE, " \r\n\r\n", " \r\n");
}

static void a_body_without_a_final_crlf(void)
{
    expect_body(DKIM_CANON_SIMPLE, "abc", "abc\r\n");
    expect_body(DKIM_CANON_RELAXED, "abc", "abc\r\n");
    expect_body(DKIM_CANON_SIMPLE, "abc\r\ndef", "abc\r\ndef\r\n");
    expect_body(DKIM_CANON_RELAXED, "abc  \r\n\r\nd\te", "abc\r\n\r\nd e\r\n");
}

static void white_space_runs_and_line_ends(void)
{
    expect_body(DKIM_CANON_RELAXED, "a  \t b\t\r\n \t x \r\n", "a b\r\n x\r\n");
    expect_body(DKIM_CANON_SIMPLE, "a  \t b\t\r\n \t x \r\n", "a  \t b\t\r\n \t x \r\n");
    expect_body(DKIM_CANON_RELAXED, "end\r\n  \r\n\t\r\n", "end\r\n");
    expect_body(DKIM_CANON_RELAXED, "one two  three \r\n four\tfive six\r\n",
                "one two three\r\n four five six\r\n");
    expect_body(DKIM_CANON_SIMPLE, "end\r\n  \r\n\t\r\n", "end\r\n  \r\n\t\r\n");
}

static void bare_cr_and_lf_are_content(void)
{
    expect_body(DKIM_CANON_SIMPLE, "a\rb\nc\r\n\r", "a\rb\nc\r\n\r\r\n");
    expect_body(DKIM_CANON_RELAXED, "a \rb \nc\r\n\r", "a \rb \nc\r\n\r\r\n");
    expect_body(DKIM_CANON_SIMPLE, "\r\r\n\n", "\r\r\n\n\r\n");
}

static void many_blank_lines_before_more_text(void)
{
    char body[200], want[200];
    strcpy(body, "a");
    for (int i = 0; i < 40; i++)
        strcat(body, "\r\n");
    strcat(body, "b\r\n\r\n");
    strcpy(want, body);
    want[strlen(want) - 2] = '\0';
    char b64[64];
    CHECK_STR(body_canon(DKIM_CANON_SIMPLE, body, NULL, 0, b64), want);
    size_t cuts[3] = {1, 31, 50};
    CHECK_STR(body_canon(DKIM_CANON_RELAXED, body, cuts, 3, b64), want);
}

static void canonicalization_names(void)
{
    enum dkim_canon c;
    CHECK(dkim_canon_parse("relaxed", 7, &c) == 0 && c == DKIM_CANON_RELAXED);
    CHECK(dkim_canon_parse("Simple", 6, &c) == 0 && c == DKIM_CANON_SIMPLE);
    CHECK(dkim_canon_parse("relax", 5, &c) < 0);
    CHECK_STR(dkim_canon_name(DKIM_CANON_RELAXED), "relaxed");
}

#define DKIM_CANON_TESTS(T)                  \
    T(rfc6376_example_relaxed)               \
    T(rfc6376_example_simple)                \
    T(the_signature_field_has_no_final_crlf) \
    T(an_empty_body)                         \
    T(a_body_of_only_line_ends)              \
    T(a_body_without_a_final_crlf)           \
    T(white_space_runs_and_line_ends)        \
    T(bare_cr_and_lf_are_content)            \
    T(many_blank_lines_before_more_text)     \
    T(canonicalization_names)

TEST_MAIN(DKIM_CANON_TESTS)
