/* test_signer.c - the From address stand-in parser that picks the signing
 * domain (display names, quotes, comments, groups of addresses) */
#include "arena.h"
#include "signer.h"
#include "testing.h"

/* domain_of - the domain signer_from_domain finds in value, or "-" */
static const char *domain_of(const char *value)
{
    static char out[256];
    struct arena *a = arena_create();
    const char *address, *domain;
    if (signer_from_domain(a, value, &address, &domain) < 0)
        snprintf(out, sizeof(out), "-");
    else
        snprintf(out, sizeof(out), "%s %s", address, domain);
    arena_destroy(&a);
    return out;
}

static void the_first_address_gives_the_domain(void)
{
    CHECK_STR(domain_of(" alice@Example.NET"), "alice@example.net example.net");
    CHECK_STR(domain_of(" Alice <alice@example.net>"), "alice@example.net example.net");
    CHECK_STR(domain_of(" \"Doe, <John>\" <john@example.org>"), "john@example.org example.org");
    CHECK_STR(domain_of(" (comment <x@y.z>) bob@example.com (Bob)"), "bob@example.com example.com");
    CHECK_STR(domain_of(" a@one.example, b@two.example"), "a@one.example one.example");
    CHECK_STR(domain_of(" Alice\r\n\t<alice@example.net>"), "alice@example.net example.net");
}

static void values_without_a_domain_give_none(void)
{
    CHECK_STR(domain_of(" undisclosed-recipients:;"), "-");
    CHECK_STR(domain_of(" <alice>"), "-");
    CHECK_STR(domain_of(" alice@"), "-");
    CHECK_STR(domain_of(""), "-");
}

#define SIGNER_TESTS(T)                   \
    T(the_first_address_gives_the_domain) \
    T(values_without_a_domain_give_none)

TEST_MAIN(SIGNER_TESTS)
