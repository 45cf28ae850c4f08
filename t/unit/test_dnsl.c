/* test_dnsl.c - DNS lists: the reversed query names (IPv4 octets, IPv6
 * nibbles, RFC 5782), domain names under a zone, which answers are listings
 * or errors, the weights against the threshold, and the settings' mistakes */
#include "addr.h"
#include "arena.h"
#include "dnsl.h"
#include "lists.h"
#include "registry.h"
#include "rule.h"
#include "testing.h"

static char buf[400];

/* ip_name - dnsl_ip_name of a textual address into buf */
static int ip_name(const char *addr, const char *zone)
{
    struct ipaddr a;
    CHECK(ipaddr_parse(addr, &a) == 0);
    return dnsl_ip_name(&a, zone, buf, sizeof(buf));
}

static void ipv4_octets_are_reversed(void)
{
    CHECK_INT(ip_name("192.0.2.1", "zen.example"), 0);
    CHECK_STR(buf, "1.2.0.192.zen.example");
    CHECK_INT(ip_name("127.0.0.2", "bl.example"), 0);
    CHECK_STR(buf, "2.0.0.127.bl.example");
    CHECK_INT(ip_name("::ffff:198.51.100.7", "bl.example"), 0); /* mapped: as IPv4 */
    CHECK_STR(buf, "7.100.51.198.bl.example");
}

static void ipv6_nibbles_are_reversed(void)
{
    /* RFC 5782 section 2.4's example */
    CHECK_INT(ip_name("2001:db8:1:2:3:4:567:89ab", "ugly.example.com"), 0);
    CHECK_STR(buf,
              "b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.ugly.example.com");
    CHECK_INT(ip_name("::1", "z"), 0);
    CHECK_STR(buf, "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.z");
}

static void a_name_that_does_not_fit_is_refused(void)
{
    struct ipaddr a;
    CHECK(ipaddr_parse("2001:db8::1", &a) == 0);
    CHECK_INT(dnsl_ip_name(&a, "zone.example", buf, 70), -1);
    CHECK(ipaddr_parse("192.0.2.1", &a) == 0);
    CHECK_INT(dnsl_ip_name(&a, "zone.example", buf, 16), -1);
    a.family = 0;
    CHECK_INT(dnsl_ip_name(&a, "zone.example", buf, sizeof(buf)), -1);
}

static void domains_go_under_the_zone_lowercased(void)
{
    CHECK_INT(dnsl_domain_name("Spam.Example.", "dbl.example", buf, sizeof(buf)), 0);
    CHECK_STR(buf, "spam.example.dbl.example");
    CHECK_INT(dnsl_domain_name("", "dbl.example", buf, sizeof(buf)), -1);
    CHECK_INT(dnsl_domain_name("[192.0.2.1]", "dbl.example", buf, sizeof(buf)), -1);
    CHECK_INT(dnsl_domain_name("a..b", "dbl.example", buf, sizeof(buf)), -1);
    CHECK_INT(dnsl_domain_name(".a", "dbl.example", buf, sizeof(buf)), -1);
    char longname[260];
    memset(longname, 'a', 250);
    longname[250] = '\0';
    CHECK_INT(dnsl_domain_name(longname, "dbl.example", buf, sizeof(buf)), -1); /* > 253 */
}

static void zone_names_are_checked(void)
{
    CHECK(dnsl_zone_ok("zen.spamhaus.org"));
    CHECK(dnsl_zone_ok("list.dnswl.org."));
    CHECK(dnsl_zone_ok("_x.bl-1.example"));
    CHECK(!dnsl_zone_ok(""));
    CHECK(!dnsl_zone_ok("."));
    CHECK(!dnsl_zone_ok("a..example"));
    CHECK(!dnsl_zone_ok(".example"));
    CHECK(!dnsl_zone_ok("bl example"));
    CHECK(!dnsl_zone_ok("bl.example/24"));
    char label[70];
    memset(label, 'a', 64);
    label[64] = '\0';
    CHECK(!dnsl_zone_ok(label));
}

static void code_ranges_parse(void)
{
    struct dnsl_range r;
    CHECK_INT(dnsl_parse_range("127.0.0.2", &r), 0);
    CHECK(r.lo == 0x7f000002u && r.hi == 0x7f000002u);
    CHECK_INT(dnsl_parse_range("127.0.0.4-127.0.0.7", &r), 0);
    CHECK(r.lo == 0x7f000004u && r.hi == 0x7f000007u);
    CHECK_INT(dnsl_parse_range("127.0.0.7-127.0.0.4", &r), -1);
    CHECK_INT(dnsl_parse_range("127.0.0", &r), -1);
    CHECK_INT(dnsl_parse_range("127.0.0.2-", &r), -1);
    CHECK_INT(dnsl_parse_range("127.0.0.0/8", &r), -1);
    CHECK_INT(dnsl_parse_range("::1", &r), -1);
}

static const struct dnsl_range some[] = {{0x7f000002u, 0x7f000002u}, {0x7f000004u, 0x7f000007u}};
static const struct dnsl_zone any_code = {.zone = "any.example", .weight = 1};
static const struct dnsl_zone some_codes = {.zone = "some.example", .codes = some, .ncodes = 2};

/* code - dnsl_code of a.b.c.d */
static enum dnsl_code code(const struct dnsl_zone *z, int a, int b, int c, int d)
{
    const unsigned char v[4] = {(unsigned char)a, (unsigned char)b, (unsigned char)c,
                                (unsigned char)d};
    return dnsl_code(z, v);
}

static void answers_in_the_codes_are_listings(void)
{
    CHECK_INT(code(&any_code, 127, 0, 0, 2), DNSL_CODE_LISTED);
    CHECK_INT(code(&any_code, 127, 0, 1, 106), DNSL_CODE_LISTED);
    CHECK_INT(code(&some_codes, 127, 0, 0, 2), DNSL_CODE_LISTED);
    CHECK_INT(code(&some_codes, 127, 0, 0, 4), DNSL_CODE_LISTED);
    CHECK_INT(code(&some_codes, 127, 0, 0, 7), DNSL_CODE_LISTED);
    CHECK_INT(code(&some_codes, 127, 0, 0, 3), DNSL_CODE_OTHER);
    CHECK_INT(code(&some_codes, 127, 0, 0, 8), DNSL_CODE_OTHER);
    CHECK_INT(code(&some_codes, 127, 0, 0, 10), DNSL_CODE_OTHER);
}

static void refusal_codes_and_foreign_answers_are_errors(void)
{
    /* Spamhaus: 252 typo in the zone, 254 public resolver, 255 excessive queries */
    CHECK_INT(code(&any_code, 127, 255, 255, 252), DNSL_CODE_ERROR);
    CHECK_INT(code(&any_code, 127, 255, 255, 254), DNSL_CODE_ERROR);
    CHECK_INT(code(&any_code, 127, 255, 255, 255), DNSL_CODE_ERROR);
    CHECK_INT(code(&any_code, 127, 0, 0, 255), DNSL_CODE_ERROR); /* dnswl.org: blocked */
    CHECK_INT(code(&any_code, 192, 0, 2, 1), DNSL_CODE_ERROR); /* an NXDOMAIN-rewriting resolver */
    const struct dnsl_range all[] = {{0, 0xffffffffu}};
    const struct dnsl_zone everything = {.zone = "all.example", .codes = all, .ncodes = 1};
    CHECK_INT(code(&everything, 127, 255, 255, 254), DNSL_CODE_ERROR); /* whatever codes says */
}

/* A records and answers for the decision tests. */
static struct dns_rr rr(int d)
{
    return (struct dns_rr){.u.a = {127, (unsigned char)(d >> 8 ? 255 : 0),
                                   (unsigned char)(d >> 8 ? 255 : 0), (unsigned char)d}};
}

static char reason[1200];

static void weights_are_summed_against_the_threshold(void)
{
    const struct dnsl_zone zones[] = {
        {.zone = "a.example", .weight = 2},
        {.zone = "b.example", .codes = some, .ncodes = 2, .weight = 1},
        {.zone = "c.example", .weight = 0.5},
    };
    const struct dnsl_settings s = {.zones = zones, .nzones = 3, .threshold = 3};
    struct dns_rr r2 = rr(2), r3 = rr(3);
    struct dns_result listed = {.status = DNS_FOUND, .count = 1, .rr = &r2};
    struct dns_result other = {.status = DNS_FOUND, .count = 1, .rr = &r3};
    struct dns_result nx = {.status = DNS_NXDOMAIN};
    struct dnsl_answer ans[] = {
        {&zones[0], &listed, NULL}, {&zones[1], &listed, NULL}, {&zones[2], &nx, NULL}};
    uint32_t bits;
    CHECK_INT(dnsl_decide(&s, ans, "192.0.2.1", reason, sizeof(reason), &bits), DNSL_LISTED);
    CHECK_STR(reason, "192.0.2.1 is listed in a.example (127.0.0.2), b.example (127.0.0.2)");
    CHECK_INT(bits, 3);
    ans[1].r = &other; /* 127.0.0.3 is not among b's codes */
    CHECK_INT(dnsl_decide(&s, ans, "192.0.2.1", reason, sizeof(reason), &bits), DNSL_NOTLISTED);
    CHECK_STR(reason, "192.0.2.1 is listed in a.example (127.0.0.2) only (weight 2, below 3)");
    CHECK_INT(bits, 1);
    ans[0].r = &nx;
    CHECK_INT(dnsl_decide(&s, ans, "x", reason, sizeof(reason), NULL), DNSL_NOTLISTED);
    CHECK_STR(reason, "x is not listed; b.example answered 127.0.0.3 (not a listing code)");
}

static void a_failed_zone_that_could_reach_the_threshold_is_temperror(void)
{
    const struct dnsl_zone zones[] = {
        {.zone = "a.example", .weight = 1},
        {.zone = "b.example", .weight = 1},
        {.zone = "tiny.example", .weight = 0.5},
    };
    const struct dnsl_settings s = {.zones = zones, .nzones = 3, .threshold = 2};
    struct dns_rr r2 = rr(2), refused = rr(0x1fe); /* 127.255.255.254 */
    struct dns_result listed = {.status = DNS_FOUND, .count = 1, .rr = &r2};
    struct dns_result timeout = {.status = DNS_TRYLATER, .why = "timeout"};
    struct dns_result spamhaus = {.status = DNS_FOUND, .count = 1, .rr = &refused};
    struct dns_result nx = {.status = DNS_NXDOMAIN};
    struct dnsl_answer ans[] = {
        {&zones[0], &listed, NULL}, {&zones[1], &timeout, NULL}, {&zones[2], &nx, NULL}};
    CHECK_INT(dnsl_decide(&s, ans, "192.0.2.1", reason, sizeof(reason), NULL), DNSL_TEMPERROR);
    CHECK_STR(reason, "192.0.2.1 could not be checked: b.example (timeout); listed in a.example "
                      "(127.0.0.2)");
    ans[1].r = &spamhaus;
    CHECK_INT(dnsl_decide(&s, ans, "192.0.2.1", reason, sizeof(reason), NULL), DNSL_TEMPERROR);
    CHECK_STR(reason, "192.0.2.1 could not be checked: b.example (127.255.255.254); listed in "
                      "a.example (127.0.0.2)");
    ans[0].r = &nx; /* a alone cannot make 2 with b failed: 0 + 1 < 2 */
    CHECK_INT(dnsl_decide(&s, ans, "192.0.2.1", reason, sizeof(reason), NULL), DNSL_NOTLISTED);
    ans[1].r = &nx;
    ans[2].r = &timeout; /* a light zone failing cannot change anything either */
    ans[0].r = &listed;
    CHECK_INT(dnsl_decide(&s, ans, "192.0.2.1", reason, sizeof(reason), NULL), DNSL_NOTLISTED);
}

static void an_error_code_beside_a_listing_code_is_still_a_listing(void)
{
    const struct dnsl_zone zones[] = {{.zone = "a.example", .weight = 1}};
    const struct dnsl_settings s = {.zones = zones, .nzones = 1, .threshold = 1};
    struct dns_rr two[] = {rr(0x1fe), rr(4)};
    struct dns_result r = {.status = DNS_FOUND, .count = 2, .rr = two};
    struct dnsl_answer ans[] = {{&zones[0], &r, NULL}};
    CHECK_INT(dnsl_decide(&s, ans, "d", reason, sizeof(reason), NULL), DNSL_LISTED);
    CHECK_STR(reason, "d is listed in a.example (127.0.0.4)");
    r.count = 1; /* only the refusal: an error, with the default threshold temperror */
    CHECK_INT(dnsl_decide(&s, ans, "d", reason, sizeof(reason), NULL), DNSL_TEMPERROR);
}

static struct arena *arena; /* the settings read, until exit */

/* free_arena - at exit */
static void free_arena(void)
{
    arena_destroy(&arena);
}

static void a_listing_zone_s_txt_is_quoted_in_printable_ascii(void)
{
    const struct dnsl_zone zones[] = {{.zone = "a.example", .weight = 1, .txt = true}};
    const struct dnsl_settings s = {.zones = zones, .nzones = 1, .threshold = 1};
    static const char data[] = "see https://a.example/q?x\r\n\xff.";
    struct dns_rr r2 = rr(2), t = {.u.txt = {data, sizeof(data) - 1}};
    struct dns_result listed = {.status = DNS_FOUND, .count = 1, .rr = &r2};
    struct dns_result txt = {.status = DNS_FOUND, .count = 1, .rr = &t};
    struct dns_result later = {.status = DNS_TRYLATER, .why = "timeout"};
    struct dnsl_answer ans[] = {{&zones[0], &listed, &txt}};
    CHECK(dnsl_lists(&zones[0], &listed));
    CHECK_INT(dnsl_decide(&s, ans, "d", reason, sizeof(reason), NULL), DNSL_LISTED);
    CHECK_STR(reason, "d is listed in a.example (127.0.0.2; see https://a.example/q?x???.)");
    ans[0].txt = &later; /* a TXT that fails is left out, nothing else changes */
    CHECK_INT(dnsl_decide(&s, ans, "d", reason, sizeof(reason), NULL), DNSL_LISTED);
    CHECK_STR(reason, "d is listed in a.example (127.0.0.2)");
    char big[400];
    memset(big, 'x', sizeof(big));
    t.u.txt.data = big;
    t.u.txt.len = sizeof(big);
    ans[0].txt = &txt;
    dnsl_decide(&s, ans, "d", reason, sizeof(reason), NULL);
    CHECK_INT((int)strlen(reason), (int)strlen("d is listed in a.example (127.0.0.2; )") + 200);
}

/* configure - dnsl_configure on the checks.x group of text; err in reason */
static int configure(const char *text, const struct dnsl_settings **s)
{
    config_t cfg;
    if (arena == NULL) {
        arena = arena_create();
        atexit(free_arena);
    }
    void *settings = NULL;
    config_init(&cfg);
    CHECK(config_read_string(&cfg, text) == CONFIG_TRUE);
    int rc = dnsl_configure(config_lookup(&cfg, "x"), arena, &settings, reason, sizeof(reason));
    *s = settings;
    config_destroy(&cfg);
    return rc;
}

static void settings_are_read(void)
{
    const struct dnsl_settings *s;
    CHECK_INT(configure("x = { zones = ( { zone = \"Zen.Example.\"; codes = [ \"127.0.0.2\", "
                        "\"127.0.0.4-127.0.0.7\" ]; weight = 2; }, { zone = \"b.example\"; "
                        "weight = 0.5; txt = true; } ); threshold = 2.5; };",
                        &s),
              0);
    CHECK_INT((int)s->nzones, 2);
    CHECK_STR(s->zones[0].zone, "zen.example");
    CHECK_INT((int)s->zones[0].ncodes, 2);
    CHECK(s->zones[0].weight == 2 && s->zones[1].weight == 0.5 && s->threshold == 2.5);
    CHECK_INT((int)s->zones[1].ncodes, 0);
    CHECK(!s->zones[0].txt && s->zones[1].txt);
    CHECK_INT(configure("x = { };", &s), 0);
    CHECK(s->nzones == 0 && s->threshold == 1);
}

static void setting_mistakes_are_named(void)
{
    const struct dnsl_settings *s;
    CHECK_INT(configure("x = { zones = ( { zone = \"bad zone\"; } ); };", &s), -1);
    CHECK_STR(reason, "zone \"bad zone\" is not a DNS zone name");
    CHECK_INT(configure("x = { zones = ( { zone = \"a.example\"; codes = [ \"127.0.0.9-127.0.0.2\" "
                        "]; } ); };",
                        &s),
              -1);
    CHECK_STR(reason, "zone a.example: code \"127.0.0.9-127.0.0.2\" is not an IPv4 address or "
                      "range A-B");
    CHECK_INT(configure("x = { zones = ( { zone = \"a.example\"; weight = -1; } ); };", &s), -1);
    CHECK_STR(reason, "weight must be a number from 0 to 1000");
    CHECK_INT(configure("x = { zones = ( { zone = \"a.example\"; weight = \"2\"; } ); };", &s), -1);
    CHECK_INT(configure("x = { zones = ( { zone = \"a.example\"; txt = 1; } ); };", &s), -1);
    CHECK_STR(reason, "zone a.example: txt must be true or false");
    CHECK_INT(configure("x = { threshold = 0; };", &s), -1);
    CHECK_STR(reason, "threshold must be a number above 0, at most 1000");
    CHECK_INT(configure("x = { zones = ( { zone = \"a.example\"; ttl = 5; } ); };", &s), -1);
    CHECK_STR(reason, "zone a.example: unknown setting \"ttl\"");
    CHECK_INT(configure("x = { zones = ( { codes = [ \"127.0.0.2\" ]; } ); };", &s), -1);
    CHECK_STR(reason, "zones entry 1 must be a group with zone = \"NAME\"");
    CHECK_INT(configure("x = { zone = \"a.example\"; };", &s), -1);
    CHECK_STR(reason, "unknown setting \"zone\"");
}

/* The words the early-accept tests' checks answer, and which were asked. */
static unsigned answered[CHECK_COUNT], asked;

/* words - the env's check results: the table's, noting the ask */
static unsigned words(void *arg, int id)
{
    (void)arg;
    asked |= 1u << id;
    return answered[id] ? answered[id] : 1u;
}

static const char *exempt_patterns[] = {"postmaster@*", NULL};
static struct list exempt_list = {.name = "exempt_rcpt", .patterns = exempt_patterns, .count = 1};
static const struct lists lists = {.v = &exempt_list, .count = 1};

/* early - rules_accept_early at connect over rules given as condition,
 * action pairs; the index of the accepting rule, or -1 */
static int early(const char *const *pairs, size_t n)
{
    struct rule r[8];
    struct arena *a = arena_create();
    char err[200];
    for (size_t i = 0; i < n; i++)
        CHECK(rule_compile(pairs[2 * i], pairs[2 * i + 1], &lists, a, &r[i], err, sizeof(err)) ==
              0);
    struct ruleset rs = {.rules = r, .count = n};
    struct expr_env env = {.words = words};
    asked = 0;
    const struct rule *got = rules_accept_early(&rs, STAGE_CONNECT, &env);
    arena_destroy(&a);
    return got ? (int)(got - r) : -1;
}

static void an_allow_list_accept_is_decided_at_connect(void)
{
    answered[CHECK_ID_dnswl] = 1u << DNSL_LISTED;
    answered[CHECK_ID_dnsbl] = 1u << DNSL_LISTED;
    const char *const plain[] = {"dnswl is listed", "accept", "dnsbl is listed", "reject"};
    CHECK_INT(early(plain, 2), 0);
    CHECK_INT((int)asked, 1 << CHECK_ID_dnswl); /* dnsbl was never asked */
    /* a later-stage accept before it cannot change the outcome */
    const char *const exempt[] = {"rcpt in exempt_rcpt", "accept", "dnswl is listed", "accept"};
    CHECK_INT(early(exempt, 2), 1);
    /* a connect rule before it decides first: a listed client stays refused */
    const char *const first[] = {"dnsbl is listed", "reject", "dnswl is listed", "accept"};
    CHECK_INT(early(first, 2), -1);
    answered[CHECK_ID_dnsbl] = 1u << DNSL_NOTLISTED;
    CHECK_INT(early(first, 2), 1);
}

static void a_later_rule_before_the_accept_keeps_it_for_rcpt(void)
{
    answered[CHECK_ID_dnswl] = 1u << DNSL_LISTED;
    /* the sender is known at MAIL only: the rule may reject first */
    const char *const sender[] = {"spf is fail", "reject", "dnswl is listed", "accept"};
    CHECK_INT(early(sender, 2), -1);
    CHECK_INT((int)asked, 0); /* nothing evaluated: no accept could be decided */
    const char *const none[] = {"dnsbl is listed", "reject"};
    CHECK_INT(early(none, 1), -1);
    CHECK_INT((int)asked, 0);
    answered[CHECK_ID_dnswl] = 1u << DNSL_TEMPERROR; /* doubt is not an accept */
    const char *const wl[] = {"dnswl is listed", "accept"};
    CHECK_INT(early(wl, 1), -1);
}

#define DNSL_TESTS(T)                                            \
    T(ipv4_octets_are_reversed)                                  \
    T(ipv6_nibbles_are_reversed)                                 \
    T(a_name_that_does_not_fit_is_refused)                       \
    T(domains_go_under_the_zone_lowercased)                      \
    T(zone_names_are_checked)                                    \
    T(code_ranges_parse)                                         \
    T(answers_in_the_codes_are_listings)                         \
    T(refusal_codes_and_foreign_answers_are_errors)              \
    T(weights_are_summed_against_the_threshold)                  \
    T(a_failed_zone_that_could_reach_the_threshold_is_temperror) \
    T(an_error_code_beside_a_listing_code_is_still_a_listing)    \
    T(a_listing_zone_s_txt_is_quoted_in_printable_ascii)         \
    T(settings_are_read)                                         \
    T(setting_mistakes_are_named)                                \
    T(an_allow_list_accept_is_decided_at_connect)                \
    T(a_later_rule_before_the_accept_keeps_it_for_rcpt)

TEST_MAIN(DNSL_TESTS)
