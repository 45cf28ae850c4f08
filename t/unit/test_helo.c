/* test_helo.c - the syntactic part of the helo check: every word that
 * helo_classify decides, and the names it leaves to DNS */
#include "helo.h"
#include "testing.h"

#include <stdio.h>

static const char *const our_names[] = {"mx.ours.test", "mail.ours.example"};
static const char *const extra[] = {"test", "lan"};
static struct ipaddr ours[2];
static struct ipaddr client;

/* setup - our addresses and the client 192.0.2.7 (or addr, or none with "") */
static void setup(const char *addr)
{
    CHECK(ipaddr_parse("192.0.2.250", &ours[0]) == 0);
    CHECK(ipaddr_parse("2001:db8::250", &ours[1]) == 0);
    client = (struct ipaddr){0};
    if (*addr)
        CHECK(ipaddr_parse(addr, &client) == 0);
}

/* classify - helo_classify of helo for the client set up last */
static enum helo_word classify(const char *helo)
{
    struct helo_facts f = {
        .helo = helo,
        .client = &client,
        .hostnames = our_names,
        .nhostnames = 2,
        .addresses = ours,
        .naddresses = 2,
        .extra_tlds = extra,
        .nextra_tlds = 2,
    };
    return helo_classify(&f);
}

/* CHECK_WORD - helo classifies as word, the HELO printed on failure */
#define CHECK_WORD(helo, word)                                                              \
    do {                                                                                    \
        const char *h_ = (helo);                                                            \
        enum helo_word w_ = classify(h_);                                                   \
        if (w_ != (word)) {                                                                 \
            fprintf(stderr, "%s:%d: \"%s\" is word %d, want %s (%d)\n", __FILE__, __LINE__, \
                    h_ ? h_ : "(null)", (int)w_, #word, (int)(word));                       \
            exit(1);                                                                        \
        }                                                                                   \
    } while (0)

/* repeat - n copies of ch, then tail */
static const char *repeat(char *buf, char ch, size_t n, const char *tail)
{
    memset(buf, ch, n);
    strcpy(buf + n, tail);
    return buf;
}

static void absent_or_empty_helo_is_missing(void)
{
    setup("192.0.2.7");
    CHECK_WORD(NULL, HELO_MISSING);
    CHECK_WORD("", HELO_MISSING);
}

static void our_names_and_addresses_are_forged(void)
{
    setup("192.0.2.7");
    CHECK_WORD("mx.ours.test", HELO_FORGED);
    CHECK_WORD("MX.Ours.TEST.", HELO_FORGED);
    CHECK_WORD("mail.ours.example", HELO_FORGED);
    CHECK_WORD("[192.0.2.250]", HELO_FORGED);
    CHECK_WORD("192.0.2.250", HELO_FORGED);
    CHECK_WORD("[IPv6:2001:db8::250]", HELO_FORGED);
    CHECK_WORD("[IPv6:::ffff:192.0.2.250]", HELO_FORGED);
    CHECK_WORD("2001:DB8::250", HELO_FORGED);
    setup("192.0.2.250");
    CHECK_WORD("[192.0.2.250]", HELO_FORGED);
    CHECK_WORD("other.ours.test", HELO_NONE);
}

static void the_clients_own_literal_matches(void)
{
    setup("192.0.2.7");
    CHECK_WORD("[192.0.2.7]", HELO_LITERAL_MATCH);
    CHECK_WORD("[IPv6:::ffff:192.0.2.7]", HELO_LITERAL_MATCH);
    setup("2001:db8::7");
    CHECK_WORD("[IPv6:2001:db8::7]", HELO_LITERAL_MATCH);
    CHECK_WORD("[ipv6:2001:DB8:0::7]", HELO_LITERAL_MATCH);
}

static void another_literal_mismatches(void)
{
    setup("192.0.2.7");
    CHECK_WORD("[192.0.2.8]", HELO_LITERAL_MISMATCH);
    CHECK_WORD("[IPv6:2001:db8::7]", HELO_LITERAL_MISMATCH);
    setup("2001:db8::7");
    CHECK_WORD("[192.0.2.7]", HELO_LITERAL_MISMATCH);
    setup("");
    CHECK_WORD("[192.0.2.7]", HELO_LITERAL_MISMATCH);
}

static void malformed_literals_are_invalid(void)
{
    setup("192.0.2.7");
    CHECK_WORD("[300.1.1.1]", HELO_INVALID);
    CHECK_WORD("[192.0.2]", HELO_INVALID);
    CHECK_WORD("[192.0.2.7", HELO_INVALID);
    CHECK_WORD("[192.0.2.7].", HELO_INVALID);
    CHECK_WORD("[]", HELO_INVALID);
    CHECK_WORD("[", HELO_INVALID);
    CHECK_WORD("[2001:db8::7]", HELO_INVALID);
    CHECK_WORD("[IPv6:192.0.2.7]", HELO_INVALID);
    CHECK_WORD("[IPv6:]", HELO_INVALID);
    CHECK_WORD("[ 192.0.2.7]", HELO_INVALID);
    CHECK_WORD("[mx.example.com]", HELO_INVALID);
}

static void addresses_without_brackets_are_bare_ip(void)
{
    setup("192.0.2.7");
    CHECK_WORD("1.2.3.4", HELO_BARE_IP);
    CHECK_WORD("192.0.2.7", HELO_BARE_IP);
    CHECK_WORD("1.2.3.4.", HELO_BARE_IP);
    CHECK_WORD("2001:db8::7", HELO_BARE_IP);
    CHECK_WORD("::ffff:192.0.2.7", HELO_BARE_IP);
}

static void names_outside_the_host_name_syntax_are_invalid(void)
{
    char buf[300];
    setup("192.0.2.7");
    CHECK_WORD("a_b.example.com", HELO_INVALID);
    CHECK_WORD("-a.example.com", HELO_INVALID);
    CHECK_WORD("a-.example.com", HELO_INVALID);
    CHECK_WORD("a..example.com", HELO_INVALID);
    CHECK_WORD(".example.com", HELO_INVALID);
    CHECK_WORD("example.com..", HELO_INVALID);
    CHECK_WORD(".", HELO_INVALID);
    CHECK_WORD("mx example.com", HELO_INVALID);
    CHECK_WORD(" mx.example.com", HELO_INVALID);
    CHECK_WORD("mx.example.com\t", HELO_INVALID);
    CHECK_WORD("m\xc3\xa9l.example.com", HELO_INVALID);
    CHECK_WORD("WIN_PC", HELO_INVALID);
    CHECK_WORD("1.2.3.4.5:25", HELO_INVALID);
    CHECK_WORD(repeat(buf, 'a', 64, ".example.com"), HELO_INVALID);
    CHECK_WORD(repeat(buf, 'a', 63, ".example.com"), HELO_NONE);
}

static void names_over_253_octets_are_invalid(void)
{
    char buf[300], label[64];
    setup("192.0.2.7");
    repeat(label, 'a', 63, "");
    /* 3 * 64 + 57 + 4 = 253 octets, then 254; a trailing dot does not count */
    snprintf(buf, sizeof(buf), "%s.%s.%s.%.57s.com", label, label, label, label);
    CHECK_INT(strlen(buf), 253);
    CHECK_WORD(buf, HELO_NONE);
    strcat(buf, ".");
    CHECK_WORD(buf, HELO_NONE);
    snprintf(buf, sizeof(buf), "%s.%s.%s.%.58s.com", label, label, label, label);
    CHECK_WORD(buf, HELO_INVALID);
}

static void names_without_a_dot_are_not_fqdn(void)
{
    setup("192.0.2.7");
    CHECK_WORD("localhost", HELO_NOT_FQDN);
    CHECK_WORD("localhost.", HELO_NOT_FQDN);
    CHECK_WORD("WIN-7PC", HELO_NOT_FQDN);
    CHECK_WORD("ours", HELO_NOT_FQDN);
}

static void unknown_top_level_domains_are_bad_tld(void)
{
    setup("192.0.2.7");
    CHECK_WORD("mx.example.invalidtld", HELO_BAD_TLD);
    CHECK_WORD("host.local", HELO_BAD_TLD);
    CHECK_WORD("host.localdomain", HELO_BAD_TLD);
    CHECK_WORD("mx.example.123", HELO_BAD_TLD);
    CHECK_WORD("mx.blogspot", HELO_BAD_TLD);
}

static void plausible_names_are_left_to_dns(void)
{
    setup("192.0.2.7");
    CHECK_WORD("mx.example.com", HELO_NONE);
    CHECK_WORD("MX.EXAMPLE.COM.", HELO_NONE);
    CHECK_WORD("mail.example.co.uk", HELO_NONE);
    CHECK_WORD("mx1.xn--80ak6aa92e.xn--p1ai", HELO_NONE);
    CHECK_WORD("a.io", HELO_NONE);
    CHECK_WORD("host.lan", HELO_NONE);
    CHECK_WORD("HOST.Test", HELO_NONE);
    CHECK_WORD("1.2.3.4.in-addr.arpa", HELO_NONE);
}

#define HELO_TESTS(T)                                 \
    T(absent_or_empty_helo_is_missing)                \
    T(our_names_and_addresses_are_forged)             \
    T(the_clients_own_literal_matches)                \
    T(another_literal_mismatches)                     \
    T(malformed_literals_are_invalid)                 \
    T(addresses_without_brackets_are_bare_ip)         \
    T(names_outside_the_host_name_syntax_are_invalid) \
    T(names_over_253_octets_are_invalid)              \
    T(names_without_a_dot_are_not_fqdn)               \
    T(unknown_top_level_domains_are_bad_tld)          \
    T(plausible_names_are_left_to_dns)

TEST_MAIN(HELO_TESTS)
