/* test_from_header.c - the author domain of a From header (RFC 5322, RFC 7489 6.6.1) */
#include "from_header.h"
#include "testing.h"

#include <stdbool.h>

/* domain_of - parse a NUL-terminated value; the status, the domain in buf */
static enum from_header_status domain_of(const char *value, char *buf)
{
    return from_header_domain(value, strlen(value), buf, FROM_HEADER_DOMAIN_MAX);
}

/* check_ok - value names one mailbox at want */
static void check_ok(const char *value, const char *want)
{
    char buf[FROM_HEADER_DOMAIN_MAX];
    enum from_header_status st = domain_of(value, buf);
    if (st != FROM_HEADER_OK)
        fprintf(stderr, "value: [%s]\n", value);
    CHECK_STR(from_header_word(st), "ok");
    CHECK_STR(buf, want);
}

/* check_status - value gives want, and then an empty domain */
static void check_status(const char *value, enum from_header_status want)
{
    char buf[FROM_HEADER_DOMAIN_MAX] = "x";
    enum from_header_status st = domain_of(value, buf);
    if (st != want)
        fprintf(stderr, "value: [%s]\n", value);
    CHECK_STR(from_header_word(st), from_header_word(want));
    if (want != FROM_HEADER_MULTIPLE_ADDRESSES)
        CHECK_STR(buf, "");
}

static void plain_addr_spec_and_name_addr(void)
{
    check_ok("user@example.com", "example.com");
    check_ok(" user@example.com ", "example.com");
    check_ok("<user@example.com>", "example.com");
    check_ok("John Smith <john@example.com>", "example.com");
    check_ok("\"Smith, John\" <john@mail.example.org>", "mail.example.org");
}

static void domain_is_lowercased_and_trailing_dot_dropped(void)
{
    check_ok("User@EXAMPLE.Com", "example.com");
    check_ok("<user@Example.COM.>", "example.com");
    check_status("user@example.com..", FROM_HEADER_SYNTAX);
}

static void folding_crlf_and_lf(void)
{
    check_ok("John\r\n Smith\r\n\t<john@example.com>", "example.com");
    check_ok("\n\tjohn@example.com\n ", "example.com");
    check_ok("John Smith <john\r\n @example.com>", "example.com");
}

static void comments_nested_and_with_quoted_pairs(void)
{
    check_ok("john@example.com (John (the \\) (real) one) Smith)", "example.com");
    check_ok("(c) John (x) <(y)john(z)@(w)example.com(v)> (u)", "example.com");
    check_ok("john@example.com (a @ b.org, <c@d.org>)", "example.com");
    check_status("john@example.com (unclosed", FROM_HEADER_SYNTAX);
    check_status("john@example.com )", FROM_HEADER_SYNTAX);
}

static void comment_depth_is_bounded(void)
{
    char deep[2 * 70 + 32];
    size_t n = 0;
    for (int i = 0; i < 64; i++)
        deep[n++] = '(';
    for (int i = 0; i < 64; i++)
        deep[n++] = ')';
    memcpy(deep + n, " a@example.com", 15);
    check_ok(deep, "example.com");
    n = 0;
    for (int i = 0; i < 65; i++)
        deep[n++] = '(';
    for (int i = 0; i < 65; i++)
        deep[n++] = ')';
    memcpy(deep + n, " a@example.com", 15);
    check_status(deep, FROM_HEADER_SYNTAX);
}

static void quoted_at_and_specials_in_display_name(void)
{
    check_ok("\"ceo@bank.example\" <evil@attacker.example>", "attacker.example");
    check_ok("\"a,b;c:d<e>\\\"f\" <x@example.com>", "example.com");
    check_ok("ceo@bank.example <evil@attacker.example>", "attacker.example");
    check_ok("[External] Bob <bob@example.com>", "example.com");
    check_ok("J. R. Smith <j@example.com>", "example.com");
    check_status("\"unterminated <x@example.com>", FROM_HEADER_SYNTAX);
}

static void encoded_words_in_display_name(void)
{
    check_ok("=?UTF-8?B?SsO8cmdlbg==?= <j@example.de>", "example.de");
    check_ok("=?utf-8?q?Doe,_John?= <j@example.com>", "example.com");
    check_ok("=?utf-8?q?a@evil.example?= <j@example.com>", "example.com");
    check_ok("=?iso-8859-1?Q?Andr=E9?= Pirard <PIRARD@vm1.ulg.ac.be>", "vm1.ulg.ac.be");
}

static void raw_utf8_display_name_and_u_label(void)
{
    check_ok("J\xc3\xbcrgen <j@example.de>", "example.de");
    check_ok("j@b\xc3\xbc"
             "cher.example",
             "b\xc3\xbc"
             "cher.example");
}

static void obsolete_forms(void)
{
    check_ok("john@example.com (John Smith)", "example.com");
    check_ok("<@relay1.example,@relay2.example:john@example.com>", "example.com");
    check_ok("john . smith @ example . com", "example.com");
    check_ok("John Smith john@example.com", "example.com");
    check_status("john@exa mple.com", FROM_HEADER_SYNTAX);
}

static void quoted_local_part(void)
{
    check_ok("\"john@smith\"@example.com", "example.com");
    check_ok("\"john smith\"@example.com (x)", "example.com");
}

static void groups(void)
{
    check_status("Undisclosed recipients:;", FROM_HEADER_NONE);
    check_status("Undisclosed recipients: ;", FROM_HEADER_NONE);
    check_ok("Team: john@example.com;", "example.com");
    check_ok("Re: Bob <bob@example.com>", "example.com");
    check_status("Team: a@example.com, b@example.org;", FROM_HEADER_MULTIPLE_ADDRESSES);
    check_status("A: B: c@example.com;;", FROM_HEADER_SYNTAX);
    check_status("a@example.com;", FROM_HEADER_SYNTAX);
    check_status("x@y.example: a@example.com;", FROM_HEADER_SYNTAX);
}

static void empty_and_blank(void)
{
    char buf[FROM_HEADER_DOMAIN_MAX] = "x";
    CHECK_INT(from_header_domain("", 0, buf, sizeof(buf)), FROM_HEADER_NONE);
    CHECK_STR(buf, "");
    check_status("   ", FROM_HEADER_NONE);
    check_status("\r\n ", FROM_HEADER_NONE);
    check_status("(only a comment)", FROM_HEADER_NONE);
    check_status(" , ,", FROM_HEADER_NONE);
}

static void two_addresses_are_never_guessed(void)
{
    char buf[FROM_HEADER_DOMAIN_MAX];
    check_status("a@example.com, b@example.org", FROM_HEADER_MULTIPLE_ADDRESSES);
    CHECK_INT(domain_of("a@example.com, <b@example.org>", buf), FROM_HEADER_MULTIPLE_ADDRESSES);
    CHECK_STR(buf, "");
    CHECK_INT(domain_of("Doe, John <j@example.com>", buf), FROM_HEADER_MULTIPLE_ADDRESSES);
    CHECK_STR(buf, "");
    CHECK_INT(domain_of("a@example.com, bob", buf), FROM_HEADER_MULTIPLE_ADDRESSES);
    CHECK_STR(buf, "");
    check_ok(",a@example.com,,", "example.com");
}

static void two_addresses_of_one_domain_report_it(void)
{
    char buf[FROM_HEADER_DOMAIN_MAX];
    CHECK_INT(domain_of("a@Example.com, B <b@example.COM.>", buf), FROM_HEADER_MULTIPLE_ADDRESSES);
    CHECK_STR(buf, "example.com");
}

static void no_domain(void)
{
    check_status("john", FROM_HEADER_NODOMAIN);
    check_status("John Smith", FROM_HEADER_NODOMAIN);
    check_status("John <john>", FROM_HEADER_NODOMAIN);
    check_status("<>", FROM_HEADER_NODOMAIN);
    check_status("john@[192.0.2.1]", FROM_HEADER_NODOMAIN);
    check_status("John <john@[IPv6:2001:db8::1]>", FROM_HEADER_NODOMAIN);
}

static void syntax_errors(void)
{
    static const char *const bad[] = {
        "john@",
        "@example.com",
        "a@b@example.com",
        "<john@example.com",
        "john@example.com>",
        "<a@example.com> <b@example.com>",
        "<a@example.com> junk",
        "a@.example.com",
        "a@example..com",
        "a@exa$mple.com",
        "a@example.com\\",
        "a@[1.2.3.4]x",
        "a@ex[1]",
        "<a@example.com, b@example.com>",
        "a@example.com\x01",
        "<<a@example.com>>",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        check_status(bad[i], FROM_HEADER_SYNTAX);
}

static void length_is_taken_not_nul(void)
{
    char buf[FROM_HEADER_DOMAIN_MAX];
    CHECK_INT(from_header_domain("a@example.com", 9, buf, sizeof(buf)), FROM_HEADER_OK);
    CHECK_STR(buf, "example");
    CHECK_INT(from_header_domain("a@example.com\0x", 15, buf, sizeof(buf)), FROM_HEADER_SYNTAX);
    CHECK_INT(from_header_domain("\"a", 1, buf, sizeof(buf)), FROM_HEADER_SYNTAX);
    CHECK_INT(from_header_domain("=?a?q?b?=", 8, buf, sizeof(buf)), FROM_HEADER_NODOMAIN);
}

static void long_domains(void)
{
    char value[600], buf[FROM_HEADER_DOMAIN_MAX];
    memcpy(value, "a@", 2);
    memset(value + 2, 'x', 253);
    value[2 + 253] = '\0';
    for (size_t i = 2 + 60; i < 2 + 253; i += 61)
        value[i] = '.';
    CHECK_INT(domain_of(value, buf), FROM_HEADER_OK);
    CHECK_INT(strlen(buf), 253);
    CHECK_INT(from_header_domain(value, strlen(value), buf, 253), FROM_HEADER_SYNTAX);
    memcpy(value + 255, ".", 2);
    CHECK_INT(domain_of(value, buf), FROM_HEADER_OK);
    memcpy(value + 255, "y", 2);
    CHECK_INT(domain_of(value, buf), FROM_HEADER_SYNTAX);
    memset(value + 2, 'x', 500);
    value[502] = '\0';
    CHECK_INT(domain_of(value, buf), FROM_HEADER_SYNTAX);
}

static void header_count_decides_first(void)
{
    CHECK_INT(from_header_status(0, FROM_HEADER_OK), FROM_HEADER_NONE);
    CHECK_INT(from_header_status(1, FROM_HEADER_OK), FROM_HEADER_OK);
    CHECK_INT(from_header_status(1, FROM_HEADER_SYNTAX), FROM_HEADER_SYNTAX);
    CHECK_INT(from_header_status(2, FROM_HEADER_OK), FROM_HEADER_MULTIPLE_HEADERS);
    CHECK_STR(from_header_word(FROM_HEADER_MULTIPLE_HEADERS), "multiple-headers");
    CHECK_STR(from_header_word(FROM_HEADER_NODOMAIN), "no-domain");
    CHECK_STR(from_header_word(FROM_HEADER_NONE), "none");
}

#define FROM_HEADER_TESTS(T)                         \
    T(plain_addr_spec_and_name_addr)                 \
    T(domain_is_lowercased_and_trailing_dot_dropped) \
    T(folding_crlf_and_lf)                           \
    T(comments_nested_and_with_quoted_pairs)         \
    T(comment_depth_is_bounded)                      \
    T(quoted_at_and_specials_in_display_name)        \
    T(encoded_words_in_display_name)                 \
    T(raw_utf8_display_name_and_u_label)             \
    T(obsolete_forms)                                \
    T(quoted_local_part)                             \
    T(groups)                                        \
    T(empty_and_blank)                               \
    T(two_addresses_are_never_guessed)               \
    T(two_addresses_of_one_domain_report_it)         \
    T(no_domain)                                     \
    T(syntax_errors)                                 \
    T(length_is_taken_not_nul)                       \
    T(long_domains)                                  \
    T(header_count_decides_first)

TEST_MAIN(FROM_HEADER_TESTS)
