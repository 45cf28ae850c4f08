/* test_iprev.c - which PTR names look like a dynamic pool's */
#include "iprev.h"
#include "testing.h"

static const char *const patterns[] = {"dyn", "dsl", "pool", "cust", "static-ip"};

/* generic - iprev_looks_generic for name and textual address */
static bool generic(const char *name, const char *addr)
{
    struct ipaddr a;
    CHECK(ipaddr_parse(addr, &a) == 0);
    return iprev_looks_generic(name, &a, patterns, sizeof(patterns) / sizeof(patterns[0]));
}

static void names_embedding_the_address_are_generic(void)
{
    CHECK(generic("ip-192-0-2-40.example.net", "192.0.2.40"));
    CHECK(generic("40-2-0-192.broadband.example.net", "192.0.2.40"));
    CHECK(generic("host040.002.000.example.net", "192.0.2.40"));
    CHECK(generic("C0000228.example.net", "192.0.2.40"));
    CHECK(generic("x.0.2.40.example.net", "192.0.2.40"));
}

static void names_with_pool_words_are_generic(void)
{
    CHECK(generic("dynamic-host.example.net", "192.0.2.40"));
    CHECK(generic("a1.dsl.example.net", "192.0.2.40"));
    CHECK(generic("CUST-77.Example.NET", "192.0.2.40"));
    CHECK(generic("x.static-ip.example.net", "192.0.2.40"));
    CHECK(generic("dyn.example.co.uk", "2001:db8::1"));
}

static void ordinary_server_names_are_not(void)
{
    CHECK(!generic("mx.example.net", "192.0.2.40"));
    CHECK(!generic("mail-yw1-f169.google.com", "209.85.128.169"));
    CHECK(!generic("spool.example.net", "192.0.2.40"));
    CHECK(!generic("mail.dynect.net", "192.0.2.40"));
    CHECK(!generic("mx2.example.net", "192.0.2.2"));
    CHECK(!generic("smtp-2-0.example.net", "192.0.2.40"));
}

#define IPREV_TESTS(T)                         \
    T(names_embedding_the_address_are_generic) \
    T(names_with_pool_words_are_generic)       \
    T(ordinary_server_names_are_not)

TEST_MAIN(IPREV_TESTS)
