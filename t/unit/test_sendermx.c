/* test_sendermx.c - the sendermx decision: every word from the MX, A and
 * AAAA answers and the MX targets, and that doubt never refuses */
#include "sendermx.h"
#include "testing.h"

enum { NX = DNS_NXDOMAIN, NODATA = DNS_NODATA, FOUND = DNS_FOUND, LATER = DNS_TRYLATER };

static char reason[600];

/* decide - sendermx_decide for example.test with the given statuses and targets */
static enum sendermx_word decide(int mx, int a, int aaaa, const struct sendermx_target *t, size_t n)
{
    struct sendermx_facts f = {
        .domain = "example.test",
        .mx = (enum dns_status)mx,
        .a = (enum dns_status)a,
        .aaaa = (enum dns_status)aaaa,
        .mx_why = mx == LATER ? "timeout" : NULL,
        .a_why = a == LATER ? "SERVFAIL" : NULL,
        .aaaa_why = aaaa == LATER ? "REFUSED" : NULL,
        .targets = t,
        .ntargets = n,
    };
    return sendermx_decide(&f, reason, sizeof(reason));
}

static const struct sendermx_target one_mx[] = {{"mx.example.test", 10, SENDERMX_CNAME_NO}};

static void usable_mx_targets_are_ok(void)
{
    CHECK_INT(decide(FOUND, LATER, LATER, one_mx, 1), SENDERMX_OK);
    CHECK_STR(reason, "domain example.test has MX records");
    const struct sendermx_target unchecked[] = {{"mx.example.test", 10, SENDERMX_CNAME_UNKNOWN},
                                                {"mx2.example.test", 20, SENDERMX_CNAME_TRYLATER}};
    CHECK_INT(decide(FOUND, NX, NX, unchecked, 2), SENDERMX_OK);
}

static void without_mx_an_address_record_is_an_implicit_mx(void)
{
    CHECK_INT(decide(NODATA, FOUND, LATER, NULL, 0), SENDERMX_OK);
    CHECK_STR(reason, "domain example.test has no MX record but an A record (implicit MX)");
    CHECK_INT(decide(NODATA, NODATA, FOUND, NULL, 0), SENDERMX_OK);
    CHECK_CONTAINS(reason, "an AAAA record");
    CHECK_INT(decide(NODATA, LATER, FOUND, NULL, 0), SENDERMX_OK);
}

static void no_mx_and_no_address_is_nomx_noaddr(void)
{
    CHECK_INT(decide(NODATA, NODATA, NODATA, NULL, 0), SENDERMX_NOMX_NOADDR);
    CHECK_STR(reason, "domain example.test has no MX or A/AAAA record");
    CHECK_INT(decide(NX, NX, NX, NULL, 0), SENDERMX_NOMX_NOADDR);
    CHECK_INT(decide(NX, NODATA, NX, NULL, 0), SENDERMX_NOMX_NOADDR);
}

static void a_single_root_target_is_nullmx(void)
{
    const struct sendermx_target null[] = {{"", 0, SENDERMX_CNAME_UNKNOWN}};
    CHECK_INT(decide(FOUND, FOUND, LATER, null, 1), SENDERMX_NULLMX);
    CHECK_STR(reason, "domain example.test does not accept mail (RFC 7505 null MX)");
    const struct sendermx_target mixed[] = {{"", 0, SENDERMX_CNAME_UNKNOWN},
                                            {"mx.example.test", 10, SENDERMX_CNAME_NO}};
    CHECK_INT(decide(FOUND, LATER, LATER, mixed, 2), SENDERMX_OK);
}

static void an_address_literal_target_is_mx_literal(void)
{
    const struct sendermx_target t[] = {{"mx.example.test", 10, SENDERMX_CNAME_NO},
                                        {"192.0.2.1", 20, SENDERMX_CNAME_UNKNOWN}};
    CHECK_INT(decide(FOUND, LATER, LATER, t, 2), SENDERMX_MX_LITERAL);
    CHECK_STR(reason,
              "domain example.test has an MX record pointing at the address literal 192.0.2.1");
    CHECK(sendermx_is_literal("[192.0.2.1]"));
    CHECK(sendermx_is_literal("2001:db8::1"));
    CHECK(sendermx_is_literal("[ipv6:2001:db8::1]"));
    CHECK(!sendermx_is_literal("192.0.2.1.example.test"));
    CHECK(!sendermx_is_literal("mx.example.test"));
    CHECK(!sendermx_is_literal(""));
    CHECK(!sendermx_usable("") && !sendermx_usable("192.0.2.1") && sendermx_usable("a.test"));
}

static void a_cname_target_is_mx_cname(void)
{
    const struct sendermx_target t[] = {{"mx.example.test", 10, SENDERMX_CNAME_NO},
                                        {"alias.example.test", 20, SENDERMX_CNAME_YES}};
    CHECK_INT(decide(FOUND, LATER, LATER, t, 2), SENDERMX_MX_CNAME);
    CHECK_STR(reason,
              "domain example.test has an MX record pointing at alias.example.test, which is a "
              "CNAME");
}

static void an_mx_try_later_is_temperror_even_with_an_a_record(void)
{
    CHECK_INT(decide(LATER, FOUND, FOUND, NULL, 0), SENDERMX_TEMPERROR);
    CHECK_STR(reason, "domain example.test could not be resolved (MX: timeout)");
    CHECK_INT(decide(LATER, NX, NX, NULL, 0), SENDERMX_TEMPERROR);
}

static void without_mx_an_address_try_later_is_temperror(void)
{
    CHECK_INT(decide(NX, LATER, NX, NULL, 0), SENDERMX_TEMPERROR);
    CHECK_STR(reason, "domain example.test could not be resolved (A: SERVFAIL)");
    CHECK_INT(decide(NODATA, NODATA, LATER, NULL, 0), SENDERMX_TEMPERROR);
    CHECK_STR(reason, "domain example.test could not be resolved (AAAA: REFUSED)");
}

static void words_are_named(void)
{
    CHECK_STR(sendermx_words[SENDERMX_NONE], "none");
    CHECK_STR(sendermx_words[SENDERMX_NOMX_NOADDR], "nomx_noaddr");
    CHECK_STR(sendermx_words[SENDERMX_TEMPERROR], "temperror");
    CHECK(sendermx_words[SENDERMX_COUNT] == NULL);
}

#define SENDERMX_TESTS(T)                                 \
    T(usable_mx_targets_are_ok)                           \
    T(without_mx_an_address_record_is_an_implicit_mx)     \
    T(no_mx_and_no_address_is_nomx_noaddr)                \
    T(a_single_root_target_is_nullmx)                     \
    T(an_address_literal_target_is_mx_literal)            \
    T(a_cname_target_is_mx_cname)                         \
    T(an_mx_try_later_is_temperror_even_with_an_a_record) \
    T(without_mx_an_address_try_later_is_temperror)       \
    T(words_are_named)

TEST_MAIN(SENDERMX_TESTS)
