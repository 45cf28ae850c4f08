/* test_spf_macro.c - SPF macro syntax and expansion (RFC 7208 section 7) */
#include "arena.h"
#include "spf_macro.h"
#include "testing.h"
#include "util.h"

#include <sys/socket.h>

/* rfc_ctx - the context of RFC 7208 section 7.4, with ip as given */
static struct spf_macro_ctx rfc_ctx(const struct ipaddr *ip)
{
    return (struct spf_macro_ctx){
        .sender = "strong-bad@email.example.com",
        .local = "strong-bad",
        .o_domain = "email.example.com",
        .domain = "email.example.com",
        .ip = ip,
        .validated = "mx.example.org",
        .helo = "mx.example.org",
        .receiver = "receiver.example.net",
        .now = 1700000000,
    };
}

/* expand - expand spec or fail the test */
static const char *expand(struct arena *a, const char *spec, const struct spf_macro_ctx *ctx,
                          bool exp)
{
    char err[128] = "";
    const char *s = spf_macro_expand(spec, ctx, exp, a, err, sizeof(err));
    if (s == NULL)
        fprintf(stderr, "expanding \"%s\": %s\n", spec, err);
    CHECK(s != NULL);
    return s;
}

static void rfc7208_section_7_4_ipv4_examples(void)
{
    static const struct {
        const char *spec, *want;
    } rows[] = {
        {"%{s}", "strong-bad@email.example.com"},
        {"%{o}", "email.example.com"},
        {"%{d}", "email.example.com"},
        {"%{d4}", "email.example.com"},
        {"%{d3}", "email.example.com"},
        {"%{d2}", "example.com"},
        {"%{d1}", "com"},
        {"%{dr}", "com.example.email"},
        {"%{d2r}", "example.email"},
        {"%{l}", "strong-bad"},
        {"%{l-}", "strong.bad"},
        {"%{lr}", "strong-bad"},
        {"%{lr-}", "bad.strong"},
        {"%{l1r-}", "strong"},
        {"%{ir}.%{v}._spf.%{d2}", "3.2.0.192.in-addr._spf.example.com"},
        {"%{lr-}.lp._spf.%{d2}", "bad.strong.lp._spf.example.com"},
        {"%{lr-}.lp.%{ir}.%{v}._spf.%{d2}", "bad.strong.lp.3.2.0.192.in-addr._spf.example.com"},
        {"%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}", "3.2.0.192.in-addr.strong.lp._spf.example.com"},
        {"%{d2}.trusted-domains.example.net", "example.com.trusted-domains.example.net"},
    };
    struct arena *a = arena_create();
    struct ipaddr ip;
    CHECK(ipaddr_parse("192.0.2.3", &ip) == 0);
    struct spf_macro_ctx ctx = rfc_ctx(&ip);
    for (size_t i = 0; i < ARRAY_LEN(rows); i++)
        CHECK_STR(expand(a, rows[i].spec, &ctx, false), rows[i].want);
    arena_destroy(&a);
}

static void rfc7208_section_7_4_ipv6_example(void)
{
    struct arena *a = arena_create();
    struct ipaddr ip;
    CHECK(ipaddr_parse("2001:db8::cb01", &ip) == 0);
    struct spf_macro_ctx ctx = rfc_ctx(&ip);
    CHECK_STR(
        expand(a, "%{ir}.%{v}._spf.%{d2}", &ctx, false),
        "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com");
    CHECK_STR(expand(a, "%{i}", &ctx, false),
              "2.0.0.1.0.d.b.8.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.c.b.0.1");
    CHECK_STR(expand(a, "%{c}", &ctx, true), "2001:db8::cb01");
    arena_destroy(&a);
}

static void uppercase_letters_url_escape_after_transforming(void)
{
    struct arena *a = arena_create();
    struct ipaddr ip;
    CHECK(ipaddr_parse("2001:db8::cb01", &ip) == 0);
    struct spf_macro_ctx ctx = rfc_ctx(&ip);
    ctx.local = "a b/c~d_e";
    CHECK_STR(expand(a, "%{S}", &ctx, false), "strong-bad%40email.example.com");
    CHECK_STR(expand(a, "%{L}", &ctx, false), "a%20b%2Fc~d_e");
    CHECK_STR(expand(a, "%{L/}", &ctx, false), "a%20b.c~d_e");
    CHECK_STR(expand(a, "%{C}", &ctx, true), "2001%3Adb8%3A%3Acb01");
    CHECK_STR(expand(a, "%{D2R}", &ctx, false), "example.email");
    arena_destroy(&a);
}

static void escapes_percent_space_and_url_space(void)
{
    struct arena *a = arena_create();
    struct spf_macro_ctx ctx = rfc_ctx(NULL);
    CHECK_STR(expand(a, "100%% sure%_really%-yes", &ctx, true), "100% sure really%20yes");
    CHECK_STR(expand(a, "a%%b.example.com", &ctx, false), "a%b.example.com");
    CHECK_STR(expand(a, "", &ctx, false), "");
    CHECK_STR(expand(a, "macro%%percent%_%_space%-url-space.example.com", &ctx, false),
              "macro%percent  space%20url-space.example.com");
    arena_destroy(&a);
}

static void explanation_letters_c_r_t_and_spaces(void)
{
    struct arena *a = arena_create();
    struct ipaddr ip;
    CHECK(ipaddr_parse("192.0.2.3", &ip) == 0);
    struct spf_macro_ctx ctx = rfc_ctx(&ip);
    CHECK_STR(expand(a, "%{c} is not one of %{d}'s designated mail servers.", &ctx, true),
              "192.0.2.3 is not one of email.example.com's designated mail servers.");
    CHECK_STR(expand(a, "%{r} at %{t}", &ctx, true), "receiver.example.net at 1700000000");
    CHECK_STR(expand(a, "%{t2}", &ctx, true), "1700000000");
    char err[128];
    CHECK(spf_macro_check("%{c}.example.com", false, err, sizeof(err)) < 0);
    CHECK_CONTAINS(err, "explanations");
    CHECK(spf_macro_check("%{r}.example.com", false, err, sizeof(err)) < 0);
    CHECK(spf_macro_check("%{T}.example.com", false, err, sizeof(err)) < 0);
    CHECK(spf_macro_check("a b.example.com", false, err, sizeof(err)) < 0);
    CHECK(spf_macro_check("a b %{c} %{R} %{t}", true, err, sizeof(err)) == 0);
    arena_destroy(&a);
}

static void missing_values_expand_to_defaults(void)
{
    struct arena *a = arena_create();
    struct spf_macro_ctx ctx = {.domain = "example.com"};
    CHECK_STR(expand(a, "%{p}.%{v}.%{i}.%{s}x.%{d}", &ctx, false),
              "unknown.in-addr..x.example.com");
    CHECK_STR(expand(a, "%{r}|%{c}", &ctx, true), "unknown|");
    arena_destroy(&a);
}

static void delimiters_and_part_counts(void)
{
    struct arena *a = arena_create();
    struct spf_macro_ctx ctx = rfc_ctx(NULL);
    ctx.local = "a+b-c=d,e/f_g.h";
    CHECK_STR(expand(a, "%{l+-=,/_}", &ctx, false), "a.b.c.d.e.f.g.h");
    CHECK_STR(expand(a, "%{l.}", &ctx, false), "a+b-c=d,e/f_g.h");
    CHECK_STR(expand(a, "%{l2r+-}", &ctx, false), "b.a");
    CHECK_STR(expand(a, "%{d128}", &ctx, false), "email.example.com");
    CHECK_STR(expand(a, "%{d02}", &ctx, false), "example.com");
    CHECK_STR(expand(a, "%{d1R}", &ctx, false), "email");
    ctx.domain = "a..b.";
    CHECK_STR(expand(a, "%{dr}", &ctx, false), ".b..a");
    arena_destroy(&a);
}

static void domain_expansions_truncate_left_labels_to_253(void)
{
    struct arena *a = arena_create();
    struct spf_macro_ctx ctx = rfc_ctx(NULL);
    char label[64], spec[400] = "";
    memset(label, 'x', 60);
    label[60] = '\0';
    for (int i = 0; i < 5; i++)
        snprintf(spec + strlen(spec), sizeof(spec) - strlen(spec), "%c%s.", 'a' + i, label);
    strcat(spec, "%{d}"); /* 5 * 62 + 17 = 327 octets */
    const char *s = expand(a, spec, &ctx, false);
    CHECK(strlen(s) <= 253);
    CHECK_INT(strlen(s), 3 * 62 + 17);
    CHECK(s[0] == 'c' && strcmp(s + strlen(s) - 18, ".email.example.com") == 0);
    CHECK_INT(strlen(expand(a, spec, &ctx, true)), 327);
    arena_destroy(&a);
}

static void syntax_errors_are_refused(void)
{
    static const char *bad[] = {
        "%",
        "a%",
        "%x",
        "%{",
        "%{d",
        "%{}",
        "%{x}",
        "%{d0}",
        "%{d00}",
        "%{d129}",
        "%{d1000}",
        "%{d2rr}",
        "%{d!}",
        "%{ d}",
        "%{dr2}",
        "%{d-r}",
        "%(ir).sbl.org",
        "a\tb",
        "a\x7f",
        "\xc3\xa4.com",
        "%{d99999999999999999999999}",
        "%{d4294967297}",
    };
    struct arena *a = arena_create();
    struct spf_macro_ctx ctx = rfc_ctx(NULL);
    char err[128];
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        err[0] = '\0';
        if (spf_macro_check(bad[i], true, err, sizeof(err)) == 0)
            fprintf(stderr, "accepted \"%s\"\n", bad[i]);
        CHECK(spf_macro_check(bad[i], true, err, sizeof(err)) < 0);
        CHECK(err[0] != '\0');
        CHECK(spf_macro_expand(bad[i], &ctx, false, a, err, sizeof(err)) == NULL);
    }
    arena_destroy(&a);
}

static void needs_p_sees_only_real_p_macros(void)
{
    CHECK(spf_macro_needs_p("%{p}.example.com"));
    CHECK(spf_macro_needs_p("x.%{P2r-}"));
    CHECK(!spf_macro_needs_p("%{d}.example.com"));
    CHECK(!spf_macro_needs_p("%%{p}.example.com"));
    CHECK(!spf_macro_needs_p("p.example.com"));
}

#define SPF_MACRO_TESTS(T)                             \
    T(rfc7208_section_7_4_ipv4_examples)               \
    T(rfc7208_section_7_4_ipv6_example)                \
    T(uppercase_letters_url_escape_after_transforming) \
    T(escapes_percent_space_and_url_space)             \
    T(explanation_letters_c_r_t_and_spaces)            \
    T(missing_values_expand_to_defaults)               \
    T(delimiters_and_part_counts)                      \
    T(domain_expansions_truncate_left_labels_to_253)   \
    T(syntax_errors_are_refused)                       \
    T(needs_p_sees_only_real_p_macros)

TEST_MAIN(SPF_MACRO_TESTS)
