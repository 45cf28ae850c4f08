/* test_spf_record.c - SPF record selection and strict parsing (RFC 7208) */
#include "arena.h"
#include "spf_record.h"
#include "testing.h"
#include "util.h"

#include <sys/socket.h>

/* parse - parse a NUL-terminated record; 0 or -1 */
static int parse(struct arena *a, const char *txt, struct spf_record *r, char *err, size_t errlen)
{
    return spf_record_parse(txt, strlen(txt), a, r, err, errlen);
}

/* parse_ok - parse txt or fail the test with the reason */
static struct spf_record parse_ok(struct arena *a, const char *txt)
{
    struct spf_record r;
    char err[160] = "";
    if (parse(a, txt, &r, err, sizeof(err)) < 0)
        fprintf(stderr, "refused \"%s\": %s\n", txt, err);
    CHECK(parse(a, txt, &r, err, sizeof(err)) == 0);
    return r;
}

/* ip_is - whether the term's network prints as want */
static bool ip_is(const struct spf_term *t, const char *want)
{
    char buf[IPADDR_STRLEN];
    return strcmp(ipaddr_format(&t->ip, buf, sizeof(buf)), want) == 0;
}

static void selection_needs_version_then_space_or_end(void)
{
    CHECK(spf_record_is_spf("v=spf1", 6));
    CHECK(spf_record_is_spf("V=SPF1 -all", 11));
    CHECK(spf_record_is_spf("v=spf1 ", 7));
    CHECK(!spf_record_is_spf("v=spf10", 7));
    CHECK(!spf_record_is_spf("v=spf1x", 7));
    CHECK(!spf_record_is_spf("v=spf", 5));
    CHECK(!spf_record_is_spf(" v=spf1", 7));
    CHECK(!spf_record_is_spf("v=spf1\0 -all", 12));
    CHECK(!spf_record_is_spf("v=spf2.0/pra -all", 17));
    CHECK(!spf_record_is_spf("", 0));
}

static void every_mechanism_and_qualifier(void)
{
    struct arena *a = arena_create();
    struct spf_record r = parse_ok(a, "v=spf1 +all -include:_spf.example.com ~a ?mx ptr "
                                      "ip4:192.0.2.0/24 ip6:2001:db8::/32 exists:%{i}.x.example");
    CHECK_INT(r.nterms, 8);
    static const struct {
        enum spf_mech mech;
        char qual;
    } want[] = {{SPF_M_ALL, '+'}, {SPF_M_INCLUDE, '-'}, {SPF_M_A, '~'},   {SPF_M_MX, '?'},
                {SPF_M_PTR, '+'}, {SPF_M_IP4, '+'},     {SPF_M_IP6, '+'}, {SPF_M_EXISTS, '+'}};
    for (size_t i = 0; i < ARRAY_LEN(want); i++) {
        CHECK_INT(r.terms[i].mech, want[i].mech);
        CHECK_INT(r.terms[i].qual, want[i].qual);
    }
    CHECK_STR(r.terms[1].domain_spec, "_spf.example.com");
    CHECK_STR(r.terms[2].domain_spec, NULL);
    CHECK_INT(r.terms[2].cidr4, -1);
    CHECK_INT(r.terms[2].cidr6, -1);
    CHECK(r.terms[5].ip.family == AF_INET && ip_is(&r.terms[5], "192.0.2.0"));
    CHECK_INT(r.terms[5].cidr4, 24);
    CHECK(r.terms[6].ip.family == AF_INET6 && ip_is(&r.terms[6], "2001:db8::"));
    CHECK_INT(r.terms[6].cidr6, 32);
    CHECK_STR(r.terms[7].domain_spec, "%{i}.x.example");
    CHECK_STR(r.redirect, NULL);
    CHECK_STR(r.exp, NULL);
    arena_destroy(&a);
}

static void zero_cidr_lengths_are_valid(void)
{
    struct arena *a = arena_create();
    struct spf_record r = parse_ok(a, "v=spf1 ip4:0.0.0.0/0 ip6:::/0 a/0 mx/0 a//0 mx:ex.com/0//0");
    CHECK_INT(r.nterms, 6);
    CHECK_INT(r.terms[0].cidr4, 0);
    CHECK_INT(r.terms[1].cidr6, 0);
    CHECK_INT(r.terms[2].cidr4, 0);
    CHECK_INT(r.terms[3].cidr4, 0);
    CHECK_INT(r.terms[4].cidr4, -1);
    CHECK_INT(r.terms[4].cidr6, 0);
    CHECK_INT(r.terms[5].cidr4, 0);
    CHECK_INT(r.terms[5].cidr6, 0);
    CHECK_STR(r.terms[5].domain_spec, "ex.com");
    arena_destroy(&a);
}

static void dual_cidr_forms_on_a_and_mx(void)
{
    struct arena *a = arena_create();
    struct spf_record r = parse_ok(
        a, "v=spf1 a/24 a//64 a/24//64 mx:mail.example.com/32//128 a:%{d}/28 mx:x.org//48");
    static const int want[][2] = {{24, -1}, {-1, 64}, {24, 64}, {32, 128}, {28, -1}, {-1, 48}};
    CHECK_INT(r.nterms, ARRAY_LEN(want));
    for (size_t i = 0; i < ARRAY_LEN(want); i++) {
        CHECK_INT(r.terms[i].cidr4, want[i][0]);
        CHECK_INT(r.terms[i].cidr6, want[i][1]);
    }
    CHECK_STR(r.terms[3].domain_spec, "mail.example.com");
    CHECK_STR(r.terms[4].domain_spec, "%{d}");
    arena_destroy(&a);
}

static void ip_networks_keep_their_family_and_are_masked(void)
{
    struct arena *a = arena_create();
    struct spf_record r =
        parse_ok(a, "v=spf1 ip6:::ffff:1.2.3.4 ip4:192.0.2.77/24 ip6:2001:db8::1");
    CHECK(r.terms[0].ip.family == AF_INET6 && ip_is(&r.terms[0], "::ffff:1.2.3.4"));
    CHECK_INT(r.terms[0].cidr6, -1);
    CHECK(ip_is(&r.terms[1], "192.0.2.0"));
    CHECK(ip_is(&r.terms[2], "2001:db8::1"));
    arena_destroy(&a);
}

static void modifiers_known_and_unknown(void)
{
    struct arena *a = arena_create();
    struct spf_record r = parse_ok(a, "v=spf1 -all exp=explain._spf.%{d} redirect=_spf.example.com "
                                      "moo.cow-far_out=man:dog/cat foo= x9=%{l}");
    CHECK_INT(r.nterms, 1);
    CHECK_STR(r.exp, "explain._spf.%{d}");
    CHECK_STR(r.redirect, "_spf.example.com");
    r = parse_ok(a, "v=spf1 REDIRECT=Example.NET Exp=%{d}");
    CHECK_STR(r.redirect, "Example.NET");
    CHECK_STR(r.exp, "%{d}");
    arena_destroy(&a);
}

static void case_spaces_dots_and_macros_are_accepted(void)
{
    static const char *good[] = {
        "v=spf1",
        "v=spf1 ",
        "V=SPF1 -ALL",
        "v=spf1   a    mx   -all   ",
        "v=spf1 IP4:192.0.2.1 Include:example.com MX:example.com PTR:Example.Org ALL",
        "v=spf1 a:example.com. -all",
        "v=spf1 a:foo-bar.123-456 a:x.9a a:.com",
        "v=spf1 include:%{d} exists:%{ir}.%{l1r+-}._spf.%{d} a:%{H}.example.com",
        "v=spf1 exists:%{d}.%- a:%%.example.com ptr:%{p2r}",
        "v=spf1 ip6:::1 ip6:::/0 ip6:fe80::1/10 ip4:255.255.255.255/32",
        "v=spf1 a:foo/bar.com",
        "v=spf1 a:macro%%percent%_%_space%-url-space.example.com -all",
        "v=spf1 redirect=%{d}.d.spf.example.com.",
        "v=spf1 include:o.spf.example.com. ~all default=+ exp=msg.example.com.",
        "v=spf1 exists:%{i}.%{l2r-}.user.%{d2}",
    };
    struct arena *a = arena_create();
    for (size_t i = 0; i < ARRAY_LEN(good); i++)
        parse_ok(a, good[i]);
    CHECK_INT(parse_ok(a, "v=spf1   a    mx   -all   ").nterms, 3);
    arena_destroy(&a);
}

/* One record per permerror class of spf_record.h. */
static const char *const bad_records[] = {
    "v=spf1 foo",                                           /* unknown mechanism */
    "v=spf1 !all",                                          /* bad qualifier */
    "v=spf1 ++all",                                         /* two qualifiers */
    "v=spf1 all:example.com",                               /* argument on all */
    "v=spf1 all/24",                                        /* cidr on all */
    "v=spf1 ptr/24",                                        /* cidr on ptr */
    "v=spf1 a24",                                           /* glued mechanism */
    "v=spf1 ip4:192.0.2.0/33",                              /* ip4 cidr > 32 */
    "v=spf1 ip6:2001:db8::/129",                            /* ip6 cidr > 128 */
    "v=spf1 ip4:192.0.2.0/032",                             /* leading zero */
    "v=spf1 a:example.com/00",                              /* leading zero */
    "v=spf1 a/",                                            /* "/" without digits */
    "v=spf1 a//",                                           /* "//" without digits */
    "v=spf1 ip4:192.0.2.0/",                                /* "/" without digits */
    "v=spf1 mx:example.com/24//129",                        /* dual cidr ip6 > 128 */
    "v=spf1 a:example.com/24/64",                           /* single slash ip6 */
    "v=spf1 ip4:192.0.2.0/24/24",                           /* two lengths on ip4 */
    "v=spf1 ip4:192.0.2",                                   /* not a dotted quad */
    "v=spf1 ip4:01.2.3.4",                                  /* leading zero in a quad */
    "v=spf1 ip4:2001:db8::1",                               /* ip6 in ip4 */
    "v=spf1 ip6:192.0.2.1",                                 /* ip4 in ip6 */
    "v=spf1 ip6:fe80::1%eth0",                              /* zone */
    "v=spf1 ip4",                                           /* no network */
    "v=spf1 include",                                       /* no domain-spec */
    "v=spf1 exists",                                        /* no domain-spec */
    "v=spf1 include:",                                      /* empty domain-spec */
    "v=spf1 a:",                                            /* empty domain-spec */
    "v=spf1 mx:/24",                                        /* empty domain-spec */
    "v=spf1 a:foo.example.123",                             /* numeric toplabel */
    "v=spf1 a:foo.-bar",                                    /* toplabel starts with - */
    "v=spf1 a:foo.bar-",                                    /* toplabel ends with - */
    "v=spf1 a:foo.com..",                                   /* empty toplabel */
    "v=spf1 a:localhost",                                   /* no "." toplabel */
    "v=spf1 include:%{d}.",                                 /* dot after a macro */
    "v=spf1 exists:%{x}.example.com",                       /* unknown macro letter */
    "v=spf1 exists:%(ir).sbl.example.org",                  /* '%' without '{' */
    "v=spf1 exists:%{d0}.example.com",                      /* zero part count */
    "v=spf1 exists:%{d129}.example.com",                    /* huge part count */
    "v=spf1 exists:%{c}.example.com",                       /* c only in explanations */
    "v=spf1 a:%{d",                                         /* unterminated macro */
    "v=spf1 redirect=a.example.com redirect=b.example.com", /* duplicate */
    "v=spf1 exp=a.example.com EXP=b.example.com",           /* duplicate */
    "v=spf1 redirect=",                                     /* empty */
    "v=spf1 exp=foo.123",                                   /* numeric toplabel */
    "v=spf1 redirect=%{z}.example.com",                     /* bad macro */
    "v=spf1 1foo=bar",                                      /* name starts with a digit */
    "v=spf1 foo$=bar",                                      /* bad name character */
    "v=spf1 =bar",                                          /* no name */
    "v=spf1 foo=%x",                                        /* bad macro in value */
    "v=spf1 -redirect=example.com",                         /* qualified modifier */
    "v=spf1\t-all",                                         /* tab */
    "v=spf1 -all\r",                                        /* control byte */
    "v=spf1 a:ex\xc3\xa4mple.com",                          /* non-ASCII */
    "v=spf10 -all",                                         /* not SPF */
    "v=spf2.0/pra -all",                                    /* not SPF */
    "spf1 -all",                                            /* not SPF */
    "v=spf1 exists:foo%.sbl.example.com ?all",              /* trailing '%' */
    "v=spf1 a:%{a}.example.com -all",                       /* unknown letter */
    "v=spf1 -all exp=%{r}.example.com",                     /* r only in explanations */
    "v=spf1 redirect=example.com/24",                       /* cidr on redirect */
    "v=spf1 include:e.example.com/24",                      /* cidr on include */
    "v=spf1 mx-all",                                        /* no space */
};

static void every_permerror_class_is_refused(void)
{
    struct arena *a = arena_create();
    struct spf_record r;
    char err[160];
    for (size_t i = 0; i < ARRAY_LEN(bad_records); i++) {
        err[0] = '\0';
        if (parse(a, bad_records[i], &r, err, sizeof(err)) == 0)
            fprintf(stderr, "accepted \"%s\"\n", bad_records[i]);
        CHECK(parse(a, bad_records[i], &r, err, sizeof(err)) < 0);
        CHECK(err[0] != '\0');
        CHECK(r.nterms == 0 && r.terms == NULL);
    }
    arena_destroy(&a);
}

static void nul_inside_the_length_is_refused(void)
{
    struct arena *a = arena_create();
    struct spf_record r;
    char err[160];
    CHECK(spf_record_parse("v=spf1 -all\0 +all", 17, a, &r, err, sizeof(err)) < 0);
    CHECK_CONTAINS(err, "non-ASCII");
    CHECK(spf_record_parse("v=spf1 -all", 11, a, &r, err, sizeof(err)) == 0);
    CHECK(spf_record_parse("v=spf1 -allx", 11, a, &r, err, sizeof(err)) == 0);
    arena_destroy(&a);
}

static void error_names_the_term(void)
{
    struct arena *a = arena_create();
    struct spf_record r;
    char err[160];
    CHECK(parse(a, "v=spf1 a mx bogus:example.com -all", &r, err, sizeof(err)) < 0);
    CHECK_CONTAINS(err, "unknown mechanism");
    CHECK_CONTAINS(err, "bogus:example.com");
    CHECK(parse(a, "v=spf1 redirect=a.example redirect=b.example", &r, err, sizeof(err)) < 0);
    CHECK_CONTAINS(err, "duplicate");
    arena_destroy(&a);
}

#define SPF_RECORD_TESTS(T)                         \
    T(selection_needs_version_then_space_or_end)    \
    T(every_mechanism_and_qualifier)                \
    T(zero_cidr_lengths_are_valid)                  \
    T(dual_cidr_forms_on_a_and_mx)                  \
    T(ip_networks_keep_their_family_and_are_masked) \
    T(modifiers_known_and_unknown)                  \
    T(case_spaces_dots_and_macros_are_accepted)     \
    T(every_permerror_class_is_refused)             \
    T(nul_inside_the_length_is_refused)             \
    T(error_names_the_term)

TEST_MAIN(SPF_RECORD_TESTS)
